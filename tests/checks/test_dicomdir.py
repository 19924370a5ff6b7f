"""DICOMDIR checks: offsets, record nesting (PS3.3 Table F.4-1), referenced files."""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import pydicom
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydicom.dataset import Dataset
from pydicom.fileset import FileSet

from conformance.checks.dicomdir import allowed
from conformance.engine.api import Validator
from tests.helpers.testdata import pydicom_testdata


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


def _codes(validator: Validator, obj: object) -> list[str]:
    return [c for c in validator.validate(obj).codes() if c.startswith("dicomdir")]


def test_record_nesting_table() -> None:
    assert allowed(None, "PATIENT") and not allowed(None, "IMAGE")
    assert allowed("PATIENT", "STUDY") and not allowed("PATIENT", "SERIES")
    assert allowed("SERIES", "IMAGE") and allowed("SERIES", "SR DOCUMENT")
    assert not allowed("SERIES", "STUDY")
    assert allowed("IMAGE", "PRIVATE") and not allowed("IMAGE", "IMAGE")


def test_pydicom_dicomdir_has_no_structural_error(validator: Validator) -> None:
    r = validator.validate(pydicom_testdata("DICOMDIR"))
    assert "iod-unknown" not in r.codes()
    assert [f for f in r.findings if f.code.startswith("dicomdir") and f.severity == "error"] \
        == []


def test_image_record_at_the_root(validator: Validator) -> None:
    path = Path(pydicom_testdata("DICOMDIR")).parent / "DICOMDIR-nopatient"
    assert "dicomdir-record-nesting" in _codes(validator, path)


def test_offset_to_nowhere(validator: Validator, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(pydicom_testdata("DICOMDIR"))
    ds.DirectoryRecordSequence[0].OffsetOfTheNextDirectoryRecord = 12345
    p = tmp_path / "DICOMDIR"
    ds.save_as(p)
    r = validator.validate(p)
    offsets = [f for f in r.findings if f.code == "dicomdir-offset"]
    assert len(offsets) == 1 and "12345" in offsets[0].message
    assert offsets[0].keyword_path == "DirectoryRecordSequence[0].OffsetOfTheNextDirectoryRecord"


def test_referenced_file_uids(validator: Validator, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = pydicom.dcmread(pydicom_testdata("CT_small.dcm"))
    fs = FileSet()
    for i in range(2):
        ds = copy.deepcopy(base)
        ds.SOPInstanceUID = f"{base.SOPInstanceUID}.{i}"
        fs.add(ds)
    fs.write(tmp_path)
    assert _codes(validator, tmp_path / "DICOMDIR") == ["dicomdir-iod-unchecked"]
    im = tmp_path / "PT000000" / "ST000000" / "SE000000" / "IM000001"
    other = pydicom.dcmread(im)
    other.SOPInstanceUID = other.file_meta.MediaStorageSOPInstanceUID = "1.2.3.4"
    other.save_as(im)
    r = validator.validate(tmp_path / "DICOMDIR")
    [f] = [f for f in r.findings if f.code == "dicomdir-uid-mismatch"]
    assert "ReferencedSOPInstanceUIDInFile" in f.message and "IM000001" in f.message
    assert "1.2.3.4" not in f.message  # the file's UID is not in the DICOMDIR: not quoted


def test_in_memory_dicomdir_checks_structure_only(validator: Validator) -> None:
    data = Path(pydicom_testdata("DICOMDIR")).read_bytes()
    assert _codes(validator, data) == ["dicomdir-iod-unchecked"]


def _unlisted(validator: Validator, dicomdir: Path) -> str:
    found = [f.message for f in validator.validate(dicomdir).findings
             if f.code == "dicomdir-unlisted-file"]
    return found[0] if found else ""


def test_unlisted_files_follow_changes_between_validations(validator: Validator,
                                                           tmp_path: Path) -> None:
    """Headers read for one DICOMDIR are reused for the next only while the file is
    unchanged: a file that becomes DICOM, or a DICOMDIR under another name, is seen."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = pydicom.dcmread(pydicom_testdata("CT_small.dcm"))
    fs = FileSet()
    fs.add(base)
    fs.write(tmp_path)
    dicomdir = tmp_path / "DICOMDIR"
    (tmp_path / "notes.txt").write_text("not DICOM")
    assert _unlisted(validator, dicomdir) == ""
    base.save_as(tmp_path / "notes.txt")  # now a DICOM file no record names
    assert "1 DICOM file(s)" in _unlisted(validator, dicomdir)
    (tmp_path / "notes.txt").write_bytes(dicomdir.read_bytes())  # a DICOMDIR by content
    assert _unlisted(validator, dicomdir) == ""
    (tmp_path / "link.dcm").symlink_to(tmp_path / "PT000000" / "ST000000" / "SE000000"
                                       / "IM000000")
    assert _unlisted(validator, dicomdir) == ""  # the named file under another name




_ASCII_VALUE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=24)


@settings(max_examples=400, deadline=None)
@given(value=st.one_of(st.binary(max_size=24), _ASCII_VALUE.map(str.encode),
                       _ASCII_VALUE.map(lambda t: t.encode() + b"\x00")),
       keyword=st.sampled_from(["DirectoryRecordType", "ReferencedSOPInstanceUIDInFile",
                                "MediaStorageSOPClassUID", "TransferSyntaxUID"]),
       implicit=st.booleans())
def test_text_read_from_bytes_is_what_conversion_gives(value: bytes, keyword: str,
                                                       implicit: bool) -> None:
    """The text of a raw UI or CS value is the converted value's; it is read from the
    bytes (the element left unconverted) exactly when they are visible ASCII but for
    trailing padding, without a backslash: otherwise the element is converted, as
    before, so what masking and the other checks see afterwards is unchanged."""
    from pydicom.datadict import dictionary_VR, tag_for_keyword
    from pydicom.dataelem import RawDataElement

    from conformance.checks import dicomdir

    tag = tag_for_keyword(keyword)
    assert tag is not None
    raw = RawDataElement(pydicom.tag.Tag(tag), None if implicit else dictionary_VR(tag),
                         len(value), value, 0, implicit, True)

    def holding() -> Dataset:
        ds = Dataset()
        ds._dict[raw.tag] = raw
        return ds

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        converted = holding().get(keyword)
        ds = holding()
        text = dicomdir._text(ds, keyword)
    expected = str(converted).strip("\x00 ") if converted is not None else ""
    assert text == expected
    trimmed = value.rstrip(b"\x00 ")
    visible = all(0x21 <= c <= 0x7E and c != 0x5C for c in trimmed)
    assert (ds._dict[raw.tag] is raw) == visible


def test_text_under_pydicom_raise_mode_is_converted(monkeypatch: pytest.MonkeyPatch) -> None:
    """With pydicom set to raise on invalid values the value is converted, as before:
    an invalid UID reads as no UID (nothing to compare)."""
    from pydicom import config
    from pydicom.dataelem import RawDataElement

    from conformance.checks import dicomdir

    monkeypatch.setattr(config.settings, "reading_validation_mode", config.RAISE)
    raw = RawDataElement(pydicom.tag.Tag(0x00041511), "UI", 6, b"1.2.3a", 0, False, True)
    ds = Dataset()
    ds._dict[raw.tag] = raw
    assert dicomdir._text(ds, "ReferencedSOPInstanceUIDInFile") == ""
    ok = Dataset()
    ok._dict[raw.tag] = raw._replace(value=b"1.2.34", length=6)
    assert dicomdir._text(ok, "ReferencedSOPInstanceUIDInFile") == "1.2.34"


@settings(max_examples=200, deadline=None)
@given(value=st.binary(min_size=4, max_size=4),
       keyword=st.sampled_from(["OffsetOfTheNextDirectoryRecord",
                                "OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity"]),
       implicit=st.booleans(), little=st.booleans())
def test_offset_read_from_bytes_is_what_conversion_gives(value: bytes, keyword: str,
                                                         implicit: bool, little: bool) -> None:
    from pydicom.datadict import tag_for_keyword
    from pydicom.dataelem import RawDataElement

    from conformance.checks import dicomdir

    tag = tag_for_keyword(keyword)
    assert tag is not None
    raw = RawDataElement(pydicom.tag.Tag(tag), None if implicit else "UL", 4, value, 0,
                         implicit, little)

    def holding() -> Dataset:
        ds = Dataset()
        ds._dict[raw.tag] = raw
        return ds

    ds = holding()
    assert dicomdir._int(ds, keyword) == int(holding().get(keyword))
    assert ds._dict[raw.tag] is raw
