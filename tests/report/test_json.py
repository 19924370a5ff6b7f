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
    assert list(doc) == ["format_version", "tool", "files", "standard", "summary"]
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


def _schema_errors(doc: dict[str, Any]) -> list[str]:
    import jsonschema

    schema = json_.schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in cls(schema).iter_errors(doc)]


@pytest.mark.parametrize("which", ["fake", "real"])
def test_json_matches_the_shipped_schema(which: str, real_reports: list[Any]) -> None:
    doc = _json(fake_reports() if which == "fake" else real_reports)
    assert _schema_errors(doc) == []
    from conformance import __version__

    assert doc["format_version"] == json_.FORMAT_VERSION
    assert doc["tool"] == {"name": "dicom-conformance", "version": __version__}


def test_schema_rejects_a_local_path_and_a_missing_version(real_reports: list[Any]) -> None:
    doc = _json(real_reports)
    doc["standard"]["path"] = "/home/me/standard_data"
    assert any("path" in e for e in _schema_errors(doc))
    del doc["standard"]["path"]
    del doc["format_version"]
    assert _schema_errors(doc) == ["[]: 'format_version' is a required property"]


@pytest.mark.parametrize("which", ["fake", "real"])
def test_read_gives_back_the_reports(which: str, real_reports: list[Any]) -> None:
    reports = fake_reports() if which == "fake" else real_reports
    back = json_.read(_json(reports))
    assert [r.findings for r in back] == [r.findings for r in reports]
    assert [r.to_dict() | {"standard": STANDARD} for r in back] == [
        json.loads(json.dumps(r.to_dict() | {"standard": STANDARD})) for r in reports]


def test_read_refuses_another_major_version() -> None:
    doc = _json(fake_reports())
    doc["format_version"] = "2.0"
    with pytest.raises(ValueError, match="reads 1.x"):
        json_.read(doc)
