"""Value Multiplicity against the data dictionary (PS3.5 Section 6.4; PS3.6 Section 6).

VM notation of PS3.6: ``1``, ``6``, ``1-3``, ``1-n``, ``2-n``, ``2-2n`` (a multiple of
2, at least 2), ``3-3n``. Empty values are not counted (PS3.5 7.4: zero length is
"no value").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance.checks.values._common import element_vr, make, raw_bytes, scope_of
from conformance.checks.values._lookup import cache_of, parse_vm
from conformance.engine.finding import Finding, Reference
from conformance.engine.registry import element_check

REF = Reference(part=5, section="6.4")
_SKIP_VRS = frozenset({"SQ", "UN", "OB", "OW", "OF", "OD", "OL", "OV", "UT", "UR", "LT", "ST"})
# Bytes per value of the binary VRs that have a VM (pydicom unpacks length // size values).
_SIZES = {"AT": 4, "FL": 4, "FD": 8, "SL": 4, "SS": 2, "SV": 8, "UL": 4, "US": 2, "UV": 8}
_TEXT_VRS = frozenset({"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "PN", "SH", "TM", "UC",
                       "UI"})
# The VRs this check looks at; ambiguous ones that pydicom could not resolve included.
_VRS = _TEXT_VRS | set(_SIZES) | {"US or SS", "US or SS or OW", "US or OW", "OB or OW"}


def vm_ok(count: int, vm: str) -> bool | None:
    """Whether ``count`` values satisfy ``vm`` (None when ``vm`` is not understood)."""
    return _fits(count, parse_vm(vm))


def _fits(count: int, spec: tuple[int, int | None, int] | None) -> bool | None:
    if spec is None:
        return None
    low, high, step = spec
    if count < low or (high is not None and count > high):
        return False
    return count % step == 0


def value_count(elem: Any) -> int:
    """Number of values as pydicom splits them (0 when empty)."""
    v = elem.value
    if v is None or v == "" or v == b"":
        return 0
    try:
        return int(elem.VM)
    except Exception:  # noqa: BLE001 - exotic values: count one
        return 1


def stored_count(raw: bytes, vr: str) -> int | None:
    """Number of values pydicom makes of the stored bytes ``raw`` of VR ``vr``.

    Binary values: length // size; text: backslash-separated values after the trailing
    padding, 0 when nothing is left. None when only pydicom can tell.
    """
    size = _SIZES.get(vr)
    if size is not None:
        return len(raw) // size
    if vr not in _TEXT_VRS:
        return None
    text = raw.rstrip(b"\x00 ")
    return text.count(b"\\") + 1 if text else 0


@element_check("vm-invalid", reference="PS3.5 6.4; PS3.6 6", vrs=_VRS)
def check_vm(elem: Any, where: Any, ctx: Any) -> Iterable[Finding]:
    """PS3.5 6.4 / PS3.6: the number of values matches the dictionary's VM."""
    tag = elem.tag
    if tag >> 16 & 1:
        return ()
    vr = getattr(where, "vr", None) or element_vr(elem, where, ctx)
    if vr in _SKIP_VRS:
        return ()
    info = cache_of(ctx.standard).info(tag)
    if info is None or info.vm_range is None:
        return ()
    low, high, step = info.vm_range
    raw = raw_bytes(elem)
    if raw is None:
        try:
            count = value_count(elem)
        except Exception:  # noqa: BLE001
            return ()
    else:
        size = _SIZES.get(vr)
        if size is not None:
            count = len(raw) // size
        elif vr in _TEXT_VRS:
            text = raw.rstrip(b"\x00 ")
            count = text.count(b"\\") + 1 if text else 0
        else:
            count = -1  # only pydicom can tell
        # pydicom strips a lone value by VR (AE keeps a NUL, DS and UI drop a TAB ...):
        # when one value would be wrong, pydicom says whether there is one.
        if count < 0 or (count <= 1 and raw and _fits(1, info.vm_range) is False):
            scope = scope_of(where, ctx)
            converted = scope.converted(tag) if scope is not None else None
            count = value_count(converted) if converted is not None else 0
    if not count or (low <= count and (high is None or count <= high) and count % step == 0):
        return ()
    return [make(ctx, "vm-invalid", "error",
                 f"{info.what} has {count} value{'s' if count != 1 else ''}; "
                 f"the dictionary gives VM {info.vm}", where, REF)]
