"""Emptiness read from the stored bytes agrees with converting the element.

``raw_is_empty`` answers without conversion where the bytes tell; ``value_is_empty``
converts only when they do not. Both must say what converting says: empty when pydicom's
``DataElement.is_empty`` or the engine's ``is_empty`` (padding-only text counts as no
value) says so; an element pydicom refuses to convert counts as not empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom import config, dcmread
from pydicom.data import get_testdata_file
from pydicom.dataelem import DataElement, RawDataElement, convert_raw_data_element
from pydicom.dataset import Dataset

from conformance.engine.elements import (
    converted_is_empty,
    element,
    int_keys,
    is_empty,
    raw_is_empty,
    stored,
    value_is_empty,
)
from tests.helpers.raw_elements import (  # noqa: F401 - quiet_pydicom: autouse fixture
    SEQUENCE_TAG,
    VR_TAGS,
    quiet_pydicom,
    raw_element,
)

# A tag of every VR pydicom converts (UN: a private one), a sequence, and an ambiguous one.
TAGS = {**VR_TAGS, "SQ": SEQUENCE_TAG}
AMBIGUOUS = 0x00280106  # Smallest Image Pixel Value: US or SS
# Bytes that matter to emptiness: padding, separators, escapes, whitespace that
# some conversions strip (tab, NBSP), non-ASCII, and plain characters.
_PIECES = st.sampled_from([b" ", b"\x00", b"\\", b"\x1b", b"\x1b(B", b"\x1b$B", b"\t",
                           b"\r\n", b"\xa0", b"\xff", b"\x80", b"a", b"1", b".", b"-",
                           b"^", b"=", b"1.5", b"\x01"])
_BYTES = st.one_of(st.lists(_PIECES, max_size=6).map(b"".join), st.binary(max_size=12))


def _pydicom_empty(raw: RawDataElement, ds: Dataset | None) -> bool:
    """Convert, then pydicom's ``is_empty`` or the engine's; a refused value is not
    empty."""
    try:
        elem = convert_raw_data_element(raw, ds=ds)
    except Exception:  # noqa: BLE001 - refused: the engine counts it as not empty
        return False
    return bool(elem.is_empty) or is_empty(elem)


def _dataset(raw: RawDataElement) -> Dataset:
    ds = Dataset()
    ds._dict[raw.tag] = raw
    return ds


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(TAGS)), st.sampled_from(["explicit", "implicit", "UN"]),
       _BYTES)
def test_raw_is_empty_agrees_with_pydicom(vr: str, how: str, value: bytes) -> None:
    stored_as = {"explicit": vr, "implicit": None, "UN": "UN"}[how]
    raw = raw_element(TAGS[vr], stored_as, value)
    want = _pydicom_empty(raw, None)
    fast = raw_is_empty(raw, None)
    if fast is not None:
        assert fast == want
    # The full test (converting where the bytes cannot tell) always answers alike.
    assert value_is_empty(_dataset(raw_element(TAGS[vr], stored_as, value)), TAGS[vr]) == want


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([None, "US", "SS", "OB"]), st.binary(max_size=8))
def test_ambiguous_and_implicit_numbers(vr: str | None, value: bytes) -> None:
    raw = raw_element(AMBIGUOUS, vr, value)
    want = _pydicom_empty(raw, None)
    fast = raw_is_empty(raw, None)
    assert fast is None or fast == want
    assert value_is_empty(_dataset(raw_element(AMBIGUOUS, vr, value)), AMBIGUOUS) == want


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(set(TAGS) - {"SQ", "PN"})), _BYTES)
def test_same_as_the_engines_converted_is_empty(vr: str, value: bytes) -> None:
    """Outside Person Name, the engine's ``is_empty(element(...))`` says the same."""
    ds = _dataset(raw_element(TAGS[vr], vr, value))
    want = is_empty(element(_dataset(raw_element(TAGS[vr], vr, value)), TAGS[vr]))
    assert value_is_empty(ds, TAGS[vr]) == want


@pytest.mark.parametrize(("vr", "value", "empty"), [
    ("LO", b"", True), ("LO", b"  ", True), ("LO", b" \x00", True), ("LO", b"\\", False),
    ("LO", b"x ", False), ("UI", b"\x00", True), ("DS", b"  ", True), ("IS", b"", True),
    ("PN", b"", True), ("PN", b"  ", True), ("PN", b"^", False), ("US", b"\x01\x00", False),
    ("US", b"", True), ("OB", b"\x00", False), ("UT", b"\x00", True), ("SQ", b"", True),
])
def test_examples(vr: str, value: bytes, empty: bool) -> None:
    ds = _dataset(raw_element(TAGS[vr], vr, value))
    assert value_is_empty(ds, TAGS[vr]) is empty
    assert _pydicom_empty(raw_element(TAGS[vr], vr, value), None) is empty


def test_decided_without_conversion() -> None:
    """The common cases leave the stored element as it is."""
    for vr, value in (("LO", b"ABC "), ("LO", b"  "), ("PN", b""), ("US", b"\x01\x00"),
                      ("UI", b"1.2.3\x00"), ("CS", b"A\\B"), ("OB", b"\x00\x01")):
        ds = _dataset(raw_element(TAGS[vr], vr, value))
        value_is_empty(ds, TAGS[vr])
        assert type(ds._dict[TAGS[vr]]) is RawDataElement, vr


def test_undecidable_bytes_are_converted() -> None:
    for vr, value in (("DS", b"\t"), ("LO", b"\x1b(B"), ("US", b"\x01"), ("AT", b"\x01")):
        assert raw_is_empty(raw_element(TAGS[vr], vr, value), None) is None, vr
    assert raw_is_empty(raw_element(TAGS["LO"], "LO", None, length=4), None) is None  # deferred
    assert raw_is_empty(raw_element(TAGS["SQ"], "SQ", b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"),
                        None) is None


def test_strict_reading_always_converts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config.settings, "_reading_validation_mode", config.RAISE)
    assert raw_is_empty(raw_element(TAGS["LO"], "LO", b""), None) is None
    monkeypatch.setattr(config, "use_none_as_empty_text_VR_value", True)
    assert raw_is_empty(raw_element(TAGS["LO"], "LO", b""), None) is None


def test_absent_and_converted_elements() -> None:
    ds = Dataset()
    assert value_is_empty(ds, 0x00100010) is False
    ds.PatientName = ""
    ds.Modality = "  "  # built in memory: padding only is no value (engine's is_empty)
    ds.Rows = 1
    assert isinstance(ds._dict[0x00100010], DataElement)
    assert value_is_empty(ds, 0x00100010) is True
    assert value_is_empty(ds, 0x00080060) is True
    assert value_is_empty(ds, 0x00280010) is False
    assert converted_is_empty(None) is False


def test_int_keys_and_stored() -> None:
    ds = Dataset()
    ds.PatientID = "1"
    keys = int_keys(ds)
    assert keys == {0x00100020} and all(type(k) is int for k in keys)
    assert stored(ds, 0x00100020) is ds._dict[0x00100020]
    assert stored(ds, 0x00100010) is None


def test_every_element_of_pydicom_test_files() -> None:
    """On real files (implicit and explicit VR, character sets, sequences, private
    tags): the answer is pydicom's, element by element."""
    names = ("CT_small.dcm", "MR_small_implicit.dcm", "chr_japanese.dcm", "nested_priv_SQ.dcm",
             "rtplan.dcm", "SC_rgb_small_odd.dcm", "emri_small.dcm", "chrH31.dcm")
    checked = 0
    for name in names:
        path = get_testdata_file(name)
        if path is None:
            continue
        for ds in _datasets(dcmread(path, force=True)):
            for tag in list(ds._dict):
                want = _converted_empty_of(ds, tag)
                # a fresh read: the comparison above converted the element
                assert value_is_empty(ds, int(tag)) == want, (name, tag)
                checked += 1
    assert checked > 300


def _converted_empty_of(ds: Dataset, tag: Any) -> bool:
    elem = ds._dict[tag]
    if type(elem) is not RawDataElement:
        return bool(elem.is_empty) or is_empty(elem)
    try:
        conv = convert_raw_data_element(elem, encoding=ds._character_set, ds=ds)
    except Exception:  # noqa: BLE001 - refused: not empty
        return False
    return bool(conv.is_empty) or is_empty(conv)


def _datasets(ds: Dataset) -> Iterator[Dataset]:
    yield ds
    for elem in ds:  # converts the sequences (their items are walked too)
        if elem.VR == "SQ":
            for item in elem.value or ():
                yield from _datasets(item)
