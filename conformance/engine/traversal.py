"""One walk over every data element, nested sequences included, for the element checks.

Element checks get each element as pydicom stored it when the CheckContext was made
(``RawDataElement``, or ``DataElement`` for values already converted or built in
memory), with its ``ElementPath`` whose ``scope`` is the enclosing dataset's
``ReadScope``. Nothing is converted to be looked at: only sequences (to walk into
them), ambiguous VRs (``US or SS`` ...) and elements whose bytes pydicom may refuse
(``convertible``) are converted; a refusal is an ``element-unreadable`` finding and the
element checks skip that element.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Hashable, Iterable, Sequence
from functools import partial
from typing import Any

from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

from conformance.engine.context import CheckContext
from conformance.engine.conversion import SAFE_VRS, convertible, strict_reading
from conformance.engine.deferred import AMBIGUOUS_BINARY, is_deferred, resolve_vr
from conformance.engine.finding import Finding
from conformance.engine.frame_reuse import FrameReuse, frame_reuse
from conformance.engine.path import ElementPath, per_frame_index
from conformance.engine.read_scope import AsRead, ReadScope
from conformance.engine.registry import CheckInfo
from conformance.errors import ConformanceError

Call = tuple[CheckInfo, Callable[..., Iterable[Finding]]]


def internal_error(ctx: CheckContext, check: CheckInfo, exc: BaseException,
                   where: ElementPath | None = None) -> Finding:
    """A check raised: report it as a finding so the other checks still run."""
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
    return ctx.finding(
        "internal-error", "error",
        f"check {check.name} failed: {type(exc).__name__}: {exc}{at}; "
        "its results for this dataset are incomplete",
        where=where,
    )


def root_scope(ctx: CheckContext) -> ReadScope:
    """The root dataset's scope (recorded by the CheckContext, else now)."""
    as_read = getattr(ctx, "as_read", None)
    if as_read is None or as_read.root.dataset is not ctx.dataset:
        as_read = AsRead(ctx.dataset, ctx.facts, ctx.file_meta)
        ctx.as_read = as_read
    return as_read.root


class _Dispatch:
    """The element checks by VR: a check registered with ``vrs`` only sees those; and
    the findings inside each functional group that later frames repeat."""

    def __init__(self, checks: Sequence[CheckInfo], reuse: FrameReuse | None) -> None:
        self.checks = checks
        # pydicom in RAISE mode refuses invalid values of any VR: convert them all.
        self.strict = strict_reading()
        self.by_vr: dict[str, tuple[Call, ...]] = {}
        self.reuse = reuse
        self.groups: dict[Hashable, tuple[int, list[Finding]]] = {}

    def for_vr(self, vr: str) -> tuple[Call, ...]:
        got = self.by_vr.get(vr)
        if got is None:
            got = self.by_vr[vr] = tuple(
                (c, c.fn) for c in self.checks if c.vrs is None or vr in c.vrs)
        return got


def traverse(ctx: CheckContext, checks: Sequence[CheckInfo], sink: list[Finding]) -> None:
    """Call every element check on every element (document order, depth first)."""
    if checks:
        _walk(root_scope(ctx), None, _Dispatch(checks, frame_reuse(ctx)), ctx, sink)


def _private_data(tag: int) -> bool:
    """A private data element (odd group, element 0x1000 or above): not a creator."""
    return bool(tag >> 16 & 1) and tag & 0xFFFF >= 0x1000 and tag >> 16 > 0x0008


def _walk(scope: ReadScope, parent: ElementPath | None, dispatch: _Dispatch,
          ctx: CheckContext, sink: list[Finding]) -> None:
    elements = scope.elements
    by_vr = dispatch.by_vr
    strict = dispatch.strict
    for tag in sorted(elements, key=int):  # BaseTag's comparisons are slow; same order
        elem: Any = elements[tag]
        vr = elem.VR
        value: Any = None
        if type(elem) is RawDataElement:
            if vr is None or vr == "UN" or scope.vrs:
                vr = scope.vr(elem)
            if vr in AMBIGUOUS_BINARY and not strict and is_deferred(elem):
                vr = resolve_vr(scope.dataset, elem, vr)  # without reading the value
                scope.resolved(tag, vr)
            if (strict or vr not in SAFE_VRS or elem.value is None) and (
                    strict or not convertible(elem, vr)):
                try:
                    converted = scope.dataset[tag]
                except Exception as exc:  # pydicom could not convert the stored bytes
                    sink.append(ctx.finding(
                        "element-unreadable", "error",
                        f"element cannot be parsed: {type(exc).__name__}: {exc}",
                        where=ElementPath(parent, tag, None, scope, vr)))
                    continue
                vr = converted.VR
                scope.resolved(tag, vr)
                value = converted.value if vr == "SQ" else None
        elif vr == "SQ":
            value = elem.value
        if vr != "SQ" and elem.VR in (None, "UN") and _private_data(int(tag)):
            # Implicit VR: the file does not say a private element's VR; pydicom guesses
            # it from its private dictionary ("Unknown" SH ...). A guess is not checked as
            # if certain (PS3.5 7.8.1, 10.1): the element is checked as UN.
            vr = "UN"
        # A plain int in the path: dict lookups by ``where.tag`` skip BaseTag's __eq__.
        where = ElementPath(parent, int(tag), None, scope, vr)
        calls = by_vr.get(vr)
        if calls is None:
            calls = dispatch.for_vr(vr)
        for check, fn in calls:
            try:
                found = fn(elem, where, ctx)
                if found:  # most calls find nothing: skip the extend
                    sink.extend(found)
            except ConformanceError:
                raise  # a broken standard is the run's error, never a pass
            except Exception as exc:  # one broken check must not stop validation
                sink.append(internal_error(ctx, check, exc, where))
        if vr == "SQ" and value:
            as_read = scope.as_read
            if where.depth >= as_read.max_depth:
                sink.append(ctx.finding(
                    "nesting-too-deep", "error",
                    f"sequence nested {where.depth + 1} levels deep: its items are not "
                    f"checked (limit max_depth={as_read.max_depth})", where=where))
                continue
            reuse = dispatch.reuse
            if reuse is None or (frame := per_frame_index(parent)) is None:
                _items(value, scope, where, dispatch, ctx, sink)
                continue
            # A functional group: element checks see only the group's items, the root
            # and the file (their findings do not depend on the frame but for paths).
            sink.extend(reuse.repeated(
                reuse.key(scope.dataset, tag), frame,
                partial(_collected, value, scope, where, dispatch, ctx), dispatch.groups))


def _collected(value: Any, scope: ReadScope, where: ElementPath, dispatch: _Dispatch,
               ctx: CheckContext) -> list[Finding]:
    """The findings of ``_items``, as a list of their own."""
    out: list[Finding] = []
    _items(value, scope, where, dispatch, ctx, out)
    return out


def _items(value: Any, scope: ReadScope, where: ElementPath, dispatch: _Dispatch,
           ctx: CheckContext, sink: list[Finding]) -> None:
    as_read = scope.as_read
    for i, item in enumerate(value):
        if isinstance(item, Dataset):
            path = where.item(i)
            _walk(as_read.scope(item, scope, path), path, dispatch, ctx, sink)
