"""Datasets and a validator for the hand-written mini standard (engine and check tests)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

from conformance.engine.api import Validator
from conformance.engine.result import Report

MINI = Path(__file__).resolve().parent / "fixtures" / "mini_standard"
CT = "1.2.840.10008.5.1.4.1.1.2"
ENHANCED_CT = "1.2.840.10008.5.1.4.1.1.2.1"


def ct_dataset() -> Dataset:
    """A CT Image that meets every requirement of the mini standard."""
    ds = Dataset()
    ds.SOPClassUID = CT
    ds.SOPInstanceUID = "1.2.3.4.5"
    ds.PatientName = "Doe^John"
    ds.PatientID = "123"
    ds.PatientSex = "M"
    ds.StudyInstanceUID = "1.2.3"
    ds.StudyDate = "20240101"
    ds.ReferringPhysicianName = ""
    ds.Modality = "CT"
    ds.SeriesInstanceUID = "1.2.3.4"
    ds.Laterality = "R"
    ds.PatientPosition = "HFS"
    ds.InstanceNumber = "1"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.Rows = 2
    ds.Columns = 2
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.add_new(0x7FE00010, "OB", b"\0" * 8)
    ds.KVP = "120"
    ds.RescaleIntercept = "-1024"
    ds.RescaleSlope = "1"
    return ds


def _item(**kw: object) -> Dataset:
    d = Dataset()
    for k, v in kw.items():
        setattr(d, k, v)
    return d


def enhanced_dataset(frames: int = 2) -> Dataset:
    """An Enhanced CT Image (mini standard) with Pixel Measures shared, the rest per frame."""
    ds = ct_dataset()
    for kw in ("ImageType", "KVP", "RescaleIntercept", "RescaleSlope", "InstanceNumber",
               "PatientPosition"):
        delattr(ds, kw)
    ds.SOPClassUID = ENHANCED_CT
    ds.NumberOfFrames = frames
    shared = _item(PixelMeasuresSequence=Sequence([_item(PixelSpacing=[1, 1],
                                                         SliceThickness="1")]))
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    ds.PerFrameFunctionalGroupsSequence = Sequence([
        _item(FrameContentSequence=Sequence([_item(FrameAcquisitionNumber=i)]),
              PlaneOrientationSequence=Sequence([_item(ImageOrientationPatient=[1, 0, 0,
                                                                                 0, 1, 0])]))
        for i in range(frames)])
    return ds


def with_file_meta(ds: Dataset) -> Dataset:
    """``ds`` with File Meta so it can be written as a Part 10 file."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    return ds


@lru_cache(maxsize=1)
def mini_validator() -> Validator:
    """One Validator of the mini standard, shared by the tests (it is thread-safe)."""
    return Validator(MINI)


def run(obj: object, **kw: object) -> Report:
    """Validate against the mini standard (a fresh Validator when options are given)."""
    if kw:
        return Validator(MINI, **kw).validate(obj)  # type: ignore[arg-type]
    return mini_validator().validate(obj)


def codes(report: Report, severity: str | None = None) -> list[str]:
    return [f.code for f in report.findings if severity is None or f.severity == severity]
