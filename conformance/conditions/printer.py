"""A one-line human reading of a condition expression, from each operator's printer
(:data:`conformance.conditions.opdef.REGISTRY`)."""

from __future__ import annotations

from conformance.conditions.expr import Expr
from conformance.conditions.optable import REGISTRY

__all__ = ["to_text"]


def to_text(expr: Expr | None) -> str:
    """A one-line human reading of ``expr``."""
    if expr is None:
        return "(none)"
    return _text(expr, top=True)


def _text(e: Expr, top: bool = False) -> str:
    op = REGISTRY.get(e.get("op"))  # type: ignore[arg-type]
    if op is None:
        return f"?{e.get('op')}"
    s = op.text(e, _text)
    return f"({s})" if op.grouped and not top else s
