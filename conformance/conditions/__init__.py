"""Condition language, parser and evaluator for PS3.3 "Required if ..." sentences.

``parse`` (``parse_condition``) reads a sentence into an expression; ``evaluate(expr,
ctx)`` is the one public evaluator (the compiled form, :mod:`.compiled`; the reference
interpreter in :mod:`.reference` is the test oracle it must agree with)."""

from conformance.conditions.context import EvalContext
from conformance.conditions.names import NameIndex
from conformance.conditions.parser import parse_condition

parse = parse_condition

__all__ = ["EvalContext", "NameIndex", "compile_expr", "evaluate", "parse", "parse_condition"]


def __getattr__(name: str) -> object:
    # the evaluator imports pydicom value handling; load it on first use
    if name == "evaluate":
        from conformance.conditions.compiled import evaluate

        return evaluate
    if name == "compile_expr":
        from conformance.conditions.compiled import compile_expr

        return compile_expr
    raise AttributeError(name)
