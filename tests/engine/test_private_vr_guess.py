"""A private element's VR that an implicit VR file does not carry is pydicom's guess from
its private dictionary: not checked as if certain (issue 11, dciodvfy differential)."""

from __future__ import annotations

import io

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

from conformance import validate


def _file(transfer_syntax: str) -> bytes:
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
    ds.SOPInstanceUID = "1.2.3.4"
    ds.add_new(0x00510010, "LO", "SIEMENS MR HEADER")
    # listed as SH "Unknown" in pydicom's private dictionary; 20 characters
    ds.add_new(0x0051100A, "SH", "TA 00.22*1234567890X")
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = transfer_syntax
    ds.file_meta = meta
    buf = io.BytesIO()
    ds.save_as(buf, implicit_vr=transfer_syntax == ImplicitVRLittleEndian,
               little_endian=True, enforce_file_format=True)
    return buf.getvalue()


def _on_private(data: bytes) -> list[str]:
    return [f.code for f in validate(data).findings if f.tag == "0051100A"]


def test_guessed_vr_is_not_checked() -> None:
    assert "vr-invalid" not in _on_private(_file(ImplicitVRLittleEndian))


def test_stated_vr_is_checked() -> None:
    assert "vr-invalid" in _on_private(_file(ExplicitVRLittleEndian))
