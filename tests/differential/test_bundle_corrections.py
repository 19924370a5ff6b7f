"""pydicom's SR and RT Structure Set test files against the bundled standard's corrections.

The bundle restores the recursive include of PS3.3 Table C.17-6 (SR content items at any
depth) and puts the RT ROI Observations rows of Table C.8-44 inside the sequence items
(dsj_corrections.json). Before, the engine reported the nested SR attributes and the
RT ROI rows as not in the IOD, and checked no SR content item below the first level.
"""

from __future__ import annotations

import pytest

from conformance.engine.api import Validator
from conformance.engine.input import load
from conformance.engine.walk import bound_attributes
from tests.helpers.testdata import pydicom_testdata

SR_TAGS = {0x0040A032, 0x0040A730}  # Observation DateTime, Content Sequence
RT_ROI_TAGS = {0x300600A4, 0x300600A6, 0x300600B0}


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


@pytest.mark.parametrize("name", ["test-SR.dcm", "reportsi.dcm"])
def test_sr_nested_items_have_no_false_not_in_iod(validator: Validator, name: str) -> None:
    report = validator.validate(pydicom_testdata(name))
    nested = [f for f in report.findings if f.code == "not-in-iod" and f.tag in SR_TAGS]
    assert nested == []


def test_sr_content_items_below_the_first_level_are_bound(validator: Validator) -> None:
    ctx = validator.context(load(pydicom_testdata("test-SR.dcm")))
    depths = {str(b.path()).count("(0040,A730)") for b in bound_attributes(ctx)}
    # test-SR.dcm nests content items four levels deep; every level is matched
    assert {1, 2, 3, 4} <= depths


def test_rtstruct_roi_observation_rows_are_defined_in_the_items(validator: Validator) -> None:
    report = validator.validate(pydicom_testdata("rtstruct.dcm"))
    assert not [f for f in report.findings if f.code == "not-in-iod" and f.tag in RT_ROI_TAGS]
    # ... and they are checked there: RT ROI Interpreted Type is Type 2 in every item
    ds = load(pydicom_testdata("rtstruct.dcm")).dataset
    assert ds is not None
    item = ds.RTROIObservationsSequence[0]
    del item.RTROIInterpretedType
    got = {(f.code, f.path) for f in validator.validate(ds).findings}
    assert ("type2-missing", "(3006,0080)[0].(3006,00A4)") in got


def test_bundle_is_the_corrected_build() -> None:
    from conformance.standard import load_standard

    std = load_standard()
    top = [n["tag"] for n in std.module("rt-roi-observations")["attributes"]]
    assert top == ["30060080"]
    # the build records where it departs from the package
    assert {"rows_moved", "missing_include_restored"} <= {a["kind"] for a in std.anomalies}
