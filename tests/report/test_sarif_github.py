"""SARIF that GitHub code scanning accepts: its published ingestion limits and the
properties it needs to place and de-duplicate alerts
(docs.github.com, "SARIF support for code scanning": "Validating your SARIF file" and
"Supported SARIF output file properties")."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance.engine.digest import Identity
from conformance.engine.finding import Finding
from conformance.engine.result import Report
from conformance.report.sarif import CAPPED_RULE, FINGERPRINT_KEY, GITHUB_SHOWN, write

from .conftest import STANDARD, fake_reports

# GitHub's limits for one uploaded SARIF file.
MAX_GZIP_BYTES = 10 * 1024 * 1024
MAX_RUNS = 20
MAX_RESULTS_PER_RUN = 25_000  # more: the upload is rejected
SHOWN_RESULTS_PER_RUN = 5_000  # GitHub keeps only the top 5,000 by severity
MAX_RULES_PER_RUN = 25_000
MAX_LOCATIONS_PER_RESULT = 1_000
MAX_TAGS_PER_RULE = 20


def github_problems(doc: dict[str, Any], raw: str) -> list[str]:
    """Everything GitHub would reject, or need and not find, in ``doc``."""
    bad: list[str] = []
    if doc.get("version") != "2.1.0" or "$schema" not in doc:
        bad.append("version 2.1.0 and $schema required")
    if len(gzip.compress(raw.encode())) > MAX_GZIP_BYTES:
        bad.append("gzip size over 10 MB")
    runs = doc.get("runs") or []
    if not 1 <= len(runs) <= MAX_RUNS:
        bad.append(f"{len(runs)} runs")
    for run in runs:
        driver = run["tool"]["driver"]
        if not driver.get("name"):
            bad.append("tool.driver.name required")
        rules = driver.get("rules", [])
        if len(rules) > MAX_RULES_PER_RUN:
            bad.append(f"{len(rules)} rules")
        ids = {r["id"] for r in rules}
        for r in rules:
            if not r.get("shortDescription", {}).get("text") or not r.get("fullDescription"):
                bad.append(f"rule {r['id']}: descriptions")
            if len(r.get("properties", {}).get("tags", [])) > MAX_TAGS_PER_RULE:
                bad.append(f"rule {r['id']}: tags")
        results = run.get("results", [])
        if len(results) > MAX_RESULTS_PER_RUN:
            bad.append(f"{len(results)} results (over {MAX_RESULTS_PER_RUN})")
        for i, res in enumerate(results):
            where = f"result {i} ({res.get('ruleId')})"
            if res.get("ruleId") not in ids:
                bad.append(f"{where}: ruleId not among the rules")
            if not res.get("message", {}).get("text"):
                bad.append(f"{where}: message.text")
            locs = res.get("locations") or []
            if not 1 <= len(locs) <= MAX_LOCATIONS_PER_RESULT:
                bad.append(f"{where}: {len(locs)} locations")
            for loc in locs:
                phys = loc.get("physicalLocation", {})
                if not phys.get("artifactLocation", {}).get("uri"):
                    bad.append(f"{where}: artifactLocation.uri")
                if not isinstance(phys.get("region", {}).get("startLine"), int):
                    bad.append(f"{where}: region.startLine")
            if not res.get("partialFingerprints"):
                bad.append(f"{where}: partialFingerprints")
    return bad


def _sarif(reports: list[Any], **kw: Any) -> tuple[dict[str, Any], str]:
    out = io.StringIO()
    write(reports, standard_info=STANDARD, stream=out, **kw)
    return json.loads(out.getvalue()), out.getvalue()


def _many(n_files: int, per_file: int) -> list[Report]:
    """Reports with mixed severities: every 7th finding an error, every 3rd a warning."""
    out = []
    for i in range(n_files):
        findings = []
        for j in range(per_file):
            k = i * per_file + j
            sev = "error" if k % 7 == 0 else "warning" if k % 3 == 0 else "info"
            findings.append(Finding("type1-missing" if sev == "error" else "not-in-iod"
                                    if sev == "warning" else "condition-not-checked",
                                    sev, f"finding {k}", tag="00100020",  # type: ignore[arg-type]
                                    path=f"(0010,{j:04X})"))
        out.append(Report(path=f"f{i}.dcm", sop_class_uid=None, iod=None, iod_name=None,
                          findings=findings, identity=Identity(sop_instance_uid=f"1.2.{i}")))
    return out


def test_fake_and_real_pass_github_checks(real_reports: list[Any]) -> None:
    for reports in (fake_reports(), real_reports):
        doc, raw = _sarif(reports)
        assert github_problems(doc, raw) == []


def test_cap_keeps_errors_first_and_says_what_was_left_out() -> None:
    reports = _many(60, 120)  # 7,200 findings
    levels = [f.severity for r in reports for f in r.findings]
    n_err, n_warn = levels.count("error"), levels.count("warning")
    doc, raw = _sarif(reports)
    assert github_problems(doc, raw) == []
    results = doc["runs"][0]["results"]
    assert len(results) == GITHUB_SHOWN
    body, last = results[:-1], results[-1]
    n_note = len(levels) - n_err - n_warn
    assert n_err + n_warn < GITHUB_SHOWN - 1 < len(levels)  # the cap falls among the notes
    kept_notes = GITHUB_SHOWN - 1 - n_err - n_warn
    assert [r["level"] for r in body] == (["error"] * n_err + ["warning"] * n_warn
                                          + ["note"] * kept_notes)
    assert last["ruleId"] == CAPPED_RULE
    omitted = last["properties"]["omitted"]
    assert omitted == {"error": 0, "warning": 0, "note": n_note - kept_notes}
    # a tighter cap falls among the warnings: no note is kept then
    doc, _ = _sarif(reports, max_results=n_err + 11)
    results = doc["runs"][0]["results"]
    assert [r["level"] for r in results[:-1]] == ["error"] * n_err + ["warning"] * 10
    assert results[-1]["properties"]["omitted"] == {"error": 0, "warning": n_warn - 10,
                                                    "note": n_note}
    assert f"{sum(omitted.values())} more results not included" in last["message"]["text"]
    assert doc["runs"][0]["properties"]["results"]["found"] == len(levels)


def test_cap_not_hit_no_summary_result() -> None:
    doc, _ = _sarif(_many(2, 10), max_results=20)
    results = doc["runs"][0]["results"]
    assert len(results) == 20 and CAPPED_RULE not in {r["ruleId"] for r in results}
    doc, _ = _sarif(_many(2, 10), max_results=19)
    results = doc["runs"][0]["results"]
    assert len(results) == 19 and results[-1]["ruleId"] == CAPPED_RULE


def test_fingerprints_follow_the_instance_not_the_file() -> None:
    a = _many(3, 5)
    b = [Report(path=f"moved/{r.path}", sop_class_uid=None, iod=None, iod_name=None,
                findings=list(r.findings), identity=r.identity) for r in a]
    prints_a = [r["partialFingerprints"][FINGERPRINT_KEY] for r in _sarif(a)[0]["runs"][0]
                ["results"]]
    prints_b = [r["partialFingerprints"][FINGERPRINT_KEY] for r in _sarif(b)[0]["runs"][0]
                ["results"]]
    assert prints_a == prints_b
    assert len(set(prints_a)) == len(prints_a)  # different code or path: different print


def test_default_cli_on_pydicom_files(tmp_path: Path) -> None:
    """The ``Done when`` figure on a smaller set: default options, GitHub accepts it."""
    from pydicom.data import get_testdata_file

    names = ("CT_small.dcm", "MR_small.dcm", "rtstruct.dcm", "waveform_ecg.dcm")
    files = [p for n in names if (p := get_testdata_file(n)) is not None]
    out = tmp_path / "r.sarif"
    done = subprocess.run([sys.executable, "-m", "conformance", "validate", "--no-progress",
                           "--format", "sarif", "-o", str(out), *files],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    raw = out.read_text()
    doc = json.loads(raw)
    assert github_problems(doc, raw) == []
    # --min-severity defaults to warning for SARIF: no notes
    assert {r["level"] for r in doc["runs"][0]["results"]} <= {"error", "warning"}


@pytest.mark.slow
def test_every_pydicom_and_pydicom_data_file(tmp_path: Path) -> None:
    """All of pydicom's test files and pydicom-data with default options: under GitHub's
    limits, every result with a fingerprint and a region."""
    import warnings

    from pydicom.data import get_testdata_files

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        files = sorted({f for f in get_testdata_files() if Path(f).is_file()})
    if len(files) < 200:
        pytest.skip("pydicom-data not installed")
    out = tmp_path / "all.sarif"
    done = subprocess.run([sys.executable, "-m", "conformance", "validate", "--no-progress",
                           "-j", "2", "--format", "sarif", "-o", str(out), *files],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode in (0, 1), done.stderr
    raw = out.read_text()
    doc = json.loads(raw)
    assert github_problems(doc, raw) == []
    results = doc["runs"][0]["results"]
    assert 0 < len(results) <= SHOWN_RESULTS_PER_RUN
