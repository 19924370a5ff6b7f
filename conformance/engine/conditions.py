"""Bridge to the condition evaluator (``conformance.conditions.evaluate``).

Until that module provides ``evaluate``, a small fallback covers the common operators
of the condition language (docs/CONTRACTS.md "Expr"); any other operator gives None
("cannot decide"), which the checks report as ``condition-not-checked``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from conformance.conditions.context import EvalContext


def _resolve() -> Callable[[Mapping[str, Any], EvalContext], bool | None]:
    try:
        from conformance.conditions import evaluate as real  # type: ignore[attr-defined]
    except ImportError:
        return _fallback
    return real  # type: ignore[no-any-return]


def evaluate(expr: Mapping[str, Any], ctx: EvalContext) -> bool | None:
    """Evaluate ``expr``; an evaluator bug counts as "cannot decide", not a crash."""
    global _impl
    if _impl is None:
        _impl = _resolve()
    try:
        return _impl(expr, ctx)
    except Exception:  # a broken expression must not stop validation
        return None


_impl: Callable[[Mapping[str, Any], EvalContext], bool | None] | None = None


def using_fallback() -> bool:
    """True while the real evaluator is not available."""
    return _resolve() is _fallback


# -- fallback ------------------------------------------------------------------------

def _datasets(ref: Mapping[str, Any], ctx: EvalContext) -> Iterable[Dataset]:
    scope = ref.get("scope") or "item"
    if scope == "item":
        return (ctx.item,)
    if scope == "parent":
        return (ctx.parents[-1],) if ctx.parents else ()
    if scope == "root":
        return (ctx.root,)
    if scope == "frame":
        return ctx.frame_items or (ctx.item,)
    if scope == "nearest":
        # The innermost of item, enclosing items, root that holds the attribute.
        tag = int(ref["tag"], 16)
        for ds in (ctx.item, *reversed(ctx.parents), ctx.root):
            if tag in ds:
                return (ds,)
        return ()
    if scope == "any_frame":
        return ctx.all_frames or ctx.frame_items or (ctx.item,)
    return ()


def _walk(ds: Dataset, path: list[str] | None) -> Iterable[Dataset]:
    if not path:
        yield ds
        return
    tag = int(path[0], 16)
    if tag in ds:
        for item in ds[tag].value or ():
            if isinstance(item, Dataset):
                yield from _walk(item, path[1:])


def _elements(ref: Mapping[str, Any], ctx: EvalContext) -> list[Any]:
    tag = int(ref["tag"], 16)
    out = []
    path = ref.get("path")
    for base in _datasets(ref, ctx):
        # ``path`` names the sequences from the scope down to the attribute itself.
        for holder in _walk(base, path[:-1] if path else None):
            if tag in holder:
                out.append(holder[tag])
    return out


def _values(elem: Any, index: int | None) -> list[Any]:
    v = elem.value
    vals = list(v) if isinstance(v, (MultiValue, list, tuple)) else ([] if v in (None, "", b"")
                                                                       else [v])
    if index is not None:
        return vals[index - 1:index] if len(vals) >= index else []
    return vals


def _same(value: Any, target: Any) -> bool:
    if isinstance(target, (int, float)) and not isinstance(target, bool):
        try:
            return float(value) == float(target)
        except (TypeError, ValueError):
            return False
    return str(value).strip(" \x00") == str(target).strip(" \x00")


def _fallback(expr: Mapping[str, Any], ctx: EvalContext) -> bool | None:
    op = expr.get("op")
    if op == "true":
        return True
    if op == "false":
        return False
    if op == "unknown":
        return None
    if op == "not":
        r = _fallback(expr["arg"], ctx)
        return None if r is None else not r
    if op in ("and", "or"):
        results = [_fallback(a, ctx) for a in expr.get("args", ())]
        decisive = op == "or"
        if decisive in results:
            return decisive
        return None if None in results else not decisive
    if op == "sop_class":
        uid = ctx.root.get(0x00080016)
        return uid is not None and str(uid.value) in set(expr.get("uids", ()))
    if op == "module_present":
        if ctx.module_present is None:
            return None
        return ctx.module_present(expr["module"], expr.get("kind", "module"))
    if op == "mutually_exclusive":
        present = sum(1 for a in expr.get("attrs", ()) if _elements(a, ctx))
        return present <= 1
    if op in ("present", "absent", "has_value", "empty", "eq", "ne", "lt", "le", "gt", "ge"):
        elems = _elements(expr["attr"], ctx)
        if op == "present":
            return bool(elems)
        if op == "absent":
            return not elems
        if op == "has_value":
            return any(not e.is_empty for e in elems)
        if op == "empty":
            return any(e.is_empty for e in elems)
        vals = [v for e in elems for v in _values(e, expr["attr"].get("index"))]
        if op == "eq":
            return any(_same(v, t) for v in vals for t in expr.get("values", ()))
        if op == "ne":
            return bool(vals) and not any(_same(v, t) for v in vals
                                          for t in expr.get("values", ()))
        try:
            nums = [float(v) for v in vals]
        except (TypeError, ValueError):
            return None
        limit = float(expr["value"])
        cmp = {"lt": float.__lt__, "le": float.__le__, "gt": float.__gt__,
               "ge": float.__ge__}[op]
        return any(cmp(n, limit) for n in nums)
    return None
