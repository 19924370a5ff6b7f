"""Bridge to the condition evaluator: expressions compiled once, then called per item
(``conformance.conditions.compiled``, the public ``conformance.conditions.evaluate``;
``conformance.conditions.reference`` is the oracle it must agree with)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from conformance.conditions.context import EvalContext

_compile: Callable[[Any], Callable[[EvalContext], bool | None]] | None = None


def evaluate(expr: Mapping[str, Any], ctx: EvalContext) -> bool | None:
    """Three-valued evaluation; an evaluator failure counts as "cannot decide" (None),
    which the checks report as ``condition-not-checked``, never as a crash."""
    global _compile
    if _compile is None:
        from conformance.conditions.compiled import compile_expr  # lazy: cold start

        _compile = compile_expr
    try:
        return _compile(expr)(ctx)
    except Exception:  # a malformed expression must not stop validation
        return None


def use_reference(on: bool = True) -> None:
    """Evaluate with the reference ``conformance.conditions.reference`` instead of the
    compiled functions (benchmarks and comparisons; same results, slower)."""
    global _compile
    if not on:
        _compile = None
        return
    from conformance.conditions.reference import evaluate as reference

    def interpreted(expr: Any) -> Callable[[EvalContext], bool | None]:
        return lambda ctx: reference(expr, ctx)

    _compile = interpreted
