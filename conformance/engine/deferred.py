"""Large values left in the file: read on demand, and only when a check needs the bytes.

Files are parsed with pydicom's deferred reading (``dcmread(defer_size=DEFER_SIZE)``):
a top-level value longer than ``DEFER_SIZE`` stays in the file as a ``RawDataElement``
whose ``value`` is None, with its ``length`` (0xFFFFFFFF for encapsulated Pixel Data)
and ``value_tell`` (where its value starts). The element stays PRESENT in the dataset.
No check needs the bytes of a binary value (Pixel Data, Overlay Data, Waveform or
Encapsulated Document data, private OB blobs): their VR, length and, for an undefined
length, the item headers up to the Sequence Delimitation Item answer every question
(PS3.5 7.1.1 even length, 8.1.1 native Pixel Data length, A.4 encapsulation). So peak
memory does not depend on pixel data size. Deferred text values are read when their
dataset is recorded (``load_text``), since the text checks read their bytes.

pydicom defers top-level elements only (sequence items are read whole), so everything
here concerns the root dataset.
"""

from __future__ import annotations

from typing import Any

from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset

# Values longer than this stay in the file until read. Small enough that a file of any
# size parses in bounded memory, large enough that ordinary text and LUTs are read with
# the dataset.
DEFER_SIZE = 1 << 16
UNDEFINED = 0xFFFFFFFF
# VRs whose value the checks never convert or read: length and VR are enough.
BINARY_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN"})
# Ambiguous VRs whose every reading is binary: resolved without reading the value.
AMBIGUOUS_BINARY = frozenset({"OB or OW"})


def is_deferred(elem: Any) -> bool:
    """``elem`` is a stored element whose value is still in the file."""
    return type(elem) is RawDataElement and elem.value is None and elem.length != 0


def _source(ds: Dataset) -> Any:
    """What pydicom reads ``ds``'s deferred values from (as ``Dataset.__getitem__`` does)."""
    src = ds.filename or ds.buffer
    if ds.filename and ds.buffer and not getattr(ds.buffer, "closed", False):
        src = ds.buffer
    if src is None:
        raise OSError("deferred value: the dataset records no file to read it from")
    return src


def read_raw(ds: Dataset, elem: RawDataElement) -> RawDataElement:
    """``elem`` with its value read from the file (not converted)."""
    from pydicom.filereader import read_deferred_data_element

    return read_deferred_data_element(ds.fileobj_type, _source(ds), ds.timestamp, elem)


def load_text(ds: Dataset, elements: dict[int, Any], vr_of: Any) -> None:
    """Read the deferred values of ``elements`` (tag -> stored element of ``ds``) whose VR
    ``vr_of(elem)`` is not binary, into both ``elements`` and ``ds``, as pydicom's own
    access would; binary values stay in the file. An unreadable one stays deferred
    (its conversion then reports it)."""
    for tag, elem in elements.items():
        if type(elem) is not RawDataElement or elem.value is not None or elem.length == 0:
            continue
        vr = vr_of(elem)
        if vr in BINARY_VRS or vr in AMBIGUOUS_BINARY:
            continue
        try:
            got = read_raw(ds, elem)
        except Exception:  # noqa: BLE001 - converting it reports the failure
            continue
        elements[tag] = got
        ds._dict[tag] = got


def resolve_vr(ds: Dataset, elem: RawDataElement, vr: str) -> str:
    """The VR pydicom would give the deferred element ``elem`` of ambiguous VR ``vr``
    (``OB or OW``) on conversion: its rule needs the tag, the encoding, whether the
    length is undefined and the dataset's Bits Allocated, never the value."""
    from pydicom.filewriter import correct_ambiguous_vr_element

    stand_in = DataElement(elem.tag, vr, b"", is_undefined_length=elem.length == UNDEFINED)
    try:
        return str(correct_ambiguous_vr_element(stand_in, ds, elem.is_little_endian).VR)
    except Exception:  # noqa: BLE001 - an unreadable Bits Allocated: keep it ambiguous
        return vr


def value_length(ds: Dataset | None, elem: Any) -> int:
    """Length in bytes of ``elem``'s value as pydicom would read it: the stored bytes, the
    defined length of a deferred value, or, for a deferred undefined length, the bytes up
    to the Sequence Delimitation Item, found by reading the item headers (PS3.5 A.4) the
    way pydicom's reader does."""
    value = elem.value
    if value is not None:
        return len(value)
    if elem.length != UNDEFINED:
        return int(elem.length)
    if ds is None:
        return 0
    return _undefined_length(ds, elem)


def _undefined_length(ds: Dataset, elem: RawDataElement) -> int:
    from pydicom.fileutil import read_undefined_length_value
    from pydicom.tag import SequenceDelimiterTag

    src = _source(ds)
    fp = open(src, "rb") if isinstance(src, str) else src  # noqa: SIM115
    start = None if isinstance(src, str) else fp.tell()
    try:
        fp.seek(elem.value_tell)
        # defer_size 1: the reader walks to the delimiter keeping no value bytes.
        read_undefined_length_value(fp, elem.is_little_endian, SequenceDelimiterTag, 1)
        return int(fp.tell() - 8 - elem.value_tell)
    finally:
        if start is None:
            fp.close()
        else:
            fp.seek(start)
