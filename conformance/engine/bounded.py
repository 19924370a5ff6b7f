"""The findings of one validation, bounded per element and per code.

A 2 MB file can hold a million values of a VM 1 attribute, each a finding: kept, they
cost gigabytes. The sink keeps the first ``findings_per_element`` findings of a code on
one element and the first ``findings_per_code`` of a code in the data set; the rest are
counted, and the last kept finding of each says how many were left out. Memory stays
bounded by the limits; time stays linear in the number of findings produced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from conformance.engine.finding import Finding
from conformance.limits import DEFAULT_LIMITS, Limits


class BoundedFindings(list[Finding]):
    """A list of findings whose ``append``/``extend`` drop and count the excess."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        super().__init__()
        self.per_element = limits.findings_per_element
        self.per_code = limits.findings_per_code
        self._element: dict[tuple[str, str], int] = {}  # (code, path) -> findings seen
        self._code: dict[str, int] = {}  # code -> findings kept
        self._last: dict[tuple[str, str] | str, int] = {}  # key -> index of last kept
        self._dropped: dict[tuple[str, str] | str, int] = {}

    def append(self, f: Finding) -> None:
        code = f.code
        key = (code, f.path or "")
        seen = self._element.get(key, 0)
        self._element[key] = seen + 1
        if seen >= self.per_element:
            self._dropped[key] = self._dropped.get(key, 0) + 1
            return
        kept = self._code.get(code, 0)
        if kept >= self.per_code:
            self._dropped[code] = self._dropped.get(code, 0) + 1
            return
        self._code[code] = kept + 1
        self._last[key] = self._last[code] = len(self)
        super().append(f)

    def extend(self, found: Iterable[Finding]) -> None:  # type: ignore[override]
        for f in found:
            self.append(f)

    def result(self) -> list[Finding]:
        """The kept findings; the last of each capped element or code carries the count."""
        out = list(self)
        for key, n in self._dropped.items():
            i = self._last[key]
            f = out[i]
            if isinstance(key, tuple):
                note = f" [and {n} more {f.code} finding(s) on this element, not listed]"
            else:
                note = (f" [and {n} more {f.code} finding(s) in this data set, not listed "
                        f"(limit findings_per_code={self.per_code})]")
            out[i] = replace(f, message=f.message + note)
        return out
