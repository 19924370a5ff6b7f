"""Where a condition's attribute reference looks (``scope``): the item, the enclosing
items, the root, this frame's or any frame's functional group items, a sequence path.

See :mod:`conformance.conditions.leaves` for the value semantics.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset

from conformance.conditions.context import EvalContext
from conformance.tags import TagPattern

_SHARED = 0x52009229
_PER_FRAME = 0x52009230


def tag_match(ds: Dataset, tag: str) -> DataElement | None:
    if "x" in tag:
        pat = TagPattern.of(tag)
        for t in ds.keys():  # noqa: SIM118 - iterating a Dataset yields elements
            if pat.matches(int(t)):
                return ds[t]
        return None
    t = int(tag, 16)
    el = ds.get(t)
    return el if isinstance(el, DataElement) else None


def _nested(ds: Dataset, tag: str) -> Iterator[DataElement]:
    """``tag`` in ``ds`` or in any item of a sequence of ``ds`` (one level down)."""
    el = tag_match(ds, tag)
    if el is not None:
        yield el
        return
    for elem in ds:
        if elem.VR == "SQ" and elem.value:
            for item in elem.value:
                sub = tag_match(item, tag)
                if sub is not None:
                    yield sub


def chain(ctx: EvalContext) -> list[Dataset]:
    seen: list[Dataset] = []
    for ds in (ctx.item, *reversed(ctx.parents), ctx.root):
        if ds is not None and not any(ds is s for s in seen):
            seen.append(ds)
    return seen


def _frame_items(ctx: EvalContext) -> list[Dataset]:
    root = ctx.root
    items: list[Dataset] = []
    for tag in (_SHARED,):
        if tag in root and root[tag].value:
            items.extend(root[tag].value)
    if ctx.all_frames is not None:
        items.extend(ctx.all_frames)
    elif _PER_FRAME in root and root[_PER_FRAME].value:
        items.extend(root[_PER_FRAME].value)
    return items


def follow(ds: Dataset, path: list[str]) -> list[DataElement]:
    """Elements at ``path`` (sequence tags ..., final tag) below ``ds``, any item."""
    current = [ds]
    for seq in path[:-1]:
        nxt: list[Dataset] = []
        for d in current:
            el = tag_match(d, seq)
            if el is not None and el.VR == "SQ" and el.value:
                nxt.extend(el.value)
        current = nxt
    found = []
    for d in current:
        el = tag_match(d, path[-1])
        if el is not None:
            found.append(el)
    return found


def locate(ref: dict[str, Any], ctx: EvalContext) -> list[DataElement] | None:
    """The elements a reference names (empty: absent), or None when it cannot be told."""
    tag = ref["tag"]
    scope = ref.get("scope") or "nearest"
    path = ref.get("path") or [tag]

    def at(ds: Dataset) -> list[DataElement]:
        return follow(ds, path)

    if scope == "item":
        return at(ctx.item)
    if scope == "root":
        return at(ctx.root)
    if scope == "parent":
        return at(ctx.parents[-1]) if ctx.parents else None
    if scope == "any_frame":
        frames = _frame_items(ctx)
        if not frames:
            return _nearest(at, ctx)
        return [el for f in frames for el in _frame_lookup(f, path)]
    if scope == "frame":
        if ctx.frame_items:
            found = [el for f in ctx.frame_items for el in _frame_lookup(f, path)]
            if found:
                return found[:1]
        return _nearest(at, ctx)
    return _nearest(at, ctx)


def _frame_lookup(frame: Dataset, path: list[str]) -> list[DataElement]:
    if len(path) == 1:
        return list(_nested(frame, path[0]))
    found = follow(frame, path)
    if found:
        return found
    for elem in frame:
        if elem.VR == "SQ" and elem.value:
            for item in elem.value:
                found.extend(follow(item, path))
    return found


def _nearest(at: Any, ctx: EvalContext) -> list[DataElement]:
    for ds in chain(ctx):
        found = at(ds)
        if found:
            return found
    return []
