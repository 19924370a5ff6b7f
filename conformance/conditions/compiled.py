"""Condition expressions compiled once into closures: ``compile_expr(expr)(ctx)``.

Same results as :func:`conformance.conditions.reference.evaluate` (the reference) for
every expression, well formed or not; what is done once per expression instead of per
evaluation: op dispatch, tags parsed to ints, scope chosen, expected values turned into
sets of stripped strings and of numbers, ``true`` / ``false`` / ``unknown`` folded into
``and`` / ``or`` / ``not``. The compiled function is cached per expression object (the
standard's expressions live as long as the loaded standard; an expression must not be
changed after it was compiled).

Values: the reference converts every element it looks at (``Dataset.get``). Here a
``RawDataElement`` is read without conversion when its VR makes pydicom's conversion a
plain decode-and-split (CS, AS, DA, DT, TM, UI, AE; IS / DS values that are plain
numbers) and, for presence alone, when the conversion cannot fail (the text and binary
VRs); anything else is converted as the reference does. Whenever a specialised leaf
raises, the reference leaf decides, so odd data gives the reference's answer. Values
read from raw bytes are cached per stored element (pydicom's elements as read never
change; a converted one is a new object); pydicom options or hooks that change
conversion (RAISE reading mode, DS/IS as Decimal or numpy, ...) turn the raw reading off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from conformance.conditions import facts
from conformance.conditions.context import EvalContext
from conformance.conditions.leaves import referenced_item
from conformance.conditions.optable import REGISTRY
from conformance.conditions.raw import raw_strings

__all__ = ["compile_expr", "evaluate", "raw_strings"]

Tri = bool | None
Fn = Callable[[EvalContext], Tri]

_NC = object()  # "not a constant"



class _Node:
    """A compiled sub-expression: its function, its constant value (or ``_NC``), and
    whether calling it may raise (structural errors and ``referenced`` lookups propagate
    to the top in the reference, so they must not be folded away)."""

    __slots__ = ("const", "fn", "may_raise")

    def __init__(self, fn: Fn, const: Any = _NC, may_raise: bool = False) -> None:
        self.fn = fn
        self.const = const
        self.may_raise = may_raise


def _const(v: Tri) -> _Node:
    return _Node(lambda ctx: v, v)


def _raiser(exc: Exception) -> _Node:
    def fn(ctx: EvalContext) -> Tri:
        raise exc

    return _Node(fn, may_raise=True)


# -- public -----------------------------------------------------------------------------

_CACHE: dict[int, tuple[Any, Fn]] = {}
_CACHE_MAX = 100_000  # expressions of rules built on the fly must not grow it forever


def compile_expr(expr: Any) -> Fn:
    """``fn(ctx) -> True | False | None`` equal to ``evaluate(expr, ctx)``; never raises.

    Cached by the identity of ``expr`` (the cache holds ``expr``, so the id is not
    reused while the entry lives)."""
    hit = _CACHE.get(id(expr))
    if hit is not None and hit[0] is expr:
        return hit[1]
    fn = _top(expr)
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[id(expr)] = (expr, fn)
    return fn


def evaluate(expr: Any, ctx: EvalContext) -> Tri:
    """Compiled evaluation of ``expr`` in ``ctx`` (compiled on first use)."""
    return compile_expr(expr)(ctx)


def _top(expr: Any) -> Fn:
    if not isinstance(expr, dict):
        return lambda ctx: None
    try:
        node = _compile(facts.resolve(expr))
    except Exception as exc:  # noqa: BLE001 - the reference fails at run time: None
        node = _raiser(exc)
    if node.const is not _NC:
        v = node.const
        return lambda ctx: v
    inner = node.fn

    def run(ctx: EvalContext) -> Tri:
        try:
            return inner(ctx)
        except Exception:  # noqa: BLE001 - odd data gives "unknown", as the reference
            return None

    return run


# -- structure --------------------------------------------------------------------------


def _compile(e: Any) -> _Node:
    if not isinstance(e, dict):
        # the reference calls e.get(...) on it: an error that reaches the top
        return _raiser(TypeError(f"not an expression: {e!r}"))
    op = e.get("op")
    if op == "and" or op == "or":
        return _junction(e, op == "or")
    if op == "not":
        if "arg" not in e:
            return _raiser(KeyError("arg"))
        a = _compile(e["arg"])
        if a.const is not _NC:
            return _const(None if a.const is None else not a.const)
        f = a.fn

        def neg(ctx: EvalContext) -> Tri:
            v = f(ctx)
            return None if v is None else not v

        return _Node(neg, may_raise=a.may_raise)
    if op == "true":
        return _const(True)
    if op == "false":
        return _const(False)
    if op == "unknown":
        return _const(None)
    if op == "referenced":
        return _referenced(e)
    if op == "fact":
        name = e.get("name")

        def fact(ctx: EvalContext) -> Tri:
            return facts.decide(name, ctx, evaluate)

        return _Node(fact) if isinstance(name, str) else _const(None)
    try:
        entry = REGISTRY.get(op or "")
    except Exception as exc:  # noqa: BLE001 - e.g. an unhashable op
        return _raiser(exc)
    ref_fn = entry.evaluate if entry is not None else None
    if ref_fn is None:
        return _const(None)
    special = entry.compiled  # type: ignore[union-attr]
    if special is not None:
        try:
            return _Node(special(e, ref_fn))
        except Exception:  # noqa: BLE001 - malformed leaf: the reference leaf decides
            pass
    return _Node(_generic(ref_fn, e))


def _junction(e: dict[str, Any], absorbing: bool) -> _Node:
    """Kleene and (``absorbing`` False) / or (True), arguments in order, lazily."""
    try:
        args = list(e["args"])
    except Exception as exc:  # noqa: BLE001
        return _raiser(exc)
    kept: list[_Node] = []
    unknown = False
    for a in args:
        try:
            n = _compile(a)
        except Exception as exc:  # noqa: BLE001 - raised when reached, as in the reference
            n = _raiser(exc)
        if n.const is _NC:
            kept.append(n)
            continue
        if n.const is absorbing:
            if not any(k.may_raise for k in kept):
                return _const(absorbing)
            kept.append(n)  # earlier arguments still run (they may raise)
            break
        if n.const is None:
            unknown = True  # a constant unknown only weakens the result
        # the identity constant changes nothing
    start: Tri = None if unknown else (not absorbing)
    may_raise = any(k.may_raise for k in kept)
    fns = tuple(k.fn for k in kept)
    if not fns:
        return _const(start)
    if len(fns) == 1 and not unknown:
        return kept[0]
    if len(fns) == 2:
        f1, f2 = fns

        def two(ctx: EvalContext) -> Tri:
            v1 = f1(ctx)
            if v1 is absorbing:
                return absorbing
            v2 = f2(ctx)
            if v2 is absorbing:
                return absorbing
            return None if (v1 is None or v2 is None) else start

        return _Node(two, may_raise=may_raise)

    def many(ctx: EvalContext) -> Tri:
        out = start
        for f in fns:
            v = f(ctx)
            if v is absorbing:
                return absorbing
            if v is None:
                out = None
        return out

    return _Node(many, may_raise=may_raise)


def _referenced(e: dict[str, Any]) -> _Node:
    arg = _compile(e["arg"]) if "arg" in e else _raiser(KeyError("arg"))
    f = arg.fn

    def run(ctx: EvalContext) -> Tri:
        target = referenced_item(e, ctx)  # errors reach the top, as in the reference
        if target is None:
            return None
        return f(replace(ctx, item=target, parents=(), frame_items=None,
                         item_index=None, sequence=None))

    return _Node(run, may_raise=True)


def _generic(ref_fn: Callable[[dict[str, Any], EvalContext], Tri], e: dict[str, Any]) -> Fn:
    def run(ctx: EvalContext) -> Tri:
        try:
            return ref_fn(e, ctx)
        except Exception:  # noqa: BLE001
            return None

    return run
