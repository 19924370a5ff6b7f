"""Photometric Interpretation against a compressed Transfer Syntax (PS3.5 Section 8.2).

PS3.5 8.2.1 - 8.2.15 give, per compressed Transfer Syntax, the Photometric
Interpretations allowed with each Samples per Pixel ("No other Standard Photometric
Interpretation Values shall be used"); the build reads those tables from PS3.5
(``vrs.json`` ``pixel_encodings``). A Transfer Syntax or a Samples per Pixel value the
tables do not list is not judged (native encodings, e.g. an uncompressed YBR_FULL_422,
have no such table).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.checks.values.pixel_data import _int, _photometric
from conformance.engine.finding import Finding
from conformance.engine.registry import dataset_check

_PIXEL_DATA = 0x7FE00010
_PHOTOMETRIC = 0x00280004
_SAMPLES = 0x00280002


def _section(table: str) -> str:
    """"8.2.1-1" -> "8.2.1" (the section the table belongs to)."""
    return table.rsplit("-", 1)[0]


@dataset_check("pixel-data", reference="PS3.5 8.2")
def check_photometric_transfer_syntax(ctx: Any) -> Iterator[Finding]:
    """PS3.5 8.2: the Photometric Interpretation (0028,0004) of encapsulated Pixel Data
    is one the Transfer Syntax's table allows for its Samples per Pixel (0028,0002)."""
    meta = getattr(ctx, "file_meta", None)
    ts = str(getattr(meta, "TransferSyntaxUID", "") or "").strip("\x00 ") if meta else ""
    encodings = getattr(ctx.standard, "pixel_encodings", None) or {}
    entry = encodings.get(ts) if ts else None
    ds = ctx.dataset
    if entry is None or _PIXEL_DATA not in ds.keys():  # noqa: SIM118 - int lookup, no Tag()
        return
    pi = _photometric(ds)
    samples = _int(ds, _SAMPLES)
    allowed = (entry.get("photometric") or {}).get(str(samples)) if samples else None
    if not pi or not allowed or pi in allowed:
        return
    registered = ctx.standard.dictionary.uid(ts) or {}
    name = registered.get("name")
    table = str(entry.get("table") or "")
    yield ctx.finding(
        "pixel-data", "error",
        f"Photometric Interpretation {pi} is not allowed for Transfer Syntax "
        f"{name or ts} ({ts}) with Samples per Pixel {samples}: PS3.5 Table {table} "
        f"allows {', '.join(allowed)}", tag=_PHOTOMETRIC,
        reference=ctx.reference({"part": 5, "section": _section(table), "table": table},
                                part=5))
