"""Encoding defects pydicom's reader tolerates (PS3.5 Sections 6.2, 7.1 and 7.5).

pydicom reads leniently: an Item that declares more bytes than its defined-length
Sequence holds is read up to the Sequence's end, a stray Item or Sequence Delimitation
Item outside a sequence is kept as an element, an explicit VR that PS3.5 does not
define is kept as read. Each is a finding here: the file is not conformant even when
its values can be read.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

from pydicom.dataelem import RawDataElement
from pydicom.valuerep import VR

from conformance.checks.values._common import as_read, make, per_item
from conformance.engine.finding import Finding, Reference
from conformance.engine.path import ElementPath
from conformance.engine.read_scope import ReadScope
from conformance.engine.registry import dataset_check

REF_ITEMS = Reference(part=5, section="7.5")
REF_VR = Reference(part=5, section="6.2")
ITEM, ITEM_END, SEQ_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
UNDEFINED = 0xFFFFFFFF
_DELIMITERS = {ITEM: "an Item", ITEM_END: "an Item Delimitation Item",
               SEQ_END: "a Sequence Delimitation Item"}
KNOWN_VRS = frozenset(v.value for v in VR) - {"US or SS", "US or OW", "US or SS or OW",
                                                 "OB or OW"}


@dataset_check("encoding-invalid", reference="PS3.5 6.2, 7.1, 7.5")
def check_encoding(ctx: Any) -> Iterator[Finding]:
    """PS3.5 7.5: Items and delimiters only inside sequences, Item lengths within the
    defined length of their Sequence (7.5.1); PS3.5 6.2: explicit VRs are defined VRs."""
    read = as_read(ctx)
    if read is None:
        return iter(())
    scopes = read.scopes
    return per_item(ctx, lambda ds, _: _scope(ctx, scopes[id(ds)]))


def _scope(ctx: Any, scope: ReadScope) -> Iterator[Finding]:
    """The encoding findings of one dataset as read."""
    for tag, elem in scope.elements.items():
        if tag in _DELIMITERS:
            yield make(ctx, "encoding-invalid", "error",
                       f"{_DELIMITERS[tag]} ({tag >> 16:04X},{tag & 0xFFFF:04X}) outside "
                       "any sequence", ElementPath(scope.path, int(tag)), REF_ITEMS)
            continue
        if type(elem) is not RawDataElement:
            continue
        vr = elem.VR
        if vr is not None and vr not in KNOWN_VRS:
            yield make(ctx, "encoding-invalid", "error",
                       f"explicit VR {vr!r} is not a Value Representation of PS3.5",
                       ElementPath(scope.path, int(tag)), REF_VR)
        elif isinstance(elem.value, bytes) and elem.length != UNDEFINED and (
                vr == "SQ" or (vr is None and scope.vr(elem) == "SQ")):
            problem = item_overrun(elem.value, elem.is_little_endian)
            if problem:
                yield make(ctx, "encoding-invalid", "error", problem,
                           ElementPath(scope.path, int(tag)), REF_ITEMS)


def item_overrun(value: bytes, little: bool) -> str | None:
    """Why the Items of a defined-length Sequence value do not fit in it, or None.

    Walks the Item headers of the Sequence's own level; an Item of undefined length
    ends the walk (its end needs a full parse, which pydicom does)."""
    fmt = "<HHL" if little else ">HHL"
    offset, n, size = 0, 0, len(value)
    while offset + 8 <= size:
        group, elem, length = struct.unpack_from(fmt, value, offset)
        tag = group << 16 | elem
        if tag != ITEM:
            return (f"Sequence holds ({group:04X},{elem:04X}) where Item {n + 1} should "
                    f"start (byte {offset} of {size})")
        if length == UNDEFINED:
            return None
        if offset + 8 + length > size:
            return (f"Item {n + 1} declares {length} bytes but its Sequence has "
                    f"{size - offset - 8} left (defined length {size})")
        offset += 8 + length
        n += 1
    if offset != size:
        return f"Sequence of defined length {size} ends inside an Item header"
    return None
