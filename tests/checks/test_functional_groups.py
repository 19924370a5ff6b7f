"""Functional group placement: Shared item or every Per-frame item (PS3.3 C.7.6.16)."""

from __future__ import annotations

import warnings

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from tests.engine.datasets import codes, enhanced_dataset, run


def _fg(report):  # type: ignore[no-untyped-def]
    return [f for f in report.findings if f.code == "functional-group"]


def test_valid_enhanced_dataset() -> None:
    r = run(enhanced_dataset(3))
    assert r.iod == "enhanced-ct-image"
    assert r.ok and not _fg(r)


def test_in_both_shared_and_per_frame() -> None:
    ds = enhanced_dataset()
    ds.PerFrameFunctionalGroupsSequence[0].PixelMeasuresSequence = Sequence(
        [ds.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0]])
    found = _fg(run(ds))
    assert len(found) == 1 and "both" in found[0].message
    assert found[0].keyword == "PixelMeasuresSequence"


def test_missing_from_some_frames() -> None:
    ds = enhanced_dataset(3)
    del ds.PerFrameFunctionalGroupsSequence[1].FrameContentSequence
    found = _fg(run(ds))
    assert len(found) == 1
    assert found[0].path == "(5200,9230)[1].(0020,9111)"
    assert "missing from Per-frame items 1 of 3" in found[0].message


def test_mandatory_group_missing_everywhere() -> None:
    ds = enhanced_dataset()
    del ds.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence
    found = _fg(run(ds))
    assert len(found) == 1 and "Mandatory functional group missing" in found[0].message


def test_conditional_group_follows_condition() -> None:
    ds = enhanced_dataset()
    for item in ds.PerFrameFunctionalGroupsSequence:
        del item.PlaneOrientationSequence
    assert len(_fg(run(ds))) == 1  # Modality CT: required
    ds.Modality = "MR"
    assert not _fg(run(ds))


def test_macro_contents_checked_in_frame_items() -> None:
    ds = enhanced_dataset()
    ds.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0] = Dataset()
    r = run(ds)
    missing = [f for f in r.findings if f.code == "type1-missing"]
    assert [f.path for f in missing] == ["(5200,9229)[0].(0028,9110)[0].(0028,0030)"]
    assert "Module=<Pixel Measures>" in missing[0].message
    # Slice Thickness: condition on the frame's Volumetric Properties ("ne" of absent)
    assert "functional-group" not in codes(r)


def test_single_frame_iod_is_not_checked() -> None:
    from tests.engine.datasets import ct_dataset

    assert "functional-group" not in codes(run(ct_dataset()))



# Per-frame Functional Groups Sequence (5200,9230), 1C in the bundled (2020) edition:
# "Required if for any frame, there are Per-Frame Functional Groups that are not empty."

def _bundled_per_frame(ds: Dataset) -> set[tuple[str, str | None]]:
    from conformance import validate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = validate(ds)
    return {(f.code, f.tag) for f in report.findings if f.tag == "52009230"}


def _emri() -> Dataset:
    import pydicom
    from pydicom.data import get_testdata_file

    return pydicom.dcmread(get_testdata_file("emri_small.dcm"))


def test_per_frame_sequence_needed_when_a_mandatory_group_is_not_shared() -> None:
    # emri_small has neither sequence: Frame Content (M) can only be per frame.
    assert _bundled_per_frame(_emri()) == {("type1c-missing", "52009230")}


def test_per_frame_sequence_not_needed_when_every_mandatory_group_is_shared() -> None:
    from pydicom.datadict import dictionary_VR

    from conformance.engine.requirements import requirements_for
    from conformance.standard import load_standard

    ds = _emri()
    req = requirements_for(load_standard(), "enhanced-mr-image")
    shared = Dataset()
    for fg in req.functional_groups:
        if fg.usage == "M":
            for tag in fg.tags:
                if dictionary_VR(tag) == "SQ":
                    shared.add_new(tag, "SQ", Sequence([Dataset()]))
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    assert _bundled_per_frame(ds) == set()
    # A Per-frame item that holds something makes the sequence required again: present,
    # it is fine.
    ds.PerFrameFunctionalGroupsSequence = Sequence([Dataset()])
    ds.PerFrameFunctionalGroupsSequence[0].FrameContentSequence = Sequence([Dataset()])
    assert _bundled_per_frame(ds) == set()
