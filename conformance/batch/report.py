"""``validate_folder``: a whole batch as one ``BatchReport``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Literal

from conformance.batch.collect import Batch
from conformance.batch.groups import Group
from conformance.batch.policy import policy_of
from conformance.engine.finding import Finding
from conformance.engine.result import Report, Suppression
from conformance.inputs.walk import SkipLog, Skipped


@dataclass
class BatchReport:
    """Every file's report, what was skipped, series and study summaries, and the
    cross-file findings (each with the path of the file it is about)."""

    files: list[Report] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    skipped_counts: dict[str, int] = field(default_factory=dict)
    series: list[Group] = field(default_factory=list)
    studies: list[Group] = field(default_factory=list)
    cross_file: list[tuple[str, Finding]] = field(default_factory=list)
    # Cross-file findings the rule packs' disable:/suppress: entries dropped.
    suppressed: list[Suppression] = field(default_factory=list)
    standard: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """No error in any file and no cross-file error."""
        return all(r.ok for r in self.files) and not any(
            f.severity == "error" for _, f in self.cross_file)

    def findings(self) -> list[Finding]:
        """All findings: per file, then cross-file."""
        return [f for r in self.files for f in r.findings] + [f for _, f in self.cross_file]

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": [r.to_dict() for r in self.files],
            "skipped": {"counts": dict(sorted(self.skipped_counts.items())),
                        "entries": [s.to_dict() for s in self.skipped]},
            "series": [g.to_dict() for g in self.series],
            "studies": [g.to_dict() for g in self.studies],
            "cross_file": [dict(f.to_dict(), file=p) for p, f in self.cross_file],
            "cross_file_suppressed": [s.to_dict() for s in self.suppressed],
            "standard": dict(self.standard),
            "ok": self.ok,
        }


def validate_folder(path: str | PathLike[str] | Iterable[Any], *, standard: Any = None,
                    rules: Iterable[Any] = (), iod: str | None = None,
                    jobs: int | Literal["auto"] = 1,
                    include: Iterable[str] = (), exclude: Iterable[str] = (),
                    show_values: bool = False, strict_inputs: bool = False,
                    validator: Any = None) -> BatchReport:
    """Validate a folder (or several inputs) as one batch: non-DICOM files skipped and
    listed, reports grouped by series and study, files compared with each other."""
    from conformance.engine.api import Validator

    v = validator or Validator(standard, rules, iod, show_values=show_values)
    objs = [path] if isinstance(path, str | PathLike) else list(path)
    skipped = SkipLog(keep=True)
    batch = Batch(skipped, v.standard, policy_of(v))
    files = [r for r in batch.stream(v.validate_many(
        objs, jobs=jobs, include=include, exclude=exclude, strict_inputs=strict_inputs,
        skipped=skipped)) if not r.cross_file]
    return BatchReport(
        files=files, skipped=list(skipped.entries), skipped_counts=dict(skipped.counts),
        series=list(batch.groups.series.values()), studies=list(batch.groups.studies.values()),
        cross_file=list(batch.cross_file), suppressed=list(batch.suppressed),
        standard={"edition": getattr(v.standard, "edition", None)})
