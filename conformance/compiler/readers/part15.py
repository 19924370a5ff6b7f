"""PS3.15 reader: Annex E Table E.1-1, the Application Level Confidentiality Profile.

One entry per row, in document order: name, tag (``x`` for masks), the tag cell verbatim
(``tag_text``), retired, in a standard composite IOD, the Basic Profile action and the
option columns keyed by the slug of their header (``"rtn-safe-priv-opt"``; the value is
the action letter or null). The "(gggg,eeee) where gggg is odd" row (private attributes)
becomes eight entries whose masks are exactly the odd groups, ``xxx1xxxx`` ...
``xxxFxxxx``, since a tag must be 8 hex/x digits. Unparseable cells are kept as text
(``retired`` false) with an anomaly; a row without a tag is left out (anomaly).
Output shape: ``deidentification.json`` in docs/CONTRACTS.md.
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
    render_text,
    rows_of,
)
from conformance.compiler.readers.part06 import parse_tag_cell
from conformance.ids import slug

PART = 15

_ACTION = re.compile(r"[A-Z](?:/[A-Z])*\*?")
_KNOWN = set("XZDUCK")
_PRIVATE = re.compile(r"gggg.*\bodd\b", re.I)
_FROM = re.compile(r"\(\s*from\b[^)]*\)", re.I)


def parse_action(text: str) -> str | None:
    """``" X / Z / U* "`` -> ``"X/Z/U*"``; None when the text is not an action code."""
    text = re.sub(r"\s+", "", clean_text(text)).upper()
    if not _ACTION.fullmatch(text) or not set(text) - {"/", "*"} <= _KNOWN:
        return None
    return text


def parse_yes_no(text: str) -> bool | None:
    """``"Y"`` -> True, ``"N"`` -> False, anything else -> None."""
    return {"Y": True, "YES": True, "N": False, "NO": False}.get(clean_text(text).upper())


def option_key(header: str) -> str:
    """``"Rtn. Safe Priv. Opt."`` -> ``"rtn-safe-priv-opt"``."""
    return slug(_FROM.sub(" ", header))


def _find(header: list[str], *starts: str) -> int | None:
    for i, h in enumerate(header):
        if h.lower().startswith(starts):
            return i
    return None


def read_part15(path: Path, anomalies: list[dict]) -> dict:
    """Read Table E.1-1 of a PS3.15 file."""
    out: list[dict] = []
    found = False
    for table in iter_elements(Path(path), ("table",)):
        label = label_of(table)
        caption = caption_of(table).lower()
        if label != "E.1-1" and "confidentiality profile attributes" not in caption:
            continue
        found = True
        header = header_of(table)
        cols = {
            "name": _find(header, "attribute name", "name"),
            "tag": _find(header, "tag"),
            "retired": _find(header, "retd", "retired"),
            "in_std_comp_iod": _find(header, "in std", "in standard"),
            "basic_profile": _find(header, "basic prof"),
        }
        missing = [k for k, v in cols.items() if v is None]
        if missing:
            anomalies.append(anomaly(PART, "bad-header", label, None,
                                     f"columns {missing} not found in {header}"))
            continue
        options = {i: option_key(h) for i, h in enumerate(header)
                   if i > cols["basic_profile"] and h}
        for n, cells in enumerate(rows_of(table), 1):
            row = _row(cells, header, cols, options, label, n, anomalies)
            if row is None:
                continue
            if row["tag"] is None:  # private attributes: one entry per odd last digit
                out.extend({**row, "tag": f"xxx{d}xxxx"} for d in "13579BDF")
            else:
                out.append(row)
        break
    if not found:
        anomalies.append(anomaly(PART, "missing-table", "E.1-1", None,
                                 "no 'Application Level Confidentiality Profile Attributes'"))
    return {"attributes": out}


def _row(cells: list[etree._Element], header: list[str], cols: dict[str, int | None],
         options: dict[int, str], label: str | None, n: int,
         anomalies: list[dict]) -> dict | None:
    texts = [render_text(c) for c in cells]
    if len(texts) != len(header):
        anomalies.append(anomaly(PART, "short-row" if len(texts) < len(header) else "long-row",
                                 label, n, f"{len(texts)} cells, header has {len(header)}"))
        if len(texts) < len(header):
            return None
    name = clean_text(texts[cols["name"]])
    tag_text = texts[cols["tag"]]
    tag = parse_tag_cell(tag_text)
    if tag is None and not _PRIVATE.search(tag_text):
        anomalies.append(anomaly(PART, "bad-tag", label, n, f"{name}: {tag_text!r}"))
        return None
    flags = {}
    for key in ("retired", "in_std_comp_iod"):
        flags[key] = parse_yes_no(texts[cols[key]])
        if flags[key] is None:
            anomalies.append(anomaly(PART, "bad-flag", label, n,
                                     f"{name}: {key} {texts[cols[key]]!r}"))
    basic = parse_action(texts[cols["basic_profile"]])
    if basic is None:
        basic = clean_text(texts[cols["basic_profile"]])  # kept verbatim for the reader
        anomalies.append(anomaly(PART, "bad-action", label, n,
                                 f"{name}: basic profile {basic!r}"))
    opts: dict[str, str | None] = {}
    for i, key in options.items():
        raw = clean_text(texts[i])
        opts[key] = (parse_action(raw) or raw) if raw else None
        if raw and parse_action(raw) is None:
            anomalies.append(anomaly(PART, "bad-action", label, n, f"{name}: {key} {raw!r}"))
    return {
        "name": name,
        "tag": tag,
        "tag_text": tag_text,
        "retired": bool(flags["retired"]),
        "in_std_comp_iod": flags["in_std_comp_iod"],
        "basic_profile": basic,
        "options": dict(sorted(opts.items())),
    }
