"""Public attributes that the IOD does not define where they sit (not-in-iod)."""

from __future__ import annotations

from pathlib import Path

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from conformance.engine.api import Validator
from tests.engine.datasets import codes, ct_dataset, run
from tests.helpers.mini_variants import (
    Tables,
    add_element,
    attr_eq,
    cond,
    include,
    mini_variant,
    row,
    table,
)


def _nii(report):  # type: ignore[no-untyped-def]
    return [f for f in report.findings if f.code == "not-in-iod"]


def test_standard_attribute_outside_the_iod() -> None:
    ds = ct_dataset()
    ds.DeviceSerialNumber = "42"
    found = _nii(run(ds))
    assert [f.tag for f in found] == ["00181000"]
    assert found[0].severity == "warning"
    assert found[0].message.startswith(
        "Attribute is not present in standard DICOM IOD - (0018,1000) LO Device Serial Number")


def test_no_noise_from_special_elements() -> None:
    ds = ct_dataset()
    ds.add_new(0x00080000, "UL", 100)  # group length
    ds.add_new(0x00090010, "LO", "ACME")  # private creator
    ds.add_new(0x00091001, "LO", "x")  # private
    ds.add_new(0xFFFCFFFC, "OB", b"\0\0")  # trailing padding
    ds.add_new(0x60000010, "US", 2)  # overlay group: allowed by mask 60xx0010
    ds.add_new(0x60000011, "US", 2)
    ds.add_new(0x60003000, "OW", b"\0\0")
    ds.add_new(0x22220010, "LO", "unknown public")  # not in the dictionary
    assert not _nii(run(ds))


def test_option_switches_it_off() -> None:
    ds = ct_dataset()
    ds.DeviceSerialNumber = "42"
    assert "not-in-iod" not in codes(run(ds, options={"not_in_iod": False}))


def test_overlay_element_outside_the_module_is_reported() -> None:
    ds = ct_dataset()
    ds.add_new(0x60000010, "US", 2)
    ds.add_new(0x60000011, "US", 2)
    ds.add_new(0x60003000, "OW", b"\0\0")
    ds.add_new(0x60000040, "CS", "G")  # Overlay Type: not in the mini Overlay Plane module
    assert [f.tag for f in _nii(run(ds))] == ["60000040"]


# -- inside sequence items ---------------------------------------------------------

def _request_item(**kw: object) -> Dataset:
    item = Dataset()
    item.ScheduledProcedureStepDescription = "x"
    for k, v in kw.items():
        setattr(item, k, v)
    return item


def test_extra_in_a_sequence_item_is_reported_once_per_item() -> None:
    ds = ct_dataset()
    ds.RequestAttributesSequence = Sequence([
        _request_item(DeviceSerialNumber="1"), _request_item(),
        _request_item(DeviceSerialNumber="2")])
    found = _nii(run(ds))
    assert [(f.tag, f.path) for f in found] == [
        ("00181000", "(0040,0275)[0].(0018,1000)"), ("00181000", "(0040,0275)[2].(0018,1000)")]
    assert "not defined in items of RequestAttributesSequence" in found[0].message
    assert found[0].keyword_path == "RequestAttributesSequence[0].DeviceSerialNumber"


def test_attributes_the_item_defines_are_not_reported() -> None:
    ds = ct_dataset()
    ref = Dataset()  # Referenced Patient Sequence includes SOP Instance Reference
    ref.ReferencedSOPClassUID = "1.2.3"
    ref.ReferencedSOPInstanceUID = "1.2.3.4"
    ds.ReferencedPatientSequence = Sequence([ref])
    ds.RequestAttributesSequence = Sequence([_request_item(RequestedProcedureID="7")])
    assert not _nii(run(ds))
    ref.Modality = "CT"  # top-level attribute of the IOD, but not of this item
    assert [f.path for f in _nii(run(ds))] == ["(0008,1120)[0].(0008,0060)"]


def test_items_not_looked_into_private_or_open(tmp_path: Path) -> None:
    ds = ct_dataset()
    private = Dataset()
    private.DeviceSerialNumber = "1"
    ds.add_new(0x00090010, "LO", "ACME")
    ds.add_new(0x00091001, "SQ", Sequence([private]))
    assert not _nii(run(ds))

    def open_content(modules: Tables, iods: Tables, dictionary: Tables) -> None:
        seq = modules["modules"]["general-series"]["attributes"][-1]
        seq["children"] = []  # "Any Attribute": the tables do not limit the item

    ds.RequestAttributesSequence = Sequence([_request_item(DeviceSerialNumber="1")])
    assert _nii(run(ds))
    v = Validator(mini_variant(tmp_path, open_content))
    assert not _nii(v.validate(ds))


def test_top_level_sequence_outside_the_iod_is_reported_alone(tmp_path: Path) -> None:
    def edit(modules: Tables, iods: Tables, dictionary: Tables) -> None:
        add_element(dictionary, "00081140", "Referenced Image Sequence",
                    "ReferencedImageSequence", "SQ")

    ds = ct_dataset()
    ds.add_new(0x00081140, "SQ", Sequence([_request_item(DeviceSerialNumber="1")]))
    found = _nii(Validator(mini_variant(tmp_path, edit)).validate(ds))
    assert [(f.tag, f.path) for f in found] == [("00081140", "(0008,1140)")]


def test_false_include_condition_makes_its_rows_undefined_in_the_item(
        tmp_path: Path) -> None:
    def edit(modules: Tables, iods: Tables, dictionary: Tables) -> None:
        modules["macros"]["extra"] = table("macro", "extra", "Extra", [
            row("00181000", "Device Serial Number", "3")])
        seq = modules["modules"]["general-series"]["attributes"][-1]
        seq["children"].append(include("extra", cond(attr_eq("00400007", "WITH EXTRA",
                                                             scope="item"))))
        seq["children"].append(include("extra", cond({"op": "unknown", "text": "?"})))

    v = Validator(mini_variant(tmp_path, edit))
    ds = ct_dataset()
    ds.RequestAttributesSequence = Sequence([
        _request_item(DeviceSerialNumber="1"),
        _request_item(DeviceSerialNumber="1", ScheduledProcedureStepDescription="WITH EXTRA")])
    assert not _nii(v.validate(ds))  # item 0: the undecidable include may define it

    def only_false(modules: Tables, iods: Tables, dictionary: Tables) -> None:
        edit(modules, iods, dictionary)
        modules["modules"]["general-series"]["attributes"][-1]["children"].pop()

    v = Validator(mini_variant(tmp_path / "b", only_false))
    assert [f.path for f in _nii(v.validate(ds))] == ["(0040,0275)[0].(0018,1000)"]
