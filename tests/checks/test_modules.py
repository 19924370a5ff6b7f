"""Module usage: module-missing and undecidable module conditions."""

from __future__ import annotations

from conformance.engine.api import Validator
from tests.engine.datasets import MINI, codes, ct_dataset, enhanced_dataset, run


def test_all_mandatory_modules_present() -> None:
    assert "module-missing" not in codes(run(ct_dataset()))


def test_mandatory_module_missing() -> None:
    ds = ct_dataset()
    for kw in ("KVP", "RescaleIntercept", "RescaleSlope"):
        delattr(ds, kw)
    ds.ImageType = ["ORIGINAL", "PRIMARY"]  # Image Type is shared with General Image
    r = run(ds)
    # Image Type also belongs to General Image (M), so CT Image still counts as present;
    # only removing every attribute of a module makes it missing.
    assert "module-missing" not in codes(r)
    del ds.ImageType
    r = run(ds)
    found = [f for f in r.findings if f.code == "module-missing"]
    assert [f.module for f in found] == ["ct-image"]
    assert found[0].severity == "error" and "CT Image" in found[0].message
    # No attribute findings for the absent module: one finding, not one per attribute.
    assert not [f for f in r.findings if f.module == "ct-image" and f.code != "module-missing"]


def test_conditional_module_condition_true() -> None:
    ds = enhanced_dataset()
    for item in ds.PerFrameFunctionalGroupsSequence:
        del item.PlaneOrientationSequence
    r = run(ds)  # Plane Orientation is required because Modality is CT
    assert "functional-group" in codes(r)


def test_conditional_module_unknown_condition_is_info() -> None:
    r = run(ct_dataset())
    notes = [f for f in r.findings if f.code == "condition-not-checked" and
             f.module == "contrast-bolus"]
    assert len(notes) == 1 and notes[0].severity == "info"
    assert "contrast media" in notes[0].message


def test_conditional_module_present_is_not_reported() -> None:
    ds = ct_dataset()
    ds.ContrastBolusAgent = "IODINE"
    r = Validator(MINI).validate(ds)
    assert not [f for f in r.findings if f.module == "contrast-bolus"]
