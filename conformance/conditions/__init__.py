"""Condition language, parser and evaluator for PS3.3 "Required if ..." sentences."""

from conformance.conditions.context import EvalContext
from conformance.conditions.names import NameIndex
from conformance.conditions.parser import parse_condition

parse = parse_condition

__all__ = ["EvalContext", "NameIndex", "compile_expr", "evaluate", "parse", "parse_condition"]


def __getattr__(name: str) -> object:
    # the evaluators import pydicom value handling; load them on first use
    if name == "evaluate":
        from conformance.conditions.evaluator import evaluate

        return evaluate
    if name == "compile_expr":
        from conformance.conditions.compiled import compile_expr

        return compile_expr
    raise AttributeError(name)
