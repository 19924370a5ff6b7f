"""``conformance rules check|schema|generate-deid``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cli import main

REPO = Path(__file__).resolve().parents[2]


def test_check_ok_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = REPO / "rules" / "site-example.yaml"
    assert main(["rules", "check", str(good)]) == 0
    assert "ok (" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: a\n    severity: eror\n    message: m\n"
                   "    check: {present: Modality}\n", encoding="utf-8")
    assert main(["rules", "check", str(good), str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{bad}:3:15: rules[0].severity: 'eror' is not one of")


def test_check_reports_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: a\n    severity: error\n    message: m\n"
                   "    check: {matches: {target: PatientID, pattern: '(a+)+'}}\n"
                   "  - id: b\n    severity: error\n    message: m\n"
                   "    check: {present: NoSuchKeyword}\n", encoding="utf-8")
    assert main(["rules", "check", str(bad)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert [ln.split(": ")[0] for ln in lines] == [f"{bad}:5:51", f"{bad}:9:22"]  # 1-based columns


def test_schema_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "dicom-conformance YAML rule file"
    assert "check" in schema["$defs"]


def test_generate_deid_from_build_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    from conformance.standard import load_standard

    std = load_standard()
    if not std.deidentification:
        pytest.skip("bundled standard has no deidentification.json")
    out = tmp_path / "deid.yaml"
    assert main(["rules", "generate-deid", "--standard", str(std.path), "--out",
                 str(out)]) == 0
    assert "rules" in capsys.readouterr().out
    assert main(["rules", "check", str(out)]) == 0


def test_generate_deid_needs_a_source(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as e:
        main(["rules", "generate-deid", "--out", str(tmp_path / "x.yaml")])
    assert e.value.code == 2


def test_generate_deid_bad_part15(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "part15.xml"
    bad.write_text("<not-docbook/>", encoding="utf-8")
    assert main(["rules", "generate-deid", "--part15", str(bad), "--out",
                 str(tmp_path / "x.yaml")]) == 2
    assert "error:" in capsys.readouterr().err
