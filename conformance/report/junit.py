"""JUnit XML: one testsuite, one testcase per file, a failure when a finding is at or
above ``fail_on``. Testcases are spooled to a temporary file because the suite's
counts come first in the document."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from conformance.report.safe import printable
from conformance.report.summary import Summary, at_or_above, is_unreadable

SUITE = "dicom-conformance"


def _finding_line(f: Any) -> str:
    where = f.keyword_path or f.path
    return f"{f.severity} {f.code}" + (f" {where}" if where else "") + f": {f.message}"


def _clean(text: str) -> str:
    """Escape characters XML 1.0 cannot carry or a reader would misread (messages may
    quote raw data values; file names may hold control characters or bytes that are
    not UTF-8)."""
    return printable(text, keep_newlines=True)


def _seconds(report: Any) -> float:
    elapsed = getattr(report, "elapsed", None)
    return float(elapsed) if elapsed is not None else 0.0


def _case(report: Any, fail_on: str) -> tuple[str, bool]:
    """A testcase; an unreadable input is an ``<error>`` (the check could not run),
    findings at or above ``fail_on`` a ``<failure>``."""
    name = report.path or "<dataset>"
    kind = report.iod or ("unreadable" if is_unreadable(report) else "unknown")
    if getattr(report, "cross_file", False):
        kind = "cross-file"
    classname = f"{SUITE}.{kind}"
    failing = at_or_above(report.findings, fail_on)
    # by identity: comparing dataclasses finding by finding was quadratic
    failing_ids = {id(f) for f in failing}
    rest = [f for f in report.findings if id(f) not in failing_ids]
    parts = [f"  <testcase classname={quoteattr(classname)} name={quoteattr(_clean(name))} "
             f'time="{_seconds(report):.3f}">\n']
    if is_unreadable(report):
        bad = [f for f in report.findings if f.code == "unreadable"]
        msg = bad[0].message
        parts.append(f"   <error message={quoteattr(_clean(msg))} type=\"unreadable\">"
                     f"{escape(_clean(msg))}</error>\n")
        failing = [f for f in failing if f.code != "unreadable"]
        rest = [f for f in rest if f.code != "unreadable"]
    if failing:
        codes = sorted({f.code for f in failing})
        msg = f"{len(failing)} finding(s) at or above {fail_on}: {', '.join(codes)}"
        body = "\n".join(_finding_line(f) for f in failing)
        parts.append(f"   <failure message={quoteattr(_clean(msg))} type={quoteattr(codes[0])}>"
                     f"{escape(_clean(body))}</failure>\n")
    if rest:
        body = "\n".join(_finding_line(f) for f in rest)
        parts.append(f"   <system-out>{escape(_clean(body))}</system-out>\n")
    parts.append("  </testcase>\n")
    return "".join(parts), bool(failing)


def write(reports: Iterable[Any], *, standard_info: dict[str, Any], stream: IO[str],
          color: bool = False, fail_on: str = "error", **_: Any) -> Summary:
    """Write one JUnit testsuite for ``reports``; returns the totals."""
    summary = Summary()
    failures = 0
    errors = 0
    seconds = 0.0
    cases = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8",
                                errors="backslashreplace") as spool:
        for report in reports:
            summary.add(report)
            cases += 1  # cross-file findings of a file are a testcase of their own
            text, failed = _case(report, fail_on)
            failures += failed
            errors += is_unreadable(report)
            seconds += _seconds(report)
            spool.write(text)
        spool.seek(0)
        stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        stream.write(f'<testsuites name="{SUITE}" tests="{cases}" '
                     f'failures="{failures}" errors="{errors}" time="{seconds:.3f}">\n')
        stream.write(f' <testsuite name="{SUITE}" tests="{cases}" '
                     f'failures="{failures}" errors="{errors}" skipped="0" '
                     f'time="{seconds:.3f}">\n')
        edition = standard_info.get("edition") or ""
        stream.write("  <properties>\n"
                     f"   <property name=\"standard.edition\" value={quoteattr(str(edition))}/>\n"
                     f"   <property name=\"fail-on\" value={quoteattr(fail_on)}/>\n"
                     "  </properties>\n")
        while chunk := spool.read(1 << 16):
            stream.write(chunk)
        stream.write(" </testsuite>\n</testsuites>\n")
    return summary
