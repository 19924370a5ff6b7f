"""Condition expressions compiled once into closures: ``compile_expr(expr)(ctx)``.

Same results as :func:`conformance.conditions.evaluator.evaluate` (the reference) for
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

import operator
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pydicom import config
from pydicom import hooks as _hooks
from pydicom.datadict import dictionary_VR
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset

from conformance.conditions.context import EvalContext
from conformance.conditions.evaluator import (
    _CMP,
    _LEAVES,
    _at_most_one,
    _compare_any,
    _is_empty,
    _locate,
    _number,
    _referenced_item,
    _strip,
    _values,
)

Tri = bool | None
Fn = Callable[[EvalContext], Tri]

_NC = object()  # "not a constant"
_SOP_CLASS_UID = 0x00080016


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
        node = _compile(expr)
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
    try:
        ref_fn = _LEAVES.get(op or "")
    except Exception as exc:  # noqa: BLE001 - e.g. an unhashable op
        return _raiser(exc)
    if ref_fn is None:
        return _const(None)
    special = _SPECIAL.get(op)
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
        target = _referenced_item(e, ctx)  # errors reach the top, as in the reference
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


# -- raw values ---------------------------------------------------------------------------

# Kinds of stored elements: read without conversion ("s" string VRs split on "\",
# "u" UI, "a" AE, "i" IS, "d" DS), present without conversion ("p"), or neither (None).
_STR_VRS = frozenset({"CS", "AS", "DA", "DT", "TM"})
# Conversion of these cannot fail outside pydicom's RAISE reading mode (decoding errors
# become replacement characters); conformance.engine.values.SAFE_VRS, tested there.
_PRESENT_VRS = frozenset({"LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT", "OB", "OD", "OF",
                          "OL", "OV", "OW"})
_FIXED_SIZE = {"US": 2, "SS": 2, "UL": 4, "SL": 4, "FL": 4, "FD": 8, "SV": 8, "UV": 8,
               "AT": 4}
_IS_PART = re.compile(r" *[+-]?[0-9]{1,18} *")
_DS_PART = re.compile(r" *[+-]?(?:[0-9]{1,30}\.?[0-9]{0,30}|\.[0-9]{1,30})"
                      r"(?:[eE][+-]?[0-9]{1,3})? *")
_DICT_VR: dict[int, str | None] = {}
_DECODED: dict[int, tuple[RawDataElement, list[Any] | None, bool]] = {}


def _plain_pydicom() -> bool:
    """pydicom converts as configured by default (no hooks, callbacks or options that
    change the values the fast path decodes)."""
    return (config.settings.reading_validation_mode != config.RAISE
            and config.data_element_callback is None
            and _hooks.hooks.raw_element_vr is _hooks.raw_element_vr
            and _hooks.hooks.raw_element_value is _hooks.raw_element_value
            and not config.datetime_conversion and not config.use_DS_decimal
            and not config.use_DS_numpy and not config.use_IS_numpy
            and not config.use_none_as_empty_text_VR_value)


def _vr_of(raw: RawDataElement) -> str | None:
    """The VR pydicom gives ``raw``, when that needs no dataset (else None)."""
    vr = raw.VR
    if vr is not None:
        return None if vr == "UN" else str(vr)
    tag = raw.tag
    if tag >> 16 & 1 or not tag & 0xFFFF:
        return None  # private or group length: pydicom looks further
    try:
        return _DICT_VR[tag]
    except KeyError:
        pass
    try:
        got: str | None = str(dictionary_VR(tag))
    except KeyError:
        got = None
    _DICT_VR[tag] = got
    return got


# Binary VRs of a value still in the file: present and not empty (its length is not 0),
# which is all a condition asks of them; converting would read it.
_DEFERRED_PRESENT = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "OB or OW"})


def _kind(raw: RawDataElement) -> str | None:
    value = raw.value
    if value is None and raw.length != 0:  # a value left in the file (engine.deferred)
        vr = _vr_of(raw)
        return "p" if vr in _DEFERRED_PRESENT and _plain_pydicom() else None
    if value is not None and len(value) != raw.length:
        return None
    vr = _vr_of(raw)
    if vr is None or not _plain_pydicom():
        return None
    if vr in _STR_VRS:
        return "s"
    if vr == "UI":
        return "u"
    if vr == "AE":
        return "a"
    if vr == "IS":
        return "i"
    if vr == "DS":
        return "d"
    if vr in _PRESENT_VRS:
        return "p"
    size = _FIXED_SIZE.get(vr)
    if size is not None and (value is None or len(value) % size == 0):
        return "p"
    return None


def _decode(raw: RawDataElement, kind: str) -> tuple[list[Any] | None, bool]:
    """(values as the reference's ``_values`` of the converted element, ``_is_empty``);
    values None: the bytes need pydicom's conversion."""
    if raw.length == 0:
        # pydicom's empty value: "" for the string VRs (one empty value), None for IS/DS
        return ([""] if kind in "sua" else []), True
    text = raw.value.decode("latin-1")
    if kind == "s":
        parts = text.rstrip(" \x00").split("\\")
        return parts, len(parts) == 1 and not _strip(parts[0])
    if kind == "u":  # pydicom's UID() strips whitespace from every value
        parts = [p.strip() for p in text.rstrip("\0 ").split("\\")]
        return parts, len(parts) == 1 and not _strip(parts[0])
    if kind == "a":
        parts = [p.strip() for p in text.split("\\")]
        return parts, len(parts) == 1 and not _strip(parts[0])
    if kind == "i":
        parts = text.rstrip(" \x00").split("\\")
        if all(_IS_PART.fullmatch(p) for p in parts):
            return [int(p) for p in parts], False
        return None, False
    if kind == "d":
        parts = text.strip().rstrip(" \x00").split("\\")
        if all(_DS_PART.fullmatch(p) for p in parts):
            return [float(p) for p in parts], False
        return None, False
    return None, False


def _decoded(raw: RawDataElement) -> tuple[list[Any] | None, bool]:
    hit = _DECODED.get(id(raw))
    if hit is not None and hit[0] is raw:
        return hit[1], hit[2]
    kind = _kind(raw)
    vals, empty = _decode(raw, kind) if kind is not None and kind != "p" else (None, False)
    if len(_DECODED) >= 8192:
        _DECODED.clear()
    _DECODED[id(raw)] = (raw, vals, empty)
    return vals, empty


def raw_strings(raw: RawDataElement) -> list[str] | None:
    """The values pydicom's conversion gives a stored CS, AS, DA, DT or TM element, read
    from its bytes (trailing padding removed, split on ``\\``; ``[""]`` when empty);
    None when only the conversion can tell (other VRs, values not read yet, pydicom
    options that change the conversion)."""
    if _kind(raw) != "s":
        return None
    return _decoded(raw)[0]


def _get(ds: Any, tag: int) -> Any:
    """The element ``tag`` of ``ds`` as the reference's lookup finds it (None: absent),
    left unconverted when its kind allows; a conversion error raises as there."""
    if type(ds) is not Dataset and not isinstance(ds, Dataset):
        el = ds.get(tag)
        return el if isinstance(el, DataElement) else None
    elem = ds._dict.get(tag)
    if elem is None:
        return None
    if type(elem) is RawDataElement:
        kind = _kind(elem)
        # IS/DS text that is not a number fails pydicom's conversion, and the reference
        # then answers None even for presence: only numbers skip the conversion.
        if kind is not None and (kind not in ("i", "d") or _decoded(elem)[0] is not None):
            return elem
        elem = _convert(ds, tag)
    return elem if isinstance(elem, DataElement) else None


class _Unconvertible(Exception):
    """pydicom could not convert a stored element."""


def _convert(ds: Any, tag: int) -> Any:
    try:
        return ds.get(tag)
    except Exception as exc:
        raise _Unconvertible(tag) from exc


def _converted(ds: Any, elem: Any) -> Any:
    el = _convert(ds, elem.tag)
    if not isinstance(el, DataElement):
        raise KeyError(elem.tag)
    return el


def _vals(ds: Any, elem: Any) -> list[Any]:
    if type(elem) is RawDataElement:
        vals, _ = _decoded(elem)
        if vals is not None:
            return vals
        elem = _converted(ds, elem)
    return _values(elem)


def _empty(ds: Any, elem: Any) -> bool:
    if type(elem) is RawDataElement:
        vals, empty = _decoded(elem)
        if vals is not None:
            return empty
        elem = _converted(ds, elem)
    return _is_empty(elem)


def _pick(vals: list[Any], idx: Any) -> list[Any] | None:
    """The reference's ``_indexed`` on values already read."""
    if idx:
        return [vals[idx - 1]] if len(vals) >= idx else None
    return vals


# -- locating -----------------------------------------------------------------------------

Pairs = list[tuple[Any, Any]]
Finder = Callable[[EvalContext], Pairs | None]


def _finder(ref: dict[str, Any]) -> Finder:
    """``(dataset, stored element)`` pairs the reference's ``_locate`` would find
    (empty: absent; None: cannot be told)."""
    tag = ref["tag"]
    scope = ref.get("scope") or "nearest"
    path = ref.get("path") or [tag]
    simple = (len(path) == 1 and isinstance(path[0], str) and "x" not in path[0]
              and scope in ("nearest", "item", "root", "parent"))
    if not simple:
        def generic(ctx: EvalContext) -> Pairs | None:
            try:
                found = _locate(ref, ctx)
            except Exception as exc:  # the reference's own lookup: it answers None too
                raise _Unconvertible(tag) from exc
            return None if found is None else [(None, el) for el in found]

        return generic
    t = int(path[0], 16)
    if scope == "item" or scope == "root":
        holder = operator.attrgetter(scope)

        def one(ctx: EvalContext) -> Pairs | None:
            ds = holder(ctx)
            el = _get(ds, t)
            return [] if el is None else [(ds, el)]

        return one
    if scope == "parent":
        def parent(ctx: EvalContext) -> Pairs | None:
            if not ctx.parents:
                return None
            ds = ctx.parents[-1]
            el = _get(ds, t)
            return [] if el is None else [(ds, el)]

        return parent

    def nearest(ctx: EvalContext) -> Pairs | None:
        # the item, the enclosing items outwards, the root; a dataset met twice (the
        # root as the item) is not looked at again
        item = ds = ctx.item
        if ds is not None:
            el = _get(ds, t)
            if el is not None:
                return [(ds, el)]
        parents = ctx.parents
        for ds in reversed(parents):
            if ds is not None and ds is not item:
                el = _get(ds, t)
                if el is not None:
                    return [(ds, el)]
        ds = ctx.root
        if ds is not None and ds is not item and not any(p is ds for p in parents):
            el = _get(ds, t)
            if el is not None:
                return [(ds, el)]
        return []

    return nearest


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
        return _located(e, ref_fn, lambda found: any(not _empty(ds, el) for ds, el in found))
    return _located(
        e, ref_fn, lambda found: bool(found) and all(_empty(ds, el) for ds, el in found))


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
            strs.add(_strip(str(x)))
            n = _number(x)
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
            n = _number(a)
            if n is not None and n in fnums:
                return True
        if fstrs:
            if isinstance(a, bytes | bytearray):
                a = a.decode("latin-1", "replace")
            return _strip(str(a)) in fstrs
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
            vals = _pick(_vals(ds, el), idx)
            if vals and any(match(a) for a in vals):
                return True
        return False

    return _located(e, ref_fn, body)


def _ne(e: dict[str, Any], ref_fn: Leaf) -> Fn:
    match = _matcher(e["values"])
    idx = _index(e["attr"])

    def body(found: Pairs) -> Tri:
        vals = [v for ds, el in found for v in (_pick(_vals(ds, el), idx) or [])]
        if not vals:  # absent ("X is not Y" says nothing then) or no such value
            return None
        return not any(match(a) for a in vals)

    return _located(e, ref_fn, body)


def _cmp(e: dict[str, Any], ref_fn: Leaf) -> Fn:
    fn = _CMP[e["op"]]
    target = float(e["value"])
    idx = _index(e["attr"])

    def body(found: Pairs) -> Tri:
        if not found:
            return False
        return _compare_any((_pick(_vals(ds, el), idx) or [] for ds, el in found),
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
                    vals, _ = _decoded(elem)
                    if vals is not None and len(vals) == 1 and elem.length:
                        return _strip(vals[0]) in uids
                elif isinstance(elem, DataElement):
                    v = elem.value
                    if v is None:
                        return None
                    return _strip(str(v)) in uids
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
            return _at_most_one(find(ctx) for find in finders)
        except Exception:  # noqa: BLE001
            return _fallback(ref_fn, e, ctx)

    return run


def _fallback(ref_fn: Leaf, e: dict[str, Any], ctx: EvalContext) -> Tri:
    # Called from the leaves' except blocks. A failed conversion answers None, as the
    # reference does on first access; asking the reference again would not do: pydicom
    # keeps the half-converted element, so a second access succeeds with raw bytes.
    if isinstance(sys.exc_info()[1], _Unconvertible):
        return None
    try:
        return ref_fn(e, ctx)
    except Exception:  # noqa: BLE001
        return None


_SPECIAL: dict[str, Callable[[dict[str, Any], Leaf], Fn]] = {
    "present": _present, "absent": _present, "has_value": _has_value, "empty": _has_value,
    "eq": _eq, "ne": _ne, "lt": _cmp, "le": _cmp, "gt": _cmp, "ge": _cmp,
    "sop_class": _sop_class, "module_present": _module_present,
    "mutually_exclusive": _mutually_exclusive,
}
