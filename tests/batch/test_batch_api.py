"""validate_many (lazy, in order, mixed inputs, -j) and validate_folder / BatchReport."""

from __future__ import annotations

import copy
import json
import shutil
import warnings
from pathlib import Path

import pydicom
import pytest

import conformance
from conformance.engine.api import Validator
from conformance.inputs.walk import SkipLog
from tests.helpers.testdata import pydicom_testdata


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = pydicom.dcmread(pydicom_testdata("MR_small.dcm"))
    for i in range(3):
        ds = copy.deepcopy(base)
        ds.SOPInstanceUID = f"{base.SOPInstanceUID}.{i}"
        ds.save_as(tmp_path / f"im{i}")
    (tmp_path / "README.txt").write_text("hello")
    shutil.copy(pydicom_testdata("CT_small.dcm"), tmp_path / "zz_ct")
    return tmp_path


def test_validate_many_mixed_inputs_in_order(folder: Path) -> None:
    v = Validator()
    ds = pydicom.dcmread(folder / "im0")
    data = (folder / "im1").read_bytes()
    log = SkipLog(keep=True)
    it = v.validate_many([ds, str(folder), data], skipped=log)
    first = next(it)  # lazy: the first report before the folder is walked
    assert first.identity is not None and first.iod == "mr-image"
    rest = list(it)
    assert [Path(r.path).name for r in rest[:-1]] == ["im0", "im1", "im2", "zz_ct"]
    assert rest[-1].path is None and rest[-1].iod == "mr-image"
    assert log.counts == {"not-dicom": 1}


def test_validate_many_jobs_same_as_serial(folder: Path) -> None:
    v = Validator()
    serial = [r.to_dict() for r in v.validate_many([folder])]
    parallel = [r.to_dict() for r in v.validate_many([folder], jobs=2)]
    assert serial == parallel
    with pytest.raises(ValueError):
        list(v.validate_many([folder], jobs=0))


def test_validate_folder(folder: Path) -> None:
    b = conformance.validate_folder(folder)
    assert isinstance(b, conformance.BatchReport)
    assert len(b.files) == 4 and b.skipped_counts == {"not-dicom": 1}
    assert [s.path for s in b.skipped] == [str(folder / "README.txt")]
    assert len(b.series) == 2 and len(b.studies) == 2
    mr = next(g for g in b.series if g.modalities == {"MR"})
    assert mr.instances == 3
    assert b.cross_file == [] and b.ok == all(r.ok for r in b.files)
    d = json.loads(json.dumps(b.to_dict()))
    assert d["skipped"]["counts"] == {"not-dicom": 1} and len(d["series"]) == 2
    b = conformance.validate_folder(folder, exclude=["zz_*"], strict_inputs=True)
    assert [Path(r.path).name for r in b.files if "unreadable" in r.codes()] == ["README.txt"]
    assert "zz_ct" not in [Path(r.path).name for r in b.files]
