"""Rows one module of an IOD overrides in another (PS3.3 C.8.6.1: SC Equipment Module,
Modality "This type definition shall override the definition in the General Series
Module"): the overridden row requires nothing; the overriding row carries the Type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydicom.dataset import Dataset

from conformance import validate
from conformance.engine.requirements import requirements_for
from conformance.standard import load_standard
from tests.helpers.standard_build import tiny_documents, write_tiny_standard

OVERRIDE = ("Source equipment. This type definition shall override the definition in the "
            "Tiny Patient Module.")


def _std(tmp_path: Path, description: str) -> Any:
    docs = tiny_documents()
    image = docs["modules"]["modules"]["tiny-image"]["attributes"]
    image.append({"kind": "attribute", "name": "Patient ID", "tag": "00100020", "type": "3",
                  "description": description, "condition": None, "enums": [], "items": None,
                  "children": []})
    return load_standard(write_tiny_standard(tmp_path / "std", documents=docs))


def _dataset() -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = "1.2.3.4"
    ds.ImageType = ["ORIGINAL"]
    ds.PatientName = "A"
    return ds


def _patient_id(std: Any) -> list[tuple[str, str]]:
    req = requirements_for(std, "tiny-image")
    return [(m.id, a.type) for m in req.modules for a in m.attrs if a.tag == 0x00100020]


def test_overridden_row_loses_its_type(tmp_path: Path) -> None:
    std = _std(tmp_path, OVERRIDE)
    assert _patient_id(std) == [("tiny-patient", "3"), ("tiny-image", "3")]
    codes = {(f.code, f.tag) for f in validate(_dataset(), standard=std).findings}
    assert ("type2-missing", "00100020") not in codes


def test_without_the_sentence_both_rows_stand(tmp_path: Path) -> None:
    std = _std(tmp_path, "Source equipment.")
    assert _patient_id(std) == [("tiny-patient", "2"), ("tiny-image", "3")]
    codes = {(f.code, f.tag) for f in validate(_dataset(), standard=std).findings}
    assert ("type2-missing", "00100020") in codes


def test_override_of_a_module_the_iod_lacks_changes_nothing(tmp_path: Path) -> None:
    std = _std(tmp_path, OVERRIDE.replace("Tiny Patient", "General Series"))
    assert _patient_id(std) == [("tiny-patient", "2"), ("tiny-image", "3")]


def test_bundled_sc_image_modality_follows_sc_equipment() -> None:
    std = load_standard()
    req = requirements_for(std, "secondary-capture-image")
    assert {(m.id, a.type) for m in req.modules for a in m.attrs if a.tag == 0x00080060} \
        == {("general-series", "3"), ("sc-equipment", "3")}
    # Encapsulated Document Series overrides SC Equipment the other way round: Type 1.
    req = requirements_for(std, "encapsulated-pdf")
    assert {(m.id, a.type) for m in req.modules for a in m.attrs if a.tag == 0x00080060} \
        == {("encapsulated-document-series", "1"), ("sc-equipment", "3")}


def test_palette_module_takes_precedence_over_image_pixel() -> None:
    """PS3.3 C.7.9: the Palette Color Lookup Table Module's conditions for (0028,1201-1203)
    take precedence over the Image Pixel Module's, so segmented palettes (gdcm-US-ALOKA-16,
    US Image) are not missing their plain Red/Green/Blue data."""
    std = load_standard()
    req = requirements_for(std, "us-image")
    rows = {(m.id, a.type) for m in req.modules for a in m.attrs if a.tag == 0x00281201}
    assert rows == {("image-pixel", "3"), ("palette-color-lookup-table", "1C")}
    # An IOD without the Palette module keeps the Image Pixel condition.
    req = requirements_for(std, "ct-image")
    assert {(m.id, a.type) for m in req.modules for a in m.attrs
            if a.tag == 0x00281201} == {("image-pixel", "1C")}
