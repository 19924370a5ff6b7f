"""Which modules and functional groups a dataset has (PS3.3 Annex A usage, C.7.6.16).

A module counts as present when any of its top-level attributes is present; a
functional group when its macro's sequence is in the Shared item or any Per-frame item.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pydicom.dataset import Dataset

from conformance.engine.requirements import PER_FRAME_FG, SHARED_FG, matches_masks

if TYPE_CHECKING:
    from conformance.engine.context import CheckContext


def module_presence(ctx: CheckContext) -> dict[str, bool]:
    """``{module id: present}`` for the modules of the IOD (cached per dataset)."""
    got = ctx.cache.get("presence")
    if got is not None:
        return got
    out: dict[str, bool] = {}
    req = ctx.requirements
    if req is not None:
        # Plain ints: looking an int up among pydicom's BaseTag keys calls a Python __eq__.
        keyset = set(map(int, ctx.dataset.keys()))
        # Only keys outside the exact tags can be repeating-group (60xx) instances.
        loose: list[int] | None = None
        for m in req.modules:
            present = not m.presence_tags.isdisjoint(keyset)
            if not present and m.presence_masks:
                if loose is None:
                    loose = [k for k in keyset if k not in req.top_tags]
                present = any(matches_masks(k, m.presence_masks) for k in loose)
            out[m.id] = present
    ctx.cache["presence"] = out
    return out


def _items(ds: Dataset, tag: int) -> tuple[Dataset, ...]:
    try:
        elem = ds.get(tag)
    except Exception:  # unparsable sequence: reported by the traversal
        return ()
    if elem is None or elem.VR != "SQ" or not elem.value:
        return ()
    return tuple(i for i in elem.value if isinstance(i, Dataset))


def frame_items(ctx: CheckContext) -> tuple[Dataset | None, tuple[Dataset, ...]]:
    """(Shared Functional Groups item or None, Per-frame items) of the dataset."""
    got = ctx.cache.get("frames")
    if got is None:
        shared = _items(ctx.dataset, SHARED_FG)
        got = (shared[0] if shared else None, _items(ctx.dataset, PER_FRAME_FG))
        ctx.cache["frames"] = got
    return got


def functional_group_presence(ctx: CheckContext, macro_id: str) -> bool | None:
    """Whether the functional group macro is used in any frame (None: not in the IOD)."""
    req = ctx.requirements
    if req is None:
        return None
    for fg in req.functional_groups:
        if fg.macro == macro_id:
            shared, per_frame = frame_items(ctx)
            holders = ((shared,) if shared is not None else ()) + per_frame
            return any(not fg.tags.isdisjoint(h.keys()) for h in holders)
    return None


def module_present_fn(ctx: CheckContext) -> Callable[[str, str], bool | None]:
    """The ``EvalContext.module_present`` callback for this dataset."""
    fn = ctx.cache.get("module_present_fn")
    if fn is not None:
        return fn

    def present(module_id: str, kind: str = "module") -> bool | None:
        if kind == "functional_group":
            return functional_group_presence(ctx, module_id)
        if kind == "module":
            got = module_presence(ctx).get(module_id)
            if got is not None:
                return got
        return _table_present(ctx, kind, module_id)

    ctx.cache["module_present_fn"] = present
    return present


def _table_present(ctx: CheckContext, kind: str, table_id: str) -> bool | None:
    """Presence of a module/macro the IOD does not list: any of its top tags present."""
    try:
        table = ctx.standard.table("macro" if kind == "macro" else "module", table_id)
    except Exception:  # unknown id: the condition cannot be decided
        return None
    tags = {int(n["tag"], 16) for n in table.get("attributes", ())
            if n.get("kind") == "attribute" and "x" not in (n.get("tag") or "x")}
    if not tags:
        return None
    if kind == "functional_group":
        return None
    return not tags.isdisjoint(ctx.dataset.keys())
