"""JSON and JSON Lines: valid, round-trip to the reports' dicts, summaries add up."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from conformance.report import json_, jsonl

from .conftest import STANDARD, counts, fake_reports


def _json(reports: list[Any]) -> dict[str, Any]:
    out = io.StringIO()
    json_.write(reports, standard_info=STANDARD, stream=out, color=False)
    return json.loads(out.getvalue())


def _by_code(reports: list[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in reports:
        for f in r.findings:
            out[f.code] = out.get(f.code, 0) + 1
    return dict(sorted(out.items()))


@pytest.mark.parametrize("which", ["fake", "real"])
def test_json_round_trip(which: str, real_reports: list[Any]) -> None:
    reports = fake_reports() if which == "fake" else real_reports
    doc = _json(reports)
    assert list(doc) == ["files", "standard", "summary"]
    assert doc["standard"] == STANDARD
    assert len(doc["files"]) == len(reports)
    for entry, r in zip(doc["files"], reports, strict=True):
        expected = r.to_dict()
        expected.pop("standard")
        assert entry == json.loads(json.dumps(expected))
        assert {"path", "sop_class_uid", "iod", "findings"} <= set(entry)
    summary = doc["summary"]
    for key, value in counts(reports).items():
        assert summary[key] == value
    assert summary["by_code"] == _by_code(reports)


def test_json_suppressed_summary() -> None:
    doc = _json(fake_reports())
    assert doc["summary"]["suppressed"] == {
        "not-in-iod": {"count": 3, "reason": "site allows extras"}}
    assert doc["files"][3]["suppressed"] == [
        {"code": "not-in-iod", "count": 3, "reason": "site allows extras"}]


def test_json_is_deterministic(real_reports: list[Any]) -> None:
    a, b = io.StringIO(), io.StringIO()
    json_.write(real_reports, standard_info=STANDARD, stream=a)
    json_.write(real_reports, standard_info=STANDARD, stream=b)
    assert a.getvalue() == b.getvalue()


@pytest.mark.parametrize("which", ["fake", "real"])
def test_jsonl_one_line_per_file(which: str, real_reports: list[Any]) -> None:
    reports = fake_reports() if which == "fake" else real_reports
    out = io.StringIO()
    summary = jsonl.write(reports, standard_info=STANDARD, stream=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == len(reports) == summary.files
    for line, r in zip(lines, reports, strict=True):
        assert json.loads(line) == json.loads(json.dumps(r.to_dict()))
