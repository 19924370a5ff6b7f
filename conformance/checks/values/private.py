"""Private data elements and their reservations (PS3.5 Section 7.8.1).

Private elements live in odd groups other than 0001, 0003, 0005, 0007 and FFFF. A block
(gggg,xx00-xxFF), xx in 10-FF, is reserved by the Private Creator (gggg,00xx), an LO
value of VM 1. Element numbers (gggg,0001-000F) and (gggg,0100-0FFF) belong to no block.
Reservations are scoped to the dataset (or sequence item) that holds them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

from conformance.checks.values._common import converted_text, make, per_item, stored
from conformance.engine.finding import Finding, Reference
from conformance.engine.path import ElementPath
from conformance.engine.registry import dataset_check
from conformance.tags import tag_display

REF = Reference(part=5, section="7.8.1")
FORBIDDEN_GROUPS = frozenset({0x0001, 0x0003, 0x0005, 0x0007, 0xFFFF})


def _creator(ds: Dataset, tag: int, ctx: Any) -> tuple[str | None, str, int]:
    """(VR as encoded, value text, number of values) of a Private Creator element."""
    elem = stored(ds, tag, ctx)
    if isinstance(elem, RawDataElement):
        text = (elem.value or b"").decode("latin-1")
        vr = elem.VR
    elif elem is not None:
        text, vr = converted_text(elem), elem.VR
    else:
        return None, "", 0
    text = text.rstrip("\x00 ")
    return vr, text.strip(), (text.count("\\") + 1 if text else 0)


def _check_item(ds: Dataset, parent: ElementPath | None, ctx: Any) -> Iterator[Finding]:
    creators: dict[int, int] = {}  # block key (group << 8 | xx) -> creator tag
    used: set[int] = set()
    names: dict[tuple[int, str], int] = {}
    # keys(): iterating a Dataset converts its elements. key=int: BaseTag's Python-level
    # comparisons make sorting slow; the order is the same.
    for tag in sorted((t for t in ds.keys() if t >> 16 & 1), key=int):  # noqa: SIM118
        group, el = tag >> 16, tag & 0xFFFF
        where = ElementPath(parent, tag)
        if group in FORBIDDEN_GROUPS:
            yield make(ctx, "private-group", "error",
                       f"{tag_display(tag)} is in group {group:04X}, which PS3.5 7.8.1 "
                       "does not allow for private data elements", where, REF)
            continue
        if el == 0:
            continue  # a group length: retired.py
        if 0x0010 <= el <= 0x00FF:
            creators[group << 8 | el] = tag
            vr, text, count = _creator(ds, tag, ctx)
            why = []
            if vr not in (None, "LO", "UN"):
                why.append(f"VR {vr}, not LO")
            if count == 0:
                why.append("an empty value")
            elif count > 1:
                why.append(f"{count} values, not 1")
            if why:
                yield make(ctx, "private-creator-invalid", "error",
                           f"Private Creator {tag_display(tag)} has " + " and ".join(why),
                           where, REF)
            elif vr == "UN":
                # A recipient that did not know the creator re-encoded it; still readable.
                yield make(ctx, "private-creator-un", "warning",
                           f"Private Creator {tag_display(tag)} {text!r} is encoded as UN, "
                           "not LO", where, REF)
            if text:
                first = names.setdefault((group, text), tag)
                if first != tag:
                    yield make(ctx, "private-creator-duplicate", "warning",
                               f"Private Creator {tag_display(tag)} {text!r} repeats "
                               f"{tag_display(first)} in group {group:04X}", where, REF)
        elif el < 0x1000:
            yield make(ctx, "private-outside-block", "error",
                       f"{tag_display(tag)} is outside any private block: element numbers "
                       "(gggg,0001-000F) and (gggg,0100-0FFF) cannot be reserved", where, REF)
        else:
            block = group << 8 | el >> 8
            used.add(block)
            if block not in creators:
                creator = (group << 16) | (el >> 8)
                yield make(ctx, "private-creator-missing", "error",
                           f"Private element {tag_display(tag)} has no Private Creator "
                           f"{tag_display(creator)} reserving its block", where, REF)
    for block, tag in creators.items():
        if block not in used:
            _vr, text, _n = _creator(ds, tag, ctx)
            yield make(ctx, "private-creator-unused", "info",
                       f"Private Creator {tag_display(tag)} {text!r} reserves block "
                       f"({block >> 8:04X},{block & 0xFF:02X}xx) but no element uses it",
                       ElementPath(parent, tag), REF)


@dataset_check("private-group", "private-creator-missing", "private-creator-invalid",
               "private-creator-un",
               "private-creator-unused", "private-creator-duplicate",
               "private-outside-block", reference="PS3.5 7.8.1")
def check_private(ctx: Any) -> Iterator[Finding]:
    """PS3.5 7.8.1: private groups, Private Creator reservations, per dataset and item."""
    return per_item(ctx, lambda ds, parent: _check_item(ds, parent, ctx))
