"""The enum check reads stored CS (DA, ...) text instead of converting: same findings.

``raw_strings`` stands in for pydicom's conversion of the string VRs whose conversion
is a plain decode and split; the enum check uses it, and skips elements whose stored
bytes are padding only, without converting either.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom import config
from pydicom.dataelem import RawDataElement, convert_raw_data_element
from pydicom.multival import MultiValue

from conformance.conditions.compiled import raw_strings
from tests.engine.datasets import ct_dataset, run
from tests.helpers.raw_elements import (  # noqa: F401 - quiet_pydicom: autouse fixture
    VR_TAGS,
    quiet_pydicom,
    raw_element,
)

_PIECES = st.sampled_from([b"M", b"F", b"O", b"CT", b"ORIGINAL", b"PRIMARY", b"x", b" ",
                           b"\x00", b"\\", b"\t", b"\xff", b"\x1b", b"=", b"2024", b"."])
_BYTES = st.lists(_PIECES, max_size=6).map(b"".join)
_PATIENT_SEX, _MODALITY, _IMAGE_TYPE = 0x00100040, 0x00080060, 0x00080008


def _converted_values(raw: RawDataElement) -> list[str]:
    v = convert_raw_data_element(raw).value
    return [str(x) for x in v] if isinstance(v, MultiValue) else [str(v)]


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["CS", "AS", "DA", "DT", "TM"]), st.booleans(), _BYTES)
def test_raw_strings_are_the_converted_values(vr: str, implicit: bool, value: bytes) -> None:
    raw = raw_element(VR_TAGS[vr], None if implicit else vr, value)
    got = raw_strings(raw)
    assert got is not None
    assert got == _converted_values(raw)


@pytest.mark.parametrize("vr", ["LO", "SH", "PN", "UI", "IS", "DS", "US", "UN"])
def test_raw_strings_leaves_other_vrs_to_pydicom(vr: str) -> None:
    assert raw_strings(raw_element(VR_TAGS[vr], vr, b"AB")) is None


def test_raw_strings_off_when_pydicom_converts_otherwise() -> None:
    raw = raw_element(VR_TAGS["DA"], "DA", b"20240101")
    assert raw_strings(raw) == ["20240101"]
    config.datetime_conversion = True
    try:
        assert raw_strings(raw_element(VR_TAGS["DA"], "DA", b"20240101")) is None
    finally:
        config.datetime_conversion = False
    assert raw_strings(raw_element(VR_TAGS["CS"], "CS", None, length=4)) is None  # not read


def _enum_findings(tag: int, elem: object) -> list[tuple[str, str, str, str]]:
    ds = ct_dataset()
    ds._dict[tag] = elem  # type: ignore[assignment]
    return [(f.code, f.severity, f.path, f.message) for f in run(ds).findings
            if f.code in ("enum-value", "defined-term")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([_PATIENT_SEX, _MODALITY, _IMAGE_TYPE]), st.booleans(), _BYTES)
def test_enum_findings_stored_equal_converted(tag: int, implicit: bool, value: bytes) -> None:
    raw = raw_element(tag, None if implicit else "CS", value)
    assert _enum_findings(tag, raw) == _enum_findings(tag, convert_raw_data_element(raw))


def test_stored_values_are_not_converted(monkeypatch: pytest.MonkeyPatch) -> None:
    import conformance.checks.enums as enums

    converted: list[int] = []

    def element(item: object, tag: int) -> object:
        converted.append(tag)
        return real(item, tag)

    real = enums.element
    monkeypatch.setattr(enums, "element", element)
    ds = ct_dataset()
    ds._dict[_PATIENT_SEX] = raw_element(_PATIENT_SEX, "CS", b"X ")
    ds._dict[_MODALITY] = raw_element(_MODALITY, "CS", b"  ")
    found = [f for f in run(ds).findings if f.code == "enum-value"]
    assert [f.message.split(" for ")[0] for f in found] == ["Unrecognized enumerated value <X>"]
    assert _PATIENT_SEX not in converted and _MODALITY not in converted
    assert _IMAGE_TYPE in converted  # built in memory: a DataElement, read as such
