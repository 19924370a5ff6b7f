"""Reader of the dicom-standard JSON (Innolitics, PyPI ``dicom-standard``, MIT licence).

The package is an HTML scrape of the NEMA web edition of PS3.3 (plus the PS3.6 data
dictionary and the PS3.4 Storage SOP Classes). This reader turns it into the same raw
tables the DocBook PS3.3 reader produces (docs/CONTRACTS.md), so compile and write are
shared. Its jobs beyond re-shaping: undo the package's inline expansion of macros
(``dsj_macros``), give the folded includes back the conditions the package lost with
the include rows (the reviewed overlay ``dsj_include_conditions.json``), correct the
package's structural defects (rows at the wrong level, the recursive include of Table
C.17-6 that it cannot express: the cited overlay ``dsj_corrections.json``), and pull
condition text, enums and item counts out of the description HTML (``dsj_text``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from conformance.compiler.readers.dsj_corrections import (
    CORRECTIONS,
    add_missing_includes,
    load_corrections,
    move_rows,
    read_overlay,
)
from conformance.compiler.readers.dsj_macros import Fold, FoldStats, Row, build_tree, fold_tables
from conformance.compiler.readers.dsj_sections import (
    REFERENCES,
    Sections,
    load_references,
    merge_enums,
)
from conformance.compiler.readers.dsj_text import (
    clean,
    condition_of,
    condition_text,
    enums_of,
    items_of,
    parse_cell,
)
from conformance.compiler.readers.part03_cids import cids_in_text, constraint
from conformance.errors import SourceError
from conformance.ids import slug, strip_caption
from conformance.tags import TagPattern, parse_tag

EDITION = "2020-dicom-standard-json"
SOURCE = "dicom-standard"
FILES = ("ciods.json", "modules.json", "macros.json", "ciod_to_modules.json",
         "ciod_to_fg_macros.json", "module_to_attributes.json", "macro_to_attributes.json",
         "attributes.json", "sops.json")
TYPES = frozenset({"1", "1C", "2", "2C", "3"})
_REF_RE = re.compile(r"/(?:sect|chapter)_([^/#]+)\.html(?:#table_([^#]+))?$")
_PROHIBITION = re.compile(r"\bshall\s+not\s+be\s+present\b", re.I)
_REQUIRED = re.compile(r"\brequired\s+(?:if|when|only)\b", re.I)
INCLUDE_CONDITIONS = Path(__file__).with_name("dsj_include_conditions.json")
_OVERLAY_KEYS = ("table_kind", "table", "include", "include_label", "condition", "section",
                 "table_label", "source")

Anomalies = list[dict]


def anomaly(anomalies: Anomalies, kind: str, table: str | None, where: str | None,
            detail: str, *, index: int | None = None, part: int = 3) -> None:
    """Append one anomaly; ``where`` (a path or tag) leads the detail, ``index`` is the
    1-based position of the record in its package file (the contract's integer ``row``)."""
    text = f"{where}: {detail}" if where else detail
    anomalies.append({"part": part, "kind": kind, "table": table, "row": index, "detail": text})


def reference_of(url: str | None) -> dict | None:
    """``.../part03/sect_A.3.3.html#table_A.3-1`` -> ``{"part": 3, "section": "A.3.3", ...}``."""
    if not url:
        return None
    m = _REF_RE.search(url)
    if not m:
        return None
    return {"part": 3, "section": m.group(1), "table": m.group(2)}


def load_json(folder: Path, name: str) -> list[Any]:
    """One package file as a list of records; SourceError when missing or malformed."""
    path = Path(folder) / name
    if not path.is_file():
        raise SourceError(f"{path}: no such file (is {folder} a dicom-standard data folder?)")
    try:
        with path.open(encoding="utf-8") as f:
            data = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: not valid JSON ({exc}); the file may be truncated") from None
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise SourceError(f"{path}: expected a JSON list of objects")
    return data


def _need(path: str, rec: dict, *keys: str) -> None:
    missing = [k for k in keys if k not in rec]
    if missing:
        raise SourceError(f"{path}: record without {', '.join(missing)}: {str(rec)[:120]}")


def source_info(folder: Path) -> dict:
    """Manifest ``parts`` entry for the package folder.

    ``sha256`` is the hash of the lines ``<sha256 of file>  <name>`` of the files read, in
    the order of ``FILES`` (like ``sha256sum`` output), so one digest pins the whole set.
    """
    folder = Path(folder)
    lines = []
    names = list(FILES)
    if (folder / REFERENCES).is_file():  # optional: the cited sections' enumerations
        names.append(REFERENCES)
    for name in names:
        path = folder / name
        if not path.is_file():
            raise SourceError(f"{path}: no such file")
        lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {name}\n")
    return {"edition": EDITION, "sha256": hashlib.sha256("".join(lines).encode()).hexdigest(),
            "file": str(folder), "package": f"{SOURCE} {package_version()}",
            "files": dict(zip(names, (ln.split()[0] for ln in lines), strict=True))}


def package_version() -> str:
    from importlib import metadata

    try:
        return metadata.version(SOURCE)
    except metadata.PackageNotFoundError:
        return "unknown"


class _Dictionary:
    """Tag -> PS3.6 row of the package, exact tags first, then masks like ``60xx3000``."""

    def __init__(self, elements: dict[str, dict]) -> None:
        self.exact = {t: e for t, e in elements.items() if "x" not in t}
        self.masks = [(TagPattern.of(t), e) for t, e in elements.items() if "x" in t]

    def get(self, tag: str) -> dict | None:
        if tag in self.exact:
            return self.exact[tag]
        if "x" in tag:
            return next((e for p, e in self.masks if p.text == tag), None)
        value = int(tag, 16)
        return next((e for p, e in self.masks if p.matches(value)), None)


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
    tables, folded, ids = read_tables(folder, _Dictionary(elements), anomalies, overlay,
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
        _need("attributes.json", rec, "tag", "name", "keyword", "valueRepresentation",
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


def _grouped(folder: Path, name: str, key: str) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for index, rec in enumerate(load_json(folder, name), 1):
        _need(name, rec, key, "path", "tag", "type", "description")
        rec["_index"] = index
        groups[rec[key]].append(rec)
    return groups


_CAPTION = {"iod": " IOD Modules", "module": " Module Attributes", "macro": " Macro Attributes"}


def our_id(kind: str, name: str) -> str:
    """The id the DocBook reader derives from the table caption of ``name``.

    The package's own slugs mostly agree, but not always: it keeps runs of dashes
    (``image---equipment-coordinate-relationship``).
    """
    return slug(strip_caption(clean(name) + _CAPTION[kind]))


def id_map(kind: str, recs: list[dict], anomalies: Anomalies) -> dict[str, str]:
    """Package id -> our id for one namespace; a clash keeps the package id."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for rec in recs:
        new = our_id(kind, rec["name"])
        if new in taken or not new:
            anomaly(anomalies, "id_clash", rec["id"], None,
                    f"{kind} name {rec['name']!r} gives id {new!r} already taken; "
                    "package id kept")
            new = rec["id"]
        taken.add(new)
        out[rec["id"]] = new
    return out


def load_include_conditions(path: Path) -> list[dict]:
    """The entries of an include-condition overlay file; SourceError when it is malformed.

    The package drops PS3.3's include rows (and so their conditions); the overlay names,
    per (table, included macro), the condition sentence of that row with its source.
    """
    path = Path(path)
    data = read_overlay(path, "include-condition overlay")
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list) or data.get("format") != 1:
        raise SourceError(f"{path}: expected {{'format': 1, 'entries': [...]}}")
    seen: set[tuple[str, str, str]] = set()
    for i, e in enumerate(entries, 1):
        if not isinstance(e, dict) or not all(isinstance(e.get(k), str) and e[k].strip()
                                               for k in _OVERLAY_KEYS):
            raise SourceError(f"{path}: entry {i} needs non-empty strings "
                              f"{', '.join(_OVERLAY_KEYS)}")
        if e["table_kind"] not in ("module", "macro"):
            raise SourceError(f"{path}: entry {i}: table_kind must be 'module' or 'macro'")
        key = (e["table_kind"], e["table"], e["include"])
        if key in seen:
            raise SourceError(f"{path}: entry {i} repeats {key[0]} {key[1]!r} include {key[2]!r}")
        seen.add(key)
    return entries


def apply_include_conditions(tables: dict[str, dict[str, dict]], overlay: list[dict],
                             macro_refs: dict[str, dict | None],
                             anomalies: Anomalies) -> None:
    """Give the include nodes named by ``overlay`` their condition (in place).

    Every include of the macro inside the table (any nesting level) gets it. An entry
    that matches no include, or whose ``include_label`` differs from the package's own
    table label of the macro, is an anomaly; each applied entry is noted too, so the
    build records where it departs from the package.
    """
    for e in overlay:
        table = tables[e["table_kind"]].get(e["table"])
        hits = [n for n in _include_nodes(table["attributes"] if table else [])
                if n["include"]["id"] == e["include"]]
        where = f"include of {e['include']}"
        if not hits:
            anomaly(anomalies, "include_condition_unmatched", e["table"], where,
                    f"overlay condition {e['condition']!r} matches no include "
                    "(the table or the include is not in this package data)")
            continue
        label = (macro_refs.get(e["include"]) or {}).get("table")
        if label != e["include_label"]:
            anomaly(anomalies, "include_condition_label", e["table"], where,
                    f"overlay says Table {e['include_label']}, the package's macro is "
                    f"Table {label}")
        for node in hits:
            node["condition"] = {"text": e["condition"], "expr": None, "otherwise": None,
                                 "error": None}
            node["text"] = f"{node['text']} {e['condition']}"
        anomaly(anomalies, "include_condition_restored", e["table"], where,
                f"include row condition lost by the package restored from "
                f"dsj_include_conditions.json ({len(hits)} include(s)): {e['condition']!r}")


def _include_nodes(nodes: list[dict]) -> list[dict]:
    out: list[dict] = []
    for n in nodes:
        if n["kind"] == "include":
            out.append(n)
        else:
            out.extend(_include_nodes(n["children"]))
    return out


def read_tables(folder: Path, dictionary: _Dictionary, anomalies: Anomalies,
                overlay: list[dict] | None = None,
                corrections: dict[str, list[dict]] | None = None,
                sections: Sections | None = None
                ) -> tuple[dict[str, dict[str, dict]], FoldStats, dict[str, dict[str, str]]]:
    """Module and macro tables with the macro expansion folded back into includes, the
    include conditions of ``overlay`` and the structural ``corrections`` applied.

    Also returns the package-id -> our-id maps (``"module"``, ``"macro"``).
    """
    heads = {"module": load_json(folder, "modules.json"),
             "macro": load_json(folder, "macros.json")}
    rows = {"module": _grouped(folder, "module_to_attributes.json", "moduleId"),
            "macro": _grouped(folder, "macro_to_attributes.json", "macroId")}
    info: dict[str, dict[str, dict]] = {"module": {}, "macro": {}}
    for kind, recs in heads.items():
        for rec in recs:
            _need(f"{kind}s.json", rec, "id", "name")
            info[kind][rec["id"]] = rec
        for orphan in sorted(set(rows[kind]) - set(info[kind])):
            anomaly(anomalies, "unknown_table", orphan, None,
                    f"{kind} rows for an id not in {kind}s.json; dropped")
    ids = {kind: id_map(kind, heads[kind], anomalies) for kind in ("module", "macro")}
    raw = {(kind, ids[kind][pid]): rows[kind].get(pid, [])
           for kind in ("module", "macro") for pid in info[kind]}
    if corrections:
        # before the tree is built, so that folding sees the corrected structure
        move_rows(raw, corrections["moved_rows"], anomalies)
    trees: dict[tuple[str, str], list[Row]] = {key: build_tree(r) for key, r in raw.items()}
    macro_trees = {ids["macro"][pid]: trees[("macro", ids["macro"][pid])]
                   for pid in info["macro"]}
    stats = fold_tables(trees, macro_trees, frozenset(k for k in trees if k[0] == "macro"))
    by_id = {kind: {ids[kind][pid]: rec for pid, rec in info[kind].items()}
             for kind in ("module", "macro")}
    tables: dict[str, dict[str, dict]] = {"module": {}, "macro": {}}
    for (kind, tid), top in trees.items():
        rec = by_id[kind][tid]
        ctx = _TableContext(kind, tid, dictionary, by_id["macro"], anomalies,
                            sections or Sections({}))
        tables[kind][tid] = {"id": tid, "name": clean(rec["name"]), "kind": kind,
                             "reference": reference_of(rec.get("linkToStandard")),
                             "attributes": [ctx.node(n) for n in top]}
        ctx.check_types(top)
    if overlay:
        refs = {tid: t["reference"] for tid, t in tables["macro"].items()}
        apply_include_conditions(tables, overlay, refs, anomalies)
    if corrections:
        add_missing_includes(tables, corrections["missing_includes"], anomalies)
    return tables, stats, ids


class _TableContext:
    """Turns the folded tree of one table into contract Nodes, noting anomalies."""

    def __init__(self, kind: str, tid: str, dictionary: _Dictionary,
                 macro_info: dict[str, dict], anomalies: Anomalies,
                 sections: Sections) -> None:
        self.kind = kind
        self.sections = sections
        self.tid = tid
        self.dictionary = dictionary
        self.macro_info = macro_info
        self.anomalies = anomalies

    def note(self, kind: str, raw: dict, detail: str) -> None:
        anomaly(self.anomalies, kind, self.tid, raw.get("path"), detail, index=raw.get("_index"))

    def node(self, n: Row | Fold) -> dict:
        if isinstance(n, Fold):
            return self.include(n.macro)
        return self.attribute(n)

    def include(self, macro_id: str) -> dict:
        rec = self.macro_info[macro_id]
        ref = reference_of(rec.get("linkToStandard")) or {}
        label = f"Table {ref['table']} " if ref.get("table") else ""
        # the package drops the include row, so its wording is rebuilt from the macro's name
        text = f'Include {label}"{clean(rec["name"])} Macro Attributes"'
        return {"kind": "include", "include": {"kind": "macro", "id": macro_id},
                "condition": None, "text": text}

    def attribute(self, n: Row) -> dict:
        raw = n.raw
        tag = parse_tag(raw["tag"]) or parse_tag(n.seg[:4] + "," + n.seg[4:])
        if tag is None:
            self.note("bad_tag", raw, f"unparsable tag {raw['tag']!r}")
            tag = n.seg.upper()
        entry = self.dictionary.get(tag)
        if entry is None:
            self.note("unknown_tag", raw, f"{tag} is not in the package's data dictionary")
        text, blocks = parse_cell(raw["description"] or "")
        type_ = self.type_of(raw)
        cond_text = condition_text(blocks, conditional=type_ in ("1C", "2C"))
        condition = None
        if type_ in ("1C", "2C"):
            condition = condition_of(cond_text, type_)
            if condition is None:
                self.note("condition_missing", raw, f"type {type_} without a condition sentence")
        elif type_ in ("1", "2") and _REQUIRED.search(cond_text):
            self.note("condition_on_unconditional", raw,
                      f"type {type_} row with condition wording: {cond_text[:80]}")
        elif (type_ == "3" and _PROHIBITION.search(cond_text)) or (type_ == "" and cond_text):
            # a type 3 row may still be forbidden under a condition; a row without a Type
            # keeps its wording so that nothing written in the table is lost
            condition = condition_of(cond_text, type_)
        is_seq = bool(n.children) or (entry is not None and entry["vr"] == "SQ")
        node = {"kind": "attribute", "name": entry["name"] if entry else "", "tag": tag,
                "type": type_, "description": text, "condition": condition,
                "enums": merge_enums(enums_of(blocks), self.sections.enums_for(
                    raw.get("externalReferences"), entry["name"] if entry else "")),
                "items": items_of(blocks) if is_seq else None,
                "children": [self.node(c) for c in n.children]}
        refs = cids_in_text(text)
        if refs:
            # The package drops include rows, where most CIDs are; the prose keeps a few.
            node["context_groups"] = [constraint(r) for r in refs]
        return node

    def type_of(self, raw: dict) -> str:
        t = (raw.get("type") or "").strip()
        if t in TYPES:
            return t
        if t == "None":
            # the printed table has no Type column (normalized/service tables of PS3.3
            # C.2-C.4 and the print tables): "no type" is the honest reading
            if _REQUIRED.search(clean(raw.get("description") or "")):
                self.note("type_missing", raw,
                          "no Type in the package but the description has 'Required if'")
            return ""
        self.note("type_unknown", raw, f"type {t!r} not one of 1, 1C, 2, 2C, 3")
        return ""

    def check_types(self, top: list[Row | Fold]) -> None:
        """A table's own rows either all have a Type or none do; a mix is a scrape defect."""
        own = _own_rows(top)
        typed = [n for n in own if n.raw.get("type") != "None"]
        if typed and len(typed) != len(own):
            for n in own:
                if n.raw.get("type") == "None":
                    self.note("type_missing", n.raw,
                              "no Type while other rows of the table have one")


def _own_rows(nodes: list[Row | Fold]) -> list[Row]:
    out: list[Row] = []
    for n in nodes:
        if isinstance(n, Row):
            out.append(n)
            out.extend(_own_rows(n.children))
    return out


def read_iods(folder: Path, tables: dict[str, dict[str, dict]], ids: dict[str, dict[str, str]],
              anomalies: Anomalies) -> dict[str, dict]:
    """``ciods.json`` + module and functional-group usage -> contract IODs (keyed by our ids;
    ``ids`` maps the package's module and macro ids to ours)."""
    recs = load_json(folder, "ciods.json")
    for rec in recs:
        _need("ciods.json", rec, "id", "name")
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
            _need(f"{name}.json", rec, "ciodId", id_key, "usage")
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
        _need("sops.json", rec, "id", "name")
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
