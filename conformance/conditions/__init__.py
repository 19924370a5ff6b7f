"""Condition language, parser and evaluator for PS3.3 "Required if ..." sentences.

``parse`` (``parse_condition``) reads a sentence into an expression; ``evaluate(expr,
ctx)`` is the one public evaluator (the compiled form, :mod:`.compiled`; the reference
interpreter in :mod:`.reference` is the test oracle it must agree with).

Every name is imported on first use: validation needs the evaluator, never the parser
(a build-time tool whose import alone costs 60-80 ms of a cold start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.conditions.compiled import compile_expr, evaluate
    from conformance.conditions.context import EvalContext
    from conformance.conditions.names import NameIndex
    from conformance.conditions.parser import parse_condition

    parse = parse_condition

__all__ = ["EvalContext", "NameIndex", "compile_expr", "evaluate", "parse", "parse_condition"]


def __getattr__(name: str) -> object:
    if name == "evaluate":
        from conformance.conditions.compiled import evaluate

        return evaluate
    if name == "compile_expr":
        from conformance.conditions.compiled import compile_expr

        return compile_expr
    if name == "EvalContext":
        from conformance.conditions.context import EvalContext

        return EvalContext
    if name == "NameIndex":
        from conformance.conditions.names import NameIndex

        return NameIndex
    if name in ("parse", "parse_condition"):
        from conformance.conditions.parser import parse_condition

        return parse_condition
    raise AttributeError(name)
