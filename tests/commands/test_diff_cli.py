"""``conformance diff A B``: text and JSON output, exit 0; broken folders exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cli import main
from tests.helpers.standard_build import tiny_documents, write_tiny_standard


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    a = write_tiny_standard(tmp_path / "a")
    docs = tiny_documents()
    docs["modules"]["modules"]["tiny-patient"]["attributes"][1]["type"] = "1"
    docs["manifest"]["edition"] = "tiny2"
    return a, write_tiny_standard(tmp_path / "b", documents=docs)


def test_text(pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(pair[0]), str(pair[1])]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == [f"--- {pair[0]} (tiny)", f"+++ {pair[1]} (tiny2)"]
    assert "~ tiny-patient\n    ~ (0010,0020): type 2 -> 1\n" in out


def test_json(pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(pair[0]), str(pair[1]), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["modules"]["changed"] == {
        "tiny-patient": {"attributes": {"added": [], "removed": [],
                                        "changed": {"00100020": {"type": ["2", "1"]}}}}}
    assert data["summary"]["modules"] == {"added": 0, "removed": 0, "changed": 1}


def test_not_a_build_exit_2(pair: tuple[Path, Path], tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(pair[0]), str(tmp_path / "missing")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
