"""Module usage of the IOD: Mandatory and Conditional modules must be present (PS3.3 A.1.3)."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.conditions.context import EvalContext
from conformance.engine.context import CheckContext
from conformance.engine.finding import Finding
from conformance.engine.presence import module_status
from conformance.engine.registry import dataset_check
from conformance.engine.undecided import condition_class, missing_names


@dataset_check("module-missing", "condition-not-checked", reference="PS3.3 A.1.3")
def modules_present(ctx: CheckContext) -> Iterator[Finding]:
    """PS3.3 Section A.1.3 (IOD Module Table and Functional Group Macro Table): a module
    with usage M shall be present; usage C shall be present when its condition holds.
    A module counts as present when any of its top-level attributes (includes expanded)
    is present. A required module none of whose rows is an unconditional Type 1 or 2
    (e.g. Cine, all 1C/2C/3) is not reported: holding none of its attributes may
    conform, so its rows are checked one by one instead (engine/presence.py)."""
    req = ctx.requirements
    if req is None:
        return
    status = module_status(ctx)
    for m in req.modules:
        st = status.get(m.id)
        if st is None or st.present or m.usage not in ("M", "C"):
            continue
        ref = ctx.reference(req.reference)
        cond = m.condition or {}
        if st.missing and m.usage == "M":
            yield ctx.finding("module-missing", "error",
                              f"Mandatory module {m.name} is missing (no attribute of it "
                              f"is present) Module=<{m.name}>", module=m.id, reference=ref)
        elif st.missing:
            yield ctx.finding("module-missing", "error",
                              f"Conditional module {m.name} is missing although its "
                              f"condition holds: {cond.get('text', '')!r} Module=<{m.name}>",
                              module=m.id, reference=ref)
        elif st.required is None and condition_class(cond) == "data":
            # process conditions are listed per IOD (engine/undecided.py)
            why = missing_names(ctx, cond.get("expr"), EvalContext.at_root(ctx.dataset))
            yield ctx.finding("condition-not-checked", "info",
                              f"Conditional module {m.name} is absent; its condition could "
                              f"not be checked: {why}: {cond.get('text', '')!r}",
                              module=m.id, reference=ref)
