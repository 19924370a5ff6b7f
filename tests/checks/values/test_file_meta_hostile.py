"""File Meta elements pydicom cannot convert (found by the fuzz campaign, seed 505)."""

from __future__ import annotations

from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataelem import RawDataElement

from conformance import validate


def test_unknown_vr_in_file_meta_is_a_finding_not_a_crash() -> None:
    ds = dcmread(get_testdata_file("CT_small.dcm"))
    # (0002,0001) File Meta Information Version stored with explicit VR 'O\x7f'
    ds.file_meta._dict[0x00020001] = RawDataElement(  # type: ignore[assignment]
        0x00020001, "O\x7f", 2, b"\x00\x01", 0, False, True)
    report = validate(ds)
    assert "internal-error" not in report.codes()
    hits = [f for f in report.findings if f.code == "encoding-invalid" and f.tag == "00020001"]
    assert len(hits) == 1 and "is not a Value Representation" in hits[0].message
