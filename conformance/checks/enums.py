"""Enumerated Values and Defined Terms of attributes (PS3.5 Section 6.2; PS3.3 Annex C)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

from conformance.conditions.compiled import raw_strings
from conformance.engine.context import CheckContext
from conformance.engine.conversion import stored_vr
from conformance.engine.elements import element, raw_is_empty, stored, values_of
from conformance.engine.finding import Finding
from conformance.engine.registry import dataset_check
from conformance.engine.requirement_types import EnumSpec
from conformance.engine.walk import each_bound, moved_finding
from conformance.tags import at_value

_SHOW = 12


def _allowed(spec: EnumSpec, value: Any, vr: str) -> bool:
    if vr == "AT":
        # PS3.3 lists tags as hex ("00181063H": Frame Time, C.8.5.6.1.4; PS3.5 6.2 AT):
        # compared as tags, whatever form the table or the value has
        tag = value if isinstance(value, int) else at_value(str(value))
        return tag is not None and tag in _at_values(spec)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) in spec.numbers or str(value) in spec.values
    text = str(value).strip(" \x00")
    return text in spec.values


_AT_SPECS: dict[int, tuple[EnumSpec, frozenset[int]]] = {}


def _at_values(spec: EnumSpec) -> frozenset[int]:
    hit = _AT_SPECS.get(id(spec))
    if hit is None or hit[0] is not spec:
        tags = frozenset(t for v in spec.values if (t := at_value(v)) is not None)
        hit = _AT_SPECS[id(spec)] = (spec, tags)
    return hit[1]


def _values(item: Dataset, tag: int) -> tuple[list[Any], str] | None:
    """(values, VR) of the element ``tag`` of ``item``; None when it has no value to look
    up. Nothing is converted when the stored bytes tell: padding only (no value), or the
    text of a CS, DA ... element (pydicom's conversion is a plain decode and split)."""
    raw = stored(item, tag)
    if raw is None:
        return None
    if type(raw) is RawDataElement:
        if raw_is_empty(raw, item):
            return None  # converted, every value would strip to "": nothing to look up
        strings = raw_strings(raw)
        if strings is not None:
            return strings, stored_vr(raw, item)
    elem = element(item, tag)
    if elem is None or elem.VR == "SQ":
        return None
    vals = values_of(elem)
    return (vals, elem.VR) if vals else None


def _listing(spec: EnumSpec) -> str:
    shown = ", ".join(spec.listed[:_SHOW])
    return shown + (f", ... ({len(spec.listed)} in all)" if len(spec.listed) > _SHOW else "")


@dataset_check("enum-value", "defined-term", reference="PS3.5 6.2; PS3.3 Annex C")
def enumerations(ctx: CheckContext) -> Iterator[Finding]:
    """PS3.3 module tables give Enumerated Values (only these are allowed: error) and
    Defined Terms (others may be used but should be registered: warning), per value
    index ("Value 1 shall be ..."); PS3.5 Section 6.2 (Value Representation) defines the
    terms."""
    out: list[Finding] = []
    for b in each_bound(ctx, out, moved_finding(ctx)):
        a = b.attr
        if not b.present or not a.enums:
            continue
        got = _values(b.item, b.tag)
        if got is None:
            continue
        vals, vr = got
        for spec in a.enums:
            if spec.index is None:
                targets: Iterable[tuple[int, Any]] = enumerate(vals, 1)
            elif len(vals) >= spec.index:
                targets = [(spec.index, vals[spec.index - 1])]
            else:
                continue
            # A VM 1 attribute may hold a million values: each distinct value is judged
            # once, and past the per-element limit bad values are only counted.
            verdicts: dict[Any, bool] = {}
            limit = ctx.limits.findings_per_element
            shown = more = 0
            pending: Finding | None = None
            for n, v in targets:
                try:
                    ok = verdicts.get(v)
                except TypeError:  # unhashable value
                    ok = None
                if ok is None:
                    ok = v is None or str(v).strip(" \x00") == "" or _allowed(spec, v, vr)
                    with contextlib.suppress(TypeError):
                        verdicts[v] = ok
                if ok:
                    continue
                if shown >= limit:
                    more += 1
                    continue
                shown += 1
                if pending is not None:
                    out.append(pending)
                enumerated = spec.kind == "enumerated"
                pending = ctx.finding(
                    "enum-value" if enumerated else "defined-term",
                    "error" if enumerated else "warning",
                    f"Unrecognized {'enumerated value' if enumerated else 'defined term'} "
                    f"<{str(v).strip()}> for value {n} of attribute <{a.name}> "
                    f"{b.label(ctx)}; {'allowed' if enumerated else 'defined'}: "
                    f"{_listing(spec)}",
                    where=b.where, tag=b.tag, module=b.owner_id,
                    reference=ctx.reference(a.reference))
            if pending is not None:
                if more:
                    pending = replace(pending, message=pending.message + (
                        f" [and {more} more value(s) not allowed, not listed]"))
                out.append(pending)
    return iter(out)
