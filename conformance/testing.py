"""Test helpers: ``assert_conformant`` for any test framework (the pytest plugin,
``conformance.pytest_plugin``, adds fixtures around it).

A failing ``assert report.ok`` prints a dataclass repr nobody can read; this lists the
findings instead::

    from conformance.testing import assert_conformant

    def test_export(tmp_path):
        export_study(tmp_path)
        for f in tmp_path.glob("*.dcm"):
            assert_conformant(f, fail_on="warning", rules=["builtin:deidentification-basic"])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from conformance.engine.finding import SEVERITY_RANK, Finding

if TYPE_CHECKING:
    from conformance.engine.api import RuleSource, Source, StandardLike, Validator
    from conformance.engine.result import Report

__all__ = ["ConformanceAssertionError", "assert_conformant", "format_findings"]

FAIL_ON = ("error", "warning", "info")
MAX_LISTED = 50


class ConformanceAssertionError(AssertionError):
    """A dataset has findings at or above ``fail_on``; ``report`` and ``failing`` say which."""

    def __init__(self, message: str, report: Report, failing: list[Finding]) -> None:
        super().__init__(message)
        self.report = report
        self.failing = failing


def format_findings(findings: Iterable[Finding], limit: int = MAX_LISTED) -> str:
    """One line per finding: ``error type1-missing PatientID: message [PS3.3 ...]``."""
    findings = list(findings)
    lines = []
    for f in findings[:limit]:
        where = f.keyword_path or f.path
        ref = f" [{f.reference}]" if f.reference is not None else ""
        src = f" ({f.source}:{f.line})" if f.source != "standard" and f.line else ""
        lines.append(f"  {f.severity:<7} {f.code}" + (f" {where}" if where else "")
                     + f": {f.message}{ref}{src}")
    if len(findings) > limit:
        lines.append(f"  ... and {len(findings) - limit} more")
    return "\n".join(lines)


def assert_conformant(obj: Source | Report, fail_on: str = "error", *,
                      rules: Iterable[RuleSource] = (), standard: StandardLike = None,
                      iod: str | None = None, validator: Validator | None = None,
                      ignore: Iterable[str] = ()) -> Report:
    """Validate ``obj`` (anything ``validate`` takes, or a Report) and raise
    ConformanceAssertionError listing the findings at or above ``fail_on`` (``error``,
    ``warning`` or ``info``) that are not in ``ignore``. Returns the Report."""
    from conformance.engine.api import Validator
    from conformance.engine.result import Report

    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    if isinstance(obj, Report):
        report = obj
    else:
        v = validator if validator is not None else Validator(standard, rules, iod)
        report = v.validate(obj)
    skip = set(ignore)
    floor = SEVERITY_RANK[fail_on]
    failing = [f for f in report.findings
               if SEVERITY_RANK.get(f.severity, 0) >= floor and f.code not in skip]
    if failing:
        what = report.path or "dataset"
        iod_name = f" ({report.iod_name or report.iod})" if report.iod_name or report.iod else ""
        counts = {s: sum(f.severity == s for f in failing) for s in ("error", "warning", "info")}
        summary = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items() if n)
        raise ConformanceAssertionError(
            f"{what}{iod_name} is not conformant at fail_on={fail_on!r}: {summary}\n"
            + format_findings(failing), report, failing)
    return report
