"""``conformance conditions`` on a tiny hand-made build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cli import main
from tests.helpers.standard_build import write_tiny_standard


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write_tiny_standard(tmp_path / "std")


def test_json_lists_every_condition(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["conditions", "--standard", str(tiny), "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    rows = {(r["where"], r["row"]): r for r in out["conditions"]}
    usage = rows[("iod tiny-image", "tiny-image")]
    assert usage["kind"] == "module_usage" and usage["status"] == "parsed"
    overlay = rows[("module tiny-image", "(60xx,3000)")]
    assert overlay["kind"] == "attribute_1C" and overlay["status"] == "failed"
    assert overlay["error"]
    assert out["summary"] == {"total": 2, "parsed": 1, "unknown_leaf": 0, "failed": 1,
                              "process": 1}
    assert usage["class"] == "data" and overlay["class"] == "process"


def test_undecidable_lists_process_conditions_only(
        tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conditions", "--standard", str(tiny), "--undecidable"]) == 0
    out = capsys.readouterr().out
    assert "Required if an overlay is present." in out
    assert "Required if SOP Class UID is present." not in out
    assert main(["conditions", "--standard", str(tiny), "--undecidable",
                 "--iod", "tiny-image", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["conditions"]
    assert [r["text"] for r in rows] == ["Required if an overlay is present."]


def test_text_and_failed_filter(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conditions", "--standard", str(tiny), "--failed"]) == 0
    out = capsys.readouterr().out
    assert "Required if an overlay is present." in out
    assert "Required if SOP Class UID is present." not in out
    assert "2 conditions: 1 parsed, 0 with an unknown leaf, 1 failed" in out


def test_missing_standard_is_a_clean_error(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["conditions", "--standard", str(tmp_path / "nope")])
    assert code == 2
    assert capsys.readouterr().err.startswith("error:")
