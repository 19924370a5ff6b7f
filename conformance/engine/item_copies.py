"""Copies of elements pydicom parsed, as pydicom would parse the same bytes elsewhere.

``Template`` is an element pydicom parsed and the layout of its bytes; ``moved`` copies
it (and every item, sequence and element in it) with its file offsets moved, values
replaced where the new bytes differ only inside values. Used by
``conformance.engine.per_frame_read``; the copies are checked against pydicom's own
reading in ``tests/engine/test_per_frame_read.py``.
"""

from __future__ import annotations

from typing import Any

from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag

_CHARSET = 0x00080005


class NotCopyable(Exception):
    """The element holds something these copies do not know how to copy."""


class Template:
    """An element pydicom parsed at ``at`` from ``key``, and where its bytes are values.

    pydicom stores a value's bytes as they are (``RawDataElement``), except those of
    (0008,0005), which set the encoding of what follows. So bytes that differ from
    ``key`` only inside the values of other elements give the same element with those
    values replaced: the rest of the bytes (tags, VRs, lengths, item delimiters) decides
    everything else pydicom makes of them.
    """

    __slots__ = ("elem", "at", "key", "length", "structure", "values")

    def __init__(self, elem: Any, at: int, key: bytes) -> None:
        self.elem, self.at, self.key, self.length = elem, at, key, len(key)
        values: list[tuple[int, int, Any]] = []
        _values(elem, at, values)
        values.sort(key=lambda v: v[0])
        structure: list[tuple[int, int]] = []
        start = 0
        for a, b, _ in values:
            if a < start:
                raise NotCopyable  # values of one parse never overlap
            structure.append((start, a))
            start = b
        structure.append((start, self.length))
        self.structure = tuple((a, b) for a, b in structure if b > a)
        self.values = tuple(values)

    def patches(self, buf: Any, p: int) -> dict[int, bytes] | None:
        """When the bytes of ``buf`` at ``p`` are this element's but for values (that
        can differ), the new values by ``id`` of the template's raw element ({}: none
        differ); else None.

        The structure is compared first, in order, from the buffer: parsing is decided
        by those bytes, so a mismatch shows before the end of the element at ``p``, and
        no more of the buffer is read than that element holds."""
        key = self.key
        for a, b in self.structure:
            if buf[p + a:p + b] != key[a:b]:
                return None
        out: dict[int, bytes] = {}
        for a, b, raw in self.values:
            new = buf[p + a:p + b]
            if new != key[a:b]:
                if raw.tag == _CHARSET:
                    return None
                out[id(raw)] = bytes(new)
        return out


def _values(elem: Any, base: int, out: list[tuple[int, int, Any]]) -> None:
    """The value ranges (relative to ``base``) of the raw elements in ``elem``."""
    if type(elem) is RawDataElement:
        if elem.length and elem.value is not None:
            a = elem.value_tell - base
            out.append((a, a + elem.length, elem))
        return
    for item in elem._value._list:
        for e in item._dict.values():
            _values(e, base, out)


def new_sequence(items: list[Dataset], undefined: bool) -> Sequence:
    seq = Sequence(items)
    seq.is_undefined_length = undefined
    return seq


# What pydicom's reader leaves in a Sequence, a DataElement and an item Dataset; a
# pydicom that keeps more makes the copies refuse (``NotCopyable``) rather than guess.
_SEQUENCE_STATE = frozenset({"_list", "is_undefined_length"})
_ELEMENT_STATE = frozenset({"tag", "VR", "validation_mode", "_value", "file_tell",
                            "is_undefined_length", "private_creator"})
_ITEM_STATE = frozenset({
    "_parent_encoding", "_dict", "is_decompressed", "_read_little", "_read_implicit",
    "_read_charset", "_is_little_endian", "_is_implicit_VR",
    "is_undefined_length_sequence_item", "_private_blocks", "_pixel_array",
    "_pixel_array_opts", "_pixel_id", "seq_item_tell", "file_tell"})
_new = object.__new__


def _moved_raw(elem: RawDataElement, delta: int, patches: dict[int, bytes] | None
               ) -> RawDataElement:
    value = elem[3] if not patches else patches.get(id(elem), elem[3])
    return tuple.__new__(RawDataElement, (elem[0], elem[1], elem[2], value,
                                          elem[4] + delta, *elem[5:]))


def moved(elem: Any, delta: int, patches: dict[int, bytes] | None) -> Any:
    """A copy of a parsed element (and of everything in it) whose offsets are
    ``delta`` further into the file, values replaced by ``patches`` (``Template``)."""
    if type(elem) is RawDataElement:
        return _moved_raw(elem, delta, patches)
    if type(elem) is not DataElement or elem.VR != "SQ":
        raise NotCopyable
    state = elem.__dict__
    old = state["_value"]
    if state.keys() != _ELEMENT_STATE or old.__dict__.keys() != _SEQUENCE_STATE:
        raise NotCopyable
    seq = _new(Sequence)
    seq.__dict__.update(_list=[_moved_item(item, delta, patches) for item in old._list],
                        is_undefined_length=old.is_undefined_length)
    copy = _new(DataElement)
    d = copy.__dict__
    d.update(state)
    d["_value"] = seq
    d["file_tell"] = state["file_tell"] + delta
    return copy


def fresh_copy(item: Dataset, elements: dict[BaseTag, Any]) -> Dataset:
    """A Dataset as pydicom's reader makes it, with the state of ``item`` (read the
    same way) and ``elements``; the per-item mutable parts are new."""
    state = item.__dict__
    if not state.keys() <= _ITEM_STATE:
        raise NotCopyable
    copy = _new(Dataset)
    d = copy.__dict__
    d.update(state)
    d["_dict"] = elements
    d["_private_blocks"] = {}
    d["_pixel_id"] = {}
    d["_pixel_array_opts"] = dict(state["_pixel_array_opts"])
    return copy


def _moved_item(item: Dataset, delta: int, patches: dict[int, bytes] | None) -> Dataset:
    copy = fresh_copy(item, {tag: _moved_raw(e, delta, patches) if type(e) is RawDataElement
                              else moved(e, delta, patches)
                              for tag, e in item._dict.items()})
    d = copy.__dict__
    if "seq_item_tell" in d:
        d["seq_item_tell"] += delta
    if "file_tell" in d:
        d["file_tell"] += delta
    return copy
