"""Summary totals, fail-on semantics and suppression shapes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.engine.finding import Finding
from conformance.engine.result import Report
from conformance.report.summary import Summary, at_or_above, suppressions

from .conftest import counts, fake_reports

SEVERITIES = ("error", "warning", "info")


def test_totals_match_findings() -> None:
    reports = fake_reports()
    s = Summary()
    for r in reports:
        s.add(r)
    d = s.to_dict()
    for key, value in counts(reports).items():
        assert d[key] == value, key
    assert sum(d["by_code"].values()) == sum(len(r.findings) for r in reports)
    assert d["suppressed"] == {"not-in-iod": {"reason": "site allows extras", "count": 3}}


def test_suppressions_accept_mapping_and_list() -> None:
    r = Report(path=None, sop_class_uid=None, iod=None, iod_name=None)
    r.suppressed = {"b": "why b", "a": "why a"}  # type: ignore[assignment]
    assert suppressions(r) == [("a", "why a", 0), ("b", "why b", 0)]
    r.suppressed = [{"code": "c", "reason": "r", "count": 2}]  # type: ignore[list-item]
    assert suppressions(r) == [("c", "r", 2)]


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)  # a shared machine
@given(st.lists(st.sampled_from(SEVERITIES), max_size=20),
       st.sampled_from(("error", "warning", "never")))
def test_fails_iff_a_finding_is_at_or_above(severities: list[str], fail_on: str) -> None:
    findings = [Finding(f"c{i}", s, "m") for i, s in enumerate(severities)]  # type: ignore[arg-type]
    s = Summary()
    s.add(Report(path="x", sop_class_uid=None, iod=None, iod_name=None, findings=findings))
    rank = {"info": 0, "warning": 1, "error": 2}
    expected = fail_on != "never" and any(rank[x] >= rank[fail_on] for x in severities)
    assert s.fails(fail_on) is expected
    assert bool(at_or_above(findings, fail_on)) is expected
    assert s.errors + s.warnings + s.infos == len(findings)


def test_summary_line_pluralises() -> None:
    s = Summary()
    s.add(Report(path="x", sop_class_uid=None, iod=None, iod_name=None,
                 findings=[Finding("a", "error", "m")]))
    assert s.line() == "1 file: 1 error, 0 warnings, 0 infos"
