"""Element access: converted-value helpers for the dataset checks, and the elements as
read (per-dataset scopes) that the element traversal hands to the element checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydicom import config
from pydicom import hooks as pydicom_hooks
from pydicom.datadict import dictionary_VR
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.hooks import hooks
from pydicom.multival import MultiValue
from pydicom.uid import UID
from pydicom.valuerep import PersonName

from conformance.engine import deferred
from conformance.engine.path import ElementPath


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


# -- elements as read: what the element checks see ---------------------------------------
# The element checks read values as pydicom stored them when the file was parsed
# (``RawDataElement``: VR, length and value bytes as in the file), so padding, odd lengths
# and undecodable bytes stay visible and no element is converted just to be looked at.
# The other checks convert what they read, so the stored elements of every dataset are
# recorded when the CheckContext is made, before any check runs (``AsRead``).

# Numeric VRs pydicom unpacks with struct: a length that is not a multiple fails.
_FIXED_SIZE = {"US": 2, "SS": 2, "UL": 4, "SL": 4, "FL": 4, "FD": 8, "SV": 8, "UV": 8}
# VRs whose conversion cannot fail on any bytes (decoding errors become replacement
# characters and warnings under pydicom's default reading validation mode, WARN; in
# its RAISE mode every element is converted, see ``strict_reading``).
SAFE_VRS = frozenset({"AE", "AS", "AT", "CS", "DA", "DS", "DT", "LO", "LT", "OB", "OD",
                       "OF", "OL", "OV", "OW", "PN", "SH", "ST", "TM", "UC", "UI", "UN",
                       "UR", "UT"})
_IS_VALUE = re.compile(rb"[\x00 ]*[+-]?[0-9]+[\x00 ]*|[\x00 ]*")
# VR pydicom's reader gives a public tag read implicit VR (or explicit UN), by tag.
_DICT_VR: dict[int, str | None] = {}


def _dictionary_vr(tag: int) -> str | None:
    try:
        return _DICT_VR[tag]
    except KeyError:
        pass
    try:
        vr: str | None = str(dictionary_VR(tag))
    except KeyError:
        vr = None
    _DICT_VR[tag] = vr
    return vr


def stored_vr(raw: RawDataElement, ds: Dataset | None) -> str:
    """The VR pydicom gives ``raw`` when it converts it, before ambiguous-VR correction.

    Implicit VR (``raw.VR`` None) and explicit UN go through pydicom's own VR hook
    (dictionary, private dictionary via the Private Creator, group length); the result
    may be ambiguous (``US or SS``): only a conversion resolves that.
    """
    vr = raw.VR
    if vr is not None and vr != "UN":
        return str(vr)
    tag = raw.tag
    if not tag >> 16 & 1 and (vr is None or raw.value is None or len(raw.value) < 0xFFFF):
        found = _dictionary_vr(tag)
        if found is not None:
            return found
        if vr is not None:
            return "UN"
    data: dict[str, Any] = {}
    try:
        hooks.raw_element_vr(raw, data, encoding=None, ds=ds)
    except Exception:  # noqa: BLE001 - strict reading mode raises: the conversion reports it
        return "UN"
    return str(data.get("VR") or "UN")


def strict_reading() -> bool:
    """pydicom raises on invalid values (reading validation mode RAISE)."""
    return bool(config.settings.reading_validation_mode == config.RAISE)


def convertible(raw: RawDataElement, vr: str) -> bool:
    """True when pydicom surely converts ``raw`` as VR ``vr`` without an exception.

    A cheap look at the bytes: False means "convert it to find out" (sequences,
    ambiguous VRs, numeric values of the wrong length, IS values that are not integers,
    values not read yet). See tests/engine/test_traversal_raw.py for the property.
    """
    value = raw.value
    if value is None:  # a deferred binary value is never read (engine.deferred)
        return raw.length == 0 or vr in deferred.BINARY_VRS
    size = _FIXED_SIZE.get(vr)
    if size is not None:
        return len(value) % size == 0
    if vr in SAFE_VRS:
        return True
    if vr == "IS":
        return all(_IS_VALUE.fullmatch(v) for v in value.split(b"\\"))
    return False  # SQ, ambiguous or unknown VRs


@dataclass(frozen=True, slots=True)
class FileFacts:
    """How the data set is encoded, once per validation (PS3.5 Section 10)."""

    transfer_syntax: str | None
    implicit_vr: bool  # read implicit VR (its VRs are pydicom's, not the file's)
    encapsulated: bool | None  # None when the Transfer Syntax is unknown or absent


def file_facts(facts: Any, file_meta: Dataset | None) -> FileFacts:
    """FileFacts from the reader's facts and the File Meta Information."""
    ts = getattr(facts, "transfer_syntax_uid", None)
    if not ts and file_meta is not None:
        try:
            ts = file_meta.get(0x00020010)
            ts = str(ts.value).strip("\x00 ") if ts is not None and ts.value else None
        except Exception:  # noqa: BLE001 - an unreadable UID is the file-meta check's finding
            ts = None
    encapsulated: bool | None = None
    if ts:
        try:
            encapsulated = bool(UID(str(ts)).is_encapsulated)
        except Exception:  # noqa: BLE001
            encapsulated = None
    implicit = (getattr(facts, "is_implicit_vr", None) is True
                or str(ts or "") == "1.2.840.10008.1.2")
    return FileFacts(str(ts) if ts else None, implicit, encapsulated)


class ReadScope:
    """One dataset under validation (the root or a sequence item), as it was read.

    ``elements`` maps tag -> the element as pydicom stored it when the CheckContext was
    made (``RawDataElement`` or, for values converted earlier or built in memory,
    ``DataElement``); ``dataset`` is the live Dataset. Per-dataset facts (character
    set, Pixel Representation, ...) are computed once, on first use, in ``memo``.
    """

    __slots__ = ("dataset", "parent", "root", "path", "elements", "vrs", "as_read", "file",
                 "memo")

    def __init__(self, dataset: Dataset, parent: ReadScope | None, path: ElementPath | None,
                 as_read: AsRead) -> None:
        self.dataset = dataset
        self.parent = parent
        self.root: ReadScope = self if parent is None else parent.root
        self.path = path  # the sequence item's path (None for the root)
        self.elements: dict[int, Any] = dict(dataset.items())
        self.vrs: dict[int, str] = {}  # VRs resolved by conversion (ambiguous, UN ...)
        self.as_read = as_read
        self.file: FileFacts = as_read.file
        self.memo: dict[Any, Any] = {}
        if parent is None:  # pydicom defers top-level values only
            deferred.load_text(dataset, self.elements, self.vr)

    def vr(self, elem: Any) -> str:
        """The VR of ``elem`` as pydicom converts it (the file's VR when explicit)."""
        if type(elem) is not RawDataElement:
            return str(elem.VR)
        vrs = self.vrs
        if vrs:
            got = vrs.get(elem.tag)
            if got is not None:
                return got
        vr = elem.VR
        if vr is not None and vr != "UN":
            return str(vr)
        got = vrs[elem.tag] = stored_vr(elem, self.dataset)
        return got

    def converted(self, tag: int) -> Any | None:
        """pydicom's DataElement for ``tag`` (converted once: pydicom keeps it), or None
        when absent or not convertible."""
        try:
            elem = self.dataset[tag] if tag in self.elements else None
        except Exception:  # noqa: BLE001 - the traversal reports element-unreadable
            return None
        if elem is not None:
            self.resolved(tag, elem.VR)
        return elem

    def resolved(self, tag: int, vr: str) -> None:
        """Record the VR pydicom gave ``tag`` on conversion, when the stored one differs."""
        stored = self.elements.get(tag)
        if stored is not None and vr != stored.VR:
            self.vrs[tag] = vr

    def own_or_root(self, tag: int) -> Any | None:
        """The stored element ``tag`` of this dataset, else of the root dataset."""
        elem = self.elements.get(tag)
        if elem is None and self.parent is not None:
            elem = self.root.elements.get(tag)
        return elem


class AsRead:
    """Every dataset of a validation as read, recorded before any check runs.

    ``items`` lists ``(dataset, item path)`` for the root and every sequence item,
    depth first in stored order. Recording converts the sequences (which the checks and
    the traversal need anyway), not the other elements.
    """

    __slots__ = ("root", "scopes", "items", "file", "max_depth")

    def __init__(self, root: Dataset, facts: Any = None, file_meta: Dataset | None = None,
                 max_depth: int = 64) -> None:
        self.file = file_facts(facts, file_meta)
        self.scopes: dict[int, ReadScope] = {}  # id(dataset) -> scope
        self.items: list[tuple[Dataset, ElementPath | None]] = []
        # Sequences nested deeper than this are not opened (``nesting-too-deep``): a
        # 10 KB file can nest thousands of levels.
        self.max_depth = max_depth
        self.root = self._record(root)

    def _record(self, root: Dataset) -> ReadScope:
        """Record ``root`` and its items (depth first, stored order; no recursion)."""
        top = ReadScope(root, None, None, self)
        stack: list[tuple[ReadScope, int]] = [(top, 0)]
        while stack:
            scope, depth = stack.pop()
            ds = scope.dataset
            if id(ds) in self.scopes:  # the same item object twice: recorded once
                continue
            self.scopes[id(ds)] = scope
            self.items.append((ds, scope.path))
            if depth >= self.max_depth:
                continue
            found: list[tuple[ReadScope, int]] = []
            for tag, elem in scope.elements.items():
                vr = elem.VR
                if vr is None or vr == "UN":  # implicit VR or UN: the VR pydicom will give
                    vr = scope.vr(elem)
                if vr != "SQ":
                    continue
                try:
                    items = ds[tag].value
                except Exception:  # noqa: BLE001 - the traversal reports element-unreadable
                    continue
                seq = ElementPath(scope.path, tag)
                for i, item in enumerate(items or ()):
                    if isinstance(item, Dataset):
                        found.append((ReadScope(item, scope, seq.item(i), self), depth + 1))
            stack.extend(reversed(found))
        return top

    def release(self) -> None:
        """Break the scopes' references to each other (see ``CheckContext.release``)."""
        for scope in self.scopes.values():
            scope.parent = scope.root = scope.as_read = None  # type: ignore[assignment]
            scope.memo.clear()
        self.scopes.clear()
        self.items.clear()

    def scope(self, ds: Dataset, parent: ReadScope | None, path: ElementPath | None
              ) -> ReadScope:
        """The recorded scope of ``ds`` (recorded now if it was added since)."""
        got = self.scopes.get(id(ds))
        if got is None or got.dataset is not ds:
            got = self.scopes[id(ds)] = ReadScope(ds, parent, path, self)
        return got


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


def plain_reading() -> bool:
    """pydicom converts as by default: no RAISE validation, callbacks, hooks or options
    that change what a stored value converts to."""
    return (config.settings.reading_validation_mode != config.RAISE
            and config.data_element_callback is None
            and hooks.raw_element_vr is pydicom_hooks.raw_element_vr
            and hooks.raw_element_value is pydicom_hooks.raw_element_value
            and not config.datetime_conversion and not config.use_DS_decimal
            and not config.use_DS_numpy and not config.use_IS_numpy
            and not config.use_none_as_empty_text_VR_value)


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
    size = _FIXED_SIZE.get(vr) or (4 if vr == "AT" else 0)
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
