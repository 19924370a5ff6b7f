"""Attribute presence by Type (PS3.5 Section 7.4; PS3.3 module and macro tables)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from conformance.engine.context import CheckContext
from conformance.engine.elements import value_is_empty
from conformance.engine.finding import Finding
from conformance.engine.presence import per_frame_groups_needed
from conformance.engine.registry import dataset_check
from conformance.engine.requirement_types import PER_FRAME_FG
from conformance.engine.undecided import expr_class, missing_names, presumption_note
from conformance.engine.walk import Bound, each_bound, moved_finding, undecided_includes

# condition-not-checked is reported once per requirement row (``_Run.not_checked``).
_ONCE_PER_ROW = frozenset({"condition-not-checked"})
_CODES = ("type1-missing", "type1-empty", "type2-missing", "type1c-missing", "type1c-empty",
          "type2c-missing", "not-allowed", "condition-not-checked")


class _Run:
    """State of one pass: the findings so far; condition-not-checked is reported once per
    requirement row."""

    __slots__ = ("ctx", "noted", "out")

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.noted: set[int] = set()
        self.out: list[Finding] = []

    def report(self, b: Bound, code: str, severity: str, message: str) -> None:
        ctx = self.ctx
        self.out.append(ctx.finding(code, severity, message, where=b.scope.where,  # type: ignore[arg-type]
                                    tag=b.tag, module=b.owner_id,
                                    reference=ctx.reference(b.attr.reference)))

    def not_checked(self, b: Bound, cond: Mapping[str, Any], what: str,
                    expr: Any = None) -> None:
        """A ``data`` condition the dataset did not decide (``expr``: the part that was
        evaluated, default the condition's own); ``process`` conditions are listed per
        IOD (engine/undecided.py), not per file."""
        key = id(cond)
        if key in self.noted:
            return
        self.noted.add(key)
        if expr is None:
            expr = cond.get("expr") if cond.get("expr") is not None else cond.get("forbidden_if")
        if expr_class(expr) != "data":
            return
        why = missing_names(self.ctx, expr, b.eval_context(self.ctx))
        self.report(b, "condition-not-checked", "info",
                    f"{what} could not be checked: {why}: "
                    f"{cond.get('text', '')!r} {b.label(self.ctx)}")

    def decide(self, b: Bound, cond: Mapping[str, Any] | None) -> bool | None:
        if b.tag == PER_FRAME_FG and b.scope.where is None and _undecidable(cond):
            # "Required if for any frame, there are Per-Frame Functional Groups that are
            # not empty": decided from the IOD's functional group table (presence.py).
            return per_frame_groups_needed(self.ctx)
        return b.scope.decide(self.ctx, cond)


def _undecidable(cond: Mapping[str, Any] | None) -> bool:
    expr = cond.get("expr") if cond else None
    return not isinstance(expr, Mapping) or expr.get("op") == "unknown"


@dataset_check(*_CODES, reference="PS3.5 7.4")
def attribute_types(ctx: CheckContext) -> Iterator[Finding]:
    """PS3.5 Section 7.4 (Data Element Type): Type 1 present with a value, Type 2 present
    (may be empty), Type 1C/2C likewise when their condition holds and not present when
    it does not and the table says so; Type 3 rows that "shall not be present if" a
    condition holds. Applied to every module that applies (PS3.3 Annex C) and,
    recursively, to every item of present sequences; rows of an included macro only
    where the include row's condition holds (undecidable: condition-not-checked)."""
    run = _Run(ctx)
    for b in each_bound(ctx, run.out, moved_finding(ctx, _ONCE_PER_ROW)):
        a = b.attr
        t = a.type
        if b.present:
            # Present rows: only a Type 1 value, or a condition, can be wrong.
            if t == "1":
                if value_is_empty(b.scope.item, b.tag):
                    run.report(b, "type1-empty", "error",
                               f"Empty attribute (no value) Type 1 Required {b.label(ctx)}")
            elif a.fg_macro is not None or t == "2":
                # Where a functional group sits is the functional-group check's business.
                continue
            elif t in ("1C", "2C"):
                _conditional(run, b, t)
            elif a.condition:
                _forbidden_type3(run, b, t, a.condition)
        elif a.fg_macro is not None:
            continue
        elif t == "1":
            run.report(b, "type1-missing", "error",
                       f"Missing attribute Type 1 Required {b.label(ctx)}")
        elif t == "2":
            run.report(b, "type2-missing", "error",
                       f"Missing attribute Type 2 Required {b.label(ctx)}")
        elif t in ("1C", "2C"):
            _conditional(run, b, t)
    for b, guard in undecided_includes(ctx):
        run.not_checked(b, guard, "Included macro", guard.get("expr"))
    return iter(run.out)


def _forbidden_type3(run: _Run, b: Bound, t: str, cond: Mapping[str, Any]) -> None:
    """A present Type 3 row whose table says it "shall not be present if" ..."""
    expr = cond.get("expr") if cond.get("expr") is not None else cond.get("forbidden_if")
    r = (run.decide(b, cond) if cond.get("expr") is not None
         else run.ctx.evaluate(expr, b.eval_context(run.ctx)))
    if r is True:
        run.report(b, "not-allowed", "error",
                   f"Attribute present when condition forbids it: "
                   f"{cond.get('text', '')!r} Type {t or '3'} Optional {b.label(run.ctx)}")
    elif r is None:
        run.not_checked(b, cond, "Type 3 attribute")


def _conditional(run: _Run, b: Bound, t: str) -> None:
    cond = b.attr.condition or {}
    otherwise = cond.get("otherwise")
    present = b.present
    if present:
        forbidden = cond.get("forbidden_if")
        if (isinstance(forbidden, Mapping) and "op" in forbidden
                and run.ctx.evaluate(forbidden, b.eval_context(run.ctx)) is True):
            run.report(b, "not-allowed", "error",
                       f"Attribute present when condition forbids it: "
                       f"{cond.get('text', '')!r} Type {t} Conditional {b.label(run.ctx)}")
            return
        if otherwise != "not_allowed" and (t == "2C"
                                           or not value_is_empty(b.scope.item, b.tag)):
            return  # no outcome of the condition can give a finding: skip evaluating it
    r = run.decide(b, cond)

    def note() -> str:  # only for a finding: it evaluates the condition once more
        return presumption_note(run.ctx, cond.get("expr"), b.eval_context(run.ctx))

    if r is True:
        if not present:
            run.report(b, f"type{t.lower()}-missing", "error",
                       f"Missing attribute Type {t} Conditional {b.label(run.ctx)}{note()}")
        elif t == "1C" and value_is_empty(b.scope.item, b.tag):
            run.report(b, "type1c-empty", "error",
                       "Empty attribute (no value) Type 1C Conditional "
                       f"{b.label(run.ctx)}{note()}")
    elif r is False:
        if present and otherwise == "not_allowed":
            may = cond.get("may_if")
            if isinstance(may, Mapping) and "op" in may:
                allowed = run.ctx.evaluate(may, b.eval_context(run.ctx))
                if allowed is None:
                    run.not_checked(b, cond, f"Type {t} attribute", may)
                if allowed is not False:
                    return
            run.report(b, "not-allowed", "error",
                       "Attribute present when condition unsatisfied (which may not "
                       f"be present otherwise) Type {t} Conditional {b.label(run.ctx)}: "
                       f"{cond.get('text', '')!r}{note()}")
    elif not present or otherwise == "not_allowed":
        run.not_checked(b, cond, f"Type {t} attribute")
