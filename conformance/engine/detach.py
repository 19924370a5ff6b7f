"""A private structural copy of the caller's Dataset, so validation never changes it.

pydicom converts a stored element on first access and writes the converted element
back into the dataset (``Dataset.__getitem__``), and corrects ambiguous VRs in place.
The engine reads the caller's Dataset through a copy: new ``Dataset`` objects and
element maps for the dataset and every sequence item, sharing the stored
``RawDataElement`` tuples (immutable) and the values; ``DataElement`` objects are
copied because pydicom may change their VR in place. Cost: one dict per dataset.
"""

from __future__ import annotations

import copy
from typing import Any

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence


def detached(ds: Dataset) -> Dataset:
    """A copy of ``ds`` whose element maps (nested ones included) are the copy's own."""
    memo: dict[int, Dataset] = {}
    return _copy(ds, memo)


def _copy(ds: Dataset, memo: dict[int, Dataset]) -> Dataset:
    got = memo.get(id(ds))
    if got is not None:  # the same item object twice (or a cycle): one copy
        return got
    new = copy.copy(ds)
    memo[id(ds)] = new
    elements: dict[Any, Any] = {}
    object.__setattr__(new, "_dict", elements)
    for tag, elem in ds._dict.items():
        if isinstance(elem, DataElement):
            elem = _copy_element(elem, memo)
        elements[tag] = elem
    return new


def _copy_element(elem: DataElement, memo: dict[int, Dataset]) -> DataElement:
    new = copy.copy(elem)
    value = elem._value
    if elem.VR == "SQ" and isinstance(value, Sequence):
        seq = copy.copy(value)  # keeps is_undefined_length
        seq._list = [_copy(item, memo) if isinstance(item, Dataset) else item
                     for item in value._list]
        new._value = seq
    return new
