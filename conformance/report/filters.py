"""Which findings a report shows: ``--select`` / ``--ignore`` codes, ``--min-severity``.

``--select`` and ``--ignore`` take codes or shell patterns (``deid-*``): they decide what
counts, for the report and for the exit status alike. ``--min-severity`` is a floor for
the output only: the exit status (``--fail-on``) still sees every selected finding, so
hiding warnings from a SARIF upload does not hide them from the build.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from conformance.engine.finding import SEVERITY_RANK
from conformance.errors import UsageError

SEVERITIES = ("info", "warning", "error")
# The floor each format applies when --min-severity is not given: SARIF goes to code
# scanning, where notes about undecidable conditions would drown the alerts.
DEFAULT_MIN_SEVERITY = {"sarif": "warning"}


def min_severity_for(fmt: str, given: str | None) -> str:
    """``given``, else the format's default floor (``info``: everything)."""
    return given or DEFAULT_MIN_SEVERITY.get(fmt, "info")


def check_codes(option: str, patterns: Sequence[str], known: Iterable[str]) -> None:
    """UsageError for a code no check or rule has, naming the closest ones."""
    known = sorted(set(known))
    for p in patterns:
        if any(c in p for c in "*?["):
            if not any(fnmatchcase(k, p) for k in known):
                raise UsageError(f"{option} {p}: the pattern matches no code")
            continue
        if p not in known:
            import difflib  # only for a code nobody knows

            close = difflib.get_close_matches(p, known, n=3)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise UsageError(f"{option} {p}: unknown code{hint} (conformance codes are "
                             f"listed in the README; rule ids count too)")


def _matches(code: str, patterns: Sequence[str]) -> bool:
    return any(fnmatchcase(code, p) for p in patterns)


@dataclass(frozen=True, slots=True)
class FindingFilter:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    min_severity: str = "info"

    def counted(self, reports: Iterable[Any]) -> Iterator[Any]:
        """Reports with only the selected, not ignored, findings."""
        if not self.select and not self.ignore:
            yield from reports
            return
        for r in reports:
            keep = [f for f in r.findings
                    if (not self.select or _matches(f.code, self.select))
                    and not _matches(f.code, self.ignore)]
            yield r if len(keep) == len(r.findings) else dataclasses.replace(r, findings=keep)

    def shown(self, reports: Iterable[Any]) -> Iterator[Any]:
        """Reports with only the findings at or above the severity floor."""
        floor = SEVERITY_RANK[self.min_severity]
        if floor == 0:
            yield from reports
            return
        for r in reports:
            keep = [f for f in r.findings if SEVERITY_RANK.get(f.severity, 0) >= floor]
            yield r if len(keep) == len(r.findings) else dataclasses.replace(r, findings=keep)
