"""Per-code policy reaches the batch's own findings: rule packs' disable:, suppress: and
severity:, --severity CODE=LEVEL and --baseline apply to cross-file codes and to the
DICOMDIR checks as they do to any other code."""

from __future__ import annotations

import json
from pathlib import Path

import pydicom
import pytest

import conformance
from conformance.cli import main
from conformance.engine.api import Validator
from tests.batch.test_consistency import _series
from tests.helpers.testdata import pydicom_testdata


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Four CT instances of one series: a second Patient ID in one, and an identical
    copy of another (inconsistent-patient, duplicate-file)."""
    root = tmp_path / "in"
    root.mkdir()
    paths = _series(root, 3, PatientID={1: "SOMEONE-ELSE"})
    (root / "im003.dcm").write_bytes(paths[2].read_bytes())
    return root


def _pack(tmp_path: Path, text: str) -> str:
    p = tmp_path / "site.yaml"
    p.write_text("version: 1\n" + text)
    return str(p)


def _cross(b: conformance.BatchReport) -> list[tuple[str, str, str]]:
    return [(Path(p).name, f.code, f.severity) for p, f in b.cross_file]


def test_without_policy(folder: Path) -> None:
    assert _cross(conformance.validate_folder(folder)) == [
        ("im001.dcm", "inconsistent-patient", "error"), ("im003.dcm", "duplicate-file", "warning")]


def test_pack_disable_and_severity(folder: Path, tmp_path: Path) -> None:
    pack = _pack(tmp_path, "disable:\n  - {code: duplicate-file, reason: copies expected}\n"
                           "severity:\n  inconsistent-patient: warning\n")
    b = conformance.validate_folder(folder, rules=[pack])
    assert _cross(b) == [("im001.dcm", "inconsistent-patient", "warning")]
    assert [(s.code, s.count) for s in b.suppressed] == [("duplicate-file", 1)]
    assert "copies expected" in b.suppressed[0].reason
    assert b.to_dict()["cross_file_suppressed"][0]["count"] == 1


def test_pack_scoped_suppress(folder: Path, tmp_path: Path) -> None:
    pack = _pack(tmp_path, "suppress:\n  - {code: inconsistent-patient, keyword: PatientID, "
                           "reason: merged archives}\n"
                           "  - {code: duplicate-file, keyword: PatientName, reason: never}\n")
    b = conformance.validate_folder(folder, rules=[pack])
    assert _cross(b) == [("im003.dcm", "duplicate-file", "warning")]  # other keyword: kept
    assert [(s.code, s.count) for s in b.suppressed] == [("inconsistent-patient", 1)]


def test_cli_severity_and_suppressed_counts(folder: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    pack = _pack(tmp_path, "disable:\n  - {code: duplicate-file, reason: copies expected}\n")
    out = tmp_path / "r.json"
    main(["validate", "--no-progress", "--format", "json", "-o", str(out), "--rules", pack,
          "--severity", "inconsistent-patient=info", str(folder)])
    doc = json.loads(out.read_text())
    cross = [(Path(e["path"]).name, f["code"], f["severity"])
             for e in doc["files"] if e["cross_file"] for f in e["findings"]]
    assert cross == [("im001.dcm", "inconsistent-patient", "info")]
    assert doc["summary"]["suppressed"]["duplicate-file"]["count"] == 1
    main(["validate", "--no-progress", "--group-by", "series", "--rules", pack, str(folder)])
    text = capsys.readouterr().out
    assert "suppressed cross-file duplicate-file x1: copies expected" in text


def test_scaled_run_applies_the_pack(folder: Path, tmp_path: Path) -> None:
    """--out-dataset: the run reduces cross-file consistency itself, with the policy."""
    pack = _pack(tmp_path, "disable:\n  - {code: duplicate-file, reason: copies expected}\n")
    out = tmp_path / "r.json"
    main(["validate", "--no-progress", "--format", "json", "-o", str(out), "--rules", pack,
          "--out-dataset", str(tmp_path / "ds"), "--dataset-format", "jsonl", str(folder)])
    doc = json.loads(out.read_text())
    cross = [f["code"] for e in doc["files"] if e["cross_file"] for f in e["findings"]]
    assert cross == ["inconsistent-patient"]
    assert doc["summary"]["suppressed"]["duplicate-file"]["count"] == 1


def test_cli_baseline_hides_known_cross_file_findings(folder: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    base = tmp_path / "base.json"
    main(["validate", "--no-progress", "--format", "json", "-o", str(base), str(folder)])
    # A new conflict after the baseline: another Study Date in im0.
    ds = pydicom.dcmread(folder / "im000.dcm")
    ds.StudyDate = "19990101"
    ds.save_as(folder / "im000.dcm")
    out = tmp_path / "now.json"
    main(["validate", "--no-progress", "--format", "json", "-o", str(out), "--baseline",
          str(base), str(folder)])
    doc = json.loads(out.read_text())
    cross = [(Path(e["path"]).name, f["code"])
             for e in doc["files"] if e["cross_file"] for f in e["findings"]]
    assert cross == [("im001.dcm", "inconsistent-study")]  # the new one only
    assert doc["summary"]["baseline_hidden"] >= 2  # inconsistent-patient, duplicate-file


def test_dicomdir_codes_follow_the_pack(tmp_path: Path) -> None:
    path = Path(pydicom_testdata("DICOMDIR")).parent / "DICOMDIR-nopatient"
    assert "dicomdir-record-nesting" in Validator().validate(path).codes()
    pack = _pack(tmp_path, "disable:\n  - {code: dicomdir-record-nesting, reason: old media}\n")
    r = Validator(rules=[pack]).validate(path)
    assert "dicomdir-record-nesting" not in r.codes()
    assert [s.count for s in r.suppressed if s.code == "dicomdir-record-nesting"] == [1]
    levels = _pack(tmp_path, "severity:\n  dicomdir-record-nesting: warning\n")
    r = Validator(rules=[levels]).validate(path)
    assert [f.severity for f in r.findings if f.code == "dicomdir-record-nesting"] == \
        ["warning"]
