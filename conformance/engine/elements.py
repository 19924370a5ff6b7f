"""Element access for the checks: converted-value helpers, and presence and emptiness
read from the stored element (converting only when the bytes cannot tell). The elements
as read, per dataset, are ``conformance.engine.read_scope``."""

from __future__ import annotations

import re
from typing import Any

from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.valuerep import PersonName

from conformance.engine import deferred
from conformance.engine.conversion import FIXED_SIZE, plain_reading, stored_vr


def element(item: Dataset, tag: int) -> Any | None:
    """The converted element, or None when absent or its raw bytes cannot be parsed."""
    try:
        return item.get(tag)
    except Exception:  # unparsable raw value: the traversal reports it
        return None


def is_empty(elem: Any) -> bool:
    """Zero-length value (PS3.5 7.4): no items for a sequence, no value otherwise."""
    if elem is None:
        return False
    v = elem.value
    if elem.VR == "SQ":
        return v is None or len(v) == 0
    if v is None:
        return True
    if isinstance(v, str):
        return not v.strip(" \x00")
    if isinstance(v, (bytes, bytearray)):
        return len(v) == 0
    if isinstance(v, (MultiValue, list, tuple)):
        return len(v) == 0
    return False


def values_of(elem: Any) -> list[Any]:
    """The values of a (non-sequence) element as a list (empty when it has none)."""
    v = elem.value
    if v is None or v == "" or v == b"":
        return []
    if isinstance(v, (MultiValue, list, tuple)):
        return list(v)
    return [v]


# -- presence and emptiness without conversion -------------------------------------------
# The attribute checks ask "present?" and "empty?" of most rows; the stored element
# answers both for nearly every value, so only the rare odd one is converted.

# VRs pydicom converts to text (str, PersonName, UID, or a MultiValue of them).
TEXT_VRS = frozenset({"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH",
                      "ST", "TM", "UC", "UI", "UR", "UT"})
# VRs pydicom keeps as the stored bytes.
_BYTES_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN"})
_VISIBLE = re.compile(rb"[\x21-\x7e]")  # a character no decoding or stripping removes
# In a Person Name, "=" only separates component groups: "==" is an empty name.
_VISIBLE_PN = re.compile(rb"[\x21-\x3c\x3e-\x7e]")


def int_keys(ds: Dataset) -> set[int]:
    """The tags of ``ds`` as plain ints (pydicom's keys are ``BaseTag``, whose Python
    ``__eq__`` makes every hit of an int lookup in ``Dataset._dict`` cost a call)."""
    return set(map(int, ds._dict))


def stored(ds: Dataset, tag: int) -> Any | None:
    """The element ``tag`` of ``ds`` as stored (``RawDataElement`` or ``DataElement``),
    without pydicom's ``Tag()`` parsing or conversion; None when absent."""
    return ds._dict.get(tag)


def raw_is_empty(raw: RawDataElement, ds: Dataset | None) -> bool | None:
    """Whether ``raw`` converted has no value (``converted_is_empty``, PS3.5 7.4), read
    from the stored bytes; None when only the conversion can tell.

    A value that cannot be converted counts as not empty (it is the traversal's
    ``element-unreadable``); so does every value this returns False for, converted or
    not. Decided here: zero length (empty, every VR); text VRs whose bytes are all
    padding (spaces, NULs: empty) or hold a visible ASCII character (no character set
    decodes or strips it away; a backslash makes several values; in a Person Name "="
    alone does not count); binary VRs; numbers and AT of whole values. Left to the
    conversion: sequences, ambiguous VRs (``US or SS``), values not read yet, escape
    sequences, other control or non-ASCII bytes alone, partial numbers, non-default
    pydicom options (tests/engine/test_values_fast.py holds the property against
    converting).
    """
    if not plain_reading():
        return None
    value = raw.value
    if value is None:  # a deferred read: binary values of that length are not empty
        if raw.length == 0:
            return True
        vr = raw.VR
        if vr is None or vr == "UN":
            vr = stored_vr(raw, ds)
        return False if vr in deferred.BINARY_VRS or vr in deferred.AMBIGUOUS_BINARY else None
    if not value:
        return True
    vr = raw.VR
    if vr is None or vr == "UN":
        vr = stored_vr(raw, ds)
    if vr in TEXT_VRS:
        if b"\x1b" in value:
            return None  # ISO 2022 escapes vanish in decoding
        if not value.strip(b" \x00"):
            return True
        return False if (_VISIBLE_PN if vr == "PN" else _VISIBLE).search(value) else None
    if vr in _BYTES_VRS:
        return False
    size = FIXED_SIZE.get(vr) or (4 if vr == "AT" else 0)
    if size and len(value) % size == 0:
        return False
    return None


def converted_is_empty(elem: Any) -> bool:
    """No value: the engine's ``is_empty`` (padding only counts as none) or pydicom's
    ``DataElement.is_empty`` (which also knows an empty ``PersonName``, e.g. ``=``)."""
    if elem is None:
        return False
    if is_empty(elem):
        return True
    v = elem.value
    return isinstance(v, PersonName) and not v


def value_is_empty(ds: Dataset, tag: int) -> bool:
    """Whether the present element ``tag`` of ``ds`` has no value (PS3.5 7.4):
    ``converted_is_empty`` of it converted, converting only when the stored bytes cannot
    tell (``raw_is_empty``); False when absent or unconvertible."""
    elem = ds._dict.get(tag)
    if elem is None:
        return False
    if type(elem) is RawDataElement:
        got = raw_is_empty(elem, ds)
        if got is not None:
            return got
        elem = element(ds, tag)
    return converted_is_empty(elem)
