"""private, file_meta, pixel_data, charset, and the real pydicom test files end to end."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence

from conformance import validate
from conformance.engine.input import ReadFacts
from tests.checks.values.conftest import codes, dataset, raw, run_checks

MINE = ("vr-", "vm-", "pn-", "uid-invalid", "uid-arc", "private-", "retired", "group-length",
        "file-meta", "pixel-data", "charset", "internal-error", "element-unreadable")


# -- private --------------------------------------------------------------------------------------
def _private(ds: Dataset, std: Any) -> list[tuple[str, str, str]]:
    return sorted((f.code, f.severity, f.path) for f in run_checks(ds, std, "private"))


def test_private_clean(std: Any) -> None:
    ds = Dataset()
    ds.add_new(0x00090010, "LO", "ACME 1.0")
    ds.add_new(0x00091001, "LO", "x")
    assert _private(ds, std) == []


def test_private_codes(std: Any) -> None:
    ds = Dataset()
    ds.add_new(0x00090010, "LO", "ACME 1.0")
    ds.add_new(0x00090011, "LO", "ACME 1.0")  # duplicate, and unused
    ds.add_new(0x00090012, "LO", "")  # empty creator (unused as well)
    ds.add_new(0x00091001, "LO", "x")
    ds.add_new(0x00092001, "LO", "no creator")
    ds.add_new(0x00090005, "LO", "outside")
    ds.add_new(0x00090200, "LO", "outside")
    ds.add_new(0x00031001, "LO", "bad group")
    assert _private(ds, std) == [
        ("private-creator-duplicate", "warning", "(0009,0011)"),
        ("private-creator-invalid", "error", "(0009,0012)"),
        ("private-creator-missing", "error", "(0009,2001)"),
        ("private-creator-unused", "info", "(0009,0011)"),
        ("private-creator-unused", "info", "(0009,0012)"),
        ("private-group", "error", "(0003,1001)"),
        ("private-outside-block", "error", "(0009,0005)"),
        ("private-outside-block", "error", "(0009,0200)"),
    ]


def test_private_blocks_scoped_to_items(std: Any) -> None:
    item = Dataset()
    item.add_new(0x00091001, "LO", "creator is only at top level")
    ds = Dataset()
    ds.add_new(0x00090010, "LO", "ACME")
    ds.add_new(0x00091001, "LO", "x")
    ds.ReferencedStudySequence = Sequence([item])
    assert _private(ds, std) == [
        ("private-creator-missing", "error", "(0008,1110)[0].(0009,1001)")]


def test_private_creator_wrong_vr_and_vm(std: Any) -> None:
    ds = dataset(raw(0x00090010, "SH", b"A\\B "), raw(0x00091001, "LO", b"x "))
    found = run_checks(ds, std, "private")
    assert codes(found) == [("private-creator-invalid", "error")]
    assert "VR SH, not LO and 2 values, not 1" in found[0].message


# -- file meta ----------------------------------------------------------------------------------
def _meta(**kw: Any) -> FileMetaDataset:
    m = FileMetaDataset()
    m.FileMetaInformationVersion = b"\x00\x01"
    m.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    m.MediaStorageSOPInstanceUID = "1.2.3.4"
    m.TransferSyntaxUID = "1.2.840.10008.1.2.1"
    m.ImplementationClassUID = "1.2.3.5"
    for k, v in kw.items():
        setattr(m, k, v)
    return m


def _sop() -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPInstanceUID = "1.2.3.4"
    return ds


FROM_FILE = ReadFacts(preamble=b"\0" * 128, has_dicm_prefix=True)


def test_file_meta_clean(std: Any) -> None:
    assert run_checks(_sop(), std, "file_meta", file_meta=_meta(), facts=FROM_FILE) == []


def test_file_meta_in_memory_skipped(std: Any) -> None:
    assert run_checks(_sop(), std, "file_meta") == []


def test_file_meta_problems(std: Any) -> None:
    meta = _meta(FileMetaInformationVersion=b"\x01\x00", MediaStorageSOPInstanceUID="1.2.3.9",
                 TransferSyntaxUID="1.2.840.10008.5.1.4.1.1.2")
    found = run_checks(_sop(), std, "file_meta", file_meta=meta,
                       facts=ReadFacts(has_dicm_prefix=False))
    msgs = [f.message for f in found]
    assert len(found) == 4 and all(f.code == "file-meta" for f in found)
    assert msgs[0].startswith("no 128-byte preamble")
    assert "not 00H 01H" in msgs[1] and "differs from the dataset's SOP Instance UID" in msgs[2]
    assert "is a SOP Class (CT Image Storage), not a Transfer Syntax" in msgs[3]


def test_file_meta_unknown_ts_and_encoding_mismatch(std: Any) -> None:
    found = run_checks(_sop(), std, "file_meta", file_meta=_meta(TransferSyntaxUID="1.2.3.99"),
                       facts=FROM_FILE)
    assert codes(found) == [("file-meta-ts-unknown", "warning")]
    found = run_checks(_sop(), std, "file_meta", file_meta=_meta(),
                       facts=ReadFacts(has_dicm_prefix=True, is_implicit_vr=True,
                                       is_little_endian=True))
    assert codes(found) == [("file-meta", "error")] and "implicit VR" in found[0].message


# -- pixel data --------------------------------------------------------------------------------
def _image(rows: int = 4, cols: int = 4, ba: int = 16, bs: int = 12, hb: int = 11,
           spp: int = 1, length: int | None = None) -> Dataset:
    ds = Dataset()
    ds.Rows, ds.Columns, ds.SamplesPerPixel = rows, cols, spp
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = ba, bs, hb
    n = (rows * cols * spp * ba + 7) // 8 if length is None else length
    ds.PixelData = b"\0" * n
    return ds


def test_pixel_data_clean(std: Any) -> None:
    meta = _meta()
    assert run_checks(_image(), std, "pixel_data", file_meta=meta) == []
    assert run_checks(_image(3, 3, 1, 1, 0), std, "pixel_data", file_meta=meta) == []


def test_pixel_data_length_and_bits(std: Any) -> None:
    found = run_checks(_image(length=30, bs=20, hb=11), std, "pixel_data", file_meta=_meta())
    assert sorted(f.path for f in found) == ["(0028,0101)", "(0028,0102)", "(7FE0,0010)"]
    assert all(f.code == "pixel-data" and f.severity == "error" for f in found)


def test_pixel_data_encapsulated_skipped(std: Any) -> None:
    meta = _meta(TransferSyntaxUID="1.2.840.10008.1.2.4.50")
    assert run_checks(_image(length=10), std, "pixel_data", file_meta=meta) == []


# -- charset --------------------------------------------------------------------------------------
def test_charset_terms(std: Any) -> None:
    ds = Dataset()
    ds.SpecificCharacterSet = ["ISO_IR 100", "ISO_IR 999"]
    found = run_checks(ds, std, "charset")
    assert codes(found) == [("charset", "error")]
    assert "'ISO_IR 999' is not a Defined Term" in found[0].message
    assert "cannot be combined" in found[0].message
    ds.SpecificCharacterSet = ["", "ISO 2022 IR 87"]
    assert run_checks(ds, std, "charset") == []


def test_charset_undecodable_text(std: Any) -> None:
    ds = dataset(raw(0x00100010, "PN", "Müller^Hans".encode("latin-1") + b" "))
    assert codes(run_checks(ds, std, "charset")) == [("charset", "error")]
    ds = dataset(raw(0x00080005, "CS", b"ISO_IR 100"),
                 raw(0x00100010, "PN", "Müller^Hans".encode("latin-1") + b" "))
    assert run_checks(ds, std, "charset") == []
    ds = dataset(raw(0x00080005, "CS", b"ISO_IR 192"), raw(0x00100010, "PN", b"M\xfcller "))
    assert codes(run_checks(ds, std, "charset")) == [("charset", "error")]


# -- the real pydicom test files (findings verified against each file's content) -------------
def _mine(name: str) -> list[tuple[str, str, str]]:
    report = validate(get_testdata_file(name))
    return sorted((f.code, f.severity, f.path) for f in report.findings
                  if f.code.startswith(MINE))


def test_bad_vr_file() -> None:
    # Number of Frames is b'1A'; (0008,0018) is 1.9.999... while (0002,0003) is 1.2.999...;
    # the Referenced SOP Instance UID has the component '0123'.
    assert _mine("badVR.dcm") == [
        ("file-meta", "error", "(0002,0003)"),
        ("uid-invalid", "error", "(300C,0002)[0].(0008,1155)"),
        ("vr-invalid", "error", "(0028,0008)"),
    ]


def test_reportsi_with_empty_number_tags() -> None:
    # Empty IS/DS values are not findings; 'Enter text' is a PN typed without '^'; the
    # referenced SOP Class / Instance UIDs "0" have one component (PS3.5 9: a UID is
    # <org root>.<suffix>), as dciodvfy also reports.
    ref = "(0040,A730)[4].(0040,A730)"
    assert _mine("reportsi_with_empty_number_tags.dcm") == [
        ("pn-separator", "warning", "(0040,A730)[1].(0040,A123)"),
        ("uid-invalid", "error", f"{ref}[0].(0040,A730)[0].(0008,1199)[0].(0008,1150)"),
        ("uid-invalid", "error", f"{ref}[0].(0040,A730)[0].(0008,1199)[0].(0008,1155)"),
        ("uid-invalid", "error", f"{ref}[1].(0008,1199)[0].(0008,1150)"),
        ("uid-invalid", "error", f"{ref}[1].(0008,1199)[0].(0008,1155)")]


def test_empty_charset_lei() -> None:
    # An empty Specific Character Set is allowed; the File Meta lacks (0002,0002/0003).
    assert _mine("empty_charset_LEI.dcm") == [
        ("file-meta", "error", "(0002,0002)"), ("file-meta", "error", "(0002,0003)")]


def test_priv_sq_is_clean() -> None:
    # (3F03,0010) reserves block 10 and (3F03,1001) uses it.
    assert _mine("priv_SQ.dcm") == []


def test_nested_priv_sq() -> None:
    # Group 0001 is forbidden for private elements; (0001,0002) holds 9 bytes 'Nested SQ';
    # (0002,0002/0003) are empty and (0002,0012) starts with arc 1234567890.
    assert _mine("nested_priv_SQ.dcm") == [
        ("file-meta", "error", "(0002,0002)"),
        ("file-meta", "error", "(0002,0003)"),
        ("private-group", "error", "(0001,0001)"),
        ("private-group", "error", "(0001,0001)[0].(0001,0001)"),
        ("private-group", "error", "(0001,0001)[0].(0001,0001)[0].(0001,0001)"),
        ("private-group", "error", "(0001,0001)[0].(0001,0002)"),
        ("uid-arc", "warning", "(0002,0012)"),
        ("vr-invalid", "error", "(0001,0001)[0].(0001,0002)"),
    ]


# -- garbage files never make a check raise -----------------------------------------------------
_CT = open(get_testdata_file("CT_small.dcm"), "rb").read()  # noqa: SIM115


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(132, len(_CT) - 1), st.binary(min_size=1, max_size=8))
def test_corrupted_file_never_raises(pos: int, junk: bytes) -> None:
    data = _CT[:pos] + junk + _CT[pos + len(junk):]
    report = validate(io.BytesIO(data))
    bad = [f for f in report.findings if f.code == "internal-error"
           and ".values." in f.message]
    assert bad == [], bad


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm", "rtplan.dcm"])
def test_clean_files_have_no_value_errors(name: str) -> None:
    errors = [f for f in _mine(name) if f[1] == "error"]
    assert errors == [] or name == "rtplan.dcm" and {e[0] for e in errors} == {"file-meta"}


def test_no_meta_group_length_file_meta_values() -> None:
    # (0002,0001) holds 01H 00H; (0002,0013) is b'1.4.1/WIN32\x00' (NUL, not SPACE, padding).
    found = _mine("no_meta_group_length.dcm")
    assert ("file-meta", "error", "(0002,0001)") in found
    assert ("vr-invalid", "error", "(0002,0013)") in found
