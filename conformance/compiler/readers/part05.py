"""PS3.5 reader: Table 6.2-1, the Value Representations.

For each VR: name, definition, character repertoire, the "Length of Value" text verbatim
and its parsed base rule (first paragraph; later paragraphs are query contexts such as
"18 bytes maximum" for DA in Range Matching). A fixed length fills ``fixed_length`` and
leaves ``max_length`` null; a maximum does the reverse. Editions differ: OV, SV and UV
exist only from 2019 on, so older tables simply have fewer rows. Output shape:
``vrs.json`` in docs/CONTRACTS.md.

Also PS3.5 Section 8.2's tables "Valid Values of Pixel Data Related Attributes for ...
Transfer Syntaxes using Standard Photometric Interpretations" (8.2.1-1, 8.2.1-2, 8.2.2-1,
8.2.3-1, 8.2.4-1, 8.2.14-1, 8.2.15-1, as the edition has them): for each compressed
Transfer Syntax UID and Samples per Pixel, the Photometric Interpretations allowed
(``pixel_encodings`` of ``vrs.json``).
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from conformance.compiler.readers.docbook import (
    anomaly,
    caption_of,
    header_of,
    iter_elements,
    label_of,
    q,
    render_text,
    rows_of,
)
from conformance.compiler.readers.part03_cells import grid_rows

PART = 5

_VR_CODE = re.compile(r"[A-Z]{2}")
# "16", "2^32-2", "(2^32)-2", "2^32 - 8"
_NUMBER = r"(?:\(?\s*(\d+)\s*\^\s*(\d+)\s*\)?\s*(?:([-+])\s*(\d+))?|(\d+))"
_LENGTH = re.compile(_NUMBER + r"\s*(bytes?|chars?|characters?)\b\s*(maximum|max\.?|fixed)?",
                     re.I)


def parse_length(text: str) -> tuple[int | None, int | None, str | None]:
    """``"16 bytes maximum"`` -> ``(16, None, "bytes")``; ``"8 bytes fixed"`` ->
    ``(None, 8, "bytes")``; ``"2^32-2 bytes maximum"`` -> ``(4294967294, None, "bytes")``.

    Text without a length ("Any length valid for ...") gives ``(None, None, None)``.
    """
    m = _LENGTH.search(text)
    if not m:
        return None, None, None
    base, exp, sign, offset, plain = m.group(1, 2, 3, 4, 5)
    if plain is not None:
        value = int(plain)
    else:
        value = int(base) ** int(exp)
        if sign:
            value = value - int(offset) if sign == "-" else value + int(offset)
    unit = "bytes" if m.group(6).lower().startswith("byte") else "chars"
    kind = (m.group(7) or "maximum").lower()
    if kind == "fixed":
        return None, value, unit
    return value, None, unit


def split_name_cell(cell: etree._Element) -> tuple[str | None, str]:
    """``<para>AE</para><para>Application Entity</para>`` (or ``"AE Application
    Entity"`` in one paragraph) -> ``("AE", "Application Entity")``."""
    paras = [render_text(p) for p in cell.iter(q("para"))]
    paras = [p for p in paras if p] or [render_text(cell)]
    first, rest = paras[0], paras[1:]
    m = re.fullmatch(r"([A-Z]{2})\b\s*[-:]?\s*(.*)", first)
    if not m:
        return None, " ".join(paras)
    return m.group(1), " ".join([m.group(2), *rest]).strip()


def _col(header: list[str], word: str, default: int) -> int:
    for i, h in enumerate(header):
        if word in h.lower():
            return i
    return default


def read_part05(path: Path, anomalies: list[dict]) -> dict:
    """Read Table 6.2-1 and the Section 8.2 photometric tables of a PS3.5 file."""
    vrs: dict[str, dict] = {}
    encodings: dict[str, dict] = {}
    found = False
    for table in iter_elements(Path(path), ("table",)):
        label = label_of(table)
        if _is_photometric_table(table):
            _read_photometric(table, label, encodings, anomalies)
            continue
        if found or (label != "6.2-1"
                     and caption_of(table).lower() != "dicom value representations"):
            continue
        found = True
        header = header_of(table)
        i_def = _col(header, "definition", 1)
        i_rep = _col(header, "repertoire", 2)
        i_len = _col(header, "length", 3)
        width = max(i_def, i_rep, i_len) + 1
        for n, cells in enumerate(rows_of(table), 1):
            if len(cells) < width:
                anomalies.append(anomaly(PART, "short-row", label, n,
                                         f"{len(cells)} cells, expected {width}"))
                continue
            code, name = split_name_cell(cells[0])
            if code is None or not _VR_CODE.fullmatch(code):
                anomalies.append(anomaly(PART, "bad-vr", label, n,
                                         f"no VR code in {render_text(cells[0])!r}"))
                continue
            length = render_text(cells[i_len])
            first = next((render_text(p) for p in cells[i_len].iter(q("para"))), length)
            max_length, fixed_length, unit = parse_length(first or length)
            if max_length is None and fixed_length is None and "any length" not in length.lower():
                anomalies.append(anomaly(PART, "unparsed-length", label, n,
                                         f"{code}: {length!r}"))
            if code in vrs:
                anomalies.append(anomaly(PART, "duplicate-vr", label, n,
                                         f"{code} already defined; first kept"))
                continue
            vrs[code] = {
                "name": name,
                "definition": render_text(cells[i_def]),
                "repertoire": render_text(cells[i_rep]),
                "length": length,
                "max_length": max_length,
                "fixed_length": fixed_length,
                "max_length_unit": unit,
            }
    if not found:
        anomalies.append(anomaly(PART, "missing-table", "6.2-1", None,
                                 "no 'DICOM Value Representations' table found"))
    out: dict = {"vrs": dict(sorted(vrs.items()))}
    if encodings:
        out["pixel_encodings"] = {uid: {"table": e["table"], "photometric": {
            n: sorted(v) for n, v in sorted(e["photometric"].items())}}
            for uid, e in sorted(encodings.items())}
    return out


# -- PS3.5 8.2: photometric interpretations per compressed transfer syntax ---------------

_PHOTOMETRIC_CAPTION = re.compile(r"valid values of pixel data related attributes for .*"
                                  r"standard photometric interpretations", re.I)
# PS3.5 Table A-1 / Annex A.4.2: the RLE table (8.2.2-1) names no Transfer Syntax UID
_RLE_LOSSLESS = "1.2.840.10008.1.2.5"
_UID = re.compile(r"\d+(?:\.\d+)+")
_PI = re.compile(r"[A-Z][A-Z0-9_ ]*[A-Z0-9]")


def _is_photometric_table(table: etree._Element) -> bool:
    return bool(_PHOTOMETRIC_CAPTION.fullmatch(caption_of(table).strip()))


def _read_photometric(table: etree._Element, label: str, encodings: dict[str, dict],
                      anomalies: list[dict]) -> None:
    header = header_of(table)
    i_pi = _col(header, "photometric", -1)
    i_uid = _col(header, "transfer syntax uid", -1)
    i_spp = _col(header, "samples per pixel", -1)
    if i_pi < 0 or i_spp < 0:
        anomalies.append(anomaly(PART, "unread-table", label, None,
                                 "no Photometric Interpretation / Samples per Pixel column"))
        return
    for n, cells in enumerate(grid_rows(table, len(header)), 1):
        if len(cells) <= max(i_pi, i_uid, i_spp) or any(
                cells[i] is None for i in (i_pi, i_uid, i_spp) if i >= 0):
            anomalies.append(anomaly(PART, "short-row", label, n, "missing cells"))
            continue
        pis = [m.group() for p in (cells[i_pi].iter(q("para")) or ())
               for m in [_PI.fullmatch(render_text(p).strip())] if m]
        if not pis:
            pis = _PI.findall(render_text(cells[i_pi]))
        uids = _UID.findall(render_text(cells[i_uid])) if i_uid >= 0 else [_RLE_LOSSLESS]
        spp = re.findall(r"\d+", render_text(cells[i_spp]))
        if not pis or not uids or not spp:
            anomalies.append(anomaly(PART, "unparsed-row", label, n,
                                     render_text(cells[i_pi])[:80]))
            continue
        for uid in uids:
            entry = encodings.setdefault(uid, {"table": label, "photometric": {}})
            for samples in spp:
                entry["photometric"].setdefault(samples, set()).update(pis)
