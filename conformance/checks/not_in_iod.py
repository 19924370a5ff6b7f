"""Standard attributes that the IOD does not define where they sit (PS3.3 A.1; PS3.4 B.2)."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset

from conformance.engine.context import CheckContext
from conformance.engine.elements import int_keys, stored
from conformance.engine.finding import Finding
from conformance.engine.frame_reuse import frame_reuse
from conformance.engine.path import ElementPath, per_frame_index
from conformance.engine.presence import frame_items
from conformance.engine.registry import dataset_check
from conformance.engine.requirement_types import (
    PER_FRAME_FG,
    SHARED_FG,
    AttrReq,
    IodReq,
    matches_groups,
)
from conformance.engine.walk import ItemScope

_ITEM_PADDING = 0xFFFCFFFC  # PS3.5 7.8 Data Set Trailing Padding


class _Index:
    """What may sit in an item: exact tag -> defining rows, the masked (60xx) rows, the
    tags some of whose rows an include condition guards, and for tags every row of which
    is a sequence with defined content, the item definitions of those rows."""

    __slots__ = ("exact", "masked", "guarded", "nested", "exact_tags", "looked_at")

    def __init__(self, children: tuple[tuple[AttrReq, ...], ...]) -> None:
        exact: dict[int, list[AttrReq]] = {}
        masked: list[AttrReq] = []
        for rows in children:
            for a in rows:
                if a.exact:
                    exact.setdefault(a.tag, []).append(a)
                else:
                    masked.append(a)
        self.exact = exact
        self.masked = tuple(masked)
        self.guarded = frozenset(t for t, rows in exact.items() if any(a.guards for a in rows))
        self.nested = {t: n for t, rows in exact.items() if (n := _nested(rows))}
        self.exact_tags = frozenset(exact)
        # Defined tags with something to do: an include condition to decide, or items to
        # look into (the other defined tags of an item need no look at all).
        self.looked_at = self.guarded | frozenset(self.nested)


def _nested(rows: list[AttrReq]) -> tuple[tuple[AttrReq, ...], ...] | None:
    """The item definitions of ``rows`` when all are sequences with defined content
    (a tag may be defined by several modules: their union); else None (open content,
    or not a sequence in the tables)."""
    children = tuple(a.children for a in rows)
    if not children or any(not c for c in children):
        return None
    return children


_INDEX: dict[tuple[int, ...], tuple[tuple[Any, ...], _Index]] = {}


def _index(children: tuple[tuple[AttrReq, ...], ...]) -> _Index:
    """The index of the item definitions ``children`` (compiled trees are shared and
    immutable, so it is kept per tuple of trees)."""
    key = tuple(id(c) for c in children)
    hit = _INDEX.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], children, strict=True)):
        return hit[1]
    index = _Index(children)
    # Holding ``children`` keeps their ids from being reused.
    _INDEX[key] = (children, index)
    return index


def _top_index(req: IodReq) -> _Index:
    return _index(tuple(m.attrs for m in req.modules))


def _skipped(t: int) -> bool:
    """Private, group length, trailing padding and File Meta elements."""
    group = t >> 16
    return bool(group & 1) or t & 0xFFFF == 0 or t == _ITEM_PADDING or group == 0x0002


@dataset_check("not-in-iod", reference="PS3.4 B.2; PS3.3 A.1")
def not_in_iod(ctx: CheckContext) -> Iterator[Finding]:
    """PS3.3 Section A.1 lists the modules of each IOD and their tables list what the
    items of each sequence hold; a public attribute that none of them defines where it
    sits (top level, or an item of a sequence whose content the tables define) makes
    the instance a Standard Extended SOP Class (PS3.4 Section B.2): allowed, but worth a
    warning. In items, rows of an include whose condition is false there do not count
    as defined. Items of sequences with open content (no rows in the tables, e.g. "Any
    Attribute"), of private sequences and of sequences the IOD does not define are not
    looked into. Group lengths, trailing padding, private and File Meta elements are not
    reported; repeating groups (60xx) match by mask."""
    req = ctx.requirements
    if req is None or not ctx.options.get("not_in_iod", True):
        return
    run = _Run(ctx, req)
    top = _top_index(req)
    ds = ctx.dataset
    keys = int_keys(ds)
    # Tags the IOD defines and that hold no items to look into need no look.
    for t in sorted(keys.difference(req.top_tags) | keys.intersection(top.nested)):
        if _skipped(t):
            continue
        if t in req.top_tags or matches_groups(t, req.top_mask_groups):
            nested = top.nested.get(t)
            if nested:
                yield from run.items(ds, t, nested, None, (), None)
            continue
        yield from run.report(t, None, "")


class _Run:
    """One pass over the dataset's items."""

    def __init__(self, ctx: CheckContext, req: IodReq) -> None:
        self.ctx = ctx
        self.req = req
        self.ref = ctx.reference(req.reference)
        self.reuse = frame_reuse(ctx)
        self.groups: dict[Hashable, tuple[int, list[Finding]]] = {}  # for FrameReuse.repeated

    def report(self, t: int, where: ElementPath | None, within: str) -> Iterator[Finding]:
        entry = self.ctx.standard.dictionary.get(t)
        if entry is None:
            return  # not a standard attribute: nothing to compare against the IOD
        vr = entry.vr or "??"
        yield self.ctx.finding(
            "not-in-iod", "warning",
            f"Attribute is not present in standard DICOM IOD - ({t >> 16:04X},{t & 0xFFFF:04X}) "
            f"{vr} {entry.name} ({within}IOD {self.req.name})", where=where, tag=t,
            reference=self.ref)

    def items(self, holder: Dataset, tag: int, children: tuple[tuple[AttrReq, ...], ...],
              where: ElementPath | None, parents: tuple[Dataset, ...],
              frame: tuple[Dataset, ...] | None) -> Iterator[Finding]:
        """Check the items of sequence ``tag`` of ``holder`` against the item
        definitions ``children`` of its defining rows."""
        seq = _sequence(holder, tag)
        if not seq:
            return
        index = _index(children)
        exact, masked, guarded, nested = index.exact, index.masked, index.guarded, index.nested
        base = ElementPath(where, tag)
        inner = parents + (holder,)
        within = f"not defined in items of {self.ctx.keyword(tag)}, "
        for n, item in enumerate(seq):
            if not isinstance(item, Dataset):
                continue
            here = base.item(n)
            f = self.frame_of(tag, parents, item, frame)
            scope: ItemScope | None = None
            keys = int_keys(item)
            for t in sorted(keys.difference(index.exact_tags)
                            | keys.intersection(index.looked_at)):
                if _skipped(t):
                    continue
                defs = exact.get(t)
                if defs is not None and t not in guarded:
                    sub = nested.get(t)
                    if sub:
                        yield from self.into(item, t, sub, here, inner, f)
                    continue
                if defs is None:
                    defs = [a for a in masked if t & a.mask == a.tag]
                if scope is None:
                    scope = ItemScope(item, inner, here, f, n, seq)
                defs = [a for a in defs if self.applies(a, scope)]
                if not defs:
                    yield from self.report(t, here, within)
                    continue
                if any(a.children for a in defs):
                    sub = _nested(defs)
                    if sub:
                        yield from self.into(item, t, sub, here, inner, f)

    def into(self, item: Dataset, tag: int, children: tuple[tuple[AttrReq, ...], ...],
             here: ElementPath, inner: tuple[Dataset, ...],
             frame: tuple[Dataset, ...] | None) -> Iterator[Finding]:
        """``items`` of sequence ``tag`` of ``item``; in a Per-frame item, the findings
        of an earlier frame whose functional group has the same key, moved."""
        reuse = self.reuse
        if reuse is None or (n := per_frame_index(here)) is None:
            yield from self.items(item, tag, children, here, inner, frame)
            return
        yield from reuse.repeated(
            reuse.key(item, tag, children), n,
            lambda: list(self.items(item, tag, children, here, inner, frame)), self.groups)

    def applies(self, a: AttrReq, scope: ItemScope) -> bool:
        """False only when an include condition of ``a`` is false in this item."""
        return all(scope.decide(self.ctx, g) is not False for g in a.guards)

    def frame_of(self, tag: int, parents: tuple[Dataset, ...], item: Dataset,
                 frame: tuple[Dataset, ...] | None) -> tuple[Dataset, ...] | None:
        """The functional group items of a frame, for conditions inside them."""
        if parents:
            return frame
        if tag == SHARED_FG:
            return (item,)
        if tag == PER_FRAME_FG:
            shared, _ = frame_items(self.ctx)
            return (shared, item) if shared is not None else (item,)
        return frame


def _sequence(holder: Dataset, tag: int) -> Any:
    """The items of sequence ``tag`` of ``holder`` (None when it is not a readable,
    non-empty sequence); the recorded datasets hold sequences converted already."""
    elem = stored(holder, tag)
    if type(elem) is not DataElement:
        try:
            elem = holder[tag]
        except Exception:  # unparsable sequence: reported by the traversal
            return None
    if elem.VR != "SQ" or not elem.value:
        return None
    return elem.value
