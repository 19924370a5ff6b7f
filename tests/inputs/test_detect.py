"""Content-based DICOM detection (PS3.10 7.1): never by name."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from conformance.inputs.detect import not_dicom_reason, sniff
from tests.helpers.testdata import pydicom_testdata


def test_preamble_and_dicm_is_dicom() -> None:
    assert not_dicom_reason(b"\0" * 128 + b"DICM", 1000) is None


def test_dataset_without_preamble_is_dicom() -> None:
    explicit = b"\x08\x00\x05\x00CS\x0a\x00ISO_IR 100"
    assert not_dicom_reason(explicit, len(explicit)) is None
    implicit = b"\x08\x00\x16\x00\x1a\x00\x00\x001.2.840.10008.5.1.4.1.1.2\x00"
    assert not_dicom_reason(implicit, len(implicit)) is None


def test_text_and_empty_are_not_dicom() -> None:
    assert not_dicom_reason(b"", 0) == "empty file"
    text = b"This folder holds the export of 2024-01-01.\n" * 4
    assert "not DICOM" in (not_dicom_reason(text[:132], len(text)) or "")
    # An implicit-VR "length" larger than the file is not a dataset start.
    assert not_dicom_reason(b"\x08\x00\x16\x00\xff\xff\x00\x10zz", 10) is not None


def test_real_file_under_a_text_name(tmp_path: Path) -> None:
    p = tmp_path / "notes.txt"
    p.write_bytes(Path(pydicom_testdata("CT_small.dcm")).read_bytes())
    assert sniff(str(p)) is None


@given(st.binary(max_size=200))
def test_never_raises(data: bytes) -> None:
    r = not_dicom_reason(data[:132], len(data))
    assert r is None or isinstance(r, str)
