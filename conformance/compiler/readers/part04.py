"""PS3.4 reader: the "Standard SOP Classes" tables (SOP Class -> IOD specification).

Read: every table whose caption ends with "Standard SOP Classes" and whose header has
"SOP Class Name" and "SOP Class UID" (Storage B.5-1, Media Storage I.4-1 and their
"Retired Standard SOP Classes" tables B.6-1, I.5-1). The IOD Specification cell is an
``olink`` into PS3.3 (``targetptr="sect_A.3"``) whose text NEMA leaves to the renderer,
so ``iod_name`` is null unless the cell spells a name; the compile step resolves the
section against PS3.3. Output shape: ``sop_classes.json`` in docs/CONTRACTS.md.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from conformance.compiler.readers.docbook import (
    anomaly,
    caption_of,
    clean_text,
    header_of,
    iter_elements,
    label_of,
    q,
    render_text,
    rows_of,
)
from conformance.ids import slug, strip_caption

PART = 4

_UID_RE = re.compile(r"[0-9]+(?:\.[0-9]+)+")
# a PS3.3 reference written as text: "PS3.3 A.3", "PS 3.3 Section A.3.1", "PS3.3 Table A.3-1"
_TEXT_REF = re.compile(r"PS\s*3\.3\s*,?\s*(Section|Table|Annex)?\s*([A-Z]{1,2}(?:[.-]\d+)+)")
_SEE = re.compile(r"\(\s*see\b[^)]*\)", re.I)


def reference_of(cell: etree._Element) -> dict | None:
    """The PS3.3 reference of an IOD Specification cell, or None."""
    for link in cell.iter(q("olink")):
        if link.get("targetdoc", "").replace(" ", "") != "PS3.3":
            continue
        ptr = link.get("targetptr", "")
        for prefix, key in (("sect_", "section"), ("table_", "table")):
            if ptr.startswith(prefix):
                ref = {"part": 3, "section": None, "table": None}
                ref[key] = ptr[len(prefix):]
                return ref
    m = _TEXT_REF.search(clean_text(" ".join(cell.itertext())))
    if m:
        key = "table" if (m.group(1) or "").lower() == "table" else "section"
        ref = {"part": 3, "section": None, "table": None}
        ref[key] = m.group(2)
        return ref
    return None


def iod_name_of(cell: etree._Element) -> str | None:
    """``"CT Image IOD"`` -> ``"CT Image"``; None when the cell holds only links."""
    text = clean_text(" ".join(t for t in _own_text(cell)))
    text = _TEXT_REF.sub(" ", text)
    text = _SEE.sub(" ", text)
    text = re.sub(r"\(\s*\)", " ", text)
    text = " ".join(text.split()).strip(" .,;:")
    if not re.search(r"[A-Za-z]{2}", text):
        return None
    return strip_caption(text) or None


def _own_text(el: etree._Element) -> list[str]:
    """Text of ``el`` without the (textless or not) links inside it."""
    out: list[str] = []
    if el.tag not in (q("olink"), q("xref")) and el.text:
        out.append(el.text)
    for child in el:
        if child.tag not in (q("olink"), q("xref")):
            out.extend(_own_text(child))
        if child.tail:
            out.append(child.tail)
    return out


def _col(header: list[str], prefix: str) -> int | None:
    for i, h in enumerate(header):
        if h.lower().startswith(prefix):
            return i
    return None


def read_part04(path: Path, anomalies: list[dict]) -> dict:
    """Read the Standard SOP Classes tables of a PS3.4 file."""
    out: dict[str, dict] = {}
    tables = 0
    for table in iter_elements(Path(path), ("table",)):
        caption = caption_of(table)
        if not caption.lower().endswith("standard sop classes"):
            continue
        header = header_of(table)
        i_name, i_uid = _col(header, "sop class name"), _col(header, "sop class uid")
        label = label_of(table) or caption
        if i_name is None or i_uid is None:
            anomalies.append(anomaly(PART, "bad-header", label, None,
                                     f"{caption!r}: header {header} lacks SOP Class Name/UID"))
            continue
        tables += 1
        i_iod = _col(header, "iod specification")
        retired_table = caption.lower().startswith("retired")
        for n, cells in enumerate(rows_of(table), 1):
            if len(cells) < len(header):
                anomalies.append(anomaly(PART, "short-row", label, n,
                                         f"{len(cells)} cells, header has {len(header)}"))
                continue
            entry = _entry(cells, i_name, i_uid, i_iod, retired_table, label, n, anomalies)
            if entry is not None:
                _merge(out, entry, label, n, anomalies)
    if not tables:
        anomalies.append(anomaly(PART, "missing-table", "B.5-1", None,
                                 "no 'Standard SOP Classes' table found"))
    return {"sop_classes": dict(sorted(out.items()))}


def _entry(cells: list[etree._Element], i_name: int, i_uid: int, i_iod: int | None,
           retired_table: bool, label: str, n: int, anomalies: list[dict]) -> dict | None:
    name = render_text(cells[i_name])
    uid = clean_text(render_text(cells[i_uid])).replace(" ", "")
    if not _UID_RE.fullmatch(uid):
        anomalies.append(anomaly(PART, "bad-uid", label, n, f"{uid!r} is not a UID"))
        return None
    reference = iod_name = None
    if i_iod is not None:
        cell = cells[i_iod]
        reference = reference_of(cell)
        iod_name = iod_name_of(cell)
        if reference is None and iod_name is None:
            anomalies.append(anomaly(PART, "no-iod-reference", label, n,
                                     f"{uid}: IOD Specification {render_text(cell)!r}"))
    return {
        "uid": uid,
        "name": name,
        "iod": slug(iod_name) if iod_name else None,
        "iod_name": iod_name,
        "reference": reference,
        "retired": retired_table or "(retired)" in name.lower(),
    }


def _merge(out: dict[str, dict], entry: dict, label: str, n: int,
           anomalies: list[dict]) -> None:
    """Storage and Media Storage list most classes twice: keep one, note conflicts."""
    uid = entry["uid"]
    old = out.get(uid)
    if old is None:
        out[uid] = entry
        return
    for key in ("reference", "iod_name", "iod"):
        if old[key] is None and entry[key] is not None:
            old[key] = entry[key]
        elif entry[key] is not None and entry[key] != old[key]:
            anomalies.append(anomaly(PART, "conflicting-sop-class", label, n,
                                     f"{uid}: {key} {entry[key]!r} differs from {old[key]!r}"))
    if entry["name"] != old["name"]:
        anomalies.append(anomaly(PART, "conflicting-sop-class", label, n,
                                 f"{uid}: name {entry['name']!r} differs from {old['name']!r}"))
    old["retired"] = old["retired"] or entry["retired"]



def resolve_iods(sop_classes: dict[str, dict], iods: dict[str, dict],
                 anomalies: list[dict]) -> None:
    """Fill ``iod``/``iod_name`` from the PS3.3 IODs, for the compile step.

    PS3.4 points at a PS3.3 section (``A.3``); section titles do not give the IOD id
    (A.3 is titled "Computed Tomography Image IOD", its table "CT Image IOD Modules"),
    so the IOD is the one whose own reference section lies in that section's subtree.
    When several do (A.8 holds the five Secondary Capture IODs) the first in section
    order is taken, which is how PS3.4 points at A.8 for "Secondary Capture Image".
    """
    by_section = sorted(((_section_key(iod["reference"]["section"]), iod_id, iod)
                         for iod_id, iod in iods.items()
                         if (iod.get("reference") or {}).get("section")),
                        key=lambda t: t[0])
    for uid, entry in sop_classes.items():
        ref = entry.get("reference")
        if entry.get("iod") or not ref or not ref.get("section"):
            continue
        want = _section_key(ref["section"])
        hits = [(iod_id, iod) for key, iod_id, iod in by_section if key[:len(want)] == want]
        if not hits:
            anomalies.append(anomaly(PART, "unresolved-iod", None, None,
                                     f"{uid}: no IOD in PS3.3 section {ref['section']}"))
            continue
        entry["iod"], entry["iod_name"] = hits[0][0], hits[0][1].get("name")


def _section_key(section: str) -> tuple:
    """``"A.38.1"`` -> natural-order key; a prefix test is a tuple slice."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in section.split("."))
