"""Retired data elements and UIDs (PS3.6 Section 6 and Table A-1; PS3.5 Section 7.2).

A data element marked RET in the dictionary, or a UID value marked retired in the UID
registry (retired SOP Classes, Transfer Syntaxes ...), of the standard in use. Group
Length elements (gggg,0000) other than (0002,0000) are retired (PS3.5 7.2).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance.checks.values._common import element_vr, make, stored_text
from conformance.checks.values._lookup import REF_UID_REGISTRY, cache_of
from conformance.engine.finding import Finding, Reference
from conformance.engine.registry import element_check
from conformance.tags import tag_display

REF_ELEMENT = Reference(part=6, section="6")
REF_UID = REF_UID_REGISTRY
REF_GROUP_LENGTH = Reference(part=5, section="7.2")


@element_check("retired", "group-length", reference="PS3.6 6, Table A-1; PS3.5 7.2")
def check_retired(elem: Any, where: Any, ctx: Any) -> Iterable[Finding]:
    """PS3.6: retired elements and UIDs; PS3.5 7.2: Group Length outside group 0002."""
    tag = int(elem.tag)  # a plain int: BaseTag's == and dict probes run Python code
    group = tag >> 16
    if tag & 0xFFFF == 0 and group != 0x0002:
        return [make(ctx, "group-length", "warning",
                     f"Group Length {tag_display(tag)}: group lengths other than (0002,0000) "
                     "are retired", where, REF_GROUP_LENGTH)]
    if group & 1:
        return ()
    out: list[Finding] = []
    cache = cache_of(ctx.standard)
    info = cache.info(tag)
    if info is not None and info.retired:
        out.append(make(ctx, "retired", "warning",
                        f"{info.entry.name} {tag_display(tag)} is retired", where, REF_ELEMENT))
    if element_vr(elem, where, ctx) != "UI":
        return out
    # The dataset's own retired SOP Class without an IOD is already iod-unknown's finding.
    if tag == 0x00080016 and getattr(where, "parent", None) is None and ctx.iod is None:
        return out
    text = stored_text(elem).rstrip("\x00 ")
    for value in text.split("\\") if text else ():
        uid = value.strip("\x00 ")
        hit = cache.retired_uid(uid)
        if hit is not None:
            kind = hit.get("type") or "SOP Class"
            out.append(make(ctx, "retired", "warning",
                            f"{uid} is a retired {kind}: {hit.get('name')}", where, REF_UID))
    return out
