"""Which modules and functional groups a dataset has (PS3.3 Annex A usage, C.7.6.16).

A module counts as present when any of its top-level attributes (its own rows and the
rows of the macros it includes) is present; a functional group when its macro's
sequence is in the Shared item or any Per-frame item.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydicom.dataset import Dataset

from conformance.conditions.context import EvalContext
from conformance.engine.requirement_types import PER_FRAME_FG, SHARED_FG

if TYPE_CHECKING:
    from conformance.engine.context import CheckContext


@dataclass(frozen=True, slots=True)
class ModuleStatus:
    """How a module of the IOD stands in one dataset (PS3.3 A.1.3)."""

    present: bool  # attributes of it are in the dataset
    required: bool | None  # M: True; C: its condition (None: undecidable); U: False
    applies: bool  # its rows are checked against the dataset
    missing: bool  # required, absent, and it has a row whose absence shows it


def _evidence(ctx: CheckContext) -> dict[str, bool]:
    """``{module id: any of its own tags present}``; tags a Mandatory module shares are
    no evidence for a C/U module (e.g. Image Pixel's palette descriptors)."""
    out: dict[str, bool] = {}
    req = ctx.requirements
    if req is None:
        return out
    # Plain ints: looking an int up among pydicom's BaseTag keys calls a Python __eq__.
    keyset = ctx.cache.get("top_keys")
    if keyset is None:
        keyset = ctx.cache["top_keys"] = set(map(int, ctx.dataset.keys()))
    # Only keys outside the exact tags can be repeating-group (60xx) instances: the masks
    # they match are found once, for every module.
    matched: set[tuple[int, int]] | None = None
    for m in req.modules:
        present = not m.presence_tags.isdisjoint(keyset)
        if not present and m.presence_masks:
            if matched is None:
                groups = req.top_mask_groups
                matched = {(k & mask, mask) for k in keyset.difference(req.top_tags)
                           for mask, values in groups if k & mask in values}
            present = not matched.isdisjoint(m.presence_masks)
        out[m.id] = present
    return out


_STATUS: dict[tuple[bool, bool | None, bool, bool], ModuleStatus] = {}


def _status(present: bool, required: bool | None, applies: bool, missing: bool
            ) -> ModuleStatus:
    """The ModuleStatus of these facts (immutable: one shared instance each)."""
    key = (present, required, applies, missing)
    got = _STATUS.get(key)
    if got is None:
        got = _STATUS[key] = ModuleStatus(present, required, applies, missing)
    return got


def module_status(ctx: CheckContext) -> dict[str, ModuleStatus]:
    """``{module id: ModuleStatus}`` for the modules of the IOD (cached per dataset).

    A module whose usage requires it (M, or C with a true condition) is present when
    any of its top-level attributes is, shared ones included: the dataset then holds its
    attributes whichever module the writer had in mind. A required module whose rows are
    all conditional or Type 3 (e.g. Cine) cannot be seen to be absent, since a dataset
    holding none of them may conform; its rows are checked instead of reporting it
    missing. C conditions are evaluated at the top level with ``module_present`` judged
    from own-tag evidence, which keeps modules whose conditions name each other finite.
    """
    got = ctx.cache.get("module_status")
    if got is not None:
        return got
    out: dict[str, ModuleStatus] = {}
    req = ctx.requirements
    evidence = _evidence(ctx)
    # Conditions evaluated below see the evidence through ``module_present``.
    ctx.cache["presence"] = evidence
    if req is not None:
        keyset: set[int] = ctx.cache["top_keys"]
        ectx: EvalContext | None = None
        for m in req.modules:
            required: bool | None = False
            if m.usage == "M":
                required = True
            elif m.usage == "C":
                if ectx is None:
                    _, per_frame = frame_items(ctx)
                    ectx = EvalContext(item=ctx.dataset, root=ctx.dataset,
                                       all_frames=per_frame or None,
                                       module_present=module_present_fn(ctx))
                required = ctx.evaluate((m.condition or {}).get("expr"), ectx)
            present = evidence.get(m.id, False) or (
                required is True and not m.all_tags.isdisjoint(keyset))
            out[m.id] = _status(present, required,
                                present or (required is True and not m.evident),
                                required is True and not present and m.evident)
    ctx.cache["presence"] = {k: v.present for k, v in out.items()}
    ctx.cache["module_status"] = out
    return out


def module_presence(ctx: CheckContext) -> dict[str, bool]:
    """``{module id: present}`` for the modules of the IOD (cached per dataset)."""
    got = ctx.cache.get("presence")
    if got is not None:
        return got
    module_status(ctx)
    return ctx.cache["presence"]


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


def per_frame_groups_needed(ctx: CheckContext) -> bool | None:
    """Whether some frame has non-empty Per-frame Functional Groups (PS3.3 C.7.6.16,
    the condition of Per-frame Functional Groups Sequence (5200,9230) in editions that
    make it 1C): a Mandatory functional group macro of the IOD whose attributes are not
    in the Shared item can only sit in Per-frame items (each macro is in the Shared item
    or in every Per-frame item); so can anything a present Per-frame item holds.
    False when every Mandatory macro is shared and no Per-frame item holds anything;
    None for an IOD without functional groups."""
    req = ctx.requirements
    if req is None or not req.functional_groups:
        return None
    shared, per_frame = frame_items(ctx)
    if any(len(item) for item in per_frame):
        return True
    shared_keys = set(map(int, shared.keys())) if shared is not None else set()
    return any(fg.usage == "M" and fg.tags and fg.tags.isdisjoint(shared_keys)
               for fg in req.functional_groups)


def module_present_fn(ctx: CheckContext) -> Callable[[str, str], bool | None]:
    """The ``EvalContext.module_present`` callback for this dataset."""
    fn = ctx.cache.get("module_present_fn")
    if fn is not None:
        return fn

    def present(module_id: str, kind: str = "module") -> bool | None:
        if kind in ("iod", "iod_functional_group"):
            return _in_iod(ctx, module_id, kind)
        if kind == "functional_group":
            return functional_group_presence(ctx, module_id)
        if kind == "module":
            got = module_presence(ctx).get(module_id)
            if got is not None:
                return got
        return _table_present(ctx, kind, module_id)

    ctx.cache["module_present_fn"] = present
    return present


def _in_iod(ctx: CheckContext, table_id: str, kind: str) -> bool | None:
    """Whether the IOD's own table lists a module (``iod``) or functional group
    (``iod_functional_group``) as Mandatory: True; not at all: False; C or U: None (a
    condition or the writer decides)."""
    req = ctx.requirements
    if req is None:
        return None
    uses = (req.modules if kind == "iod" else req.functional_groups)
    for u in uses:
        if (u.id if kind == "iod" else u.macro) == table_id:  # type: ignore[union-attr]
            return True if u.usage == "M" else None
    return False


_MAX_DEPTH = 24
_TABLE_TAGS: dict[tuple[int, str, str], tuple[Any, frozenset[int] | None]] = {}


def table_tags(std: Any, kind: str, table_id: str) -> frozenset[int] | None:
    """Exact top-level tags of a module or macro: its own rows plus, recursively, the
    top-level rows of the tables it includes (None: unknown table)."""
    key = (id(std), kind, table_id)
    hit = _TABLE_TAGS.get(key)
    if hit is not None and hit[0] is std:
        return hit[1]
    out: set[int] = set()
    known = _collect(std, kind, table_id, out, ())
    tags = frozenset(out) if known else None
    # Holding ``std`` keeps id(std) from being reused by another object.
    _TABLE_TAGS[key] = (std, tags)
    return tags


def _collect(std: Any, kind: str, table_id: str, out: set[int],
             stack: tuple[str, ...]) -> bool:
    name = f"{kind}:{table_id}"
    if name in stack or len(stack) > _MAX_DEPTH:
        return True  # include cycle: the rows are collected once already
    try:
        table = std.table(kind, table_id)
    except Exception:  # unknown or unreadable table
        return False
    for node in table.get("attributes", ()):
        if node.get("kind") == "include":
            inc = node.get("include") or {}
            _collect(std, inc.get("kind") or "macro", inc.get("id") or "", out,
                     stack + (name,))
            continue
        tag = node.get("tag") or "x"
        if len(tag) == 8 and "x" not in tag.lower():
            out.add(int(tag, 16))
    return True


def _table_present(ctx: CheckContext, kind: str, table_id: str) -> bool | None:
    """Presence of a module/macro the IOD does not list: any of its top-level tags
    (includes followed) present."""
    if kind == "functional_group":
        return None
    tags = table_tags(ctx.standard, "macro" if kind == "macro" else "module", table_id)
    if not tags:
        return None
    keyset = ctx.cache.get("top_keys")
    if keyset is None:
        keyset = ctx.cache["top_keys"] = set(map(int, ctx.dataset.keys()))
    return not tags.isdisjoint(keyset)
