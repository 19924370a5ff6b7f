"""Functional groups of multi-frame IODs: Shared or every Per-frame item (PS3.3 C.7.6.16)."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.conditions.context import EvalContext
from conformance.engine.context import CheckContext
from conformance.engine.finding import Finding
from conformance.engine.presence import frame_items, module_present_fn
from conformance.engine.registry import dataset_check
from conformance.engine.requirement_types import PER_FRAME_FG, SHARED_FG
from conformance.engine.undecided import condition_class, missing_names


def _frames(idx: list[int]) -> str:
    shown = ", ".join(str(i) for i in idx[:8])
    return shown + (f", ... ({len(idx)} in all)" if len(idx) > 8 else "")


@dataset_check("functional-group", "condition-not-checked", reference="PS3.3 C.7.6.16")
def functional_groups(ctx: CheckContext) -> Iterator[Finding]:
    """PS3.3 Section C.7.6.16 (Multi-frame Functional Groups Module): each functional
    group macro's attributes are in the Shared Functional Groups Sequence item or in
    every item of the Per-frame Functional Groups Sequence, never both; the IOD's
    Functional Group Macro table (PS3.3 A.1.3) says which macros are M, C or U."""
    req = ctx.requirements
    if req is None or not req.functional_groups:
        return
    shared, per_frame = frame_items(ctx)
    if shared is None and not per_frame:
        return  # the missing sequences themselves are reported by the attribute check
    ectx: EvalContext | None = None
    # The frames holding each tag, from one pass over the items (a test per group and
    # frame costs 30 groups x 5,000 frames of Dataset.__contains__).
    holders: dict[int, list[int]] = {}
    for i, f in enumerate(per_frame):
        for t in f._dict:
            holders.setdefault(int(t), []).append(i)
    for fg in req.functional_groups:
        ref = ctx.reference(fg.reference)
        for a in fg.attrs:
            if not a.exact:
                continue
            in_shared = shared is not None and a.tag in shared
            frames = holders.get(a.tag, [])
            label = f"Element=<{ctx.keyword(a.tag)}> Macro=<{fg.name}>"
            if in_shared and frames:
                yield ctx.finding(
                    "functional-group", "error",
                    f"Functional group in both the Shared item and Per-frame items "
                    f"({_frames(frames)}) {label}", where=_item(SHARED_FG, 0), tag=a.tag,
                    module=fg.macro, reference=ref)
            elif frames and len(frames) < len(per_frame):
                holding = set(frames)  # once, not per frame (5,000 frames: quadratic)
                missing = [i for i in range(len(per_frame)) if i not in holding]
                yield ctx.finding(
                    "functional-group", "error",
                    f"Functional group not shared and missing from Per-frame items "
                    f"{_frames(missing)} of {len(per_frame)} {label}",
                    where=_item(PER_FRAME_FG, missing[0]), tag=a.tag, module=fg.macro,
                    reference=ref)
            elif not in_shared and not frames and a.type in ("1", "2"):
                if fg.usage == "M":
                    yield ctx.finding(
                        "functional-group", "error",
                        f"Mandatory functional group missing (neither in the Shared item "
                        f"nor in the Per-frame items) {label}", tag=a.tag, module=fg.macro,
                        reference=ref)
                elif fg.usage == "C":
                    cond = fg.condition or {}
                    if ectx is None:
                        ectx = EvalContext(item=ctx.dataset, root=ctx.dataset,
                                           all_frames=per_frame or None,
                                           frame_items=(shared,) if shared else None,
                                           module_present=module_present_fn(ctx))
                    r = ctx.evaluate(cond.get("expr"), ectx)
                    if r is True:
                        yield ctx.finding(
                            "functional-group", "error",
                            f"Conditional functional group missing although its condition "
                            f"holds: {cond.get('text', '')!r} {label}", tag=a.tag,
                            module=fg.macro, reference=ref)
                    elif r is None and condition_class(cond) == "data":
                        # process conditions are listed per IOD (engine/undecided.py)
                        why = missing_names(ctx, cond.get("expr"), ectx)
                        yield ctx.finding(
                            "condition-not-checked", "info",
                            f"Conditional functional group absent; condition not "
                            f"checked: {why}: {cond.get('text', '')!r} {label}", tag=a.tag,
                            module=fg.macro, reference=ref)


def _item(seq: int, index: int):  # type: ignore[no-untyped-def]
    from conformance.engine.path import ElementPath

    return ElementPath(None, seq, index)
