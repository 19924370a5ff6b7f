"""Value Multiplicity against the data dictionary (PS3.5 Section 6.4; PS3.6 Section 6).

VM notation of PS3.6: ``1``, ``6``, ``1-3``, ``1-n``, ``2-n``, ``2-2n`` (a multiple of
2, at least 2), ``3-3n``. Empty values are not counted (PS3.5 7.4: zero length is
"no value").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from conformance.checks.registry import element_check
from conformance.checks.values._common import dict_entry, make, name_of
from conformance.engine.finding import Finding, Reference

REF = Reference(part=5, section="6.4")
_VM = re.compile(r"(\d+)(?:-(\d*)(n)?)?")
_SKIP_VRS = frozenset({"SQ", "UN", "OB", "OW", "OF", "OD", "OL", "OV", "UT", "UR", "LT", "ST"})


@lru_cache(maxsize=256)
def parse_vm(vm: str) -> tuple[int, int | None, int] | None:
    """``(minimum, maximum or None, step)``; None when the notation is not understood."""
    m = _VM.fullmatch(vm.strip())
    if not m:
        return None
    low = int(m.group(1))
    if m.group(2) is None:
        return low, low, 1
    if m.group(3):  # "A-n" or "A-Bn"
        step = int(m.group(2)) if m.group(2) else 1
        return low, None, step
    return low, int(m.group(2)), 1


def vm_ok(count: int, vm: str) -> bool | None:
    """Whether ``count`` values satisfy ``vm`` (None when ``vm`` is not understood)."""
    spec = parse_vm(vm)
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


@element_check("vm-invalid", reference="PS3.5 6.4; PS3.6 6")
def check_vm(elem: Any, where: Any, ctx: Any) -> Iterable[Finding]:
    """PS3.5 6.4 / PS3.6: the number of values matches the dictionary's VM."""
    tag = elem.tag
    if tag >> 16 & 1 or getattr(elem, "VR", None) in _SKIP_VRS:
        return ()
    entry = dict_entry(ctx.standard, tag)
    if entry is None or not entry.vm:
        return ()
    try:
        count = value_count(elem)
    except Exception:  # noqa: BLE001
        return ()
    if count == 0 or vm_ok(count, entry.vm) is not False:
        return ()
    return [make(ctx, "vm-invalid", "error",
                 f"{name_of(ctx.standard, tag)} has {count} value{'s' if count != 1 else ''}; "
                 f"the dictionary gives VM {entry.vm}", where, REF)]
