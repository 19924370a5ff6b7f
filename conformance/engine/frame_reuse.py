"""When a functional group of one frame repeats an earlier frame's, walks repeat their
output for it instead of walking it again.

Each item of the Per-frame Functional Groups Sequence (5200,9230) holds the functional
group sequences of one frame (PS3.3 C.7.6.16); most repeat byte for byte from frame to
frame, and the reader says which (``per_frame_read.FrameCopies``). What a walk finds
inside a group depends on the group's bytes, on the root, and, through the conditions
of the group's rows, on what their references find in the frame's item: the nearest
and parent scopes look there when the group's items lack the attribute, the frame
scope looks in every group of the frame (``conditions.lookup``). The ``key`` of a group
in a frame covers all three; groups with the same key give the same output, but for
the frame's index in the paths (``moved``). Whatever cannot be told (a ``referenced``
or ``fact`` condition, an operator or scope not listed here, a value not read as bytes)
gives no key: the group is walked as before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pydicom.dataelem import DataElement, RawDataElement

from conformance.engine.finding import Finding
from conformance.engine.path import ElementPath
from conformance.engine.requirement_types import PER_FRAME_FG

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from conformance.engine.context import CheckContext

# Operators whose inputs are the attributes their references name, the item's position
# in its sequence (the same for every copy of a group), the SOP Class or the modules
# present (the root): conditions/optable.py. ``referenced`` and ``fact`` look further.
_KNOWN_OPS = frozenset({
    "present", "absent", "has_value", "empty", "changed", "eq", "ne", "lt", "le", "gt",
    "ge", "and", "or", "not", "sop_class", "module_present", "points_to", "contains_code",
    "item_position", "mutually_exclusive", "unknown", "points_to_private", "count", "true",
    "false"})
# Operators that read further than their references' scopes: no key (see _collect).
LOOKS_FURTHER = frozenset({"referenced", "fact"})
# Scopes that never reach the frame's item: the same for every frame.
_FIXED_SCOPES = frozenset({"item", "root", "any_frame"})
_FRAME_ITEM_SCOPES = frozenset({"nearest", "parent"})


class _Unknown(Exception):
    """What a group's output depends on cannot be told."""


_UNKNOWN = object()
_MISSING: Any = object()
# What the conditions of a row tuple can read in a frame item, per tuple: compiled
# requirement trees are shared and immutable, so this is worked out once per process.
# By the ids of its rows (holding them keeps the ids unique; a tuple made again from
# the same rows finds its entry), and by id of the first such tuple: both bounded by the
# row tuples of the compiled trees, however many tuples a walk makes.
_BY_TUPLE: dict[int, tuple[Any, tuple[int, ...], Any]] = {}
_BY_ROWS: dict[tuple[int, ...], tuple[Any, Any]] = {}


def frame_reuse(ctx: CheckContext) -> FrameReuse | None:
    """The validation's FrameReuse (None when the reader found no copies)."""
    got = ctx.cache.get("frame_reuse")
    if got is None:
        copies = getattr(ctx.facts, "copies", None) if ctx.facts is not None else None
        got = ctx.cache["frame_reuse"] = (
            FrameReuse(copies.same, ctx.keyword(PER_FRAME_FG)) if copies is not None
            and copies.same else False)
    return got if isinstance(got, FrameReuse) else None


class FrameReuse:
    """Keys of the groups of Per-frame items, and findings moved from frame to frame."""

    def __init__(self, same: Mapping[tuple[int, int], int], keyword: str) -> None:
        self.same = same
        self.keyword = keyword
        # id(frame item) -> reference -> what it finds: the walks ask for the same ones
        self._seen: dict[int, dict[tuple[bool, int], Hashable]] = {}
        self._parts: dict[int, list[tuple[int, Any]]] = {}  # id(frame item) -> _groups

    def key(self, frame: Dataset, tag: int, rows: Iterable[Any] | None = None
            ) -> Hashable | None:
        """What the output for group ``tag`` of the Per-frame item ``frame`` depends on
        when its rows are ``rows`` (None: no conditions are evaluated); None: unknown."""
        same = self.same.get((id(frame), tag))
        if same is None:
            return None
        if rows is None:
            return (tag, same)
        ids, refs = references(rows)
        if refs is None:
            return None
        seen = self._seen.get(id(frame))
        if seen is None:
            seen = self._seen[id(frame)] = {}
        found = []
        for r in refs:
            got = seen.get(r, _MISSING)
            if got is _MISSING:
                try:
                    got = self._found(frame, r)
                except _Unknown:
                    got = _UNKNOWN
                seen[r] = got
            if got is _UNKNOWN:
                return None
            found.append(got)
        return (tag, same, ids, tuple(found))

    def _found(self, frame: Dataset, ref: tuple[bool, int]) -> Hashable:
        """What a lookup of the reference's first tag finds in the frame's item: the
        element there, and with the frame scope the one in each item of its groups."""
        in_groups, tag = ref
        here = self._element(frame, tag)
        if not in_groups:
            return here
        inner: list[Hashable] = []
        for t, part in self._groups(frame):
            if type(part) is tuple:  # the same bytes: the same items, whatever they hold
                inner.append((t, part))
            else:
                inner.append((t, tuple(self._element(item, tag) for item in part)))
        return (here, tuple(inner))

    def _groups(self, frame: Dataset) -> list[tuple[int, Any]]:
        """The frame item's sequences in tag order, the order the frame scope looks
        into them (the first hit counts): (tag, ("same", number)) for one whose bytes
        repeat, else (tag, its items)."""
        got = self._parts.get(id(frame))
        if got is not None:
            return got
        parts: list[tuple[int, Any]] = []
        stored = frame._dict
        for t in sorted(stored):
            elem = stored[t]
            same = self.same.get((id(frame), t))
            if same is not None:
                parts.append((int(t), ("same", same)))
            elif type(elem) is DataElement and elem.VR == "SQ":
                parts.append((int(t), list(elem.value)))
            elif type(elem) is not RawDataElement or elem.VR in (None, "UN", "SQ"):
                raise _Unknown  # a sequence not read as one yet
        self._parts[id(frame)] = parts
        return parts

    def _element(self, ds: Dataset, tag: int) -> Hashable:
        """What the stored element ``tag`` of ``ds`` is, as far as lookups can tell."""
        same = self.same.get((id(ds), tag))
        if same is not None:
            return ("same", same)
        elem = ds._dict.get(tag)  # type: ignore[call-overload]  # int keys find BaseTags
        if elem is None:
            return None
        if type(elem) is RawDataElement and isinstance(elem.value, bytes):
            return ("raw", int(elem.tag), elem.VR, elem.value)
        raise _Unknown

    # -- moving output from one frame to another -----------------------------------
    def _prefixes(self, frame: int) -> tuple[str, str]:
        """How the paths of findings in Per-frame item ``frame`` start (tag, keyword)."""
        return f"(5200,9230)[{frame}].", f"{self.keyword}[{frame}]."

    def movable(self, found: Iterable[Finding], source: int) -> bool:
        """Whether every finding is inside frame ``source`` (``moved`` can move it)."""
        old, old_kw = self._prefixes(source)
        return all((f.path or "").startswith(old) and (f.keyword_path or "").startswith(old_kw)
                   for f in found)

    def moved(self, f: Finding, source: int, frame: int) -> Finding:
        """Finding ``f`` of a group of frame ``source``, as frame ``frame`` has it."""
        old, old_kw = self._prefixes(source)
        path, kw = f.path or "", f.keyword_path or ""
        if not path.startswith(old) or not kw.startswith(old_kw):
            raise ValueError(f"finding {f.code} at {path!r} is not in frame {source}")
        new, new_kw = self._prefixes(frame)
        return dataclasses.replace(f, path=new + path[len(old):],
                                   keyword_path=new_kw + kw[len(old_kw):])

    def repeated(self, key: Hashable | None, frame: int,
                 walk: Callable[[], list[Finding]],
                 seen: dict[Hashable, tuple[int, list[Finding]]]
                 ) -> list[Finding]:
        """A walk's findings for a group of Per-frame item ``frame`` with ``key``: those
        of the earlier frame with that key (``seen``, the walk's own record), moved, or
        ``walk()``'s, recorded for later frames."""
        done = seen.get(key) if key is not None else None
        if done is not None:
            source, found = done
            return [self.moved(f, source, frame) for f in found]
        found = walk()
        if key is not None and self.movable(found, frame):
            seen[key] = (frame, found)
        return found


def references(rows: Iterable[Any]
               ) -> tuple[tuple[int, ...], tuple[tuple[bool, int], ...] | None]:
    """The rows' ids, and (frame scope?, first tag) of every reference of their
    conditions (any depth) that can reach the frame's item; None when a condition can
    look elsewhere. ``rows``: AttrReq rows, or tuples of them."""
    known = _BY_TUPLE.get(id(rows))
    if known is not None and known[0] is rows:
        return known[1], known[2]
    rows = tuple(rows)
    ids = tuple(map(id, rows))
    hit = _BY_ROWS.get(ids)
    if hit is None:
        refs: set[tuple[bool, int]] = set()
        try:
            stack = list(rows)
            while stack:
                a = stack.pop()
                if isinstance(a, tuple):  # rows grouped by defining table
                    stack.extend(a)
                    continue
                for cond in (a.condition, *a.guards):
                    if cond:
                        _collect(cond, refs)
                stack.extend(a.children)
            got: tuple[tuple[bool, int], ...] | None = tuple(sorted(refs))
        except _Unknown:
            got = None
        hit = _BY_ROWS[ids] = (rows, got)
    if hit[0] is rows:  # the tuple held in _BY_ROWS: fresh tuples are not kept
        _BY_TUPLE[id(rows)] = (rows, ids, hit[1])
    return ids, hit[1]


def moved_path(where: ElementPath, frame: int) -> ElementPath:
    """``where`` (inside a Per-frame item) in the Per-frame item ``frame`` instead."""
    steps = where.steps()
    tag, _ = steps[0]
    if tag != PER_FRAME_FG:
        raise ValueError(f"{where} is not in a Per-frame item")
    out = ElementPath(None, tag, frame)
    for t, i in steps[1:]:
        out = ElementPath(out, t, i)
    return out


def _collect(expr: Any, refs: set[tuple[bool, int]]) -> None:
    """Add the references of a condition (any nesting) that can reach the frame's item;
    raise _Unknown for what cannot be told."""
    if isinstance(expr, Mapping):
        op = expr.get("op")
        if op is not None and op not in _KNOWN_OPS:
            raise _Unknown
        for k, v in expr.items():
            if k == "attr" and op is not None:
                _reference(v, refs)
            elif k == "attrs" and op is not None:
                if not isinstance(v, list | tuple):
                    raise _Unknown
                for r in v:
                    _reference(r, refs)
            else:
                _collect(v, refs)
    elif isinstance(expr, list | tuple):
        for v in expr:
            _collect(v, refs)


def _reference(ref: Any, refs: set[tuple[bool, int]]) -> None:
    if not isinstance(ref, Mapping):
        raise _Unknown
    scope = ref.get("scope") or "nearest"
    if scope in _FIXED_SCOPES:
        return
    if scope not in _FRAME_ITEM_SCOPES and scope != "frame":
        raise _Unknown
    path = ref.get("path") or [ref.get("tag")]
    first = path[0] if isinstance(path, list | tuple) and path else None
    if not isinstance(first, str) or len(first) != 8:
        raise _Unknown
    try:
        tag = int(first, 16)  # "x" digits (repeating groups) fail here: unknown
    except ValueError:
        raise _Unknown from None
    refs.add((scope == "frame", tag))
