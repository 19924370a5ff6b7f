"""Values of stored (``RawDataElement``) elements read from their bytes without pydicom's
conversion, where that conversion is a plain decode-and-split; the compiled evaluator's
fast path (see :mod:`conformance.conditions.compiled`)."""

from __future__ import annotations

import re
from typing import Any

from pydicom import config
from pydicom import hooks as _hooks
from pydicom.datadict import dictionary_VR
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset

from conformance.conditions.leaves import element_values, is_empty, strip_padding

# Kinds of stored elements: read without conversion ("s" string VRs split on "\",
# "u" UI, "a" AE, "i" IS, "d" DS), present without conversion ("p"), or neither (None).
_STR_VRS = frozenset({"CS", "AS", "DA", "DT", "TM"})
# Conversion of these cannot fail outside pydicom's RAISE reading mode (decoding errors
# become replacement characters); conformance.engine.elements.SAFE_VRS, tested there.
_PRESENT_VRS = frozenset({"LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT", "OB", "OD", "OF",
                          "OL", "OV", "OW"})
_FIXED_SIZE = {"US": 2, "SS": 2, "UL": 4, "SL": 4, "FL": 4, "FD": 8, "SV": 8, "UV": 8,
               "AT": 4}
_IS_PART = re.compile(r" *[+-]?[0-9]{1,18} *")
_DS_PART = re.compile(r" *[+-]?(?:[0-9]{1,30}\.?[0-9]{0,30}|\.[0-9]{1,30})"
                      r"(?:[eE][+-]?[0-9]{1,3})? *")
_DICT_VR: dict[int, str | None] = {}
_DECODED: dict[int, tuple[RawDataElement, list[Any] | None, bool]] = {}


def _plain_pydicom() -> bool:
    """pydicom converts as configured by default (no hooks, callbacks or options that
    change the values the fast path decodes)."""
    return (config.settings.reading_validation_mode != config.RAISE
            and config.data_element_callback is None
            and _hooks.hooks.raw_element_vr is _hooks.raw_element_vr
            and _hooks.hooks.raw_element_value is _hooks.raw_element_value
            and not config.datetime_conversion and not config.use_DS_decimal
            and not config.use_DS_numpy and not config.use_IS_numpy
            and not config.use_none_as_empty_text_VR_value)


def _vr_of(raw: RawDataElement) -> str | None:
    """The VR pydicom gives ``raw``, when that needs no dataset (else None)."""
    vr = raw.VR
    if vr is not None:
        return None if vr == "UN" else str(vr)
    tag = raw.tag
    if tag >> 16 & 1 or not tag & 0xFFFF:
        return None  # private or group length: pydicom looks further
    return dictionary_vr(tag)


def dictionary_vr(tag: int) -> str | None:
    """The tag's VR in pydicom's dictionary (None when unknown), cached: pydicom's lookup
    raises and catches for every unknown tag."""
    try:
        return _DICT_VR[tag]
    except KeyError:
        pass
    try:
        got: str | None = str(dictionary_VR(tag))
    except KeyError:
        got = None
    _DICT_VR[tag] = got
    return got


# Binary VRs of a value still in the file: present and not empty (its length is not 0),
# which is all a condition asks of them; converting would read it.
_DEFERRED_PRESENT = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "OB or OW"})


def _kind(raw: RawDataElement) -> str | None:
    value = raw.value
    if value is None and raw.length != 0:  # a value left in the file (engine.deferred)
        vr = _vr_of(raw)
        return "p" if vr in _DEFERRED_PRESENT and _plain_pydicom() else None
    if value is not None and len(value) != raw.length:
        return None
    vr = _vr_of(raw)
    if vr is None or not _plain_pydicom():
        return None
    if vr in _STR_VRS:
        return "s"
    if vr == "UI":
        return "u"
    if vr == "AE":
        return "a"
    if vr == "IS":
        return "i"
    if vr == "DS":
        return "d"
    if vr in _PRESENT_VRS:
        return "p"
    size = _FIXED_SIZE.get(vr)
    if size is not None and (value is None or len(value) % size == 0):
        return "p"
    return None


def _decode(raw: RawDataElement, kind: str) -> tuple[list[Any] | None, bool]:
    """(values as the reference's ``element_values`` of the converted element, ``is_empty``);
    values None: the bytes need pydicom's conversion."""
    if raw.length == 0:
        # pydicom's empty value: "" for the string VRs (one empty value), None for IS/DS
        return ([""] if kind in "sua" else []), True
    text = raw.value.decode("latin-1")
    if kind == "s":
        parts = text.rstrip(" \x00").split("\\")
        return parts, len(parts) == 1 and not strip_padding(parts[0])
    if kind == "u":  # pydicom's UID() strips whitespace from every value
        parts = [p.strip() for p in text.rstrip("\0 ").split("\\")]
        return parts, len(parts) == 1 and not strip_padding(parts[0])
    if kind == "a":
        parts = [p.strip() for p in text.split("\\")]
        return parts, len(parts) == 1 and not strip_padding(parts[0])
    if kind == "i":
        parts = text.rstrip(" \x00").split("\\")
        if all(_IS_PART.fullmatch(p) for p in parts):
            return [int(p) for p in parts], False
        return None, False
    if kind == "d":
        parts = text.strip().rstrip(" \x00").split("\\")
        if all(_DS_PART.fullmatch(p) for p in parts):
            return [float(p) for p in parts], False
        return None, False
    return None, False


def decoded(raw: RawDataElement) -> tuple[list[Any] | None, bool]:
    hit = _DECODED.get(id(raw))
    if hit is not None and hit[0] is raw:
        return hit[1], hit[2]
    kind = _kind(raw)
    vals, empty = _decode(raw, kind) if kind is not None and kind != "p" else (None, False)
    if len(_DECODED) >= 8192:
        _DECODED.clear()
    _DECODED[id(raw)] = (raw, vals, empty)
    return vals, empty


def raw_strings(raw: RawDataElement) -> list[str] | None:
    """The values pydicom's conversion gives a stored CS, AS, DA, DT or TM element, read
    from its bytes (trailing padding removed, split on ``\\``; ``[""]`` when empty);
    None when only the conversion can tell (other VRs, values not read yet, pydicom
    options that change the conversion)."""
    if _kind(raw) != "s":
        return None
    return decoded(raw)[0]


def get_stored(ds: Any, tag: int) -> Any:
    """The element ``tag`` of ``ds`` as the reference's lookup finds it (None: absent),
    left unconverted when its kind allows; a conversion error raises as there."""
    if type(ds) is not Dataset and not isinstance(ds, Dataset):
        el = ds.get(tag)
        return el if isinstance(el, DataElement) else None
    elem = ds._dict.get(tag)
    if elem is None:
        return None
    if type(elem) is RawDataElement:
        kind = _kind(elem)
        # IS/DS text that is not a number fails pydicom's conversion, and the reference
        # then answers None even for presence: only numbers skip the conversion.
        if kind is not None and (kind not in ("i", "d") or decoded(elem)[0] is not None):
            return elem
        elem = _convert(ds, tag)
    return elem if isinstance(elem, DataElement) else None


class Unconvertible(Exception):
    """pydicom could not convert a stored element."""


def _convert(ds: Any, tag: int) -> Any:
    try:
        return ds.get(tag)
    except Exception as exc:
        raise Unconvertible(tag) from exc


def _converted(ds: Any, elem: Any) -> Any:
    el = _convert(ds, elem.tag)
    if not isinstance(el, DataElement):
        raise KeyError(elem.tag)
    return el


def raw_values(ds: Any, elem: Any) -> list[Any]:
    if type(elem) is RawDataElement:
        vals, _ = decoded(elem)
        if vals is not None:
            return vals
        elem = _converted(ds, elem)
    return element_values(elem)


def raw_is_empty(ds: Any, elem: Any) -> bool:
    if type(elem) is RawDataElement:
        vals, empty = decoded(elem)
        if vals is not None:
            return empty
        elem = _converted(ds, elem)
    return is_empty(elem)


def pick(vals: list[Any], idx: Any) -> list[Any] | None:
    """The reference's ``_indexed`` on values already read."""
    if idx:
        return [vals[idx - 1]] if len(vals) >= idx else None
    return vals
