"""PS3.6 reader: the registries of data elements (Tables 6-1, 7-1, 8-1, ...) and of UIDs.

Tables are recognised by their header, not by label, so that every registry of data
elements in the part is read (newer editions add tables such as 9-1). Output shape:
``dictionary.json`` in docs/CONTRACTS.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from conformance.compiler.readers.docbook import (
    anomaly,
    caption_of,
    clean_text,
    header_of,
    iter_elements_repaired,
    label_of,
    render_text,
    rows_of,
)
from conformance.tags import parse_tag

PART = 6

_VR_CODE = re.compile(r"[A-Z]{2}")
_VR_SEP = re.compile(r"\s*(?:\bor\b|/|,|\|)\s*", re.I)
_VM_ITEM = r"\d+(?:-(?:\d+|\d*n))?"
_VM_RE = re.compile(rf"{_VM_ITEM}(?: or {_VM_ITEM})*")
_TAG_CELL = re.compile(r"\(\s*[0-9A-Fa-fxX]{4}\s*,\s*[0-9A-Fa-fxX]{4}\s*\)")
_KEYWORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_UID_RE = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_SEE_NOTE = re.compile(r"see\s+note", re.I)
_VM_DASH = re.compile(r"\s*-\s*")
_VM_DIGIT_N = re.compile(r"(?<=\d)N\b")
_VM_N = re.compile(r"\bN\b")
_VM_OR = re.compile(r"\s+OR\s+", re.I)


def normalize_vr(text: str) -> tuple[str, bool]:
    """``"US  or SS"`` -> ``("US or SS", True)``; the VR of items is ``""``.

    PS3.6 writes "See Note" where a VR does not exist (Item and delimitation items);
    that becomes ``""`` as in docs/CONTRACTS.md. Anything else that is not a list of
    two-letter codes is returned cleaned, with ``False``.
    """
    text = clean_text(text)
    if not text:
        return "", True
    if _SEE_NOTE.match(text):
        return "", True
    codes = [c for c in _VR_SEP.split(text) if c]
    if codes and all(_VR_CODE.fullmatch(c.upper()) for c in codes):
        return " or ".join(c.upper() for c in codes), True
    return text, False


def normalize_vm(text: str) -> tuple[str, bool]:
    """``"1 - n"`` -> ``("1-n", True)``; ``"1-n or 1"`` is kept; ``False`` if not a VM."""
    text = clean_text(text)
    text = _VM_DASH.sub("-", text)
    text = _VM_DIGIT_N.sub("n", text)
    text = _VM_N.sub("n", text)
    text = _VM_OR.sub(" or ", text)
    if not text:
        return "", True
    return text, bool(_VM_RE.fullmatch(text))


def parse_tag_cell(text: str) -> str | None:
    """``"(0028,04x0)"`` -> ``"002804x0"``; None if the cell holds no tag."""
    text = clean_text(text)
    m = _TAG_CELL.search(text)
    return parse_tag(m.group(0)) if m else None


def _column(header: list[str], *names: str) -> int | None:
    low = [h.lower() for h in header]
    for name in names:
        if name in low:
            return low.index(name)
    return None


def read_part06(path: Path, anomalies: list[dict]) -> dict:
    """Read every data element registry and the UID registry of a PS3.6 file."""
    elements: dict[str, dict] = {}
    uids: dict[str, dict] = {}
    repairs: list[int] = []
    for table in iter_elements_repaired(Path(path), ("table",), repairs):
        header = header_of(table)
        label = label_of(table) or caption_of(table)
        if _column(header, "tag") == 0 and _column(header, "vr") is not None:
            _read_elements(table, header, label, elements, anomalies)
        elif _column(header, "uid value") is not None and _column(header, "uid type") is not None:
            _read_uids(table, header, label, uids, anomalies)
    if repairs and repairs[0]:
        anomalies.append(anomaly(PART, "repaired-markup", None, None,
                                 f"{repairs[0]} literal '<200b>' markup(s) read as U+200B"))
    if not elements:
        anomalies.append(anomaly(PART, "missing-table", "6-1", None,
                                 "no registry of data elements found"))
    if not uids:
        anomalies.append(anomaly(PART, "missing-table", "A-1", None, "no UID registry found"))
    return {"elements": dict(sorted(elements.items())), "uids": dict(sorted(uids.items()))}


def _full_rows(table: etree._Element, header: list[str], label: str,
               anomalies: list[dict]) -> Iterator[tuple[int, list[str]]]:
    """(row number, rendered cells) of each row as wide as the header; short rows are anomalies."""
    for n, cells in enumerate(rows_of(table), 1):
        texts = [render_text(c) for c in cells]
        if len(texts) < len(header):
            anomalies.append(anomaly(PART, "short-row", label, n,
                                     f"{len(texts)} cells, header has {len(header)}: {texts}"))
            continue
        yield n, texts


def _read_elements(table: etree._Element, header: list[str], label: str, out: dict[str, dict],
                   anomalies: list[dict]) -> None:
    i_name = _column(header, "name")
    i_kw = _column(header, "keyword")
    i_vr = _column(header, "vr")
    i_vm = _column(header, "vm")
    for n, texts in _full_rows(table, header, label, anomalies):
        tag = parse_tag_cell(texts[0])
        if tag is None:
            anomalies.append(anomaly(PART, "bad-tag", label, n, f"no tag in {texts[0]!r}"))
            continue
        vr, vr_ok = normalize_vr(texts[i_vr] if i_vr is not None else "")
        if not vr_ok:
            anomalies.append(anomaly(PART, "bad-vr", label, n, f"{tag}: VR {vr!r}"))
        vm, vm_ok = normalize_vm(texts[i_vm] if i_vm is not None else "")
        if not vm_ok:
            anomalies.append(anomaly(PART, "bad-vm", label, n, f"{tag}: VM {vm!r}"))
        keyword = clean_text(texts[i_kw]).replace(" ", "") if i_kw is not None else ""
        if keyword and not _KEYWORD_RE.fullmatch(keyword):
            anomalies.append(anomaly(PART, "bad-keyword", label, n, f"{tag}: {keyword!r}"))
        # the unnamed last column holds RET (possibly "RET - See Note"), DICONDE, DICOS
        # the column after VM (unnamed; missing from the header of 2013's Table 6-1)
        # holds RET, "RET - See Note", DICONDE or DICOS
        i_extra = (i_vm if i_vm is not None else len(texts)) + 1
        extra = texts[i_extra] if i_extra < len(texts) else ""
        entry = {
            "tag": tag,
            "name": clean_text(texts[i_name]) if i_name is not None else "",
            "keyword": keyword,
            "vr": vr,
            "vm": vm,
            "retired": extra.upper().startswith("RET"),
        }
        if tag in out:
            anomalies.append(anomaly(PART, "duplicate-tag", label, n,
                                     f"{tag} already defined; first definition kept"))
            continue
        out[tag] = entry


def _read_uids(table: etree._Element, header: list[str], label: str, out: dict[str, dict],
               anomalies: list[dict]) -> None:
    i_uid = _column(header, "uid value")
    i_name = _column(header, "uid name")
    i_kw = _column(header, "uid keyword", "keyword")
    i_type = _column(header, "uid type")
    for n, texts in _full_rows(table, header, label, anomalies):
        uid = clean_text(texts[i_uid]).replace(" ", "")
        if not _UID_RE.fullmatch(uid):
            anomalies.append(anomaly(PART, "bad-uid", label, n, f"{uid!r} is not a UID"))
            continue
        name = clean_text(texts[i_name]) if i_name is not None else ""
        keyword = clean_text(texts[i_kw]).replace(" ", "") if i_kw is not None else None
        entry = {
            "uid": uid,
            "name": name,
            "keyword": keyword or None,
            "type": clean_text(texts[i_type]),
            "retired": "(retired)" in name.lower(),
        }
        if uid in out:
            anomalies.append(anomaly(PART, "duplicate-uid", label, n,
                                     f"{uid} already defined; first definition kept"))
            continue
        out[uid] = entry
