"""Module usage of the IOD: Mandatory and Conditional modules must be present (PS3.3 A.1.3)."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.checks.registry import dataset_check
from conformance.conditions.context import EvalContext
from conformance.engine.context import CheckContext
from conformance.engine.finding import Finding
from conformance.engine.presence import frame_items, module_presence


@dataset_check("module-missing", "condition-not-checked", reference="PS3.3 A.1.3")
def modules_present(ctx: CheckContext) -> Iterator[Finding]:
    """PS3.3 Section A.1.3 (IOD Module Table and Functional Group Macro Table): a module
    with usage M shall be present; usage C shall be present when its condition holds.
    A module counts as present when any of its (top-level) attributes is present."""
    req = ctx.requirements
    if req is None:
        return
    presence = module_presence(ctx)
    ectx: EvalContext | None = None
    for m in req.modules:
        if m.usage not in ("M", "C") or presence.get(m.id):
            continue
        ref = ctx.reference(req.reference)
        if m.usage == "M":
            yield ctx.finding("module-missing", "error",
                              f"Mandatory module {m.name} is missing (no attribute of it "
                              f"is present) Module=<{m.name}>", module=m.id, reference=ref)
            continue
        cond = m.condition or {}
        if ectx is None:
            _, per_frame = frame_items(ctx)
            ectx = EvalContext(item=ctx.dataset, root=ctx.dataset,
                               all_frames=per_frame or None,
                               module_present=ctx.module_present())
        result = ctx.evaluate(cond.get("expr"), ectx)
        if result is True:
            yield ctx.finding("module-missing", "error",
                              f"Conditional module {m.name} is missing although its "
                              f"condition holds: {cond.get('text', '')!r} Module=<{m.name}>",
                              module=m.id, reference=ref)
        elif result is None:
            why = f" ({cond['error']})" if cond.get("error") else ""
            yield ctx.finding("condition-not-checked", "info",
                              f"Conditional module {m.name} is absent; its condition could "
                              f"not be evaluated{why}: {cond.get('text', '')!r}",
                              module=m.id, reference=ref)
