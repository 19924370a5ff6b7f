"""Cell-level parsing of PS3.3 tables: nesting markers, tags, types, usages, row grids,
section links."""

from __future__ import annotations

import re

from lxml import etree

from conformance.compiler.readers.docbook import q
from conformance.compiler.readers.part03_render import clean_text, plain_marks, render
from conformance.tags import parse_tag

_XREF = q("xref")
TYPES = frozenset({"1", "1C", "2", "2C", "3"})
_MARKERS = re.compile(r"^\s*((?:>|&gt;|\u203a|\u00bb)\s*)*")
_USAGE = re.compile(r"^\s*([A-Za-z])(?=$|[\s\-\u2013\u2014:,.(])\s*[-\u2013\u2014:,]?\s*(.*)$",
                    re.S)
_TAG_CELL = re.compile(r"^\(?\s*[0-9A-Fa-fxX]{4}\s*[,.]\s*[0-9A-Fa-fxX]{4}\s*\)?$")


def split_markers(text: str) -> tuple[int, str]:
    """``">>Code Value"`` -> ``(2, "Code Value")``. A ``»`` counts as two levels."""
    text = clean_text(text)
    m = _MARKERS.match(text)
    head = m.group(0) if m else ""
    level = head.count(">") + head.count("\u203a") + 2 * head.count("\u00bb")
    return level, text[len(head):].strip()


def parse_tag_cell(text: str) -> str | None:
    """A Tag cell -> canonical ``"0020000D"`` / ``"60xx3000"``; None if it is not one tag.

    Tolerates the defects seen in the standard: a missing parenthesis, a dot for the
    comma, spaces inside (``(0062, 000D)``).
    """
    text = clean_text(text)
    if not _TAG_CELL.match(text):
        return None
    return parse_tag(text)


def parse_type(text: str) -> tuple[str, bool]:
    """``" 1c "`` -> ``("1C", True)``; anything that is not a PS3.5 type -> ``(text, False)``."""
    raw = clean_text(text)
    norm = raw.replace(" ", "").upper()
    if norm in TYPES:
        return norm, True
    return raw, False


def parse_usage(text: str) -> tuple[str, str]:
    """``"C - Required if ..."`` -> ``("C", "Required if ...")``; ``"M"`` -> ``("M", "")``.

    The letter is upper-cased; text that does not start with a letter gives ``("", text)``.
    """
    text = clean_text(text)
    m = _USAGE.match(text)
    if not m:
        return "", text
    return m.group(1).upper(), m.group(2).strip()


def header_cells(table: etree._Element) -> list[str]:
    """Texts of the last header row of a table."""
    head = table.find(q("thead"))
    rows = list(head.iter(q("tr"))) if head is not None else []
    return [plain_marks(render(c)) for c in cells_of(rows[-1])] if rows else []


def cells_of(tr: etree._Element) -> list[etree._Element]:
    return [c for c in tr if c.tag in (q("td"), q("th"))]


def span(cell: etree._Element, attr: str) -> int:
    try:
        return max(1, int(cell.get(attr) or 1))
    except ValueError:
        return 1


def grid_rows(table: etree._Element, ncols: int) -> list[list[etree._Element | None]]:
    """Body rows with ``rowspan`` cells repeated in the rows they cover.

    A row that already has ``ncols`` cells of its own wins over a stale ``rowspan`` from
    above (NEMA's tables carry a few). Missing trailing cells are None.
    """
    body = table.find(q("tbody"))
    rows: list[list[etree._Element | None]] = []
    carry: dict[int, tuple[etree._Element, int]] = {}  # column -> (cell, rows left)
    for tr in (body if body is not None else table).iter(q("tr")):
        own = cells_of(tr)
        width = sum(span(c, "colspan") for c in own)
        if width >= ncols:
            carry = {}
        row: list[etree._Element | None] = []
        it = iter(own)
        col = 0
        while col < ncols:
            if col in carry:
                cell, left = carry[col]
                row.append(cell)
                if left <= 1:
                    del carry[col]
                else:
                    carry[col] = (cell, left - 1)
                col += 1
                continue
            cell = next(it, None)
            if cell is None:
                row.append(None)
                col += 1
                continue
            rs, cs = span(cell, "rowspan"), span(cell, "colspan")
            for k in range(cs):
                row.append(cell)
                if rs > 1:
                    carry[col + k] = (cell, rs - 1)
            col += cs
        rows.append(row[:ncols])
    return rows


def section_link(cell: etree._Element) -> str | None:
    """The first ``sect_`` xref of ``cell`` (an IOD row's Reference cell)."""
    for x in cell.iter(_XREF):
        link = x.get("linkend", "")
        if link.startswith("sect_"):
            return link
    return None


def section_label(sections: list[str]) -> str | None:
    """The label of the innermost ``sect_`` among enclosing section ids (``C.7.1.1``)."""
    for s in sections:
        if s.startswith("sect_"):
            return s[len("sect_"):]
    return None
