"""Running totals over a stream of reports (for summaries and the exit code)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from conformance.engine.finding import SEVERITY_RANK, Finding


def suppressions(report: Any) -> list[tuple[str, str, int]]:
    """``(code, reason, count)`` of a report's suppressed findings.

    Accepts the engine's list of ``Suppression`` and the plain ``{code: reason}`` mapping
    the contract first described (count unknown -> 0).
    """
    raw = getattr(report, "suppressed", None) or ()
    if isinstance(raw, dict):
        return [(str(c), str(r), 0) for c, r in sorted(raw.items())]
    out = []
    for s in raw:
        if isinstance(s, dict):
            out.append((str(s["code"]), str(s.get("reason", "")), int(s.get("count", 0))))
        else:
            out.append((s.code, s.reason, int(getattr(s, "count", 0))))
    return out


def is_unreadable(report: Any) -> bool:
    """True when the input could not be parsed at all."""
    return any(f.code == "unreadable" for f in report.findings)


@dataclass
class Summary:
    """Totals of everything seen so far; cheap to keep for thousands of files."""

    files: int = 0
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    unreadable: int = 0
    by_code: dict[str, int] = field(default_factory=dict)
    suppressed: dict[str, dict[str, Any]] = field(default_factory=dict)
    worst: int = -1  # highest SEVERITY_RANK seen, -1 when no finding at all
    cross_file: int = 0  # findings comparing files (counted in errors/warnings too)
    skipped: dict[str, int] = field(default_factory=dict)  # walk skips by kind
    skipped_line: str = ""
    baseline_hidden: int = 0  # known findings left out by --baseline

    def add(self, report: Any) -> None:
        self.baseline_hidden += getattr(report, "baseline_hidden", 0)
        if getattr(report, "cross_file", False):
            # Not a file of its own: the cross-file findings about one file.
            self.cross_file += len(report.findings)
            for f in report.findings:
                self._count(f)
            return
        self.files += 1
        if is_unreadable(report):
            self.unreadable += 1
        for f in report.findings:
            self._count(f)
        for code, reason, count in suppressions(report):
            entry = self.suppressed.setdefault(code, {"reason": reason, "count": 0})
            entry["count"] += count

    def _count(self, f: Finding) -> None:
        if f.severity == "error":
            self.errors += 1
        elif f.severity == "warning":
            self.warnings += 1
        else:
            self.infos += 1
        self.by_code[f.code] = self.by_code.get(f.code, 0) + 1
        self.worst = max(self.worst, SEVERITY_RANK.get(f.severity, 0))

    def add_skipped(self, skipped: Any) -> None:
        """Take the walk's skip counts (a ``SkipLog``) once the reports are all in."""
        if skipped is not None:
            self.skipped = dict(skipped.counts)
            self.skipped_line = skipped.line()

    def add_batch(self, batch: Any) -> None:
        """Once the reports are all in: the batch's skips, and the cross-file findings
        its policy suppressed (``Batch.suppressed``)."""
        self.add_skipped(batch.skipped)
        for s in getattr(batch, "suppressed", ()):
            entry = self.suppressed.setdefault(s.code, {"reason": s.reason, "count": 0})
            entry["count"] += s.count

    def fails(self, fail_on: str) -> bool:
        """True when a finding at or above ``fail_on`` (``error|warning|never``) was seen."""
        if fail_on == "never":
            return False
        return self.worst >= SEVERITY_RANK[fail_on]

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files, "errors": self.errors, "warnings": self.warnings,
            "infos": self.infos, "unreadable": self.unreadable,
            "by_code": dict(sorted(self.by_code.items())),
            "suppressed": {c: dict(v) for c, v in sorted(self.suppressed.items())},
            "cross_file": self.cross_file,
            "skipped": dict(sorted(self.skipped.items())),
        } | ({"baseline_hidden": self.baseline_hidden} if self.baseline_hidden else {})

    def line(self) -> str:
        """``3 files: 2 errors, 1 warning, 0 infos (1 unreadable)``."""
        text = (f"{_n(self.files, 'file')}: {_n(self.errors, 'error')}, "
                f"{_n(self.warnings, 'warning')}, {_n(self.infos, 'info')}")
        if self.unreadable:
            text += f" ({self.unreadable} unreadable)"
        if self.cross_file:
            text += f"; {_n(self.cross_file, 'cross-file finding')}"
        if self.skipped_line:
            text += f"; {self.skipped_line}"
        if self.baseline_hidden:
            text += (f"; {self.baseline_hidden} known finding"
                     f"{'' if self.baseline_hidden == 1 else 's'} hidden by the baseline")
        return text


def _n(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def tally(reports: Iterable[Any], summary: Summary) -> Iterator[Any]:
    """Yield ``reports`` unchanged while adding each to ``summary``."""
    for r in reports:
        summary.add(r)
        yield r


def at_or_above(findings: Iterable[Finding], fail_on: str) -> list[Finding]:
    """The findings whose severity is at or above ``fail_on`` (none for ``never``)."""
    if fail_on == "never":
        return []
    rank = SEVERITY_RANK[fail_on]
    return [f for f in findings if SEVERITY_RANK.get(f.severity, 0) >= rank]
