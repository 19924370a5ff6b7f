"""Bind the compiled attribute trees to a dataset: one entry per (attribute, item).

The dataset checks (types, item counts, enumerations) all iterate this one list,
so the requirement tree is matched against the dataset only once per validation.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from conformance.conditions.context import EvalContext
from conformance.engine.elements import int_keys, stored
from conformance.engine.finding import Finding
from conformance.engine.frame_reuse import FrameReuse, frame_reuse
from conformance.engine.path import ElementPath, per_frame_index
from conformance.engine.presence import frame_items, module_present_fn, module_status
from conformance.engine.requirement_types import (
    PER_FRAME_FG,
    SHARED_FG,
    AttrReq,
    FunctionalGroupReq,
    ModuleReq,
)

if TYPE_CHECKING:
    from conformance.engine.context import CheckContext

T = TypeVar("T")


class ItemScope:
    """One dataset or sequence item the requirements are matched in; its EvalContext is
    built once, on first use, and shared by every conditional attribute of the item."""

    __slots__ = ("item", "parents", "where", "frame", "index", "sequence", "_ectx", "decided")

    def __init__(self, item: Dataset, parents: tuple[Dataset, ...], where: ElementPath | None,
                 frame: tuple[Dataset, ...] | None, index: int | None,
                 sequence: Sequence | None) -> None:
        self.item = item
        self.parents = parents
        self.where = where
        self.frame = frame
        self.index = index
        self.sequence = sequence
        self._ectx: EvalContext | None = None
        # Condition results by expression key (IodReq.expr_keys): every input of an
        # evaluation is a property of the item, so equal expressions agree within it.
        self.decided: dict[int, bool | None] = {}

    def eval_context(self, ctx: CheckContext) -> EvalContext:
        if self._ectx is None:
            _, per_frame = frame_items(ctx)
            self._ectx = EvalContext(
                item=self.item, root=ctx.dataset, parents=self.parents,
                frame_items=self.frame, all_frames=per_frame or None,
                item_index=self.index, sequence=self.sequence,
                module_present=module_present_fn(ctx))
        return self._ectx

    def decide(self, ctx: CheckContext, cond: Mapping[str, Any] | None) -> bool | None:
        """Three-valued result of a condition in this item (None: cannot decide)."""
        expr = cond.get("expr") if cond else None
        if expr is None:
            return None
        req = ctx.requirements
        key = req.expr_keys.get(id(expr)) if req is not None else None
        if key is None:
            return ctx.evaluate(expr, self.eval_context(ctx))
        decided = self.decided
        if key in decided:
            return decided[key]
        r = decided[key] = ctx.evaluate(expr, self.eval_context(ctx))
        return r


class Bound:
    """An attribute requirement applied to one dataset or sequence item."""

    __slots__ = ("attr", "tag", "scope", "owner", "present")

    def __init__(self, attr: AttrReq, tag: int, scope: ItemScope,
                 owner: ModuleReq | FunctionalGroupReq, present: bool) -> None:
        self.attr = attr
        self.tag = tag
        self.scope = scope
        self.owner = owner
        self.present = present

    @property
    def item(self) -> Dataset:
        return self.scope.item

    @property
    def where(self) -> ElementPath | None:
        """Path of the item holding the attribute (None: top level)."""
        return self.scope.where

    def path(self) -> ElementPath:
        return ElementPath(self.where, self.tag)

    @property
    def owner_id(self) -> str:
        o = self.owner
        return o.id if isinstance(o, ModuleReq) else o.macro

    def label(self, ctx: CheckContext) -> str:
        """dciodvfy-style location ``Element=<Keyword> Module=<table>``; the table is the
        innermost module or macro the row is written in (dciodvfy names macros too)."""
        a = self.attr
        macro = a.via[-1] if a.via else (a.table_name if a.table_kind == "macro" else None)
        text = f"Element=<{ctx.keyword(self.tag)}> Module=<{macro or self.owner.name}>"
        if macro and macro != self.owner.name:
            text += f" (in {self.owner.name})"
        return text

    def eval_context(self, ctx: CheckContext) -> EvalContext:
        return self.scope.eval_context(ctx)


class Replay:
    """In ``bound_rows``: the rows ``first:last`` of the list bound again, in the same
    functional group of Per-frame item ``frame`` instead of item ``source``: the group
    repeats that frame's and so do the results of its conditions (``FrameReuse.key``)."""

    __slots__ = ("first", "last", "source", "frame")

    def __init__(self, first: int, last: int, source: int, frame: int) -> None:
        self.first, self.last, self.source, self.frame = first, last, source, frame


def each_bound(ctx: CheckContext, out: list[T], move: Callable[[T, Replay], T | None]
               ) -> Iterator[Bound]:
    """The rows of ``bound_rows`` for a check that appends its results for each row to
    ``out`` before taking the next: at a ``Replay``, the results of the rows it repeats
    are appended again, each through ``move`` (None: left out)."""
    rows = bound_rows(ctx)
    if not ctx.cache.get("bound_rows_replay"):
        return iter(rows)  # type: ignore[arg-type]  # no Replay: Bounds only
    return _replaying(rows, out, move)


def _replaying(rows: list[Bound | Replay], out: list[T],
               move: Callable[[T, Replay], T | None]) -> Iterator[Bound]:
    marks: list[int] = []  # len(out) before each entry
    for b in rows:
        marks.append(len(out))
        if type(b) is Replay:
            for x in out[marks[b.first]:marks[b.last]]:
                y = move(x, b)
                if y is not None:
                    out.append(y)
            continue
        yield b  # type: ignore[misc]


def moved_finding(ctx: CheckContext, once: frozenset[str] = frozenset()
                  ) -> Callable[[Finding, Replay], Finding | None]:
    """``each_bound``'s ``move`` for findings: the same finding in the repeating frame;
    codes in ``once`` are reported once per row, so the first frame's stands alone."""
    reuse = frame_reuse(ctx)

    def move(f: Finding, r: Replay) -> Finding | None:
        assert reuse is not None  # a Replay is only made with one
        return None if f.code in once else reuse.moved(f, r.source, r.frame)

    return move


def bound_rows(ctx: CheckContext) -> list[Bound | Replay]:
    """``bound_attributes``, a functional group that repeats an earlier frame's bound
    once: its later copies are ``Replay`` entries (see ``each_bound``)."""
    got = ctx.cache.get("bound_rows")
    if got is None:
        got, ctx.cache["undecided"] = _bind(ctx, frame_reuse(ctx))
        ctx.cache["bound_rows"] = got
        ctx.cache["bound_rows_replay"] = any(type(r) is Replay for r in got)
    return got  # type: ignore[no-any-return]


def bound_attributes(ctx: CheckContext) -> list[Bound]:
    """The requirements of the modules that apply, bound to the items they apply to.

    Absent Type 3 attributes without a condition are left out: no check has anything
    to say about them, and they are most rows of most modules. Rows of an include whose
    condition is false in the item are left out too (PS3.3: the macro is not part of
    that item); rows whose include condition cannot be decided go to
    :func:`undecided_includes` instead.
    """
    got = ctx.cache.get("bound")
    if got is None:
        got = ctx.cache["bound"] = _bind(ctx, None)[0]
    return got  # type: ignore[no-any-return]


def _bind(ctx: CheckContext, reuse: FrameReuse | None
          ) -> tuple[list[Any], list[tuple[Bound, Mapping[str, Any]]]]:
    """The bound rows (with ``Replay`` entries when ``reuse`` is given) and the rows
    left unbound by an undecided include condition."""
    out: list[Any] = []
    undecided: list[tuple[Bound, Mapping[str, Any]]] = []
    req = ctx.requirements
    if req is not None:
        status = module_status(ctx)
        shared, _ = frame_items(ctx)
        root = ctx.dataset
        # One scope for the top level: its condition results serve every module.
        keys = ctx.cache.get("top_keys")  # module_status made it (read only here)
        top = (ItemScope(root, (), None, None, None, None),
               keys if keys is not None else int_keys(root))
        binder = _Binder(ctx, out, undecided, shared, reuse)
        for m in req.modules:
            st = status.get(m.id)
            if st is not None and st.applies:
                binder.bind(m.attrs, root, (), None, m, None, None, None, top)
    return out, undecided


def undecided_includes(ctx: CheckContext) -> list[tuple[Bound, Mapping[str, Any]]]:
    """Rows left unbound because an include condition could not be decided, each with
    the first undecided include condition (those of ``bound_rows``: the groups it
    repeats are left out, as their conditions are reported once per row anyway)."""
    bound_rows(ctx)
    return ctx.cache["undecided"]  # type: ignore[no-any-return]


def _groups(keys: set[int], attr: AttrReq) -> list[int]:
    gmask, gvalue = attr.mask >> 16, attr.tag >> 16
    return sorted({k >> 16 for k in keys if (k >> 16) & gmask == gvalue})


class _Plan:
    """How to bind one row list: the rows always bound (table order) and the rows bound
    only when present, by tag, to be picked from the item's keys: absent Type 3 rows
    (most rows of most modules) and absent functional group rows without an include
    condition (one per macro in every frame's item) have nothing to say; where a
    functional group sits is the functional-group check's business."""

    __slots__ = ("always", "always_idx", "optional", "optional_tags")

    def __init__(self, attrs: tuple[AttrReq, ...]) -> None:
        always: list[int] = []
        optional: dict[int, list[int]] = {}
        for i, a in enumerate(attrs):
            if a.exact and (a.optional or a.fg_macro is not None and not a.guards):
                optional.setdefault(a.tag, []).append(i)
            elif a.exact or a.mask & 0xFFFF == 0xFFFF:
                always.append(i)
        self.always_idx = tuple(always)
        self.always = tuple(attrs[i] for i in always)
        self.optional = optional
        self.optional_tags = frozenset(optional)

    def rows(self, attrs: tuple[AttrReq, ...], keys: set[int]) -> tuple[AttrReq, ...]:
        """The rows to bind in an item holding ``keys``, in table order (findings come
        out in row order)."""
        hits = self.optional_tags.intersection(keys)
        if not hits:
            return self.always
        picked = list(self.always_idx)
        optional = self.optional
        for t in hits:
            picked.extend(optional[t])
        picked.sort()
        return tuple(attrs[i] for i in picked)


_PLANS: dict[int, tuple[tuple[AttrReq, ...], _Plan]] = {}


def _plan(attrs: tuple[AttrReq, ...]) -> _Plan:
    """The plan of a row list (compiled trees are shared and immutable: one per list)."""
    hit = _PLANS.get(id(attrs))
    if hit is not None and hit[0] is attrs:
        return hit[1]
    plan = _Plan(attrs)
    # Holding ``attrs`` keeps its id from being reused (compiled trees live on anyway).
    _PLANS[id(attrs)] = (attrs, plan)
    return plan


class _Binder:
    """One binding pass: the output lists and what every item shares."""

    __slots__ = ("ctx", "out", "undecided", "shared", "reuse", "groups")

    def __init__(self, ctx: CheckContext, out: list[Any],
                 undecided: list[tuple[Bound, Mapping[str, Any]]],
                 shared: Dataset | None, reuse: FrameReuse | None) -> None:
        self.ctx = ctx
        self.out = out
        self.undecided = undecided
        self.shared = shared
        self.reuse = reuse
        self.groups: dict[Hashable, tuple[int, int, int]] = {}  # key -> rows, frame

    def guarded(self, a: AttrReq, b: Bound) -> bool:
        """Whether the include conditions of ``a`` let it apply here (undecided ones
        are recorded and do not apply)."""
        for guard in a.guards:
            r = b.scope.decide(self.ctx, guard)
            if r is False:
                return False
            if r is None:
                self.undecided.append((b, guard))
                return False
        return True

    def bind(self, attrs: tuple[AttrReq, ...], item: Dataset, parents: tuple[Dataset, ...],
             where: ElementPath | None, owner: ModuleReq | FunctionalGroupReq,
             frame: tuple[Dataset, ...] | None, index: int | None,
             sequence: Sequence | None, top: tuple[ItemScope, set[int]] | None = None
             ) -> None:
        out = self.out
        if top is not None:
            scope, keys = top
        else:
            keys = int_keys(item)
            scope = ItemScope(item, parents, where, frame, index, sequence)
        for a in _plan(attrs).rows(attrs, keys):
            if not a.exact:
                if a.mask & 0xFFFF != 0xFFFF:
                    continue  # element-number masks name families, not required attributes
                for g in _groups(keys, a):
                    tag = g << 16 | a.tag & 0xFFFF
                    b = Bound(a, tag, scope, owner, tag in keys)
                    if not a.guards or self.guarded(a, b):
                        out.append(b)
                continue
            tag = a.tag
            present = tag in keys
            if not present and a.optional:
                continue
            b = Bound(a, tag, scope, owner, present)
            if a.guards and not self.guarded(a, b):
                continue
            out.append(b)
            if present and a.children:
                if self.reuse is not None and index is not None and parents:
                    n = per_frame_index(where)
                    if n is not None and where is not None and len(parents) == 1:
                        self.group(a, item, parents, where, owner, frame, n)
                        continue
                self.items(a, item, parents, where, owner, frame)

    def group(self, a: AttrReq, item: Dataset, parents: tuple[Dataset, ...],
              where: ElementPath, owner: ModuleReq | FunctionalGroupReq,
              frame: tuple[Dataset, ...] | None, n: int) -> None:
        """Bind the items of functional group ``a`` in Per-frame item ``n``, or repeat
        those of an earlier frame whose group has the same key."""
        key = self.reuse.key(item, a.tag, a.children)  # type: ignore[union-attr]
        done = self.groups.get(key) if key is not None else None
        out = self.out
        if done is not None:
            first, last, source = done
            out.append(Replay(first, last, source, n))
            return
        first = len(out)
        self.items(a, item, parents, where, owner, frame)
        if key is not None:
            self.groups[key] = (first, len(out), n)

    def items(self, a: AttrReq, item: Dataset, parents: tuple[Dataset, ...],
              where: ElementPath | None, owner: ModuleReq | FunctionalGroupReq,
              frame: tuple[Dataset, ...] | None) -> None:
        """Bind the children of sequence row ``a`` in every item of the sequence."""
        if len(parents) >= self.ctx.limits.max_depth:
            return  # the traversal reports nesting-too-deep
        elem = stored(item, a.tag)
        if type(elem) is not DataElement:  # the recorded datasets hold sequences converted
            try:
                elem = item[a.tag]
            except Exception:  # unparsable sequence: reported by the traversal
                return
        if elem.VR != "SQ" or not elem.value:
            return
        seq = elem.value
        base = ElementPath(where, a.tag)
        inner = parents + (item,)
        shared = self.shared
        for n, sub in enumerate(seq):
            if not isinstance(sub, Dataset):
                continue
            f = frame
            if a.tag == SHARED_FG and not parents:
                f = (sub,)
            elif a.tag == PER_FRAME_FG and not parents:
                f = (shared, sub) if shared is not None else (sub,)
            self.bind(a.children, sub, inner, base.item(n), owner, f, n, seq)
