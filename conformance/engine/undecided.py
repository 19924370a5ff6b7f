"""Conditions a dataset does not decide: ``data`` ones (reported per file, naming the
attributes the dataset lacks) and ``process`` ones (listed once per IOD).

A condition is a ``process`` condition when a part of it names no attribute, fact or
module the dataset or the IOD's table can decide ("if contrast was applied", "if the
instance has ever been converted ... as the result of a C-MOVE"), or when its sentence
was not understood at all (``expr`` null). The classification depends only on the
condition (cached per condition object): no dataset can decide such a condition, so a
per-file finding would say the same thing on every file. They are listed by
``conformance explain IOD`` and ``conformance conditions --undecidable`` and counted in
each report (``Report.undecidable``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from conformance.conditions import facts

_CLASS: dict[int, tuple[Any, str]] = {}


def expr_class(expr: Any) -> str:
    """``data`` or ``process`` for one expression (None: ``process``, not understood)."""
    if not isinstance(expr, Mapping):
        return "process"
    hit = _CLASS.get(id(expr))
    if hit is not None and hit[0] is expr:
        return hit[1]
    got = "process" if facts.open_unknowns(expr) else "data"
    if len(_CLASS) > 100_000:
        _CLASS.clear()
    _CLASS[id(expr)] = (expr, got)
    return got


def condition_class(cond: Mapping[str, Any] | None) -> str:
    """Class of a condition: of its requirement expression, else its "shall not be
    present if" expression."""
    if not cond:
        return "process"
    expr = cond.get("expr")
    if expr is None:
        expr = cond.get("forbidden_if")
    return expr_class(expr)


def _refs(e: Any) -> Iterator[Mapping[str, Any]]:
    if not isinstance(e, Mapping):
        return
    for k in ("attr", "by"):
        r = e.get(k)
        if isinstance(r, Mapping) and isinstance(r.get("tag"), str):
            yield r
    for r in e.get("attrs") or ():
        if isinstance(r, Mapping) and isinstance(r.get("tag"), str):
            yield r
    for a in e.get("args") or ():
        yield from _refs(a)
    if isinstance(e.get("arg"), Mapping):
        yield from _refs(e["arg"])


def named_attributes(expr: Any) -> list[int]:
    """Tags of the attributes ``expr`` names (facts' own attributes included), in order."""
    out: list[int] = []
    resolved = facts.resolve(expr)
    todo = [resolved]
    seen_facts: set[str] = set()
    while todo:
        e = todo.pop(0)
        for r in _refs(e):
            t = r["tag"]
            if "x" not in t:
                v = int(t, 16)
                if v not in out:
                    out.append(v)
        for name in facts.facts_in(e):
            if name in seen_facts:
                continue
            seen_facts.add(name)
            f = facts.table().get(name) or {}
            todo += [f[k] for k in ("true_if", "false_if") if f.get(k)]
            if f.get("presumed"):
                todo.append(f["presumed"]["when"])
    return out


def iter_conditions(std: Any, iod_id: str) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """``(table id, what, condition)`` for every condition of an IOD: module and
    functional group usages, attribute rows and include rows of its tables, each table
    once (macros that include themselves are followed once)."""
    iod = std.iod(iod_id)
    todo: list[tuple[str, str]] = []
    for m in iod.get("modules") or ():
        if m.get("condition"):
            yield m["module"], f"module {m['module']} (usage C)", m["condition"]
        todo.append(("module", m["module"]))
    for fg in iod.get("functional_groups") or ():
        if fg.get("condition"):
            yield fg["macro"], f"functional group {fg['macro']} (usage C)", fg["condition"]
        todo.append(("macro", fg["macro"]))
    seen: set[tuple[str, str]] = set()
    while todo:
        kind, tid = todo.pop(0)
        if (kind, tid) in seen:
            continue
        seen.add((kind, tid))
        try:
            table = std.table(kind, tid)
        except Exception:  # noqa: BLE001 - a dangling include is an anomaly, listed elsewhere
            continue
        stack = list(table.get("attributes") or ())
        while stack:
            node = stack.pop(0)
            cond = node.get("condition")
            if node.get("kind") == "include":
                inc = node.get("include") or {}
                if cond:
                    yield tid, f"include of {inc.get('id')}", cond
                if inc.get("id"):
                    todo.append((inc.get("kind") or "macro", inc["id"]))
            elif cond:
                yield tid, f"{node.get('name')} ({node.get('tag')})", cond
            stack.extend(node.get("children") or ())


_UNDECIDABLE: dict[tuple[int, str], tuple[Any, list[tuple[str, str, Mapping[str, Any]]]]] = {}


def undecidable(std: Any, iod_id: str) -> list[tuple[str, str, Mapping[str, Any]]]:
    """The IOD's ``process`` conditions, one entry per distinct sentence and place."""
    k = (id(std), iod_id)
    hit = _UNDECIDABLE.get(k)
    if hit is not None and hit[0] is std:
        return hit[1]
    out = []
    texts: set[tuple[str, str]] = set()
    for tid, what, cond in iter_conditions(std, iod_id):
        if condition_class(cond) != "process":
            continue
        key = (what, str(cond.get("text", "")))
        if key not in texts:
            texts.add(key)
            out.append((tid, what, cond))
    _UNDECIDABLE[k] = (std, out)
    return out


def missing_names(ctx: Any, expr: Any, ectx: Any) -> str:
    """"Body Part Examined (0018,0015) is absent": the attributes ``expr`` names that
    are in none of the datasets the evaluation looked at (all named ones when each is
    present: then a value, not presence, left it open)."""
    tags = named_attributes(expr)
    holders = [d for d in (getattr(ectx, "item", None), *getattr(ectx, "parents", ()),
                           getattr(ectx, "root", None)) if d is not None]
    absent = [t for t in tags if not any(t in d for d in holders)]
    def name(t: int) -> str:
        return f"{ctx.keyword(t)} ({t >> 16:04X},{t & 0xFFFF:04X})"

    if absent:
        names = ", ".join(name(t) for t in absent[:4])
        return f"{names} {'is' if len(absent) == 1 else 'are'} absent, so it is unknown"
    if tags:
        return ("the value of " + ", ".join(name(t) for t in tags[:4])
                + " does not decide it")
    return "the dataset does not decide it"


def presumption_note(ctx: Any, expr: Any, ectx: Any) -> str:
    """" (decided by a presumption: ...)" when ``expr`` was decided only because a
    presumption of the facts table was on (it is unknown without); else ""."""
    names = [n for n in facts.facts_in(expr) if facts.is_presumption(n)]
    if not names or not facts.PRESUMPTIONS.get():
        return ""
    token = facts.PRESUMPTIONS.set(False)
    try:
        without = ctx.evaluate(expr, ectx)
    finally:
        facts.PRESUMPTIONS.reset(token)
    if without is not None:
        return ""
    readings = "; ".join(str(facts.table()[n]["presumed"].get("reading") or n) for n in names)
    return f" (decided by a presumption: {readings}; --no-presumptions turns it off)"
