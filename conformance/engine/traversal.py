"""One walk over every data element, nested sequences included, for the element checks."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Sequence

from pydicom.dataset import Dataset

from conformance.checks.registry import CheckInfo
from conformance.engine.context import CheckContext
from conformance.engine.finding import Finding
from conformance.engine.path import ElementPath


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


def traverse(ctx: CheckContext, checks: Sequence[CheckInfo], sink: list[Finding]) -> None:
    """Call every element check on every element (document order, depth first)."""
    if checks:
        _walk(ctx.dataset, None, tuple((c, c.fn) for c in checks), ctx, sink)


def _walk(ds: Dataset, parent: ElementPath | None,
          checks: Sequence[tuple[CheckInfo, Callable[..., Iterable[Finding]]]],
          ctx: CheckContext, sink: list[Finding]) -> None:
    # key=int: BaseTag's Python-level comparisons are slow; the order is the same.
    for tag in sorted(ds.keys(), key=int):
        where = ElementPath(parent, tag)
        try:
            elem = ds[tag]
        except Exception as exc:  # pydicom could not convert the raw bytes
            sink.append(ctx.finding(
                "element-unreadable", "error",
                f"element cannot be parsed: {type(exc).__name__}: {exc}", where=where))
            continue
        for check, fn in checks:
            try:
                found = fn(elem, where, ctx)
                if found:  # most calls find nothing: skip the extend
                    sink.extend(found)
            except Exception as exc:  # one broken check must not stop validation
                sink.append(internal_error(ctx, check, exc, where))
        if elem.VR == "SQ" and elem.value:
            for i, item in enumerate(elem.value):
                if isinstance(item, Dataset):
                    _walk(item, where.item(i), checks, ctx, sink)
