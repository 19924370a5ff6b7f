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


def test_conditional_module_process_condition_is_listed_not_reported() -> None:
    """"Required if contrast media was used": no dataset decides it, so the report
    counts it for the IOD instead of saying it on every file."""
    from conformance.engine.undecided import undecidable
    from conformance.standard import load_standard

    r = run(ct_dataset())
    assert not [f for f in r.findings if f.code == "condition-not-checked" and
                f.module == "contrast-bolus"]
    listed = undecidable(load_standard(MINI), r.iod or "")
    assert any(tid == "contrast-bolus" and "contrast media" in c.get("text", "")
               for tid, _, c in listed)
    assert r.undecidable == len(listed) > 0


def test_conditional_module_present_is_not_reported() -> None:
    ds = ct_dataset()
    ds.ContrastBolusAgent = "IODINE"
    r = Validator(MINI).validate(ds)
    assert not [f for f in r.findings if f.module == "contrast-bolus"]
