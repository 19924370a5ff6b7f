"""The disagreements with dciodvfy of issue 11, each decided against the standard's text:
small files made from pydicom's test files, validated by both, compared on the one
attribute each case is about.

1. Patient Orientation (0020,0020) 2C on an IOD without the Image Plane Module (PS3.3
   C.7.6.1.1.1; fact ``image-orientation-not-required``): both report it missing.
2. Frame Increment Pointer (0028,0009) = Frame Time: the table's ``00181063H`` is that
   tag (PS3.5 6.2 AT): neither reports an enumerated value.
3. Responsible Person present and empty: it has no value (PS3.5 7.4), so Responsible
   Person Role (0010,2298) 1C "Required if Responsible Person is present and has a
   value" is not required: neither reports it.
4. A private element in an implicit VR file: its VR is pydicom's guess, not the file's
   (PS3.5 7.8.1, 10.1): neither checks its length; with the VR stated, both do.
5. Photometric Interpretation against the Transfer Syntax (PS3.5 8.2, Table 8.2.1-1):
   JPEG Baseline with 3 samples allows YBR_FULL_422 or RGB, so YBR_FULL is reported by
   both. An uncompressed YBR_FULL_422 stays valid: a known difference (NATIVE_YBR_422).
6. A UID "0": one component, not ``<org root>.<suffix>`` (PS3.5 9): both report it.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import dciodvfy_map as dm  # noqa: E402
from compare import compare  # noqa: E402

from tests.helpers.testdata import pydicom_testdata  # noqa: E402


@pytest.fixture(scope="module")
def validator() -> Any:
    if dm.available() is None:
        pytest.skip("dciodvfy (dicom3tools) is not installed")
    from conformance.engine.api import Validator

    return Validator()


def _read(name: str) -> Any:
    import pydicom

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(pydicom_testdata(name))


def _keys(path: Path, validator: Any, tag: str) -> tuple[set[dm.Key], set[dm.Key]]:
    """(dciodvfy's keys, ours) about ``tag``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = compare(path.name, str(path), validator)
    assert not c.dciodvfy.crashed
    return ({k for k in c.dv_keys if k[1] == tag}, {k for k in c.our_keys if k[1] == tag})


def test_patient_orientation_without_image_plane(tmp_path: Path, validator: Any) -> None:
    ds = _read("US1_UNCR.dcm")
    del ds.PatientOrientation
    ds.save_as(tmp_path / "us.dcm")
    dv, ours = _keys(tmp_path / "us.dcm", validator, "00200020")
    assert dv == ours == {("type2c-missing", "00200020")}


def test_at_enumerated_value_is_a_tag(tmp_path: Path, validator: Any) -> None:
    ds = _read("CT_small.dcm")
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.12.1"
    ds.Modality = "XA"
    ds.NumberOfFrames = 2
    ds.FrameTime = 33.0
    ds.FrameIncrementPointer = 0x00181063
    ds.save_as(tmp_path / "xa.dcm")
    dv, ours = _keys(tmp_path / "xa.dcm", validator, "00280009")
    assert ("enum-value", "00280009") not in dv | ours
    assert dv == ours


def test_empty_person_name_has_no_value(tmp_path: Path, validator: Any) -> None:
    from pydicom.valuerep import PersonName

    ds = _read("CT_small.dcm")
    ds.ResponsiblePerson = PersonName("")
    ds.save_as(tmp_path / "ct.dcm")
    dv, ours = _keys(tmp_path / "ct.dcm", validator, "00102298")
    assert dv == ours == set()


@pytest.mark.parametrize("implicit", [True, False])
def test_guessed_private_vr_is_not_checked(tmp_path: Path, validator: Any,
                                           implicit: bool) -> None:
    from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

    ds = _read("CT_small.dcm")
    ds.add_new(0x00510010, "LO", "SIEMENS MR HEADER")
    ds.add_new(0x0051100A, "SH", "TA 00.22*1234567890X")  # 20 characters for SH (16)
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit \
        else ExplicitVRLittleEndian
    ds.save_as(tmp_path / "ct.dcm", implicit_vr=implicit, little_endian=True)
    dv, ours = _keys(tmp_path / "ct.dcm", validator, "0051100A")
    assert dv == ours
    assert (("vr-invalid", "0051100A") in ours) is not implicit


NATIVE_YBR_422 = (
    "dciodvfy rejects YBR_FULL_422 with a native (uncompressed) Transfer Syntax. PS3.3 "
    "C.7.6.3.1.2 defines YBR_FULL_422 without tying it to compression, and PS3.5 8.2's "
    "tables constrain only the compressed Transfer Syntaxes; PS3.5 8.2.1 even describes "
    "native re-encoding of decompressed YCbCr data: 'It is permitted, however, to leave "
    "the YBR_FULL color components unconverted but decompressed in the Native format, in "
    "which case the Photometric Interpretation in the Data Set with the Native encoding "
    "would be YBR_FULL.' No text of PS3.5 forbids a native YBR_FULL_422, so the engine "
    "accepts it.")


@pytest.mark.parametrize(("name", "dv_reports", "we_report"), [
    ("SC_rgb_jpeg_dcmtk.dcm", True, True),               # JPEG Baseline, YBR_FULL
    ("examples_ybr_color.dcm", False, False),            # JPEG Baseline, YBR_FULL_422
    ("SC_ybr_full_422_uncompressed.dcm", True, False),   # native: NATIVE_YBR_422
])
def test_photometric_against_transfer_syntax(validator: Any, name: str, dv_reports: bool,
                                             we_report: bool) -> None:
    if not getattr(validator.standard, "pixel_encodings", None):
        pytest.skip("the standard in use was built without PS3.5 8.2's tables")
    dv, ours = _keys(Path(pydicom_testdata(name)), validator, "00280004")
    key = {("enum-value", "00280004")}
    assert dv == (key if dv_reports else set())
    assert ours == (key if we_report else set())  # where they differ: NATIVE_YBR_422


def test_one_component_uid(validator: Any) -> None:
    path = Path(pydicom_testdata("reportsi.dcm"))
    dv, ours = _keys(path, validator, "00081150")
    assert dv == ours == {("vr-invalid", "00081150")}
