"""Bridge to the condition evaluator (``conformance.conditions.evaluate``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from conformance.conditions.context import EvalContext

_impl: Callable[[Mapping[str, Any], EvalContext], bool | None] | None = None


def evaluate(expr: Mapping[str, Any], ctx: EvalContext) -> bool | None:
    """Three-valued evaluation; an evaluator failure counts as "cannot decide" (None),
    which the checks report as ``condition-not-checked``, never as a crash."""
    global _impl
    if _impl is None:
        from conformance.conditions import evaluate as real  # lazy: keeps cold start low

        _impl = real
    try:
        return _impl(expr, ctx)
    except Exception:  # a malformed expression must not stop validation
        return None
