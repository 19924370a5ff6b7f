"""Small value helpers shared by the dataset checks."""

from __future__ import annotations

from typing import Any

from pydicom.dataset import Dataset
from pydicom.multival import MultiValue


def element(item: Dataset, tag: int) -> Any | None:
    """The converted element, or None when absent or its raw bytes cannot be parsed."""
    try:
        return item.get(tag)
    except Exception:  # unparsable raw value: the traversal reports it
        return None


def is_empty(elem: Any) -> bool:
    """Zero-length value (PS3.5 7.4): no items for a sequence, no value otherwise."""
    if elem is None:
        return False
    v = elem.value
    if elem.VR == "SQ":
        return v is None or len(v) == 0
    if v is None:
        return True
    if isinstance(v, str):
        return not v.strip(" \x00")
    if isinstance(v, (bytes, bytearray)):
        return len(v) == 0
    if isinstance(v, (MultiValue, list, tuple)):
        return len(v) == 0
    return False


def values_of(elem: Any) -> list[Any]:
    """The values of a (non-sequence) element as a list (empty when it has none)."""
    v = elem.value
    if v is None or v == "" or v == b"":
        return []
    if isinstance(v, (MultiValue, list, tuple)):
        return list(v)
    return [v]
