"""A Validator's per-code policy applied to the findings a batch makes itself.

Cross-file findings (``conformance.batch.consistency``) are made after every file's
Validator run, so the policy the Validator applies to its own findings is applied to
them here: rule packs' ``disable:`` and scoped ``suppress:`` entries drop them (and are
counted), packs' ``severity:`` and ``--severity CODE=LEVEL`` set their level.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from conformance.engine.finding import Finding
from conformance.engine.result import Suppression

Policy = Callable[[Sequence[Finding]], tuple[list[Finding], list[Suppression]]]


def policy_of(validator: Any) -> Policy | None:
    """The policy of ``validator`` as a function of findings (None: it has none).

    It is the Validator's own: its ``_suppress`` (disable: and suppress: entries, with
    counts) and ``_severity`` levels, so a finding is treated the same whether one file
    or the batch made it."""
    suppress = getattr(validator, "_suppress", None)
    levels: dict[str, str] = dict(getattr(validator, "_severity", None) or {})
    if suppress is None and not levels:
        return None

    def apply(findings: Sequence[Finding]) -> tuple[list[Finding], list[Suppression]]:
        kept, suppressed = suppress(list(findings)) if suppress is not None else \
            (list(findings), [])
        if levels:
            kept = [dataclasses.replace(f, severity=levels[f.code])  # type: ignore[arg-type]
                    if f.code in levels else f for f in kept]
        return kept, [s for s in suppressed if s.count]

    return apply
