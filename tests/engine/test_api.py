"""Validator and validate(): inputs, unreadable files, immutability, threads, pickling."""

from __future__ import annotations

import copy
import io
import pickle
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset

from conformance import validate as top_level_validate
from conformance.engine.api import Validator, validate
from conformance.engine.context import CheckContext
from conformance.engine.finding import Finding
from conformance.errors import InputError, UsageError
from tests.engine.datasets import MINI, codes, ct_dataset, run, with_file_meta

CT_SMALL = get_testdata_file("CT_small.dcm")


def _signature(report) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [(f.code, f.path, f.message) for f in report.findings]


def _write(ds: Dataset, path: Path) -> Path:
    with_file_meta(ds).save_as(path, enforce_file_format=True)
    return path


def test_every_input_kind_gives_the_same_report(tmp_path: Path) -> None:
    ds = ct_dataset()
    del ds.SeriesInstanceUID
    path = _write(ds, tmp_path / "ct.dcm")
    data = path.read_bytes()
    with path.open("rb") as fh:
        from_stream = run(fh)
    reports = [run(path), run(str(path)), run(data), run(io.BytesIO(data)), from_stream]
    sigs = [_signature(r) for r in reports]
    assert all(s == sigs[0] for s in sigs)
    assert "type1-missing" in codes(reports[0])
    assert reports[0].path == str(path)
    from pydicom import dcmread

    assert _signature(run(dcmread(path))) == sigs[0]


def test_file_object_position_is_restored(tmp_path: Path) -> None:
    path = _write(ct_dataset(), tmp_path / "ct.dcm")
    with path.open("rb") as fh:
        run(fh)
        assert fh.tell() == 0


def test_text_stream_and_odd_types_are_input_errors() -> None:
    with pytest.raises(InputError):
        run(io.StringIO("not binary"))
    with pytest.raises(InputError):
        run(12345)


@pytest.mark.parametrize("cut", [0, 50, 131, 200, 1000, 20000])
def test_truncated_ct_small_is_unreadable(cut: int) -> None:
    data = Path(CT_SMALL).read_bytes()[:cut]
    r = run(data)
    assert codes(r) == ["unreadable"]
    assert not r.ok and r.findings[0].message.startswith("cannot read the input")


def test_empty_file_and_directory(tmp_path: Path) -> None:
    empty = tmp_path / "empty.dcm"
    empty.write_bytes(b"")
    assert "empty file" in run(empty).findings[0].message
    assert codes(run(tmp_path)) == ["unreadable"]
    assert codes(run(tmp_path / "missing.dcm")) == ["unreadable"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_random_bytes_never_raise(data: bytes) -> None:
    r = run(data)
    assert isinstance(r.findings, list)


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=1, max_size=400), st.integers(min_value=132, max_value=39000))
def test_corrupted_ct_small_never_raises(noise: bytes, at: int) -> None:
    data = bytearray(Path(CT_SMALL).read_bytes())
    data[at:at + len(noise)] = noise
    r = run(bytes(data))
    assert all(f.code != "internal-error" for f in r.findings)


def test_dataset_is_not_modified() -> None:
    ds = ct_dataset()
    ds.RequestAttributesSequence = [Dataset()]
    del ds.SeriesInstanceUID
    before = copy.deepcopy(ds)
    run(ds)
    assert ds == before
    assert list(ds.keys()) == list(before.keys())


def test_file_dataset_is_not_modified() -> None:
    from pydicom import dcmread

    ds = dcmread(CT_SMALL)
    before = copy.deepcopy(ds)
    run(ds)
    assert ds == before and ds.file_meta == before.file_meta


def test_same_report_from_many_threads(tmp_path: Path) -> None:
    ds = ct_dataset()
    del ds.PatientID
    ds.PatientSex = "Q"
    path = _write(ds, tmp_path / "t.dcm")
    v = Validator(MINI)
    expected = _signature(v.validate(path))
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: _signature(v.validate(path)), range(32)))
    assert all(r == expected for r in results)
    shared = ct_dataset()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: _signature(v.validate(shared)), range(16)))
    assert all(r == results[0] for r in results)


def test_validator_pickles_its_configuration() -> None:
    v = Validator(MINI, iod="ct-image", options={"not_in_iod": False})
    clone = pickle.loads(pickle.dumps(v))
    assert clone.iod_override == "ct-image" and clone.options == {"not_in_iod": False}
    assert _signature(clone.validate(ct_dataset())) == _signature(v.validate(ct_dataset()))


def test_validator_from_a_standard_object_pickles_by_path() -> None:
    from conformance.engine import standard_access

    std = standard_access.load(MINI)
    clone = pickle.loads(pickle.dumps(Validator(std)))
    assert Path(clone.standard.path).resolve() == MINI.resolve()


def test_report_fields_and_to_dict() -> None:
    ds = ct_dataset()
    ds.PatientSex = "Q"
    ds.Modality = "ZZ"
    r = validate(ds, standard=MINI)
    assert not r.ok and len(r.errors) == 1 and len(r.warnings) == 1
    d = r.to_dict()
    assert d["standard"]["edition"] == "mini" and d["iod"] == "ct-image"
    assert d["counts"]["error"] == 1 and d["ok"] is False
    assert {"code", "severity", "message", "path", "keyword_path", "reference"} <= set(
        d["findings"][0])
    assert top_level_validate(ds, standard=MINI).codes() == r.codes()


class _Pack:
    """A rule pack as the YAML rules engine will provide it."""

    def __init__(self, disabled: dict[str, str]) -> None:
        self.disabled_codes = disabled

    def evaluate(self, ctx: CheckContext) -> Iterable[Finding]:
        if ctx.dataset.get("PatientID") == "123":
            yield Finding("site-patient-id", "warning", "test id", source="rules/t.yaml#id")


def test_rule_pack_findings_and_suppressions() -> None:
    ds = ct_dataset()
    ds.DeviceSerialNumber = "1"
    ds.PatientBirthDate = "20000101"
    r = Validator(MINI, rules=[_Pack({"not-in-iod": "site allows extras"})]).validate(ds)
    assert "site-patient-id" in codes(r) and "not-in-iod" not in codes(r)
    assert [(s.code, s.reason, s.count) for s in r.suppressed] == [
        ("not-in-iod", "site allows extras", 2)]
    assert r.to_dict()["suppressed"][0]["count"] == 2


def test_broken_rule_pack_is_an_internal_error() -> None:
    class Broken(_Pack):
        def evaluate(self, ctx: CheckContext) -> Iterable[Finding]:
            raise RuntimeError("boom")

    r = Validator(MINI, rules=[Broken({})]).validate(ct_dataset())
    assert "internal-error" in codes(r) and "boom" in r.errors[0].message


def test_object_without_the_protocol_is_rejected() -> None:
    with pytest.raises(UsageError):
        Validator(MINI, rules=[object()])  # type: ignore[list-item]
