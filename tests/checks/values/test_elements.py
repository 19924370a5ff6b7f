"""vm, vr_dictionary, pn, uid, retired: a triggering and a clean case per code."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from conformance.checks.values.pn import pn_problems, suggestion
from conformance.checks.values.uid import uid_problems
from conformance.checks.values.vm import parse_vm, vm_ok
from conformance.engine.input import ReadFacts
from tests.checks.values.conftest import codes, dataset, raw, run_checks

EXPLICIT = ReadFacts(is_implicit_vr=False, is_little_endian=True)
IMPLICIT = ReadFacts(is_implicit_vr=True, is_little_endian=True)


# -- vm ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("vm", "good", "bad"), [
    ("1", [1], [2]), ("1-n", [1, 7], []), ("2-2n", [2, 4, 6], [1, 3, 5]),
    ("3-3n", [3, 6], [4, 2]), ("1-3", [1, 3], [4]), ("2-n", [2, 9], [1]), ("6", [6], [5, 7]),
])
def test_vm_notation(vm: str, good: list[int], bad: list[int]) -> None:
    assert all(vm_ok(n, vm) for n in good)
    assert not any(vm_ok(n, vm) for n in bad)


def test_vm_unknown_notation() -> None:
    assert parse_vm("1-n or 1") is None and vm_ok(3, "weird") is None


def test_vm_invalid_and_clean(std: Any) -> None:
    ds = Dataset()
    ds.PixelSpacing = [1.0, 1.0, 1.0]  # VM 2
    ds.ImageType = ["ORIGINAL", "PRIMARY"]  # VM 2-n
    ds.ImagePositionPatient = [0, 0, 0]  # VM 3
    ds.PatientName = ""  # empty: not counted
    found = run_checks(ds, std, "vm")
    assert [(f.code, f.tag) for f in found] == [("vm-invalid", "00280030")]
    assert "has 3 values; the dictionary gives VM 2" in found[0].message


# -- vr_dictionary -------------------------------------------------------------------------------
def test_vr_mismatch_explicit(std: Any) -> None:
    ds = dataset(raw(0x00100010, "LO", b"Doe^John"), raw(0x00080020, "DA", b"20200101"))
    found = run_checks(ds, std, "vr_dictionary", facts=EXPLICIT)
    assert codes(found) == [("vr-mismatch", "error")]
    assert found[0].tag == "00100010" and "has VR LO; the dictionary gives PN" in found[0].message


def test_vr_mismatch_skips_implicit(std: Any) -> None:
    ds = dataset(raw(0x00100010, None, b"Doe^John", implicit=True))
    assert run_checks(ds, std, "vr_dictionary", facts=IMPLICIT) == []


def test_vr_un_is_warning(std: Any) -> None:
    ds = dataset(raw(0x00080060, "UN", b"CT"))
    assert codes(run_checks(ds, std, "vr_dictionary", facts=EXPLICIT)) == [
        ("vr-un", "warning")]


def test_us_or_ss_resolved_by_pixel_representation(std: Any) -> None:
    ds = dataset(raw(0x00280103, "US", b"\x01\x00"), raw(0x00280106, "US", b"\x00\x00"))
    found = run_checks(ds, std, "vr_dictionary", facts=EXPLICIT)
    assert codes(found) == [("vr-pixel-representation", "warning")]
    assert "should be SS" in found[0].message
    ds = dataset(raw(0x00280103, "US", b"\x01\x00"), raw(0x00280106, "SS", b"\x00\x00"))
    assert run_checks(ds, std, "vr_dictionary", facts=EXPLICIT) == []


def test_pixel_data_ob_with_16_bits(std: Any) -> None:
    meta = Dataset()
    meta.TransferSyntaxUID = "1.2.840.10008.1.2.1"
    ds = dataset(raw(0x00280100, "US", b"\x10\x00"), raw(0x7FE00010, "OB", b"\x00" * 4))
    found = run_checks(ds, std, "vr_dictionary", file_meta=meta, facts=EXPLICIT)
    assert codes(found) == [("vr-mismatch", "error")]
    ds = dataset(raw(0x00280100, "US", b"\x10\x00"), raw(0x7FE00010, "OW", b"\x00" * 4))
    assert run_checks(ds, std, "vr_dictionary", file_meta=meta, facts=EXPLICIT) == []


# -- pn --------------------------------------------------------------------------------------------
def test_pn_unformatted_name_message(std: Any) -> None:
    ds = Dataset()
    ds.PatientName = "John Smith"
    found = run_checks(ds, std, "pn")
    assert codes(found) == [("pn-separator", "warning")]
    assert found[0].message == (
        "Patient's Name (0010,0010): 'John Smith' has no '^' component separators; DICOM "
        "names are family^given^middle^prefix^suffix, e.g. 'Smith^John'")


@pytest.mark.parametrize("name", ["Smith^John", "Smith", "Smith^John^^Dr^Jr",
                                  "Yamada^Tarou=山田^太郎=やまだ^たろう", "=Smith", ""])
def test_pn_clean(name: str) -> None:
    assert pn_problems(name, 64) == []


@pytest.mark.parametrize(("name", "why"), [
    ("a=b=c=d", "4 component groups"), ("a^b^c^d^e^f", "6 components"),
    ("A" * 65, "65 characters"),
])
def test_pn_errors(name: str, why: str) -> None:
    problems = pn_problems(name, 64)
    assert problems[0][0] == "error" and why in problems[0][1]


def test_pn_suggestions() -> None:
    assert suggestion("Smith, John") == "Smith^John"
    assert suggestion("Mary Ann Jones") == "Jones^Mary Ann"
    assert suggestion("Anonymized") is None


@given(st.text(max_size=200))
def test_pn_never_raises(text: str) -> None:
    pn_problems(text, 64)


# -- uid ---
@pytest.mark.parametrize("uid", ["1.2.840.10008.1.2.1", "0.0", "2.25.1234567890", "1.0.2"])
def test_uid_clean(uid: str) -> None:
    assert uid_problems(uid) == []


@pytest.mark.parametrize(("uid", "why"), [
    ("1.2.03", "leading zero"), ("1.2.", "trailing"), ("1..2", "empty component"),
    ("1.2.a", "characters"), ("1." + "1" * 70, "more than 64"), (".1.2", "leading '.'"),
    ("0", "<org root>.<suffix>"), ("12345", "two components"),
])
def test_uid_invalid(uid: str, why: str) -> None:
    problems = uid_problems(uid)
    assert problems and problems[0][0] == "error" and why in problems[0][1]


def test_uid_first_arc_warning() -> None:
    assert uid_problems("9.8.7.6") == [
        ("warning", "first arc 9 is not 0, 1 or 2 (ISO/IEC 9834-1 root)")]


@given(st.from_regex(r"\A(0|[1-9][0-9]{0,5})(\.(0|[1-9][0-9]{0,5})){1,8}\Z"))
def test_uid_valid_generated(uid: str) -> None:
    assert [p for p in uid_problems(uid) if p[0] == "error"] == []


@given(st.text(max_size=90))
def test_uid_never_raises(text: str) -> None:
    uid_problems(text)


def test_uid_padding_and_root(std: Any) -> None:
    ds = dataset(raw(0x00020010, "UI", b"1.2.840.10008.1.2.1 "),
                 raw(0x00080016, "UI", b"1.2.840.10008.5.1.4.1.1.2\x00"),
                 raw(0x00080018, "UI", b"1.2.3.04\x00"))
    found = run_checks(ds, std, "uid", options={"uid_roots": True})
    got = sorted((f.code, f.severity, f.tag) for f in found)
    assert got == [("uid-invalid", "error", "00020010"), ("uid-invalid", "error", "00080018"),
                   ("uid-root", "info", "00020010"), ("uid-root", "info", "00080016")]
    root = [f for f in found if f.code == "uid-root" and f.tag == "00020010"][0]
    assert "Transfer Syntax: Explicit VR Little Endian" in root.message


# -- retired ---
def test_retired_element_uid_and_group_length(std: Any) -> None:
    ds = Dataset()
    ds.add_new(0x00080000, "UL", 10)
    ds.OtherPatientIDs = "X"
    item = Dataset()
    item.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.1"  # Detached Study Management
    ds.ReferencedStudySequence = Sequence([item])
    ds.PatientID = "X"
    found = run_checks(ds, std, "retired")
    assert sorted((f.code, f.tag) for f in found) == [
        ("group-length", "00080000"), ("retired", "00081150"), ("retired", "00101000")]


def test_retired_clean(std: Any) -> None:
    ds = Dataset()
    ds.add_new(0x00020000, "UL", 10)
    ds.PatientID = "X"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    assert run_checks(ds, std, "retired") == []


def test_uid_root_default_only_unregistered(std: Any) -> None:
    ds = dataset(raw(0x00080016, "UI", b"1.2.840.10008.5.1.4.1.1.2\x00"),
                 raw(0x00080018, "UI", b"1.2.840.10008.9.9.9.9"))
    found = run_checks(ds, std, "uid")
    assert [(f.code, f.tag) for f in found] == [("uid-root", "00080018")]
    assert "not in the UID registry" in found[0].message
