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

from conformance.checks.values._common import as_read, make, scope_of
from conformance.checks.values._lookup import REF_VR_TABLE, cache_of
from conformance.engine.finding import Finding, Reference
from conformance.engine.read_scope import FileFacts, ReadScope, file_facts
from conformance.engine.registry import element_check

REF = REF_VR_TABLE
REF_PIXEL = Reference(part=5, section="A.2")
PIXEL_DATA = 0x7FE00010
PIXEL_REPRESENTATION = 0x00280103
BITS_ALLOCATED = 0x00280100


def _file_vr(elem: Any) -> str | None:
    """The VR as written in the file (pydicom rewrites UN to the dictionary VR); None
    when the element was read implicit VR (its VR is pydicom's guess)."""
    if type(elem) is RawDataElement:
        return None if elem.is_implicit_VR or not elem.VR else str(elem.VR)
    return getattr(elem, "VR", None)


def _file(scope: ReadScope | None, ctx: Any) -> FileFacts:
    if scope is not None:
        return scope.file
    read = as_read(ctx)
    if read is not None:
        return read.file
    return file_facts(getattr(ctx, "facts", None), getattr(ctx, "file_meta", None))


def _int_of(scope: ReadScope, tag: int) -> int | None:
    """The first value of ``tag`` in this dataset, converted by pydicom (memoised)."""
    key = ("int", tag)
    if key in scope.memo:
        return scope.memo[key]  # type: ignore[no-any-return]
    value: int | None = None
    try:
        elem = scope.converted(tag)
        v = elem.value if elem is not None else None
        if isinstance(v, bytes) and len(v) >= 2:
            value = int.from_bytes(v[:2], "little")
        elif v is not None and v != "":
            value = int(v)
    except Exception:  # noqa: BLE001
        value = None
    scope.memo[key] = value
    return value


def _attr(scope: ReadScope | None, tag: int) -> int | None:
    """``tag`` of the enclosing dataset, else of the root dataset."""
    if scope is None:
        return None
    value = _int_of(scope, tag)
    return value if value is not None or scope.parent is None else _int_of(scope.root, tag)


def _resolve(tag: int, keyword: str, alternatives: frozenset[str], vr: str,
             scope: ReadScope | None, file: FileFacts) -> tuple[str, str] | None:
    """A (severity, reason) when ``vr`` is one of the alternatives but not the right one."""
    if alternatives == {"US", "SS"} and "LUTDescriptor" not in keyword:
        pr = _attr(scope, PIXEL_REPRESENTATION)
        if pr in (0, 1):
            want = "SS" if pr == 1 else "US"
            if vr != want:
                return "warning", f"Pixel Representation is {pr}, so the VR should be {want}"
    if tag == PIXEL_DATA and alternatives == {"OB", "OW"}:
        if file.encapsulated and vr != "OB":
            return "error", "encapsulated (compressed) Pixel Data is OB"
        ba = _attr(scope, BITS_ALLOCATED)
        if file.encapsulated is False and ba is not None and ba > 8 and vr != "OW":
            return "error", f"Bits Allocated is {ba} (> 8), so native Pixel Data is OW"
    return None


@element_check("vr-mismatch", "vr-un", "vr-pixel-representation", reference="PS3.5 6.2; PS3.6 6")
def check_vr_dictionary(elem: Any, where: Any, ctx: Any) -> Iterable[Finding]:
    """PS3.5 6.2 / PS3.6: an explicit VR is the one the data dictionary gives the tag."""
    tag = elem.tag
    if tag >> 16 & 1:
        return ()
    scope = scope_of(where, ctx)
    file = scope.file if scope is not None else _file(None, ctx)
    if file.implicit_vr:
        return ()
    vr = _file_vr(elem)
    if not vr:
        return ()
    info = cache_of(ctx.standard).info(tag)
    if info is None or not info.vr or vr == info.vr:
        return ()
    what = info.what
    if vr == "UN":
        return [make(ctx, "vr-un", "warning",
                     f"{what} is encoded as UN although the dictionary gives {info.vr} "
                     "(UN is for VRs the writer does not know)",
                     where, Reference(part=5, section="6.2.2"))]
    if vr not in info.alternatives:
        return [make(ctx, "vr-mismatch", "error",
                     f"{what} has VR {vr}; the dictionary gives {info.vr}", where, REF)]
    if len(info.alternatives) > 1:
        why = _resolve(tag, info.entry.keyword or "", info.alternatives, vr, scope, file)
        if why:
            # An error (OB/OW) stays vr-mismatch; the US/SS choice its own warning code.
            code = "vr-mismatch" if why[0] == "error" else "vr-pixel-representation"
            return [make(ctx, code, why[0],  # type: ignore[arg-type]
                         f"{what} has VR {vr}: {why[1]}", where, REF_PIXEL)]
    return ()
