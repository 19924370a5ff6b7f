"""Evaluation of ``check:`` trees of YAML rules, per target slot, three-valued.

The operators themselves are classes in :mod:`conformance.rules.opset` (the table:
:data:`conformance.rules.opbase.REGISTRY`); this module runs a compiled tree of them.

A leaf is True/False per slot, or None when it does not apply (value operators on an
absent or empty element, any operator when an enclosing sequence is absent). ``all``,
``any`` and ``not`` use Kleene logic like the condition language; a rule fails only on
False, so "does not apply" never raises a finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.rules.opbase import REGISTRY, ItemsOperator, Tri, show, values_of
from conformance.rules.opset import REGISTRY as _BUILTINS  # noqa: F401 - registers them
from conformance.rules.paths import Slot, Target

__all__ = ["REGISTRY", "Combo", "Hit", "Leaf", "Node", "Outcome", "expected_text",
           "iter_leaves", "run", "show", "values_of"]


@dataclass(frozen=True, slots=True)
class Leaf:
    """One operator on one target; ``arg`` is the operator's compiled argument."""

    op: str
    target: Target
    arg: Any
    expected: str


@dataclass(frozen=True, slots=True)
class Combo:
    """``all`` / ``any`` / ``not`` over sub-checks."""

    op: str
    children: tuple[Leaf | Combo, ...]


Node = Leaf | Combo


@dataclass(slots=True)
class Hit:
    """A slot a check looked at, with what it found and why it failed (if it did)."""

    slot: Slot | None
    leaf: Leaf | None
    value: str = ""
    why: str = ""


@dataclass(slots=True)
class Outcome:
    result: Tri
    failed: list[Hit] = field(default_factory=list)   # where the check is False
    passed: list[Hit] = field(default_factory=list)   # where it is True (for ``not``)


def _items_op(leaf: Leaf, operator: ItemsOperator, slots: list[Slot]) -> Outcome:
    seen: list[tuple[Slot, str]] = []
    for slot in slots:
        if slot.element is None:
            continue
        vals = values_of(slot.element)
        if not vals:
            continue
        seen.append((slot, show(vals)))
    if len(seen) < 2:
        return Outcome(None)
    failed = [Hit(seen[i][0], leaf, seen[i][1], why)
              for i, why in operator.failures(leaf.arg, [v for _, v in seen])]
    passed = [Hit(s, leaf, v) for s, v in seen]
    return Outcome(False, failed) if failed else Outcome(True, [], passed)


def run(node: Node, slots_of: Any) -> Outcome:
    """Evaluate ``node``; ``slots_of(target)`` lists the target's slots in the dataset."""
    if isinstance(node, Combo):
        outs = [run(c, slots_of) for c in node.children]
        if node.op == "not":
            o = outs[0]
            return Outcome(None if o.result is None else not o.result, o.passed, o.failed)
        failed = [h for o in outs if o.result is False for h in o.failed]
        if node.op == "any":  # every alternative failed: report where the first did
            failed = next((o.failed for o in outs if o.result is False), [])
        passed = [h for o in outs if o.result is True for h in o.passed]
        results = [o.result for o in outs]
        if node.op == "all":
            res: Tri = False if False in results else (None if None in results else True)
        else:
            res = True if True in results else (None if None in results else False)
        return Outcome(res, failed if res is False else [], passed)
    slots: list[Slot] = list(slots_of(node.target))
    operator = REGISTRY[node.op]
    if isinstance(operator, ItemsOperator):
        return _items_op(node, operator, slots)
    failed, passed = [], []
    any_none = False
    for slot in slots:
        res, value, why = operator.slot(node.arg, slot.element)
        if res is False:
            failed.append(Hit(slot, node, value, why))
        elif res is True:
            passed.append(Hit(slot, node, value, why))
        else:
            any_none = True
    if failed:
        return Outcome(False, failed, passed)
    if passed and not any_none:
        return Outcome(True, [], passed)
    return Outcome(True if passed else None, [], passed)


def expected_text(op: str, arg: Any) -> str:
    """What the operator wants, for ``{expected}`` in messages."""
    return REGISTRY[op].expected(arg)


def iter_leaves(node: Node) -> Iterable[Leaf]:
    if isinstance(node, Leaf):
        yield node
    else:
        for c in node.children:
            yield from iter_leaves(c)
