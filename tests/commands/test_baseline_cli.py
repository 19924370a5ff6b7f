"""``conformance validate --baseline REPORT.json``: only findings not in an earlier report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pydicom import dcmread

from conformance.report.baseline import Baseline
from tests.commands.test_validate_cli import CT, RTSTRUCT, run


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code, out, _ = run(capsys, "--format", "json", *argv)
    return code, json.loads(out)


def _report(tmp_path: Path, capsys: pytest.CaptureFixture[str], *paths: Path) -> Path:
    code, doc = _json(capsys, *map(str, paths))
    assert doc["summary"]["errors"] + doc["summary"]["warnings"] > 0
    out = tmp_path / "base.json"
    out.write_text(json.dumps(doc))
    return out


def test_same_input_hides_everything(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    base = _report(tmp_path, capsys, RTSTRUCT, CT)
    total = sum(len(f["findings"]) for f in json.loads(base.read_text())["files"])
    code, doc = _json(capsys, "--baseline", str(base), str(RTSTRUCT), str(CT))
    assert code == 0  # the known errors no longer fail the run
    assert all(f["findings"] == [] for f in doc["files"])
    assert doc["summary"]["baseline_hidden"] == total
    code, out, _ = run(capsys, "--baseline", str(base), str(RTSTRUCT), str(CT))
    assert f"{total} known findings hidden by the baseline" in out


def test_new_finding_is_reported_and_matching_ignores_messages(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = _report(tmp_path, capsys, CT)
    doc = json.loads(base.read_text())
    for f in doc["files"][0]["findings"]:
        f["message"] = "reworded"  # messages are not part of the match
    base.write_text(json.dumps(doc))
    known = {(f["code"], f["path"]) for f in doc["files"][0]["findings"]}
    ds = dcmread(CT)
    ds.Manufacturer = "x" * 80  # LO longer than 64: a new finding
    changed = tmp_path / "ct.dcm"  # other path, same SOP Instance UID
    ds.save_as(changed)
    code, new = _json(capsys, "--baseline", str(base), str(changed))
    found = new["files"][0]["findings"]
    assert found, "the new problem is reported"
    assert all((f["code"], f["path"]) not in known for f in found)
    assert any(f["keyword"] == "Manufacturer" for f in found)
    assert new["summary"]["baseline_hidden"] == len(doc["files"][0]["findings"])


def test_other_instance_is_not_matched(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    base = _report(tmp_path, capsys, CT)
    ds = dcmread(CT)
    ds.SOPInstanceUID = "1.2.3.4.5"
    other = tmp_path / "other.dcm"
    ds.save_as(other)
    _, doc = _json(capsys, "--baseline", str(base), str(other))
    assert doc["files"][0]["findings"]
    assert "baseline_hidden" not in doc["summary"]


def test_without_identity_the_path_is_the_key(tmp_path: Path) -> None:
    from conformance.engine.finding import Finding
    from conformance.engine.result import Report

    f = Finding("not-in-iod", "warning", "m", path="(0018,1000)")
    base = Baseline.load(str(_write(tmp_path, {"files": [
        {"path": "a.dcm", "identity": None, "findings": [f.to_dict()]}]})))
    same = Report("a.dcm", None, None, None, findings=[f, f])
    other = Report("b.dcm", None, None, None, findings=[f])
    a, b = base.filter([same, other])
    assert (len(a.findings), a.baseline_hidden) == (1, 1)  # one known, one more occurrence
    assert b is other


def _write(tmp_path: Path, doc: object, raw: str | None = None) -> Path:
    p = tmp_path / "b.json"
    p.write_text(raw if raw is not None else json.dumps(doc))
    return p


@pytest.mark.parametrize(("doc", "raw", "needle"), [
    (None, "{not json", "not a JSON report"),
    ([], None, "no 'files' list"),
    ({"files": [{"path": "x"}]}, None, "files[0] has no 'findings' list"),
    ({"files": [{"findings": [{"message": "m"}]}]}, None, "files[0].findings[0] has no code"),
])
def test_bad_baseline_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        doc: object, raw: str | None, needle: str) -> None:
    p = _write(tmp_path, doc, raw)
    code, out, err = run(capsys, "--baseline", str(p), str(CT))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and needle in err and "--baseline" in err


def test_missing_baseline_is_one_error_line(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--baseline", str(tmp_path / "nope.json"), str(CT))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "nope.json" in err


def test_folder_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "in"
    root.mkdir()
    shutil.copy(CT, root / "ct.dcm")
    shutil.copy(RTSTRUCT, root / "rt.dcm")
    base = _report(tmp_path, capsys, root)
    code, doc = _json(capsys, "--baseline", str(base), str(root))
    assert code == 0 and all(not f["findings"] for f in doc["files"])
