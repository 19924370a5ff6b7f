"""The per-code policy of a run: codes switched off (``disable:``), scoped suppressions
(packs' ``suppress:``, parsed in ``conformance.rules.policy``) and per-code severity
levels (packs' ``severity:``, ``--severity CODE=LEVEL``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from conformance.engine.finding import Finding
from conformance.engine.result import Suppression
from conformance.errors import UsageError


class CodePolicy:
    """What the rule packs and the user's options say about codes, applied to findings."""

    def __init__(self, packs: Iterable[Any], options: Mapping[str, Any]) -> None:
        self.disabled: dict[str, str] = {}  # code -> reason shown in the report
        self.scoped: list[Any] = []  # packs' ``suppress:`` entries (rules/policy.py)
        self.severity: dict[str, str] = {}
        packs = list(packs)
        levels = dict(options.get("severity") or {})
        if not packs and not levels:
            return  # (the catalogue is read only when codes are named)
        from conformance.catalogue import expand, severity_overrides

        for r in packs:
            for code, reason in r.disabled_codes.items():
                for c in expand(code):  # a former name disables every code it became
                    self.disabled[c] = reason
            self.severity.update(getattr(r, "severity_levels", None) or {})
            self.scoped.extend(getattr(r, "suppressions", None) or ())
        try:  # the user's levels (--severity) win over the packs'
            self.severity.update(severity_overrides(levels))
        except ValueError as exc:
            raise UsageError(str(exc)) from None

    def suppress(self, findings: list[Finding]) -> tuple[list[Finding], list[Suppression]]:
        """Drop the findings of disabled codes and those a ``suppress:`` entry scopes;
        every ``disable:`` entry is listed, with count 0 when it hid nothing, so each
        switch-off stays visible in the report; a scoped entry is listed when it hid one."""
        if not self.disabled and not self.scoped:
            return findings, []
        kept: list[Finding] = []
        counts = dict.fromkeys(self.disabled, 0)
        scoped: dict[int, int] = {}
        for f in findings:
            if f.code in counts:
                counts[f.code] += 1
                continue
            hit = next((i for i, s in enumerate(self.scoped) if s.matches(f)), None)
            if hit is None:
                kept.append(f)
            else:
                scoped[hit] = scoped.get(hit, 0) + 1
        out = [Suppression(c, self.disabled[c], n) for c, n in sorted(counts.items())]
        out += [Suppression(self.scoped[i].code, self.scoped[i].label(), n)
                for i, n in sorted(scoped.items())]
        return kept, out

    def leveled(self, findings: list[Finding]) -> list[Finding]:
        """``findings`` with the per-code severity levels applied."""
        if not self.severity:
            return findings
        return [replace(f, severity=self.severity[f.code])  # type: ignore[arg-type]
                if f.code in self.severity else f for f in findings]
