"""Leaves of the compiled evaluator specialised at compile time (tags parsed, scope
chosen, expected values turned into sets); whenever one raises, the reference leaf of
:mod:`conformance.conditions.leaves` decides, so odd data gets the same answer."""

from __future__ import annotations

import operator
import sys
from collections.abc import Callable
from typing import Any

from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset

from conformance.conditions.context import EvalContext
from conformance.conditions.leaves import CMP, as_number, at_most_one, compare_any, strip_padding
from conformance.conditions.lookup import locate
from conformance.conditions.raw import (
    Unconvertible,
    decoded,
    get_stored,
    pick,
    raw_is_empty,
    raw_values,
)

Tri = bool | None
Fn = Callable[[EvalContext], Tri]
_SOP_CLASS_UID = 0x00080016

# -- locating -----------------------------------------------------------------------------

Pairs = list[tuple[Any, Any]]
Finder = Callable[[EvalContext], Pairs | None]


def _finder(ref: dict[str, Any]) -> Finder:
    """``(dataset, stored element)`` pairs the reference's ``locate`` would find
    (empty: absent; None: cannot be told)."""
    tag = ref["tag"]
    scope = ref.get("scope") or "nearest"
    path = ref.get("path") or [tag]
    simple = (len(path) == 1 and isinstance(path[0], str) and "x" not in path[0]
              and scope in ("nearest", "item", "root", "parent", "frame"))
    if not simple:
        def generic(ctx: EvalContext) -> Pairs | None:
            try:
                found = locate(ref, ctx)
            except Exception as exc:  # the reference's own lookup: it answers None too
                raise Unconvertible(tag) from exc
            return None if found is None else [(None, el) for el in found]

        return generic
    t = int(path[0], 16)
    if scope == "item" or scope == "root":
        holder = operator.attrgetter(scope)

        def one(ctx: EvalContext) -> Pairs | None:
            ds = holder(ctx)
            el = get_stored(ds, t)
            return [] if el is None else [(ds, el)]

        return one
    if scope == "parent":
        def parent(ctx: EvalContext) -> Pairs | None:
            if not ctx.parents:
                return None
            ds = ctx.parents[-1]
            el = get_stored(ds, t)
            return [] if el is None else [(ds, el)]

        return parent

    def nearest(ctx: EvalContext) -> Pairs | None:
        # the item, the enclosing items outwards, the root; a dataset met twice (the
        # root as the item) is not looked at again
        item = ds = ctx.item
        if ds is not None:
            el = get_stored(ds, t)
            if el is not None:
                return [(ds, el)]
        parents = ctx.parents
        for ds in reversed(parents):
            if ds is not None and ds is not item:
                el = get_stored(ds, t)
                if el is not None:
                    return [(ds, el)]
        ds = ctx.root
        if ds is not None and ds is not item and not any(p is ds for p in parents):
            el = get_stored(ds, t)
            if el is not None:
                return [(ds, el)]
        return []

    if scope == "frame":
        def frame(ctx: EvalContext) -> Pairs | None:
            # the reference's frame lookup: every frame item read (what it converts, and
            # so what raises, alike), the first hit kept; else as nearest
            first: Pairs = []
            for f in ctx.frame_items or ():
                hit = _in_frame(f, t)
                if hit and not first:
                    first = hit
            return first or nearest(ctx)

        return frame
    return nearest


def _in_frame(frame: Any, t: int) -> Pairs:
    """The first of what ``lookup._nested(frame, t)`` yields, as a (holder, stored
    element) pair: ``t`` in the frame's item, else in an item of one of its sequences
    (tag order). Like the reference, a miss in the item converts each of its elements
    and looks in every item of every sequence: what raises there raises here."""
    if type(frame) is not Dataset:
        raise TypeError("not a Dataset")  # the reference decides
    el = get_stored(frame, t)
    if el is not None:
        return [(frame, el)]
    found: Pairs = []
    stored = frame._dict
    for k in sorted(stored):
        elem = stored[k]
        if type(elem) is RawDataElement:
            try:  # converted, as the reference's iteration converts it
                elem = frame[k]
            except Exception as exc:  # the reference answers None (see _fallback)
                raise Unconvertible(k) from exc
        if elem.VR == "SQ" and elem.value:
            for item in elem.value:
                sub = get_stored(item, t)
                if sub is not None and not found:
                    found = [(item, sub)]
    return found


# -- leaves -------------------------------------------------------------------------------

Leaf = Callable[[dict[str, Any], EvalContext], Tri]


def _located(e: dict[str, Any], ref_fn: Leaf, body: Callable[[Pairs], Tri]) -> Fn:
    """The leaf on ``e["attr"]``: None when where to look cannot be told, else ``body``
    of the pairs found; whenever anything raises, the reference leaf decides."""
    find = _finder(e["attr"])

    def run(ctx: EvalContext) -> Tri:
        try:
            found = find(ctx)
            if found is None:
                return None
            return body(found)
        except Exception:  # noqa: BLE001 - the reference decides odd cases
            return _fallback(ref_fn, e, ctx)

    return run


def _present(e: dict[str, Any], ref_fn: Leaf) -> Fn:
    return _located(e, ref_fn, bool if e["op"] == "present" else operator.not_)


def _has_value(e: dict[str, Any], ref_fn: Leaf) -> Fn:
    if e["op"] == "has_value":
        return _located(e, ref_fn, lambda found: any(not raw_is_empty(ds, el) for ds, el in found))
    return _located(
        e, ref_fn, lambda found: bool(found) and all(raw_is_empty(ds, el) for ds, el in found))


def _matcher(expected: Any) -> Callable[[Any], bool]:
    """``any(_same(a, x) for x in expected)`` for one actual value ``a``."""
    nums: set[float] = set()
    strs: set[str] = set()
    str_nums: set[float] = set()
    for x in expected:
        if isinstance(x, int | float) and not isinstance(x, bool):
            f = float(x)
            if f == f:  # NaN never compares equal
                nums.add(f)
        else:
            strs.add(strip_padding(str(x)))
            n = as_number(x)
            if n is not None:
                str_nums.add(n)
    fnums = frozenset(nums)
    fstrs = frozenset(strs)
    any_num = frozenset(nums | str_nums)

    def match(a: Any) -> bool:
        if isinstance(a, int | float) and not isinstance(a, bool):
            if any_num:
                f = float(a)
                return f == f and f in any_num
            return False
        if fnums:
            n = as_number(a)
            if n is not None and n in fnums:
                return True
        if fstrs:
            if isinstance(a, bytes | bytearray):
                a = a.decode("latin-1", "replace")
            return strip_padding(str(a)) in fstrs
        return False

    return match


def _index(ref: dict[str, Any]) -> Any:
    idx = ref.get("index")
    if idx and not isinstance(idx, int):
        raise TypeError("index")  # compiled as the reference leaf
    return idx


def _eq(e: dict[str, Any], ref_fn: Leaf) -> Fn:
    match = _matcher(e["values"])
    idx = _index(e["attr"])

    def body(found: Pairs) -> Tri:
        for ds, el in found:
            vals = pick(raw_values(ds, el), idx)
            if vals and any(match(a) for a in vals):
                return True
        return False

    return _located(e, ref_fn, body)


def _ne(e: dict[str, Any], ref_fn: Leaf) -> Fn:
    match = _matcher(e["values"])
    idx = _index(e["attr"])

    def body(found: Pairs) -> Tri:
        vals = [v for ds, el in found for v in (pick(raw_values(ds, el), idx) or [])]
        if not vals:  # absent ("X is not Y" says nothing then) or no such value
            return None
        return not any(match(a) for a in vals)

    return _located(e, ref_fn, body)


def _cmp(e: dict[str, Any], ref_fn: Leaf) -> Fn:
    fn = CMP[e["op"]]
    target = float(e["value"])
    idx = _index(e["attr"])

    def body(found: Pairs) -> Tri:
        if not found:
            return False
        return compare_any((pick(raw_values(ds, el), idx) or [] for ds, el in found),
                            fn, target)

    return _located(e, ref_fn, body)


def _sop_class(e: dict[str, Any], ref_fn: Leaf) -> Fn:
    uids = frozenset(str(u) for u in e["uids"])

    def run(ctx: EvalContext) -> Tri:
        try:
            root = ctx.root
            if isinstance(root, Dataset):
                elem = root._dict.get(_SOP_CLASS_UID)
                if elem is None:
                    return None
                if type(elem) is RawDataElement:
                    vals, _ = decoded(elem)
                    if vals is not None and len(vals) == 1 and elem.length:
                        return strip_padding(vals[0]) in uids
                elif isinstance(elem, DataElement):
                    v = elem.value
                    if v is None:
                        return None
                    return strip_padding(str(v)) in uids
            return ref_fn(e, ctx)
        except Exception:  # noqa: BLE001
            return _fallback(ref_fn, e, ctx)

    return run


def _module_present(e: dict[str, Any], ref_fn: Leaf) -> Fn:
    module = e["module"]
    kind = e.get("kind", "module")

    def run(ctx: EvalContext) -> Tri:
        try:
            cb = ctx.module_present
            if cb is None:
                return None
            v = cb(module, kind)
            return None if v is None else bool(v)
        except Exception:  # noqa: BLE001
            return _fallback(ref_fn, e, ctx)

    return run


def _mutually_exclusive(e: dict[str, Any], ref_fn: Leaf) -> Fn:
    finders = tuple(_finder(r) for r in e["attrs"])

    def run(ctx: EvalContext) -> Tri:
        try:
            return at_most_one(find(ctx) for find in finders)
        except Exception:  # noqa: BLE001
            return _fallback(ref_fn, e, ctx)

    return run


def _fallback(ref_fn: Leaf, e: dict[str, Any], ctx: EvalContext) -> Tri:
    # Called from the leaves' except blocks. A failed conversion answers None, as the
    # reference does on first access; asking the reference again would not do: pydicom
    # keeps the half-converted element, so a second access succeeds with raw bytes.
    if isinstance(sys.exc_info()[1], Unconvertible):
        return None
    try:
        return ref_fn(e, ctx)
    except Exception:  # noqa: BLE001
        return None

