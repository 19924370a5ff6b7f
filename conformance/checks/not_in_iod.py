"""Standard attributes that no module of the IOD defines (PS3.3 A.1; PS3.4 B.2)."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.checks.registry import dataset_check
from conformance.engine.context import CheckContext
from conformance.engine.finding import Finding
from conformance.engine.requirements import matches_masks

_ITEM_PADDING = 0xFFFCFFFC  # PS3.5 7.8 Data Set Trailing Padding


@dataset_check("not-in-iod", reference="PS3.4 B.2; PS3.3 A.1")
def not_in_iod(ctx: CheckContext) -> Iterator[Finding]:
    """PS3.3 Section A.1 lists the modules of each IOD; a public attribute at the top
    level that none of them defines makes the instance a Standard Extended SOP Class
    (PS3.4 Section B.2): allowed, but worth a warning. Group lengths, trailing padding,
    private and File Meta elements are not reported; repeating groups (60xx) match by
    mask."""
    req = ctx.requirements
    if req is None or not ctx.options.get("not_in_iod", True):
        return
    ref = ctx.reference(req.reference)
    dictionary = ctx.standard.dictionary
    for tag in sorted(ctx.dataset.keys()):
        t = int(tag)
        group = t >> 16
        if group & 1 or t & 0xFFFF == 0 or t == _ITEM_PADDING or group == 0x0002:
            continue
        if t in req.top_tags or matches_masks(t, req.top_masks):
            continue
        entry = dictionary.get(t)
        if entry is None:
            continue  # not a standard attribute: nothing to compare against the IOD
        vr = entry.vr or "??"
        yield ctx.finding(
            "not-in-iod", "warning",
            f"Attribute is not present in standard DICOM IOD - ({group:04X},{t & 0xFFFF:04X}) "
            f"{vr} {entry.name} (IOD {req.name})", tag=t, reference=ref)
