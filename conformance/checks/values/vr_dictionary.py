"""Explicit VRs against the data dictionary (PS3.5 Section 6.2, 7.1.2, Annex A; PS3.6 6).

Implicit VR data is skipped: its VRs come from pydicom's dictionary, not from the file.
Dictionary VRs with alternatives are resolved where PS3.5 says how:
- ``US or SS``: by Pixel Representation (0028,0103) (0 -> US, 1 -> SS); LUT Descriptors
  are excluded (their first and third values are always US, PS3.3 C.11.1.1.1);
- ``OB or OW`` of Pixel Data (7FE0,0010): OB for encapsulated transfer syntaxes, OW when
  Bits Allocated > 8 (PS3.5 A.2, A.4, 8.2);
- other alternatives (``US or SS or OW`` LUT Data, Overlay Data ...): any of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydicom.dataelem import RawDataElement
from pydicom.uid import UID

from conformance.checks.registry import element_check
from conformance.checks.values._common import (
    REF_VR_TABLE,
    dict_entry,
    enclosing,
    make,
    name_of,
    steps_key,
)
from conformance.engine.finding import Finding, Reference

REF = REF_VR_TABLE
REF_PIXEL = Reference(part=5, section="A.2")
PIXEL_DATA = 0x7FE00010
PIXEL_REPRESENTATION = 0x00280103
BITS_ALLOCATED = 0x00280100


def _file_vr(elem: Any, where: Any, ctx: Any) -> str | None:
    """The VR as written in the file (pydicom rewrites UN to the dictionary VR); None
    when the element was read implicit VR (its VR is pydicom's guess)."""
    snap = getattr(ctx, "cache", {}).get("values.raw") if hasattr(ctx, "cache") else None
    if snap:
        raw = snap.get(steps_key(where))
        if isinstance(raw, RawDataElement) and raw.tag == elem.tag:
            return None if raw.is_implicit_VR or not raw.VR else str(raw.VR)
    return getattr(elem, "VR", None)


def _implicit(ctx: Any) -> bool:
    cache = getattr(ctx, "cache", None)
    hit = cache.get("values.implicit") if cache is not None else None
    if hit is not None:
        return bool(hit)
    facts = getattr(ctx, "facts", None)
    meta = getattr(ctx, "file_meta", None)
    ts = getattr(meta, "TransferSyntaxUID", None) if meta is not None else None
    implicit = (getattr(facts, "is_implicit_vr", None) is True
                or str(ts or "") == "1.2.840.10008.1.2")
    if cache is not None:
        cache["values.implicit"] = implicit
    return implicit


def _int_of(ds: Any, tag: int) -> int | None:
    try:
        elem = ds.get(tag) if ds is not None else None
        v = elem.value if elem is not None else None
        if isinstance(v, bytes) and len(v) >= 2:
            return int.from_bytes(v[:2], "little")
        return int(v) if v is not None and v != "" else None
    except Exception:  # noqa: BLE001
        return None


def _attr(where: Any, ctx: Any, tag: int) -> int | None:
    value = _int_of(enclosing(where, ctx), tag)
    return value if value is not None else _int_of(getattr(ctx, "dataset", None), tag)


def _encapsulated(ctx: Any) -> bool | None:
    meta = getattr(ctx, "file_meta", None)
    ts = getattr(meta, "TransferSyntaxUID", None) if meta is not None else None
    if not ts:
        return None
    try:
        return bool(UID(str(ts)).is_encapsulated)
    except Exception:  # noqa: BLE001
        return None


def _resolve(tag: int, keyword: str, alternatives: list[str], vr: str, where: Any,
             ctx: Any) -> tuple[str, str] | None:
    """A (severity, reason) when ``vr`` is one of the alternatives but not the right one."""
    if set(alternatives) == {"US", "SS"} and "LUTDescriptor" not in keyword:
        pr = _attr(where, ctx, PIXEL_REPRESENTATION)
        if pr in (0, 1):
            want = "SS" if pr == 1 else "US"
            if vr != want:
                return "warning", f"Pixel Representation is {pr}, so the VR should be {want}"
    if tag == PIXEL_DATA and set(alternatives) == {"OB", "OW"}:
        if _encapsulated(ctx) and vr != "OB":
            return "error", "encapsulated (compressed) Pixel Data is OB"
        ba = _attr(where, ctx, BITS_ALLOCATED)
        if _encapsulated(ctx) is False and ba is not None and ba > 8 and vr != "OW":
            return "error", f"Bits Allocated is {ba} (> 8), so native Pixel Data is OW"
    return None


@element_check("vr-mismatch", reference="PS3.5 6.2; PS3.6 6")
def check_vr_dictionary(elem: Any, where: Any, ctx: Any) -> Iterable[Finding]:
    """PS3.5 6.2 / PS3.6: an explicit VR is the one the data dictionary gives the tag."""
    tag = elem.tag
    if tag >> 16 & 1 or _implicit(ctx):
        return ()
    entry = dict_entry(ctx.standard, tag)
    if entry is None or not entry.vr:
        return ()
    vr = _file_vr(elem, where, ctx)
    if not vr:
        return ()
    if vr == entry.vr:
        return ()
    alternatives = [a.strip() for a in entry.vr.split(" or ")]
    what = name_of(ctx.standard, tag)
    if vr == "UN":
        return [make(ctx, "vr-mismatch", "warning",
                     f"{what} is encoded as UN although the dictionary gives {entry.vr} "
                     "(UN is for VRs the writer does not know)",
                     where, Reference(part=5, section="6.2.2"))]
    if vr not in alternatives:
        return [make(ctx, "vr-mismatch", "error",
                     f"{what} has VR {vr}; the dictionary gives {entry.vr}", where, REF)]
    if len(alternatives) > 1:
        why = _resolve(tag, entry.keyword or "", alternatives, vr, where, ctx)
        if why:
            return [make(ctx, "vr-mismatch", why[0],  # type: ignore[arg-type]
                         f"{what} has VR {vr}: {why[1]}", where, REF_PIXEL)]
    return ()
