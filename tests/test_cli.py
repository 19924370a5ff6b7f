"""The CLI's error contract: one ``error:`` line naming the path, exit 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.cli import main
from tests.helpers.standard_build import write_tiny_standard


def test_output_folder_that_cannot_be_created(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = blocker / "std"  # its parent is a file: the OS refuses
    code = main(["build", "--source", str(tmp_path), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and "Traceback" not in err
    assert err.count("\n") == 1


def test_report_output_into_a_missing_folder(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    std = write_tiny_standard(tmp_path / "std")
    target = tmp_path / "no" / "such" / "report.json"
    code = main(["validate", "--standard", str(std), "--no-progress", "--format", "json",
                 "-o", str(target), str(std / "manifest.json")])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"error: --output {target}: No such file or directory\n"
