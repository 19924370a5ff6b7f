"""Reader of the dicom-standard JSON (Innolitics, PyPI ``dicom-standard``, MIT licence).

The package is an HTML scrape of the NEMA web edition of PS3.3 (plus the PS3.6 data
dictionary and the PS3.4 Storage SOP Classes). This reader turns it into the same raw
tables the DocBook PS3.3 reader produces (docs/CONTRACTS.md), so compile and write are
shared. Its jobs beyond re-shaping: undo the package's inline expansion of macros
(``dsj_macros``), give the folded includes back the conditions the package lost with
the include rows (the reviewed overlay ``dsj_include_conditions.json``,
``dsj_include_conditions``), correct the package's structural defects (rows at the
wrong level, the recursive include of Table C.17-6 that it cannot express: the cited
overlay ``dsj_corrections.json``), and pull condition text, enums and item counts out
of the description HTML (``dsj_text``). The module and macro tables are read by
``dsj_tables``, the package's files by ``dsj_package``; this module reads the
dictionary, IODs and SOP Classes and puts the parts together.
"""

from __future__ import annotations

import re
from pathlib import Path

from conformance.compiler.readers.dsj_corrections import CORRECTIONS, load_corrections
from conformance.compiler.readers.dsj_include_conditions import (
    INCLUDE_CONDITIONS,
    load_include_conditions,
)
from conformance.compiler.readers.dsj_macros import FoldStats
from conformance.compiler.readers.dsj_package import (
    Anomalies,
    anomaly,
    id_map,
    load_json,
    need,
    our_id,
    reference_of,
)
from conformance.compiler.readers.dsj_sections import Sections, load_references
from conformance.compiler.readers.dsj_tables import Dictionary, read_tables
from conformance.compiler.readers.dsj_text import clean, condition_of
from conformance.errors import SourceError
from conformance.tags import parse_tag


def read_dicom_standard_json(folder: Path, anomalies: Anomalies,
                             stats: FoldStats | None = None, *,
                             include_conditions: Path | None = INCLUDE_CONDITIONS,
                             corrections: Path | None = CORRECTIONS) -> dict:
    """Raw tables of the package folder: iods, modules, macros, sop_classes, elements, uids.

    ``uids`` is empty: the package has no UID registry (take PS3.6's from DocBook).
    Anomalies (package defects, unknown types, unresolved ids) are appended to
    ``anomalies``; only a missing or malformed file raises SourceError. ``stats``, when
    given, receives how many rows were folded into how many includes.
    ``include_conditions`` is the overlay of include-row conditions, ``corrections`` the
    overlay of structural corrections (None: none). ``references.json``, when the folder
    has it, lends a row the Enumerated Values / Defined Terms of its own cited section
    (``dsj_sections``).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise SourceError(f"{folder}: no such folder")
    overlay = load_include_conditions(include_conditions) if include_conditions else []
    fixes = load_corrections(corrections) if corrections else None
    elements = read_elements(folder, anomalies)
    tables, folded, ids = read_tables(folder, Dictionary(elements), anomalies, overlay,
                                      fixes, Sections(load_references(folder)))
    if stats is not None:
        stats.__dict__.update(folded.__dict__)
    iods = read_iods(folder, tables, ids, anomalies)
    sops = read_sop_classes(folder, iods, anomalies)
    return {"iods": iods, "modules": tables["module"], "macros": tables["macro"],
            "sop_classes": sops, "elements": elements, "uids": {}}


def read_elements(folder: Path, anomalies: Anomalies) -> dict[str, dict]:
    """``attributes.json`` (the PS3.6 data dictionary) -> contract dictionary elements."""
    out: dict[str, dict] = {}
    for index, rec in enumerate(load_json(folder, "attributes.json"), 1):
        need("attributes.json", rec, "tag", "name", "keyword", "valueRepresentation",
              "valueMultiplicity", "retired")
        tag = parse_tag(rec["tag"])
        if tag is None:
            anomaly(anomalies, "bad_tag", "attributes", rec["tag"], "unparsable tag",
                    index=index, part=6)
            continue
        vr = clean(rec["valueRepresentation"] or "")
        if vr and not re.fullmatch(r"[A-Z]{2}(?: or [A-Z]{2})*", vr):
            anomaly(anomalies, "vr_verbatim", "attributes", tag, f"VR {vr!r} kept verbatim",
                    index=index, part=6)
        if not rec["name"]:
            anomaly(anomalies, "no_name", "attributes", tag, "dictionary row without a name",
                    index=index, part=6)
        if tag in out:
            anomaly(anomalies, "duplicate_tag", "attributes", tag, "listed twice",
                    index=index, part=6)
        out[tag] = {"tag": tag, "name": clean(rec["name"]), "keyword": rec["keyword"] or "",
                    "vr": vr, "vm": clean(rec["valueMultiplicity"] or ""),
                    "retired": rec["retired"] == "Y"}
    return out


def read_iods(folder: Path, tables: dict[str, dict[str, dict]], ids: dict[str, dict[str, str]],
              anomalies: Anomalies) -> dict[str, dict]:
    """``ciods.json`` + module and functional-group usage -> contract IODs (keyed by our ids;
    ``ids`` maps the package's module and macro ids to ours)."""
    recs = load_json(folder, "ciods.json")
    for rec in recs:
        need("ciods.json", rec, "id", "name")
    iod_ids = id_map("iod", recs, anomalies)
    iods: dict[str, dict] = {}
    by_package: dict[str, dict] = {}
    for rec in recs:
        iid = iod_ids[rec["id"]]
        iods[iid] = by_package[rec["id"]] = {
            "id": iid, "name": clean(rec["name"]),
            "reference": reference_of(rec.get("linkToStandard")),
            "modules": [], "functional_groups": []}
    # module usage, then functional-group macro usage: the same record shape
    for name, id_key, kind, missing, out in (
            ("ciod_to_modules", "moduleId", "module", "module not in modules.json", "modules"),
            ("ciod_to_fg_macros", "macroId", "macro", "FG macro not in macros.json",
             "functional_groups")):
        for index, rec in enumerate(load_json(folder, f"{name}.json"), 1):
            need(f"{name}.json", rec, "ciodId", id_key, "usage")
            iod = _iod_for(by_package, rec, name, anomalies)
            if iod is None:
                continue
            mid = ids[kind].get(rec[id_key], rec[id_key])
            if mid not in tables[kind]:
                anomaly(anomalies, f"unknown_{kind}", iod["id"], mid, missing, index=index)
            usage, condition = _usage(rec, iod["id"], mid, index, anomalies)
            entry = ({"ie": clean(rec.get("informationEntity") or ""), "module": mid}
                     if kind == "module" else {"macro": mid})
            iod[out].append({**entry, "usage": usage, "condition": condition})
    return iods


def _iod_for(iods: dict[str, dict], rec: dict, where: str, anomalies: Anomalies) -> dict | None:
    iod = iods.get(rec["ciodId"])
    if iod is None:
        anomaly(anomalies, "unknown_iod", rec["ciodId"], None, f"{where} names an unknown IOD")
    return iod


def _usage(rec: dict, iod_id: str, row: str, index: int, anomalies: Anomalies
           ) -> tuple[str, dict | None]:
    usage = (rec["usage"] or "").strip()
    text = clean(rec.get("conditionalStatement") or "")
    if usage not in ("M", "C", "U"):
        anomaly(anomalies, "usage_unknown", iod_id, row, f"usage {usage!r}", index=index)
    if usage == "C" and not text:
        anomaly(anomalies, "condition_missing", iod_id, row, "usage C without a condition",
                index=index)
    if usage != "C" and text:
        anomaly(anomalies, "condition_on_unconditional", iod_id, row,
                f"usage {usage} with a condition: {text[:80]}", index=index)
    if usage == "C" and text:
        condition = condition_of(text, "")
        return usage, condition
    return usage, None


def read_sop_classes(folder: Path, iods: dict[str, dict],
                     anomalies: Anomalies) -> dict[str, dict]:
    """``sops.json`` (PS3.4 Storage SOP Classes) -> contract SOP classes."""
    out: dict[str, dict] = {}
    for index, rec in enumerate(load_json(folder, "sops.json"), 1):
        need("sops.json", rec, "id", "name")
        uid = rec["id"].strip()
        iod_name = clean(rec.get("ciod") or "") or None
        iod_id = our_id("iod", iod_name) if iod_name else None
        if iod_id is not None and iod_id not in iods:
            anomaly(anomalies, "unknown_iod", "sops", uid, f"IOD {iod_name!r} not in ciods.json",
                    index=index, part=4)
            iod_id = None
        ref = iods[iod_id]["reference"] if iod_id else None
        out[uid] = {"uid": uid, "name": clean(rec["name"]), "iod": iod_id, "iod_name": iod_name,
                    "reference": ref,
                    # the package lists current Storage SOP Classes only
                    "retired": False}
    return out
