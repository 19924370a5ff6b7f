"""The engine on a real build (the shared 2016c excerpt) and real files from pydicom.

Expectations are differences: remove or break one thing in a real file and the report
gains exactly the finding for it, whatever else the file or the tables contain.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file

from conformance.engine.api import Validator
from conformance.engine.result import Report

pytestmark = pytest.mark.shared


def _keys(report: Report) -> set[tuple[str, str]]:
    return {(f.code, f.path) for f in report.findings}


def _file(name: str) -> Path:
    try:
        return Path(get_testdata_file(name))  # type: ignore[arg-type]
    except Exception:  # pydicom-data not installed / no network
        pytest.skip(f"{name} not available")


def test_ct_small_resolves_and_runs_clean_of_internal_errors(excerpt_std: Path) -> None:
    r = Validator(excerpt_std).validate(_file("CT_small.dcm"))
    assert r.iod == "ct-image" and r.iod_name == "CT Image"
    assert "internal-error" not in r.codes() and "module-missing" not in r.codes()
    assert r.standard["edition"]


def test_removing_a_type1_attribute_adds_one_finding(excerpt_std: Path) -> None:
    v = Validator(excerpt_std)
    ds = dcmread(_file("CT_small.dcm"))
    base = _keys(v.validate(ds))
    del ds.StudyInstanceUID
    r = v.validate(ds)
    added = _keys(r) - base
    assert added == {("type1-missing", "(0020,000D)")}
    f = next(f for f in r.findings if f.code == "type1-missing" and f.path == "(0020,000D)")
    assert "Module=<General Study>" in f.message
    assert f.reference is not None and f.reference.part == 3 and f.reference.table


def test_rt_dose_and_enhanced_ct(excerpt_std: Path) -> None:
    v = Validator(excerpt_std)
    assert v.validate(_file("rtdose.dcm")).iod == "rt-dose"
    ds = dcmread(_file("eCT_Supplemental.dcm"))
    r = v.validate(ds)
    assert r.iod == "enhanced-ct-image" and "internal-error" not in r.codes()
    base = _keys(r)
    frames = ds.PerFrameFunctionalGroupsSequence
    if len(frames) < 2 or "FrameContentSequence" not in frames[1]:
        pytest.skip("file layout differs from the one this test expects")
    del frames[1].FrameContentSequence
    added = _keys(v.validate(ds)) - base
    assert ("functional-group", "(5200,9230)[1].(0020,9111)") in added
