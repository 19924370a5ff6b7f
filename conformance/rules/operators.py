"""Check operators of YAML rules, evaluated per target slot with three-valued results.

A leaf is True/False per slot, or None when it does not apply (value operators on an
absent or empty element, any operator when an enclosing sequence is absent). ``all``,
``any`` and ``not`` use Kleene logic like the condition language; a rule fails only on
False, so "does not apply" never raises a finding.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydicom.dataelem import DataElement
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence

from conformance.rules.paths import Slot, Target
from conformance.rules.regexguard import MAX_INPUT
from conformance.rules.valuelogic import pn_problems, uid_problem, under_root

Tri = bool | None

VALUE_OPS = frozenset(("equals", "one_of", "matches", "range", "length", "pn_formatted",
                       "uid_root"))
PRESENCE_OPS = frozenset(("present", "absent", "not_empty", "vm"))
ITEM_OPS = frozenset(("same_in_all_items", "unique_in_sequence"))
LEAF_OPS = VALUE_OPS | PRESENCE_OPS | ITEM_OPS


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


def values_of(elem: DataElement) -> list[Any] | None:
    """The element's values (strings stripped of padding); None for binary data."""
    try:
        v = elem.value
    except Exception:  # noqa: BLE001 - an unparsable value: the rule cannot decide
        return None
    if v is None:
        return []
    if isinstance(v, Sequence):
        return list(v)
    if isinstance(v, bytes | bytearray):
        return None
    items = list(v) if isinstance(v, MultiValue | list | tuple) else [v]
    out: list[Any] = []
    for it in items:
        if isinstance(it, int | float) and not isinstance(it, bool):
            out.append(it)
        else:
            out.append(str(it).strip(" \x00"))
    if len(out) == 1 and out[0] == "":
        return []
    return out


def show(values: list[Any]) -> str:
    text = "\\".join(str(v) for v in values)
    return text if len(text) <= 80 else text[:77] + "..."


def _number(v: Any) -> float | None:
    if isinstance(v, int | float):
        return float(v)
    try:
        f = float(str(v))
    except ValueError:
        return None
    return f if math.isfinite(f) else None


def _same(a: Any, b: Any) -> bool:
    if isinstance(b, int | float) and not isinstance(b, bool):
        na = _number(a)
        return na is not None and na == float(b)
    return str(a) == str(b)


def _value_ok(op: str, arg: Any, v: Any) -> tuple[Tri, str]:
    """One value against one value operator: (result, why it failed)."""
    if op == "equals":
        return _same(v, arg), ""
    if op == "one_of":
        return any(_same(v, a) for a in arg), ""
    if op == "matches":
        s = str(v)
        if len(s) > MAX_INPUT:
            return None, f"value longer than {MAX_INPUT} characters, not matched"
        return arg.fullmatch(s), ""  # RegexTimeout: the pack reports rule-not-decided
    if op == "range":
        n = _number(v)
        if n is None:
            return False, "not a number"
        lo, hi = arg
        return (lo is None or n >= lo) and (hi is None or n <= hi), ""
    if op == "length":
        lo, hi = arg
        n = len(str(v))
        return (lo is None or n >= lo) and (hi is None or n <= hi), f"{n} characters"
    if op == "pn_formatted":
        problems = pn_problems(str(v), arg)
        return not problems, "; ".join(problems)
    if op == "uid_root":
        why = uid_problem(str(v))
        if why:
            return False, why
        if under_root(str(v), arg):
            return True, ""
        return False, f"{v} is not under {' or '.join(arg)}"
    raise ValueError(op)


def _leaf_slot(leaf: Leaf, slot: Slot) -> tuple[Tri, str, str]:
    """(result, shown value, why) of a presence/value operator at one slot."""
    el = slot.element
    op = leaf.op
    if op == "present":
        if el is None:
            return False, "", ""
        vals = values_of(el)
        return True, show(vals) if vals and el.VR != "SQ" else "", ""
    if op == "absent":
        if el is None:
            return True, "", ""
        vals = values_of(el)
        return False, show(vals) if vals and el.VR != "SQ" else "", ""
    if el is None:
        return (False, "", "absent") if op == "not_empty" else (None, "", "")
    vals = values_of(el)
    if op == "not_empty":
        if vals is None:
            return None, "", "binary value not read"
        return bool(vals), show(vals) if el.VR != "SQ" else "", ""
    if vals is None or (el.VR == "SQ" and op != "vm"):
        return None, "", ""
    if op == "vm":
        lo, hi = leaf.arg
        n = len(vals)
        if n == 0:
            return None, "", ""
        return (lo is None or n >= lo) and (hi is None or n <= hi), show(vals), f"VM {n}"
    if not vals:
        return None, "", ""
    result: Tri = True
    whys: list[str] = []
    for v in vals:
        ok, why = _value_ok(op, leaf.arg, v)
        if ok is False:
            result = False
            if why:
                whys.append(why)
        elif ok is None and result is True:
            result = None
    return result, show(vals), "; ".join(whys)


def _items_op(leaf: Leaf, slots: list[Slot]) -> Outcome:
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
    failed: list[Hit] = []
    if leaf.op == "same_in_all_items":
        first = seen[0][1]
        failed = [Hit(s, leaf, v, f"differs from {first!r}") for s, v in seen[1:] if v != first]
    else:
        earlier: set[str] = set()
        for s, v in seen:
            if v in earlier:
                failed.append(Hit(s, leaf, v, "repeats an earlier item's value"))
            earlier.add(v)
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
    if node.op in ITEM_OPS:
        return _items_op(node, slots)
    failed, passed = [], []
    any_none = False
    for slot in slots:
        res, value, why = _leaf_slot(node, slot)
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
    if op in ("present", "absent"):
        return op
    if op == "not_empty":
        return "a value"
    if op == "equals":
        return repr(arg)
    if op == "one_of":
        return "one of " + ", ".join(repr(a) for a in arg)
    if op == "matches":
        return f"a match of /{arg.pattern}/"
    if op in ("range", "length", "vm"):
        lo, hi = arg
        unit = {"range": "", "length": " characters", "vm": " values"}[op]
        if lo is not None and hi is not None:
            return f"{lo} to {hi}{unit}"
        return f"at least {lo}{unit}" if lo is not None else f"at most {hi}{unit}"
    if op == "pn_formatted":
        req = " with " + ", ".join(arg) + " name" if arg else ""
        return "a Person Name in ^-separated components" + req
    if op == "uid_root":
        return "a UID under " + " or ".join(arg)
    if op == "same_in_all_items":
        return "the same value in every item"
    if op == "unique_in_sequence":
        return "a different value in every item"
    return op


def iter_leaves(node: Node) -> Iterable[Leaf]:
    if isinstance(node, Leaf):
        yield node
    else:
        for c in node.children:
            yield from iter_leaves(c)
