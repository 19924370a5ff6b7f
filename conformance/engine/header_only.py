"""A Dataset given in memory without its Pixel Data (read with ``stop_before_pixels``):
requirements are checked as if the pixel data were present, and the report says that it
was not checked."""

from __future__ import annotations

import copy

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset

from conformance.engine.context import CheckContext
from conformance.engine.finding import Finding, Reference

PIXEL_TAGS = (0x7FE00010, 0x7FE00008, 0x7FE00009)
_PIXEL_TEXT = frozenset(f"{t:08X}" for t in PIXEL_TAGS)
REF_HEADER_ONLY = Reference(part=3, section="C.7.6.3")


def header_only(ds: Dataset) -> bool:
    """A Dataset given in memory that describes an image (Rows and Columns) but holds no
    Pixel Data element: read with ``stop_before_pixels`` (or stripped) by the caller."""
    keys = ds.keys()
    return (0x00280010 in keys and 0x00280011 in keys
            and not any(t in keys for t in PIXEL_TAGS))


def with_pixel_placeholder(ds: Dataset) -> Dataset:
    """A shallow copy of ``ds`` holding a two-byte stand-in for its unread Pixel Data,
    so requirements and conditions see the image as it is on disk (the caller's dataset
    is not modified)."""
    c = copy.copy(ds)
    c._dict = dict(ds._dict)
    c._dict[0x7FE00010] = DataElement(0x7FE00010, "OB", b"\0\0")
    return c


def pixels_not_read(ctx: CheckContext, findings: list[Finding]) -> list[Finding]:
    """``findings`` of a header-only dataset: those about the stand-in pixel data
    dropped, and one ``pixel-data-not-read`` saying what was not checked."""
    out = [f for f in findings if f.tag not in _PIXEL_TEXT]
    out.append(ctx.finding(
        "pixel-data-not-read", "info",
        "the dataset holds no Pixel Data (read with stop_before_pixels?): the pixel "
        "data was not checked and requirements were checked as if it were present",
        tag=0x7FE00010, reference=REF_HEADER_ONLY))
    return out
