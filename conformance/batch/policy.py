"""A Validator's per-code policy applied to the findings a batch makes itself.

Cross-file findings (``conformance.batch.consistency``) are made after every file's
Validator run, so the policy the Validator applies to its own findings
(``Validator.policy``, a ``conformance.engine.code_policy.CodePolicy``) is applied to
them here: rule packs' ``disable:`` and scoped ``suppress:`` entries drop them (and are
counted), packs' ``severity:`` and ``--severity CODE=LEVEL`` set their level.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from conformance.engine.finding import Finding
from conformance.engine.result import Suppression

Policy = Callable[[Sequence[Finding]], tuple[list[Finding], list[Suppression]]]


def policy_of(validator: Any) -> Policy | None:
    """The policy of ``validator`` as a function of findings (None: it has none); the
    suppressions it returns are those that dropped something."""
    code_policy = getattr(validator, "policy", None)
    if code_policy is None:
        return None

    def apply(findings: Sequence[Finding]) -> tuple[list[Finding], list[Suppression]]:
        kept, suppressed = code_policy.suppress(list(findings))
        return code_policy.leveled(kept), [s for s in suppressed if s.count]

    return apply
