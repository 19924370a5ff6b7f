"""DICOM JSON input (PS3.18 F.2): a dict, or a .json file, validates like the dataset."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydicom import dcmread

import conformance

from ..helpers.testdata import pydicom_testdata


@pytest.fixture(scope="module")
def ct() -> tuple[conformance.Report, dict]:
    ds = dcmread(pydicom_testdata("CT_small.dcm"))
    as_json = ds.to_json_dict()  # binary values inline (InlineBinary)
    return conformance.validate(ds), as_json


def _key(r: conformance.Report) -> list[tuple[str, str, str]]:
    return [(f.code, f.path, f.message) for f in r.findings]


def test_dict_validates_like_the_dataset(ct: tuple[conformance.Report, dict]) -> None:
    from_ds, as_json = ct
    report = conformance.validate(as_json)
    assert _key(report) == _key(from_ds)
    assert report.iod == "ct-image"


def test_json_file_object_or_array(tmp_path: Path, ct: tuple[conformance.Report, dict]) -> None:
    from_ds, as_json = ct
    for name, doc in (("one.json", as_json), ("array.JSON", [as_json])):
        p = tmp_path / name
        p.write_text(json.dumps(doc))
        report = conformance.validate(p)
        assert report.path == str(p)
        assert _key(report) == _key(from_ds)


@pytest.mark.parametrize(("text", "reason"), [
    ("{not json", "not valid JSON"),
    ("[{}, {}]", "DICOM JSON array of 2 datasets"),
    ('"text"', "DICOM JSON must be an object, got str"),
    ("{}", "DICOM JSON object with no data elements"),
    ('{"ZZZZ0010": {"vr": "PN"}}', "not a DICOM JSON dataset (PS3.18 F.2)"),
    ('{"00100010": {"Value": ["x"]}}', "not a DICOM JSON dataset (PS3.18 F.2)"),
])
def test_bad_json_is_unreadable(tmp_path: Path, text: str, reason: str) -> None:
    p = tmp_path / "bad.json"
    p.write_text(text)
    report = conformance.validate(p)
    assert report.codes() == ["unreadable"]
    assert reason in report.findings[0].message


def test_cli_json_report_of_dicom_json(tmp_path: Path, ct: tuple[conformance.Report, dict]
                                       ) -> None:
    import jsonschema

    from conformance.report.json_ import schema

    p = tmp_path / "ct.json"
    p.write_text(json.dumps(ct[1]))
    out = tmp_path / "report.json"
    done = subprocess.run([sys.executable, "-m", "conformance", "validate", "--no-progress",
                           "--format", "json", "-o", str(out), str(p)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, schema())
    assert doc["files"][0]["iod"] == "ct-image"
    assert doc["standard"]["bundled"] is True and "path" not in doc["standard"]
