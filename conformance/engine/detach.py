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
    """A copy of ``ds`` whose element maps (nested ones included) are the copy's own.

    Iterative (no recursion: a Dataset built in memory may nest thousands of levels);
    an item object that appears twice, or in a cycle, is copied once."""
    memo: dict[int, Dataset] = {}
    root = memo[id(ds)] = copy.copy(ds)
    work = [(ds, root)]
    while work:
        src, dst = work.pop()
        elements: dict[Any, Any] = {}
        for tag, elem in src._dict.items():
            if isinstance(elem, DataElement):
                new = copy.copy(elem)  # pydicom may correct an ambiguous VR in place
                value = elem._value
                if elem.VR == "SQ" and isinstance(value, Sequence):
                    seq = copy.copy(value)  # keeps is_undefined_length
                    items: list[Any] = []
                    for it in value._list:
                        if isinstance(it, Dataset):
                            twin = memo.get(id(it))
                            if twin is None:
                                twin = memo[id(it)] = copy.copy(it)
                                work.append((it, twin))
                            it = twin
                        items.append(it)
                    seq._list = items
                    new._value = seq
                elem = new
            elements[tag] = elem
        object.__setattr__(dst, "_dict", elements)
    return root
