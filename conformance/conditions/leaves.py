"""The leaf operators of the condition language, each ``fn(expr, ctx) -> True | False |
None``, and the value helpers they share: the semantics every evaluator implements
(each is the ``evaluate`` of its entry in :mod:`.optable`).

A leaf may raise on odd data; the evaluators turn that into None (cannot be told).

Where a reference looks (``scope``):

- ``item``: the dataset holding the conditional attribute;
- ``parent``: the enclosing item (None when there is none);
- ``root``: the top-level dataset;
- ``nearest``: the item, then the enclosing items outwards, then the root; the first
  that holds the attribute is used;
- ``frame``: this frame's functional group items (Shared first, then this Per-frame
  item), searched one level down (inside any functional group macro sequence item);
  when no frame holds the attribute, or there is no frame context, as ``nearest``;
- ``any_frame``: the Shared item and every Per-frame item of the root, one level down.

Value semantics:

- values compare as strings after stripping DICOM padding (spaces, NUL), case kept;
  a number in ``values`` compares numerically with numeric (or numeric-looking) values;
- ``index`` is 1-based ("Value N"); without it any value may match;
- ``eq`` / comparisons are False when the attribute is absent; ``ne`` is None then
  ("X is not Y" says nothing when X is absent);
- ``changed``: the item's value differs from the value in the nearest previous item of
  the same sequence that has the attribute (None for the first, or when absent here);
- ``item_position`` ``int`` positions are 1-based item numbers;
- ``count``: items of a sequence, else values (an absent attribute counts 0, an empty one
  0 as well);
- ``referenced``: None when the referring attribute is absent or no item carries the
  referred value (a dangling reference says nothing); otherwise ``arg`` is evaluated with
  that item as the item.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.valuerep import PersonName

from conformance.conditions.context import EvalContext
from conformance.conditions.lookup import chain, follow, locate, tag_match
from conformance.tags import TagPattern

Tri = bool | None
_CODE_VALUE = (0x00080100, 0x00080119, 0x00080120)   # Code / Long Code / URN Code Value
_SCHEME = 0x00080102


# -- values ---------------------------------------------------------------------------


def element_values(el: DataElement) -> list[Any]:
    v = el.value
    if v is None:
        return []
    if isinstance(v, MultiValue | list | tuple):
        return [x for x in v]
    if isinstance(v, str):
        # an unsplit multi-valued string (VM > 1 read as one value)
        return [p for p in v.split("\\")] if "\\" in v else [v]
    if isinstance(v, bytes | bytearray):
        return [v] if v else []
    return [v]


def is_empty(el: DataElement) -> bool:
    v = el.value
    if v is None:
        return True
    if isinstance(v, Sequence):
        return len(v) == 0
    if isinstance(v, str | bytes | bytearray):
        return len(strip_padding(v)) == 0 if isinstance(v, str) else len(v) == 0
    if isinstance(v, MultiValue | list | tuple):
        return len(v) == 0
    if isinstance(v, PersonName):
        # PS3.5 7.4: a zero-length value is no value; PersonName('') is pydicom's form
        # of an empty PN ("Responsible Person" present but empty; "=" has no component)
        return not v or len(strip_padding(str(v))) == 0
    return False


def strip_padding(s: str) -> str:
    return s.strip(" \x00")


def as_number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        f = float(v)
        return f if not math.isnan(f) else None
    if isinstance(v, str):
        try:
            f = float(strip_padding(v))
        except ValueError:
            return None
        return f if not math.isnan(f) else None
    return None


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        n = as_number(actual)
        return n is not None and n == float(expected)
    if isinstance(actual, int | float) and not isinstance(actual, bool):
        n = as_number(expected)
        return n is not None and n == float(actual)
    if isinstance(actual, bytes | bytearray):
        actual = actual.decode("latin-1", "replace")
    return strip_padding(str(actual)) == strip_padding(str(expected))


def _indexed(el: DataElement, index: int | None) -> list[Any] | None:
    """The values to test: all of them, or the one at ``index`` (None if there is none)."""
    vals = element_values(el)
    if index:
        return [vals[index - 1]] if len(vals) >= index else None
    return vals


# -- leaves ---------------------------------------------------------------------------


def _present(e: dict[str, Any], ctx: EvalContext) -> Tri:
    found = locate(e["attr"], ctx)
    return None if found is None else bool(found)


def _absent(e: dict[str, Any], ctx: EvalContext) -> Tri:
    v = _present(e, ctx)
    return None if v is None else not v


def _has_value(e: dict[str, Any], ctx: EvalContext) -> Tri:
    found = locate(e["attr"], ctx)
    if found is None:
        return None
    return any(not is_empty(el) for el in found)


def _empty(e: dict[str, Any], ctx: EvalContext) -> Tri:
    found = locate(e["attr"], ctx)
    if found is None:
        return None
    return bool(found) and all(is_empty(el) for el in found)


def _eq(e: dict[str, Any], ctx: EvalContext) -> Tri:
    found = locate(e["attr"], ctx)
    if found is None:
        return None
    expected = e["values"]
    idx = e["attr"].get("index")
    for el in found:
        vals = _indexed(el, idx)
        if vals and any(_same(a, x) for a in vals for x in expected):
            return True
    return False


def _ne(e: dict[str, Any], ctx: EvalContext) -> Tri:
    found = locate(e["attr"], ctx)
    if not found:
        return None
    expected = e["values"]
    idx = e["attr"].get("index")
    vals = [v for el in found for v in (_indexed(el, idx) or [])]
    if not vals:
        return None
    return not any(_same(a, x) for a in vals for x in expected)


CMP = {"lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
        "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b}


def _cmp(e: dict[str, Any], ctx: EvalContext) -> Tri:
    found = locate(e["attr"], ctx)
    if found is None:
        return None
    if not found:
        return False
    fn = CMP[e["op"]]
    target = float(e["value"])
    idx = e["attr"].get("index")
    return compare_any((_indexed(el, idx) or [] for el in found), fn, target)


def compare_any(value_lists: Iterable[Iterable[Any]],
                 fn: Callable[[float, float], bool], target: float) -> Tri:
    """True when a value compares true with ``target``; else None when some value is
    not a number, else False (the lists are read lazily: the first hit stops)."""
    saw_unknown = False
    for vals in value_lists:
        for v in vals:
            n = as_number(v)
            if n is None:
                saw_unknown = True
            elif fn(n, target):
                return True
    return None if saw_unknown else False


def _sop_class(e: dict[str, Any], ctx: EvalContext) -> Tri:
    uid = ctx.root.get("SOPClassUID")
    if uid is None:
        return None
    return strip_padding(str(uid)) in {str(u) for u in e["uids"]}


def _module_present(e: dict[str, Any], ctx: EvalContext) -> Tri:
    if ctx.module_present is None:
        return None
    v = ctx.module_present(e["module"], e.get("kind", "module"))
    return None if v is None else bool(v)


def _at_values(e: dict[str, Any], ctx: EvalContext) -> list[int] | None:
    found = locate(e["attr"], ctx)
    if found is None:
        return None
    out: list[int] = []
    for el in found:
        for v in _indexed(el, e["attr"].get("index")) or []:
            out.append(int(v))
    return out


def _points_to(e: dict[str, Any], ctx: EvalContext) -> Tri:
    vals = _at_values(e, ctx)
    if vals is None:
        return None
    pat = TagPattern.of(e["target"])
    return any(pat.matches(v) for v in vals)


def _points_to_private(e: dict[str, Any], ctx: EvalContext) -> Tri:
    vals = _at_values(e, ctx)
    if vals is None:
        return None
    return any((v >> 16) % 2 == 1 for v in vals)


def _contains_code(e: dict[str, Any], ctx: EvalContext) -> Tri:
    found = locate(e["attr"], ctx)
    if found is None:
        return None
    for el in found:
        if el.VR != "SQ" or not el.value:
            continue
        for item in el.value:
            values = {strip_padding(str(item[t].value)) for t in _CODE_VALUE
                      if t in item and item[t].value is not None}
            scheme = strip_padding(str(item[_SCHEME].value)) if _SCHEME in item else None
            for c in e["codes"]:
                if str(c["value"]) in values and (scheme is None or scheme == c["scheme"]):
                    return True
    return False


def _sequence_tag(ctx: EvalContext) -> int | None:
    """Tag of the sequence holding ``ctx.item`` (looked up in its parent)."""
    if ctx.sequence is None:
        return None
    holder = ctx.parents[-1] if ctx.parents else ctx.root
    for el in holder:
        if el.VR == "SQ" and el.value is ctx.sequence:
            return int(el.tag)
    return None


def _item_position(e: dict[str, Any], ctx: EvalContext) -> Tri:
    if ctx.item_index is None or ctx.sequence is None:
        return None
    seq = e.get("sequence")
    if seq:
        actual = _sequence_tag(ctx)
        if actual is None:
            return None
        if not TagPattern.of(seq).matches(actual):
            return False
    i, n = ctx.item_index, len(ctx.sequence)
    pos = e["position"]
    if pos == "first":
        return i == 0
    if pos == "last":
        return i == n - 1
    if pos == "not_last":
        return i < n - 1
    if isinstance(pos, int):
        return i == pos - 1
    return None


def _changed(e: dict[str, Any], ctx: EvalContext) -> Tri:
    if ctx.item_index is None or ctx.sequence is None:
        return None
    path = e["attr"].get("path") or [e["attr"]["tag"]]
    here = follow(ctx.item, path)
    if not here:
        return None
    for j in range(ctx.item_index - 1, -1, -1):
        prev = follow(ctx.sequence[j], path)
        if prev:
            a, b = element_values(here[0]), element_values(prev[0])
            if len(a) != len(b):
                return True
            return not all(_same(x, y) for x, y in zip(a, b, strict=True))
    return None


def _mutually_exclusive(e: dict[str, Any], ctx: EvalContext) -> Tri:
    return at_most_one(locate(r, ctx) for r in e["attrs"])


def at_most_one(found: Iterable[list[Any] | None]) -> Tri:
    """False when more than one lookup found something, else None when one could not
    be told, else True (every lookup runs, whatever the count)."""
    count, unknown = 0, False
    for f in found:
        if f is None:
            unknown = True
        elif f:
            count += 1
    if count > 1:
        return False
    return None if unknown else True


_COUNT_CMP = {**CMP, "eq": lambda a, b: a == b, "ne": lambda a, b: a != b}


def _count(e: dict[str, Any], ctx: EvalContext) -> Tri:
    found = locate(e["attr"], ctx)
    if found is None:
        return None
    n = 0
    for el in found[:1]:
        if is_empty(el):
            n = 0
        elif isinstance(el.value, Sequence):
            n = len(el.value)
        else:
            n = len(element_values(el))
    return _COUNT_CMP[e["cmp"]](n, int(e["value"]))


def referenced_item(e: dict[str, Any], ctx: EvalContext) -> Dataset | None:
    """The item whose ``key`` value equals the value of ``by``, or None."""
    by = locate(e["by"], ctx)
    if not by:
        return None
    wanted = element_values(by[0])
    if not wanted:
        return None
    key = e["key"]
    seq = e.get("sequence")
    candidates: list[Dataset] = []
    for ds in chain(ctx):
        for el in ds:
            if el.VR != "SQ" or not el.value or el.value is ctx.sequence:
                continue
            if seq and not TagPattern.of(seq).matches(int(el.tag)):
                continue
            if seq or any(tag_match(item, key) is not None for item in el.value):
                candidates.extend(el.value)
        if candidates:
            break
    for item in candidates:
        k = tag_match(item, key)
        if k is not None and any(_same(a, b) for a in element_values(k) for b in wanted):
            return item
    return None

