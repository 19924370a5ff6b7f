"""Shared DocBook plumbing for the part readers: identify a part, stream its tables.

Every reader streams with ``lxml.etree.iterparse`` and clears what it has read, so
that a 45 MB PS3.3 builds with bounded memory. Parsing is tolerant (``recover``)
because real parts carry defects (duplicate ``xml:id``s); truncation is still an error.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from conformance.errors import SourceError

DB = "http://docbook.org/ns/docbook"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_Q = "{" + DB + "}"

_SUBTITLE_RE = re.compile(r"DICOM\s+PS\s*3\.(\d+)\s+(\d{4}[a-z]?)", re.I)


def q(local: str) -> str:
    """Qualified DocBook tag name: ``q("table")`` -> ``{ns}table``."""
    return _Q + local


_XREF = q("xref")
# text_of puts a space after these (a cell's paragraphs do not run together)
_BLOCKS = frozenset(map(q, ("para", "listitem", "note", "entry", "td", "th")))
_OLINK = q("olink")
_SUPERSCRIPT = q("superscript")
_REWRITTEN = frozenset((_OLINK, _SUPERSCRIPT))
_TBODY = q("tbody")
_TR = q("tr")
_CELLS = frozenset((q("td"), q("th")))


@dataclass(frozen=True)
class PartInfo:
    """What a part file says about itself."""

    path: Path
    part: int
    edition: str
    subtitle: str
    sha256: str
    size: int


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def identify(path: Path, expected_part: int | None = None) -> PartInfo:
    """Read the head of a part: a DocBook ``book`` whose subtitle names part and edition.

    Raises SourceError naming the file when it is missing, not DocBook, or another part.
    """
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    subtitle = None
    root_seen = False
    try:
        for event, el in etree.iterparse(str(path), events=("start", "end"), recover=False,
                                         huge_tree=True):
            if event == "start" and not root_seen:
                root_seen = True
                if el.tag != q("book"):
                    raise SourceError(f"{path}: not a DocBook book (root element {el.tag!r})")
            elif event == "end" and el.tag == q("subtitle"):
                subtitle = " ".join("".join(el.itertext()).split())
                break
            elif event == "end" and el.tag in (q("chapter"), q("section")):
                break
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"{path}: not well-formed XML ({exc})") from None
    if not root_seen:
        raise SourceError(f"{path}: empty file")
    m = _SUBTITLE_RE.search(subtitle or "")
    if not m:
        raise SourceError(f"{path}: no '<subtitle>DICOM PS3.N EDITION ...' found")
    part, edition = int(m.group(1)), m.group(2)
    if expected_part is not None and part != expected_part:
        raise SourceError(f"{path}: is PS3.{part}, expected PS3.{expected_part}")
    return PartInfo(path, part, edition, subtitle or "", sha256_of(path), path.stat().st_size)


def iter_elements(path: Path, tags: tuple[str, ...]) -> Iterator[etree._Element]:
    """Yield each complete element whose local name is in ``tags``, then free it.

    Nested matches are yielded innermost first; an element is cleared once its
    outermost match has been yielded, so memory stays bounded. Parsing recovers from
    validity defects (NEMA's parts have duplicate ``xml:id``s) but a truncated or
    broken file raises SourceError naming the file and line.
    """
    path = Path(path)
    check_complete(path)
    wanted = {q(t) for t in tags}
    context = etree.iterparse(str(path), events=("end",), tag=list(wanted), recover=True,
                              huge_tree=True)
    for _event, el in context:
        yield el
        parent = el.getparent()
        if parent is not None and _inside_wanted(parent, wanted):
            continue  # an enclosing match still needs it
        el.clear(keep_tail=True)
        while el.getprevious() is not None:
            del el.getparent()[0]
    fatal = [e for e in context.error_log if e.level_name == "FATAL"]
    if fatal:
        e = fatal[0]
        raise SourceError(f"{path}:{e.line}: XML error ({e.message}); the file may be truncated")


def _inside_wanted(el: etree._Element, wanted: set[str]) -> bool:
    while el is not None:
        if el.tag in wanted:
            return True
        el = el.getparent()
    return False


def check_complete(path: Path) -> None:
    """A NEMA part ends with ``</book>``; anything else was cut short."""
    with path.open("rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - 256))
        tail = f.read().rstrip()
    if not tail.endswith(b"</book>"):
        raise SourceError(f"{path}: truncated (does not end with </book>, {size} bytes)")


def duplicate_ids(path: Path) -> list[tuple[str, int]]:
    """``(xml:id, line)`` of every id defined more than once, in document order."""
    seen: set[str] = set()
    dups: list[tuple[str, int]] = []
    for _event, el in etree.iterparse(str(path), events=("start",), recover=True,
                                      huge_tree=True):
        ident = el.get(XML_ID)
        if ident is not None:
            if ident in seen:
                dups.append((ident, el.sourceline or 0))
            else:
                seen.add(ident)
        # Free what has been read so a 45 MB part stays in bounded memory.
        if el.getparent() is not None and el.getparent().getparent() is not None:
            prev = el.getparent().getprevious()
            while prev is not None:
                parent = prev.getparent()
                nxt = prev.getprevious()
                parent.remove(prev)
                prev = nxt
    return dups


def text_of(el: etree._Element | None) -> str:
    """All text below ``el`` with whitespace folded; xrefs rendered as their target id."""
    if el is None:
        return ""
    if _scan(el) == _PLAIN:
        return " ".join(_c_text(el).split())
    parts: list[str] = []
    _collect(el, parts)
    return " ".join("".join(parts).split())


_PLAIN, _COLLECT, _REWRITE = 0, 1, 2


def _scan(el: etree._Element) -> int:
    """How ``el`` must be rendered: ``_PLAIN`` when libxml2's text serialisation gives
    what ``_collect`` would (no xref, comment, PI or entity inside, and every block's
    added space falls next to whitespace already there), ``_REWRITE`` when it holds an
    olink or superscript (``render_text`` rewrites those), else ``_COLLECT``."""
    tag = el.tag
    if tag in _REWRITTEN:
        return _REWRITE
    found = _COLLECT if tag == _XREF else _PLAIN
    # one pass in Python: cheaper than lxml's iter() with several tags (its matcher is
    # set up per call) for the few elements of a cell
    for sub in el.iterdescendants():
        tag = sub.tag
        if tag in _BLOCKS:
            tail = sub.tail
            if not (tail and tail[0].isspace()):
                found = _COLLECT
        elif tag in _REWRITTEN:
            return _REWRITE
        elif tag == _XREF or tag.__class__ is not str:  # comments, PIs, entities
            found = _COLLECT
    return found


def _c_text(el: etree._Element) -> str:
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def _collect(el: etree._Element, out: list[str]) -> None:
    tag = el.tag
    if tag == _XREF:
        out.append(_xref_text(el))
    else:
        if el.text:
            out.append(el.text)
        for child in el:
            _collect(child, out)
            if child.tail:
                out.append(child.tail)
    if tag in _BLOCKS:
        out.append(" ")


def _xref_text(el: etree._Element) -> str:
    """An xref has no text: ``table_C.7-1`` -> ``Table C.7-1``, ``sect_C.7`` -> ``Section C.7``."""
    link = el.get("linkend", "")
    for prefix, word in (("table_", "Table "), ("sect_", "Section "), ("figure_", "Figure "),
                         ("chapter_", "Chapter "), ("biblio_", "")):
        if link.startswith(prefix):
            return word + link[len(prefix):]
    return link


def paras(cell: etree._Element) -> list[str]:
    """The text of each ``para`` in a table cell, in order (notes included)."""
    out = [text_of(p) for p in cell.iter(q("para"))]
    return [t for t in out if t]


def caption_of(table: etree._Element) -> str:
    return text_of(table.find(q("caption")))


def rows_of(table: etree._Element) -> Iterator[list[etree._Element]]:
    """The body rows of an HTML-style DocBook table as lists of ``td`` cells."""
    body = table.find(_TBODY)
    for tr in (body if body is not None else table).iter(_TR):
        yield [c for c in tr if c.tag in _CELLS]


def label_of(el: etree._Element) -> str | None:
    """``xml:id="table_C.7-1"`` -> ``"C.7-1"``; sections likewise."""
    ident = el.get(XML_ID) or ""
    for prefix in ("table_", "sect_", "chapter_"):
        if ident.startswith(prefix):
            return ident[len(prefix):]
    return el.get("label")


# --- Repairs of known byte-level defects (appended for PS3.6) -------------------------

# NEMA's PS3.6 2013 spells one zero-width space as the literal markup "<200b>" (line
# 84747), which is not XML: even a recovering parser stops there and loses the rest.
KNOWN_DEFECTS: tuple[tuple[bytes, bytes], ...] = ((b"<200b>", b"&#x200B;"),)


class _RepairingReader:
    """A binary file wrapper that rewrites known defects on the fly and counts them."""

    def __init__(self, path: Path, defects: tuple[tuple[bytes, bytes], ...]) -> None:
        self._f = Path(path).open("rb")  # noqa: SIM115 - closed by close()
        self._defects = defects
        self._keep = max((len(bad) for bad, _ in defects), default=1) - 1
        self._carry = b""
        self.repairs = 0

    def read(self, size: int = -1) -> bytes:
        want = size if size and size > 0 else 1 << 16
        while True:
            chunk = self._f.read(want)
            data = self._carry + chunk
            self._carry = b""
            if chunk and self._keep:
                # hold back a tail that may be a defect cut by the chunk boundary
                start = data.rfind(b"<", max(0, len(data) - self._keep))
                if start != -1:
                    data, self._carry = data[:start], data[start:]
            if data or not chunk:
                break  # an empty result must mean end of file, never a held-back tail
        for bad, good in self._defects:
            self.repairs += data.count(bad)
            data = data.replace(bad, good)
        return data

    def close(self) -> None:
        self._f.close()


def iter_elements_repaired(path: Path, tags: tuple[str, ...], repairs: list[int] | None = None,
                           defects: tuple[tuple[bytes, bytes], ...] = KNOWN_DEFECTS,
                           ) -> Iterator[etree._Element]:
    """Like ``iter_elements`` but first rewrites ``defects`` in the byte stream.

    The number of rewrites is appended to ``repairs`` (when given) once parsing ends,
    so that the caller can record an anomaly.
    """
    path = Path(path)
    check_complete(path)
    wanted = {q(t) for t in tags}
    reader = _RepairingReader(path, defects)
    try:
        context = etree.iterparse(reader, events=("end",), tag=list(wanted), recover=True,
                                  huge_tree=True)
        for _event, el in context:
            yield el
            parent = el.getparent()
            if parent is not None and _inside_wanted(parent, wanted):
                continue
            el.clear(keep_tail=True)
            while el.getprevious() is not None:
                del el.getparent()[0]
    finally:
        reader.close()
    if repairs is not None:
        repairs.append(reader.repairs)
    fatal = [e for e in context.error_log if e.level_name == "FATAL"]
    if fatal:
        e = fatal[0]
        raise SourceError(f"{path}:{e.line}: XML error ({e.message}); the file may be truncated")


# --- Small generic helpers for the readers (appended) --------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


_HAS_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def clean_text(text: str) -> str:
    """Drop zero-width characters (NEMA puts U+200B inside names and UIDs), fold spaces
    (U+00A0 included)."""
    if _HAS_INVISIBLE.search(text) is not None:  # translate() is slow: only when needed
        text = text.translate(_INVISIBLE)
    return " ".join(text.split())


def render_text(el: etree._Element | None) -> str:
    """Like ``text_of`` but also renders what NEMA leaves empty or positional.

    ``olink`` (a link into another part, no text) becomes ``PS3.4`` or ``PS3.3 Section
    A.3``; ``superscript`` becomes ``^32`` (so ``2<superscript>32</superscript>`` reads
    ``2^32``). Zero-width characters are dropped. The element itself is not modified.
    """
    if el is None:
        return ""
    how = _scan(el)
    if how == _PLAIN:
        return clean_text(_c_text(el))
    if how == _COLLECT:
        return clean_text(text_of(el))  # nothing to rewrite: no copy (hot in PS3.6)
    import copy

    el = copy.deepcopy(el)
    for link in el.iter(_OLINK):
        if not "".join(link.itertext()).strip():
            link.text = olink_text(link)
    for sup in el.iter(_SUPERSCRIPT):
        sup.text = "^" + (sup.text or "")
    return clean_text(text_of(el))


def olink_text(link: etree._Element) -> str:
    """``<olink targetdoc="PS3.3" targetptr="sect_A.3"/>`` -> ``PS3.3 Section A.3``."""
    doc = link.get("targetdoc", "")
    ptr = link.get("targetptr", "")
    if not ptr or ptr == doc:
        return doc
    return f"{doc} {_xref_text(etree.Element(q('xref'), linkend=ptr))}".strip()


def header_of(table: etree._Element) -> list[str]:
    """Texts of the last header row of a table (cleaned; links rendered)."""
    head = table.find(q("thead"))
    if head is None:
        return []
    rows = list(head.iter(q("tr")))
    if not rows:
        return []
    return [render_text(c) for c in rows[-1] if c.tag in _CELLS]


def anomaly(part: int, kind: str, table: str | None, row: int | None, detail: str) -> dict:
    """One entry of ``anomalies.json`` (see docs/CONTRACTS.md)."""
    return {"part": part, "kind": kind, "table": table, "row": row, "detail": detail}
