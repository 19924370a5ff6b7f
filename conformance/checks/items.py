"""Number of items in a sequence, as the module or macro table states (PS3.3 Annex C)."""

from __future__ import annotations

from collections.abc import Iterator

from pydicom.dataelem import DataElement

from conformance.engine.context import CheckContext
from conformance.engine.elements import element, stored
from conformance.engine.finding import Finding
from conformance.engine.registry import dataset_check
from conformance.engine.walk import each_bound, moved_finding


@dataset_check("item-count", reference="PS3.3 Annex C; PS3.5 7.5")
def item_counts(ctx: CheckContext) -> Iterator[Finding]:
    """PS3.3 module and macro tables state how many Items a sequence holds ("Only a single
    Item shall be included", "One or more Items"); PS3.5 Section 7.5 defines Items. An
    empty Type 2 sequence is allowed, an empty Type 1 one is reported as type1-empty."""
    out: list[Finding] = []
    for b in each_bound(ctx, out, moved_finding(ctx)):
        a = b.attr
        if not b.present or a.items is None:
            continue
        elem = stored(b.item, b.tag)
        if type(elem) is not DataElement:  # the recorded datasets hold sequences converted
            elem = element(b.item, b.tag)
        if elem is None or elem.VR != "SQ":
            continue
        n = len(elem.value or ())
        lo, hi = a.items
        if n == 0 and a.type in ("1", "1C", "2", "2C"):
            continue
        if n < lo or (hi is not None and n > hi):
            want = f"{lo}-{hi if hi is not None else 'n'}" if hi != lo else str(lo)
            out.append(ctx.finding(
                "item-count", "error",
                f"Bad Sequence number of Items {n} ({want} Required by Module definition) "
                f"{b.label(ctx)}", where=b.where, tag=b.tag, module=b.owner_id,
                reference=ctx.reference(a.reference)))
    return iter(out)
