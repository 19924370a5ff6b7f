"""A batch as it streams past: skipped inputs, series/study groups, consistency."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from conformance.batch.consistency import Consistency
from conformance.batch.groups import Groups
from conformance.batch.policy import Policy
from conformance.engine.finding import Finding
from conformance.engine.result import Report, Suppression
from conformance.inputs.walk import SkipLog


def cross_file_report(path: str, findings: list[Finding], standard: Any) -> Report:
    """The extra report that carries one file's cross-file findings."""
    return Report(path=path, sop_class_uid=None, iod=None, iod_name="cross-file consistency",
                  findings=findings, standard={"edition": getattr(standard, "edition", None)},
                  cross_file=True)


class Batch:
    """Feeds each report to the groups and the consistency reduce; after the last one,
    the cross-file findings come out as one extra report per file they are about
    (``Report.cross_file``), so every output format carries them. ``policy``
    (``conformance.batch.policy.policy_of(validator)``) drops, counts and re-levels them
    as the Validator does its own findings; what it dropped is ``suppressed``."""

    def __init__(self, skipped: SkipLog | None = None, standard: Any = None,
                 policy: Policy | None = None) -> None:
        self.skipped = skipped if skipped is not None else SkipLog()
        self.groups = Groups()
        self.consistency = Consistency()
        self.standard = standard
        self.policy = policy
        self.count = 0
        self.cross_file: list[tuple[str, Finding]] = []
        self.suppressed: list[Suppression] = []

    def add(self, report: Report) -> None:
        if report.cross_file:
            return
        self.groups.add(report)
        if report.digest is not None:
            self.consistency.add(report.digest, self.count)
        self.count += 1

    def stream(self, reports: Iterable[Report]) -> Iterator[Report]:
        for r in reports:
            self.add(r)
            yield r
        yield from self.cross_file_reports()

    def _keyword(self, tag: int) -> str:
        entry = self.standard.dictionary.get(tag) if self.standard is not None else None
        if entry is not None and entry.keyword:
            return str(entry.keyword)
        from conformance.engine.path import keyword_of

        return keyword_of(tag)

    def cross_file_reports(self) -> list[Report]:
        """The cross-file findings, one report per file (in input order)."""
        pairs = self.consistency.findings(self._keyword)
        by_path: dict[str, list[Finding]] = {}
        for path, f in pairs:
            by_path.setdefault(path, []).append(f)
        if self.policy is not None:
            by_path = self._apply_policy(by_path)
        self.cross_file = [(p, f) for p, fs in by_path.items() for f in fs]
        return [cross_file_report(p, fs, self.standard) for p, fs in by_path.items() if fs]

    def _apply_policy(self, by_path: dict[str, list[Finding]]) -> dict[str, list[Finding]]:
        assert self.policy is not None
        counts: dict[tuple[str, str], int] = {}
        out = {}
        for path, fs in by_path.items():
            out[path], dropped = self.policy(fs)
            for s in dropped:
                counts[(s.code, s.reason)] = counts.get((s.code, s.reason), 0) + s.count
        self.suppressed = [Suppression(c, r, n) for (c, r), n in sorted(counts.items())]
        return out
