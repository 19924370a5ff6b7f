"""Attribute Type checks (PS3.5 7.4) against the mini standard."""

from __future__ import annotations

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from tests.engine.datasets import codes, ct_dataset, run


def _find(report, code):  # type: ignore[no-untyped-def]
    return [f for f in report.findings if f.code == code]


def test_valid_dataset_has_no_errors_or_warnings() -> None:
    r = run(ct_dataset())
    assert r.ok and not r.warnings
    assert set(codes(r)) <= {"condition-not-checked"}


def test_type1_missing_and_empty() -> None:
    ds = ct_dataset()
    del ds.SeriesInstanceUID
    ds.StudyInstanceUID = ""
    r = run(ds)
    missing = _find(r, "type1-missing")
    assert [f.keyword for f in missing] == ["SeriesInstanceUID"]
    assert missing[0].message.startswith("Missing attribute Type 1 Required "
                                         "Element=<SeriesInstanceUID> Module=<General Series>")
    assert missing[0].reference is not None and missing[0].reference.table == "C.7-5a"
    assert missing[0].reference.edition == "mini"
    empty = _find(r, "type1-empty")
    assert [f.keyword for f in empty] == ["StudyInstanceUID"]
    assert empty[0].message.startswith("Empty attribute (no value) Type 1 Required")


def test_type2_missing_but_empty_is_fine() -> None:
    ds = ct_dataset()
    del ds.PatientID
    ds.PatientName = ""
    r = run(ds)
    assert [f.keyword for f in _find(r, "type2-missing")] == ["PatientID"]
    assert _find(r, "type2-missing")[0].message.startswith("Missing attribute Type 2 Required")


def test_type1c_when_condition_true_only() -> None:
    ds = ct_dataset()
    ds.ImageType = ["DERIVED", "PRIMARY"]  # Source Image Sequence now required
    r = run(ds)
    assert [f.keyword for f in _find(r, "type1c-missing")] == ["SourceImageSequence"]
    ds.SourceImageSequence = Sequence([])
    r = run(ds)
    assert [f.keyword for f in _find(r, "type1c-empty")] == ["SourceImageSequence"]
    item = Dataset()
    item.ReferencedSOPClassUID = "1.2"
    item.ReferencedSOPInstanceUID = "1.2.3"
    ds.SourceImageSequence = Sequence([item])
    assert not run(ds).errors


def test_not_allowed_when_condition_false() -> None:
    ds = ct_dataset()  # Image Type value 1 is ORIGINAL
    item = Dataset()
    item.ReferencedSOPClassUID = "1.2"
    item.ReferencedSOPInstanceUID = "1.2.3"
    ds.SourceImageSequence = Sequence([item])
    r = run(ds)
    found = _find(r, "not-allowed")
    assert [f.keyword for f in found] == ["SourceImageSequence"]
    assert found[0].message.startswith("Attribute present when condition unsatisfied")


def test_type3_shall_not_be_present_if() -> None:
    ds = ct_dataset()
    ds.DerivationDescription = "x"  # forbidden while Image Type value 1 is ORIGINAL
    assert [f.keyword for f in _find(run(ds), "not-allowed")] == ["DerivationDescription"]
    ds.ImageType = ["DERIVED", "PRIMARY"]
    assert not _find(run(ds), "not-allowed")


def test_type2c_with_sop_class_condition() -> None:
    ds = ct_dataset()
    del ds.PatientPosition
    assert [f.keyword for f in _find(run(ds), "type2c-missing")] == ["PatientPosition"]


def test_nested_sequence_items_and_paths() -> None:
    ds = ct_dataset()
    item = Dataset()
    item.RequestedProcedureID = "RP1"  # makes Scheduled Procedure Step ID required
    ds.RequestAttributesSequence = Sequence([Dataset(), item])
    r = run(ds)
    t2 = _find(r, "type2-missing")
    assert [f.path for f in t2] == ["(0040,0275)[0].(0040,0007)", "(0040,0275)[1].(0040,0007)"]
    assert t2[0].keyword_path == ("RequestAttributesSequence[0]."
                                  "ScheduledProcedureStepDescription")
    t1c = _find(r, "type1c-missing")
    assert [f.path for f in t1c] == ["(0040,0275)[1].(0040,0009)"]


def test_macro_provenance_in_message() -> None:
    ds = ct_dataset()
    ds.ReferencedPatientSequence = Sequence([Dataset()])
    r = run(ds)
    found = _find(r, "type1-missing")
    assert {f.keyword for f in found} == {"ReferencedSOPClassUID", "ReferencedSOPInstanceUID"}
    assert all("Module=<SOP Instance Reference> (in Patient)" in f.message for f in found)
    assert found[0].reference.table == "10-11"


def test_process_and_unparsed_conditions_are_not_reported_per_file() -> None:
    """"If the body part examined is paired" (a process part) and a sentence not
    understood are undecidable from any dataset: listed once per IOD, not per file."""
    from conformance.engine.undecided import undecidable
    from conformance.standard import load_standard
    from tests.engine.datasets import MINI

    ds = ct_dataset()
    del ds.Laterality
    r = run(ds)
    texts = [f.message for f in _find(r, "condition-not-checked")]
    assert not any("paired" in t or "SpecificCharacterSet" in t for t in texts)
    listed = [c.get("text", "") for _, _, c in undecidable(load_standard(MINI), r.iod or "")]
    assert any("the body part examined is paired" in t for t in listed)


def test_absent_module_attributes_are_not_checked() -> None:
    ds = ct_dataset()
    ds.ContrastBolusRoute = "IV"  # Contrast/Bolus module now present, Agent (type 2) missing
    assert [f.keyword for f in _find(run(ds), "type2-missing")] == ["ContrastBolusAgent"]


def test_repeating_group_attributes_per_group() -> None:
    ds = ct_dataset()
    ds.add_new(0x60020010, "US", 2)  # Overlay Rows in group 6002 only
    r = run(ds)
    missing = sorted(f.path for f in _find(r, "type1-missing"))
    assert missing == ["(6002,0011)", "(6002,3000)"]
