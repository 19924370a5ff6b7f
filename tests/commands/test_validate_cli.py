"""``conformance validate``: inputs, exit codes, formats, -j, progress and errors."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from pydicom.data import get_testdata_file

from conformance.cli import main
from conformance.commands.validate import collect
from conformance.inputs.walk import walk

CT = Path(get_testdata_file("CT_small.dcm"))  # only warnings/infos: exit 0 by default
RTSTRUCT = Path(get_testdata_file("rtstruct.dcm"))  # Type 1 attributes missing: exit 1
MR = Path(get_testdata_file("MR_small.dcm"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["validate", "--no-progress", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Two DICOM files, a sub-folder, a truncated file, a text file, hidden entries."""
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / ".git").mkdir()
    shutil.copy(CT, root / "b_ct.dcm")
    shutil.copy(MR, root / "sub" / "mr.dcm")
    shutil.copy(RTSTRUCT, root / "a_rtstruct.dcm")
    data = CT.read_bytes()
    (root / "c_truncated.dcm").write_bytes(data[: len(data) // 3])
    (root / "notes.txt").write_text("not DICOM\n")
    (root / ".hidden.dcm").write_bytes(data)
    (root / ".git" / "x.dcm").write_bytes(data)
    return root


def test_walk_is_sorted_recursive_and_skips_hidden_and_non_dicom(folder: Path) -> None:
    skipped: list = []
    names = [str(Path(p).relative_to(folder)) for p in walk(str(folder),
                                                            on_skip=skipped.append)]
    # The truncated file starts like DICOM (preamble + DICM): validated, then unreadable.
    assert names == ["a_rtstruct.dcm", "b_ct.dcm", "c_truncated.dcm",
                     str(Path("sub", "mr.dcm"))]
    assert sorted((Path(s.path).name, s.kind) for s in skipped) == [
        (".git", "hidden"), (".hidden.dcm", "hidden"), ("notes.txt", "not-dicom")]


def test_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, str(CT))[0] == 0
    assert run(capsys, str(RTSTRUCT))[0] == 1
    assert run(capsys, "--fail-on", "never", str(RTSTRUCT))[0] == 0
    assert run(capsys, "--fail-on", "warning", str(CT))[0] == 1  # not-in-iod warning
    assert run(capsys, str(CT), str(RTSTRUCT))[0] == 1


@pytest.mark.parametrize("argv", [
    ["nothere.dcm"],
    ["--standard", "/nonexistent-standard", "x"],
    ["-j", "0", "x"],
])
def test_usage_errors_exit_2_without_traceback(capsys: pytest.CaptureFixture[str],
                                               argv: list[str], tmp_path: Path) -> None:
    argv = [str(CT) if a == "x" else a for a in argv]
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("error: ")
    assert "Traceback" not in err
    assert out == ""


def test_bad_standard_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "--standard", str(tmp_path), str(CT))
    assert code == 2 and err.startswith("error: ") and "manifest" in err


def test_unknown_iod_and_rules(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "--iod", "No Such IOD", str(CT))
    assert code == 2 and "No Such IOD" in err
    code, _, err = run(capsys, "--rules", str(tmp_path / "missing.yaml"), str(CT))
    assert code == 2 and "missing.yaml" in err


def test_unknown_format_is_an_argparse_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["validate", "--format", "xml", str(CT)])
    assert exc.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err


def test_iod_override(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--format", "jsonl", "--iod", "MR Image", str(CT))
    assert json.loads(out)["iod"] == "mr-image"


def test_folder_with_truncated_and_non_dicom(capsys: pytest.CaptureFixture[str],
                                             folder: Path) -> None:
    code, out, err = run(capsys, "--format", "jsonl", str(folder))
    assert code == 1
    rows = [json.loads(line) for line in out.splitlines()]
    assert [Path(r["path"]).name for r in rows] == [
        "a_rtstruct.dcm", "b_ct.dcm", "c_truncated.dcm", "mr.dcm"]
    by_name = {Path(r["path"]).name: r for r in rows}
    assert [f["code"] for f in by_name["c_truncated.dcm"]["findings"]] == ["unreadable"]
    assert by_name["b_ct.dcm"]["iod"] == "ct-image"
    assert err == ""  # no progress bar (not a terminal), no pydicom warnings


def test_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    class In:
        buffer = io.BytesIO(RTSTRUCT.read_bytes())

    monkeypatch.setattr(sys, "stdin", In)
    code, out, _ = run(capsys, "--format", "jsonl", "-")
    row = json.loads(out)
    assert code == 1
    assert row["path"] == "<stdin>"
    assert row["iod"] == "rt-structure-set"


def test_stdin_only_once() -> None:
    from conformance.errors import UsageError

    with pytest.raises(UsageError, match="only once"):
        collect(["-", "-"], stdin=io.BytesIO(b""))


def test_stdin_in_a_real_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "validate", "--format", "json", "-"],
        input=CT.read_bytes(), capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["files"][0]["path"] == "<stdin>"
    assert doc["files"][0]["iod"] == "ct-image"
    assert proc.stderr == b""


def test_parallel_output_equals_serial(capsys: pytest.CaptureFixture[str],
                                       folder: Path) -> None:
    for name in ("d_ct.dcm", "e_ct.dcm", "f_ct.dcm"):
        shutil.copy(CT, folder / name)
    serial = run(capsys, "--format", "jsonl", "-j", "1", str(folder))
    parallel = run(capsys, "--format", "jsonl", "-j", "2", str(folder))
    assert serial[0] == parallel[0] == 1
    assert serial[1] == parallel[1]
    assert len(serial[1].splitlines()) == 8


def test_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "report.sarif"
    code, out, _ = run(capsys, "--format", "sarif", "--output", str(target), str(RTSTRUCT))
    assert code == 1 and out == ""
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert doc["version"] == "2.1.0"
    assert any(r["ruleId"] == "type1-missing" for r in doc["runs"][0]["results"])
    code, _, err = run(capsys, "--output", str(tmp_path / "no" / "dir" / "x"), str(CT))
    assert code == 2 and err.startswith("error: --output")


def _check_text(out: str) -> None:
    assert "\x1b[" not in out  # captured stdout is not a terminal: no colour
    assert out.splitlines()[-1].startswith("total: 2 files:")


def _check_json(out: str) -> None:
    assert json.loads(out)["summary"]["files"] == 2


def _check_jsonl(out: str) -> None:
    assert [json.loads(x)["iod"] for x in out.splitlines()] == ["ct-image", "rt-structure-set"]


def _check_sarif(out: str) -> None:
    assert len(json.loads(out)["runs"][0]["artifacts"]) == 2


def _check_junit(out: str) -> None:
    suite = ET.fromstring(out.encode()).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")


@pytest.mark.parametrize(("fmt", "check"), [
    ("text", _check_text), ("json", _check_json), ("jsonl", _check_jsonl),
    ("sarif", _check_sarif), ("junit", _check_junit),
])
def test_each_format(capsys: pytest.CaptureFixture[str], fmt: str, check: Any) -> None:
    code, out, _ = run(capsys, "--format", fmt, str(CT), str(RTSTRUCT))
    assert code == 1
    check(out)


def test_no_progress_bar_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str],
                                                        folder: Path) -> None:
    code = main(["validate", "--format", "jsonl", str(folder)])
    out, err = capsys.readouterr()
    assert code == 1 and len(out.splitlines()) == 4  # notes.txt is skipped, not reported
    assert err == ""


REPO = Path(__file__).resolve().parents[2]


def test_rules_files_are_applied(capsys: pytest.CaptureFixture[str]) -> None:
    rules = REPO / "rules" / "site-example.yaml"
    if not rules.is_file():
        pytest.skip("rules/site-example.yaml not in this checkout")
    serial = run(capsys, "--format", "jsonl", "--rules", str(rules), str(CT), str(MR))
    parallel = run(capsys, "--format", "jsonl", "-j", "2", "--rules", str(rules), str(CT),
                   str(MR))
    assert serial[1] == parallel[1]
    rows = [json.loads(line) for line in serial[1].splitlines()]
    sources = {f["source"] for r in rows for f in r["findings"]}
    assert any(s.endswith("site-example.yaml#site-institution-name") for s in sources)


def test_broken_rules_file_is_a_usage_error(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nrules:\n  - id: x\n    bogus: 1\n")
    code, out, err = run(capsys, "--rules", str(bad), str(CT))
    assert code == 2 and out == ""
    assert err.startswith(f"error: {bad}:3:")
    assert "Traceback" not in err
