"""Text of PS3.3 attribute descriptions: sentences, condition sentences, enumerated
values and defined terms, sequence item counts (read from the ``Block``s that
``part03_render`` makes of a description cell)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from conformance.compiler.readers.part03_render import MARK_RE, Block, plain_marks

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
    mark = next((m for m in MARK_RE.finditer(first_cell) if m.group(1) == linkend), None)
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
