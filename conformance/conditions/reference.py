"""The reference evaluator: a direct interpretation of condition expressions, kept as
the test oracle the compiled evaluator (:mod:`conformance.conditions.compiled`, the one
public ``evaluate``) must agree with. Not used by the engine.

``evaluate(expr, ctx)`` returns True, False or None (cannot be told from the dataset).
It never raises: a value pydicom cannot convert, a missing context or an unknown op
gives None. ``and`` / ``or`` / ``not`` are Kleene's three-valued logic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from conformance.conditions import facts
from conformance.conditions.context import EvalContext
from conformance.conditions.leaves import referenced_item
from conformance.conditions.optable import REGISTRY

Tri = bool | None


def evaluate(expr: dict[str, Any] | None, ctx: EvalContext) -> Tri:
    """True / False / None (unknown) for ``expr`` in ``ctx``; never raises."""
    if not isinstance(expr, dict):
        return None
    try:
        return _eval(facts.resolve(expr), ctx)
    except Exception:  # noqa: BLE001 - odd data must give "unknown", never a traceback
        return None


def _eval(e: dict[str, Any], ctx: EvalContext) -> Tri:
    op = e.get("op")
    if op == "and":
        return _kleene((_eval(a, ctx) for a in e["args"]), False)
    if op == "or":
        return _kleene((_eval(a, ctx) for a in e["args"]), True)
    if op == "not":
        v = _eval(e["arg"], ctx)
        return None if v is None else not v
    if op == "true":
        return True
    if op == "false":
        return False
    if op == "unknown":
        return None
    if op == "fact":
        name = e.get("name")
        return facts.decide(name, ctx, _eval) if isinstance(name, str) else None
    if op == "referenced":
        target = referenced_item(e, ctx)
        if target is None:
            return None
        return _eval(e["arg"], replace(ctx, item=target, parents=(), frame_items=None,
                                       item_index=None, sequence=None))
    entry = REGISTRY.get(op or "")
    fn = entry.evaluate if entry is not None else None
    if fn is None:
        return None
    try:
        return fn(e, ctx)
    except Exception:  # noqa: BLE001
        return None


def _kleene(vals: Iterable[Tri], absorbing: bool) -> Tri:
    """Three-valued "and" (``absorbing`` False) or "or" (True): the absorbing value wins,
    else unknown if any value is unknown, else the other value."""
    out: Tri = not absorbing
    for v in vals:
        if v is absorbing:
            return absorbing
        if v is None:
            out = None
    return out
