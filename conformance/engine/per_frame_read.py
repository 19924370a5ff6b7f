"""Read the Per-frame Functional Groups Sequence parsing each distinct group once.

A multi-frame file repeats its functional groups in every item of the Per-frame
Functional Groups Sequence (5200,9230) (PS3.3 C.7.6.16): 5,000 frames with 11 groups make
70,000 item datasets, which pydicom parses one by one. Most groups are byte-identical
from frame to frame, and most others differ only in a value (a position, a frame
number). Here pydicom reads the file up to that sequence and after it; the sequence's
item and element boundaries are found from the headers (PS3.5 7.1.2, 7.5); pydicom
parses the first occurrence of each group element (``data_element_generator``, as it
does inside an item), and every later occurrence with the same tags, VRs, lengths and
delimiters becomes a copy of it: offsets moved to where it sits, differing values
replaced (``Template``). The result is the dataset ``pydicom.dcmread`` gives, down to
every offset, flag and encoding, with no object shared between frames
(``tests/engine/test_per_frame_read.py`` compares them).

Only what is plain is read this way: Explicit VR Little Endian (which the encapsulated
transfer syntaxes use too), an undefined-length sequence of at least ``MIN_ITEMS``
items without their own character set, every VR known, no undefined length but on
sequences. Anything else, a malformed header or a length past the end included, is read
by ``pydicom.dcmread``, whose behaviour on broken data is the reference.
"""

from __future__ import annotations

import io
import mmap
import struct
from collections.abc import Callable
from typing import Any

from pydicom import dcmread as pydicom_dcmread
from pydicom.charset import convert_encodings, default_encoding
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset, FileDataset
from pydicom.filereader import data_element_generator, read_dataset, read_partial
from pydicom.tag import BaseTag
from pydicom.uid import DeflatedExplicitVRLittleEndian
from pydicom.values import convert_string

from conformance.engine.item_copies import NotCopyable, Template, fresh_copy, moved, new_sequence

PER_FRAME_FG = 0x52009230
_CHARSET = 0x00080005
_UNDEFINED = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQ_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
# PS3.5 Table 7.1-1: the VRs with a 4-byte length after 2 reserved bytes.
_LONG = frozenset(b"OB OD OF OL OV OW SQ SV UC UN UR UT UV".split())
_SHORT = frozenset(b"AE AS AT CS DA DS DT FD FL IS LO LT PN SH SL SS ST TM UI UL US".split())
# Below this many items the copies would save nothing worth the second pass.
MIN_ITEMS = 16
# Nesting the header scan follows (pydicom's own reader has no limit; deeper: dcmread).
_MAX_DEPTH = 32
# Templates tried per tag before an element is scanned (a group whose structure differs
# in every frame costs this many comparisons a frame).
_RECENT = 4
_TAG = struct.Struct("<HH")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<L")


class _Unsure(Exception):
    """The bytes are not plainly what this reader handles: read them with dcmread."""


class FrameCopies:
    """Which elements of the Per-frame items hold the same bytes (and so were read the
    same way): ``same`` maps ``(id(item), tag)`` to a number shared by byte-identical
    elements. By item and tag, not by element: pydicom replaces a defined-length
    sequence's element when it first parses it. The items are kept alive with it, so
    no other object takes their ids."""

    __slots__ = ("same", "_keep")

    def __init__(self) -> None:
        self.same: dict[tuple[int, int], int] = {}
        self._keep: list[Any] = []

    def add(self, item: Dataset, found: list[tuple[int, Template]]) -> None:
        same = self.same
        at = id(item)
        for tag, template in found:
            same[at, tag] = id(template)
        self._keep.append(item)


def dcmread(source: str | None, data: bytes, defer_size: int) -> FileDataset:
    """What ``pydicom.dcmread(source or BytesIO(data), force=True, defer_size=...)``
    returns, or raises; an undefined-length Per-frame Functional Groups Sequence with
    at least ``MIN_ITEMS`` items is read as described above."""
    return read(source, data, defer_size)[0]


def read(source: str | None, data: bytes, defer_size: int
         ) -> tuple[FileDataset, FrameCopies | None]:
    """``dcmread``, and which elements of the Per-frame items it read as exact copies
    (None when pydicom read the sequence)."""
    stopped: list[bool] = []

    def at_per_frame(tag: BaseTag, vr: str | None, length: int) -> bool:
        # ``vr`` is None when the data set is read as Implicit VR; a defined-length
        # sequence stays bytes until it is used (pydicom): both are left to pydicom.
        # the tag last: BaseTag's == is Python code, and this runs for every element
        if vr == "SQ" and length == _UNDEFINED and tag == PER_FRAME_FG:
            stopped.append(True)
            return True
        return False

    try:
        if source is None:
            fp: Any = io.BytesIO(data)
            ds = read_partial(fp, at_per_frame, defer_size=defer_size, force=True)
            if not stopped:
                return ds, None  # read whole: the callback never stopped it
            got = _rest(ds, fp, data, defer_size)
        else:
            with open(source, "rb") as fp:
                ds = read_partial(fp, at_per_frame, defer_size=defer_size, force=True)
                if not stopped:
                    return ds, None
                with mmap.mmap(fp.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                    got = _rest(ds, fp, buf, defer_size)
        if got is not None:
            return got
    except Exception:  # noqa: BLE001,S110 - pydicom's reader below gives its own answer
        pass
    return pydicom_dcmread(source if source is not None else io.BytesIO(data), force=True,
                           defer_size=defer_size), None


def _rest(ds: FileDataset, fp: Any, buf: Any, defer_size: int
          ) -> tuple[FileDataset, FrameCopies] | None:
    """Finish ``ds``, stopped at the Per-frame sequence: that sequence as described
    above, then the elements after it as pydicom reads them (None: not sure)."""
    if ds._read_implicit is not False or ds._read_little is not True or _deflated(ds):
        return None
    encoding = _encoding(ds, buf)
    copies = FrameCopies()
    try:
        elem, end = _Sequence(fp, buf, encoding, copies).element(fp.tell())
    except (_Unsure, NotCopyable):
        return None
    if elem is None:
        return None
    fp.seek(end)
    rest = read_dataset(fp, False, True, defer_size=defer_size, parent_encoding=encoding)
    if rest._read_implicit is not False:
        return None  # pydicom changed its mind about the encoding: let it read everything
    into = ds._dict
    if 0x00080005 in rest._dict or any(tag >> 16 == 0 for tag in into):
        # The character set is taken from what was read before the stop, and pydicom
        # adds a command set (group 0000) after everything else: both are left to it.
        return None
    into[elem.tag] = elem
    for tag, e in rest._dict.items():
        if tag in into:
            return None
        into[tag] = e
    return ds, copies


def _deflated(ds: FileDataset) -> bool:
    """Whether pydicom read an inflated copy (its offsets are not the file's)."""
    ts = ds.file_meta.get(0x00020010) if len(ds.file_meta) else None
    return ts is None or str(ts.value).strip("\x00 ") == DeflatedExplicitVRLittleEndian


def _encoding(ds: Dataset, buf: Any) -> Any:
    """The encoding pydicom's reader hands to the items of a top-level sequence: its
    state after (0008,0005), made from the element's bytes as the reader made it."""
    elem = ds._dict.get(BaseTag(_CHARSET))
    if elem is None:
        return default_encoding
    at: Any = elem.value_tell if isinstance(elem, RawDataElement) else elem.file_tell
    if not isinstance(at, int) or at < 8 or at > len(buf):
        raise _Unsure
    g, e = _TAG.unpack_from(buf, at - 8)
    if g << 16 | e != _CHARSET or bytes(buf[at - 4:at - 2]) != b"CS":
        raise _Unsure
    raw = bytes(buf[at:at + _U16.unpack_from(buf, at - 2)[0]])
    return convert_encodings(convert_string(raw or b"", True))


class _Sequence:
    """One pass over the Per-frame sequence of the file ``fp``, whose bytes ``buf``
    holds."""

    def __init__(self, fp: Any, buf: Any, encoding: Any, copies: FrameCopies) -> None:
        self.fp = fp
        self.copies = copies
        self.buf = buf
        self.size = len(buf)
        self.encoding = encoding
        self.seen: dict[bytes, Template] = {}  # element bytes -> what pydicom made
        # tag -> the last templates of that tag, tried first (no scan needed)
        self.recent: dict[int, list[Template]] = {}
        self.item_state: Dataset | None = None

    def element(self, at: int) -> tuple[DataElement | None, int]:
        """The Per-frame sequence element whose header starts at ``at`` (None when it
        has too few items to be worth it), and the offset after it."""
        tag, vr, length, p = self._header(at)
        if tag != PER_FRAME_FG or vr != b"SQ" or length != _UNDEFINED:
            raise _Unsure
        value_at = p
        items: list[Dataset] = []
        while not self._delimiter(p, _SEQ_END):
            t, n = self._tag_length(p)
            if t != _ITEM:
                raise _Unsure
            # each item is made before the next is read: its templates serve the next
            elements, q, same = self._elements(p + 8, n)
            item = self._item(p, elements, n == _UNDEFINED)
            self.copies.add(item, same)
            items.append(item)
            p = q
        p += 8  # past the Sequence Delimitation Item
        if len(items) < MIN_ITEMS:
            return None, p
        seq = new_sequence(items, True)
        return DataElement(BaseTag(PER_FRAME_FG), "SQ", seq, value_at,
                           is_undefined_length=True), p

    def _elements(self, p: int, length: int
                  ) -> tuple[dict[BaseTag, Any], int, list[tuple[int, Template]]]:
        """The elements of the item whose content starts at ``p``, the offset after
        the item, and the tags of the elements that repeat a template's bytes."""
        undefined = length == _UNDEFINED
        end = self.size if undefined else p + length
        if end > self.size:
            raise _Unsure
        out: dict[BaseTag, Any] = {}
        same: list[tuple[int, Template]] = []

        def take(p: int, end: int) -> int:
            elem, q, template = self._next(p, end)
            if elem.tag in out or elem.tag == _CHARSET:
                raise _Unsure  # a repeated tag, or an item's own character set
            out[elem.tag] = elem
            if template is not None:
                same.append((int(elem.tag), template))
            return q

        return out, self._content(p, end, undefined, take), same

    def _content(self, p: int, end: int, undefined: bool,
                 step: Callable[[int, int], int]) -> int:
        """Go through an item's elements from ``p`` with ``step`` (the offset after the
        element at its first argument, which must end by its second); the offset after
        the item: exactly ``end`` when it has a length, past its delimiter when not."""
        while True:
            if undefined:
                if self._delimiter(p, _ITEM_END):
                    return p + 8
            elif p >= end:
                if p != end:
                    raise _Unsure
                return p
            p = step(p, end)

    def _next(self, p: int, end: int) -> tuple[Any, int, Template | None]:
        """The element at ``p`` (which must end by ``end``), the offset after it, and
        the template whose bytes it repeats exactly (None: some value differs)."""
        buf = self.buf
        g, e = _TAG.unpack_from(buf, p)
        for t in self.recent.get(g << 16 | e, ()):
            q = p + t.length
            if q > end:
                continue
            patches = t.patches(buf, p)
            if patches is not None:
                return moved(t.elem, p - t.at, patches or None), q, None if patches else t
        q = self._skip_element(p, end, 0)
        key = bytes(buf[p:q])
        hit = self.seen.get(key)
        if hit is not None:
            return moved(hit.elem, p - hit.at, None), q, hit
        elem = self._parse(p, q)
        t = self.seen[key] = Template(elem, p, key)
        recent = self.recent.setdefault(g << 16 | e, [])
        recent.insert(0, t)
        del recent[_RECENT:]
        return elem, q, t

    def _item(self, at: int, elements: dict[BaseTag, Any], undefined: bool) -> Dataset:
        """The per-frame item at ``at`` as pydicom's ``read_sequence_item`` makes it."""
        if not elements:
            raise _Unsure  # pydicom guesses an empty item's encoding from what follows
        state = self.item_state
        if state is None:
            ds = self.item_state = Dataset(elements, parent_encoding=self.encoding)
            ds.set_original_encoding(False, True, self.encoding)
        else:
            ds = fresh_copy(state, elements)
        ds.is_undefined_length_sequence_item = undefined
        ds.seq_item_tell = at
        ds.file_tell = at
        return ds

    def _parse(self, start: int, end: int) -> Any:
        """pydicom's element for the bytes ``start:end`` of the file, read in place by
        the generator ``read_dataset`` uses for every element of an item."""
        fp = self.fp
        fp.seek(start)
        elem = next(data_element_generator(fp, False, True, encoding=self.encoding))
        if fp.tell() != end:
            raise _Unsure
        return elem

    def _tag_length(self, p: int) -> tuple[int, int]:
        """Tag and 4-byte length at ``p`` (items and delimiters, PS3.5 7.5)."""
        if p + 8 > self.size:
            raise _Unsure
        g, e = _TAG.unpack_from(self.buf, p)
        return g << 16 | e, _U32.unpack_from(self.buf, p + 4)[0]

    def _delimiter(self, p: int, tag: int) -> bool:
        """Whether the delimiter ``tag`` (with its zero length, PS3.5 7.5) is at ``p``."""
        t, n = self._tag_length(p)
        if t != tag:
            return False
        if n != 0:
            raise _Unsure
        return True

    def _header(self, p: int) -> tuple[int, bytes, int, int]:
        """(tag, VR, length, offset of the value) of the Explicit VR element at ``p``."""
        buf = self.buf
        if p + 8 > self.size:
            raise _Unsure
        g, e = _TAG.unpack_from(buf, p)
        if g == 0xFFFE:
            raise _Unsure  # an item or delimiter where an element belongs
        vr = bytes(buf[p + 4:p + 6])
        if vr in _LONG:
            if p + 12 > self.size:
                raise _Unsure
            return g << 16 | e, vr, _U32.unpack_from(buf, p + 8)[0], p + 12
        if vr in _SHORT:
            return g << 16 | e, vr, _U16.unpack_from(buf, p + 6)[0], p + 8
        raise _Unsure  # not a VR: pydicom may switch to Implicit VR here

    def _skip_element(self, p: int, end: int, depth: int) -> int:
        """The offset after the element at ``p``, which must end by ``end``."""
        _, vr, length, value_at = self._header(p)
        if length == _UNDEFINED:
            if vr != b"SQ":
                raise _Unsure  # undefined-length UN, OB ...: pydicom's special cases
            q = self._skip_items(value_at, depth + 1)
        else:
            q = value_at + length
        if q > end:
            raise _Unsure
        return q

    def _skip_dataset(self, p: int, end: int, depth: int, *, undefined: bool) -> int:
        """The offset after a nested item's elements from ``p`` (``_content``)."""
        if depth > _MAX_DEPTH:
            raise _Unsure
        return self._content(p, end, undefined,
                             lambda at, limit: self._skip_element(at, limit, depth))

    def _skip_items(self, p: int, depth: int) -> int:
        """The offset after the delimiter of the undefined-length sequence whose items
        start at ``p``."""
        while True:
            if self._delimiter(p, _SEQ_END):
                return p + 8
            t, n = self._tag_length(p)
            if t != _ITEM:
                raise _Unsure
            if n == _UNDEFINED:
                p = self._skip_dataset(p + 8, self.size, depth, undefined=True)
            else:
                end = p + 8 + n
                if end > self.size:
                    raise _Unsure
                p = self._skip_dataset(p + 8, end, depth, undefined=False)
