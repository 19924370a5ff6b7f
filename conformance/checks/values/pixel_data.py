"""Native Pixel Data length and the pixel bit fields (PS3.5 Section 8.1.1; PS3.3 C.7.6.3).

For native (not encapsulated) transfer syntaxes the Pixel Data value holds
Rows x Columns x Samples per Pixel x Number of Frames pixels of Bits Allocated bits,
packed when Bits Allocated is 1, padded to even length (PS3.5 7.1.1). Bits Stored is
at most Bits Allocated and High Bit is Bits Stored - 1 (PS3.3 C.7.6.3.1). Float and
Double Float Pixel Data (7FE0,0008/0009) are checked the same way with 32/64 bits.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.uid import UID

from conformance.checks.values._common import make, per_item, stored
from conformance.engine.finding import Finding, Reference
from conformance.engine.path import ElementPath
from conformance.engine.registry import dataset_check

REF_LENGTH = Reference(part=5, section="8.1.1")
REF_BITS = Reference(part=3, section="C.7.6.3.1")
PIXEL_TAGS = {0x7FE00010: None, 0x7FE00008: 32, 0x7FE00009: 64}
UNDEFINED = 0xFFFFFFFF
# PS3.3 C.7.6.3.1.2: horizontally subsampled colour, two bytes-per-sample pairs per pixel.
SUBSAMPLED_422 = frozenset({"YBR_FULL_422", "YBR_PARTIAL_422"})


def _photometric(ds: Dataset) -> str:
    try:
        return str(ds.get(0x00280004).value).strip()
    except Exception:  # noqa: BLE001
        return ""


def _int(ds: Dataset, tag: int) -> int | None:
    try:
        elem = ds.get(tag)
        v = elem.value if elem is not None else None
        if isinstance(v, (list, tuple)):
            v = v[0] if v else None
        return int(str(v).strip()) if v not in (None, "") else None
    except Exception:  # noqa: BLE001 - bad values are the value checks' findings
        return None


def _raw_length(ctx: Any, ds: Dataset, tag: int) -> tuple[int | None, bool]:
    """(length in bytes or None, defined length?) of a pixel data element."""
    raw = stored(ds, tag, ctx)
    if type(raw) is RawDataElement:
        if raw.length == UNDEFINED:
            return None, False
        return (len(raw.value) if isinstance(raw.value, bytes) else raw.length), True
    v = ds[tag].value
    return (len(v) if isinstance(v, (bytes, bytearray)) else None), True


def _native(ctx: Any) -> bool | None:
    meta = getattr(ctx, "file_meta", None)
    ts = getattr(meta, "TransferSyntaxUID", None) if meta is not None else None
    if not ts:
        return None
    try:
        return not UID(str(ts)).is_encapsulated
    except Exception:  # noqa: BLE001
        return None


def _bits(ds: Dataset, where: ElementPath | None, ctx: Any) -> Iterator[Finding]:
    ba, bs, hb = (_int(ds, t) for t in (0x00280100, 0x00280101, 0x00280102))
    if ba is not None and bs is not None and bs > ba:
        yield make(ctx, "pixel-data", "error",
                   f"Bits Stored {bs} is greater than Bits Allocated {ba}",
                   ElementPath(where, 0x00280101), REF_BITS)
    if bs is not None and hb is not None and hb != bs - 1:
        yield make(ctx, "pixel-data", "error",
                   f"High Bit {hb} is not Bits Stored - 1 ({bs - 1})",
                   ElementPath(where, 0x00280102), REF_BITS)


def _length(ds: Dataset, parent: ElementPath | None, ctx: Any, native: bool | None
            ) -> Iterator[Finding]:
    for tag, fixed_bits in PIXEL_TAGS.items():
        if tag not in ds:
            continue
        where = ElementPath(parent, tag)
        try:
            length, defined = _raw_length(ctx, ds, tag)
        except Exception:  # noqa: BLE001
            continue
        if not defined or length is None:
            continue  # encapsulated: fragments, not a native pixel array
        if native is False and fixed_bits is None:
            continue
        rows, cols = _int(ds, 0x00280010), _int(ds, 0x00280011)
        spp = _int(ds, 0x00280002) or 1
        frames = _int(ds, 0x00280008)
        if frames is None and 0x00280008 in ds:
            continue  # Number of Frames unreadable: vr_syntax reports it
        frames = frames or 1
        ba = fixed_bits or _int(ds, 0x00280100)
        if not rows or not cols or not ba:
            continue
        samples = spp
        if spp == 3 and _photometric(ds) in SUBSAMPLED_422:
            samples = 2  # 4:2:2: two luminance samples share one CbCr pair
        bits = rows * cols * samples * frames * ba
        expected = (bits + 7) // 8
        padded = expected + (expected & 1)
        detail = (f"{rows} x {cols} x {spp} samples"
                  + (" (4:2:2)" if samples != spp else "")
                  + f" x {frames} frames x {ba} bits = "
                  f"{expected} bytes" + (f" ({padded} padded)" if padded != expected else ""))
        if length < expected:
            yield make(ctx, "pixel-data", "error",
                       f"Pixel Data has {length} bytes, fewer than {detail}", where,
                       REF_LENGTH)
        elif length > padded:
            yield make(ctx, "pixel-data", "error",
                       f"Pixel Data has {length} bytes, more than {detail}", where,
                       REF_LENGTH)


@dataset_check("pixel-data", reference="PS3.5 8.1.1; PS3.3 C.7.6.3.1")
def check_pixel_data(ctx: Any) -> Iterator[Finding]:
    """PS3.5 8.1.1: native Pixel Data length; PS3.3 C.7.6.3.1: Bits Stored, High Bit."""
    native = _native(ctx)

    def item(ds: Dataset, parent: ElementPath | None) -> Iterator[Finding]:
        keys = ds.keys()  # a dict view: int lookups, no Tag() conversion
        if 0x00280100 in keys or 0x00280101 in keys:
            yield from _bits(ds, parent, ctx)
        if 0x7FE00010 in keys or 0x7FE00008 in keys or 0x7FE00009 in keys:
            yield from _length(ds, parent, ctx, native)

    return per_item(ctx, item)
