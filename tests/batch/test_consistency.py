"""Cross-file consistency: planted conflicts found, none invented, merge == one pass."""

from __future__ import annotations

import copy
import random
import warnings
from pathlib import Path

import pydicom
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.batch.collect import Batch
from conformance.batch.consistency import Consistency
from conformance.engine.api import Validator
from tests.helpers.testdata import pydicom_testdata


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


def _series(tmp: Path, n: int, **changes: dict[int, object]) -> list[Path]:
    """``n`` instances of one CT series; ``changes`` = {keyword: {index: value}}."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = pydicom.dcmread(pydicom_testdata("CT_small.dcm"))
    out = []
    for i in range(n):
        ds = copy.deepcopy(base)
        ds.SOPInstanceUID = f"{base.SOPInstanceUID}.{i + 1}"
        ds.InstanceNumber = i + 1
        for kw, at in changes.items():
            if i in at:
                setattr(ds, kw, at[i])
        p = tmp / f"im{i:03d}.dcm"
        ds.save_as(p)
        out.append(p)
    return out


def _cross(validator: Validator, paths: list[Path]) -> list[tuple[str, str, str]]:
    batch = Batch(standard=validator.standard)
    list(batch.stream(validator.validate(p) for p in paths))
    return [(Path(p).name, f.code, f.keyword or "") for p, f in batch.cross_file]


def test_clean_series_has_no_cross_file_finding(validator: Validator, tmp_path: Path) -> None:
    assert _cross(validator, _series(tmp_path, 4)) == []


def test_planted_conflicts(validator: Validator, tmp_path: Path) -> None:
    paths = _series(tmp_path, 6,
                    PatientID={2: "SOMEONE-ELSE"},          # two Patient IDs, one study
                    Modality={3: "MR"},                     # mixed Modality in a series
                    StudyDate={4: "19990101"},
                    Manufacturer={5: "Other Co"})
    dup = tmp_path / "dup.dcm"
    ds = pydicom.dcmread(paths[0])
    ds.InstanceNumber = 77                                  # same UID, other content
    ds.save_as(dup)
    copy = tmp_path / "copy.dcm"
    copy.write_bytes(paths[1].read_bytes())                 # identical copy
    found = _cross(validator, [*paths, dup, copy])
    assert found == [
        ("im002.dcm", "inconsistent-patient", "PatientID"),
        ("im003.dcm", "inconsistent-series", "Modality"),
        ("im004.dcm", "inconsistent-study", "StudyDate"),
        ("im005.dcm", "inconsistent-equipment", "Manufacturer"),
        ("dup.dcm", "duplicate-sop-instance", "SOPInstanceUID"),
        ("copy.dcm", "duplicate-file", "SOPInstanceUID"),
    ]


def test_findings_name_both_files_and_mask_values(validator: Validator,
                                                  tmp_path: Path) -> None:
    paths = _series(tmp_path, 3, PatientID={1: "SOMEONE-ELSE"})
    batch = Batch(standard=validator.standard)
    list(batch.stream(validator.validate(p) for p in paths))
    [(path, f)] = batch.cross_file
    assert Path(path).name == "im001.dcm"
    assert "im000.dcm" in f.message and "im001.dcm" in f.message
    assert "SOMEONE-ELSE" not in f.message and "'<LO, 12 characters>'" in f.message
    shown = Validator(show_values=True)
    batch = Batch(standard=shown.standard)
    list(batch.stream(shown.validate(p) for p in paths))
    assert "SOMEONE-ELSE" in batch.cross_file[0][1].message


def test_parallel_gives_the_same(validator: Validator, tmp_path: Path) -> None:
    paths = _series(tmp_path, 5, SeriesDescription={1: "A", 2: "B"})
    serial = _cross(validator, paths)
    batch = Batch(standard=validator.standard)
    list(batch.stream(validator.validate_many(paths, jobs=2)))
    assert [(Path(p).name, f.code, f.keyword) for p, f in batch.cross_file] == serial
    assert len(serial) == 1  # A in 1 file vs B in 1, C... (first value wins as reference)


@pytest.fixture(scope="module")
def digests(tmp_path_factory: pytest.TempPathFactory) -> list:
    v = Validator()
    tmp = tmp_path_factory.mktemp("digests")
    paths = _series(tmp, 8, PatientID={2: "X", 5: "Y"}, Modality={6: "MR"},
                    SeriesDescription={1: "s1", 3: "s1", 4: "s2"})
    paths.append(tmp / "dup.dcm")
    ds = pydicom.dcmread(paths[0])
    ds.InstanceNumber = 50
    ds.save_as(paths[-1])
    return [v.validate(p).digest for p in paths]


@settings(max_examples=40, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(1, 4))
def test_merge_of_any_split_equals_one_pass(digests: list, rnd: random.Random,
                                           parts: int) -> None:
    """The reduce is associative and commutative: any partition of the files, reduced
    separately and merged in any order, gives the findings of one pass."""
    one = Consistency()
    for i, d in enumerate(digests):
        one.add(d, i)
    indexed = list(enumerate(digests))
    rnd.shuffle(indexed)
    states = [Consistency() for _ in range(parts)]
    for i, d in indexed:
        states[rnd.randrange(parts)].add(d, i)
    rnd.shuffle(states)
    merged = Consistency()
    for s in states:
        merged.merge(s)
    assert merged.findings() == one.findings()
    assert len(one.findings()) >= 4


def test_state_pickles(digests: list) -> None:
    import pickle

    c = Consistency()
    for i, d in enumerate(digests):
        c.add(d, i)
    assert pickle.loads(pickle.dumps(c)).findings() == c.findings()


def test_series_mixing_sop_classes_of_two_modalities(validator: Validator,
                                                     tmp_path: Path) -> None:
    """A CT Image and an MR Image in one series: found through Modality, a Series IE
    attribute (PS3.3 C.8.8.1.1: a series holds objects of only one Modality). Two SOP
    Classes of one Modality are not reported: no table of the standard forbids them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ct = pydicom.dcmread(pydicom_testdata("CT_small.dcm"))
        mr = pydicom.dcmread(pydicom_testdata("MR_small.dcm"))
    mr.SeriesInstanceUID = ct.SeriesInstanceUID
    mr.StudyInstanceUID = ct.StudyInstanceUID
    paths = [tmp_path / "ct.dcm", tmp_path / "mr.dcm"]
    ct.save_as(paths[0])
    mr.save_as(paths[1])
    found = _cross(validator, paths)
    assert ("mr.dcm", "inconsistent-series", "Modality") in found
