"""Sequence item counts (item-count)."""

from __future__ import annotations

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from tests.engine.datasets import codes, ct_dataset, run


def _ref() -> Dataset:
    d = Dataset()
    d.ReferencedSOPClassUID = "1.2"
    d.ReferencedSOPInstanceUID = "1.2.3"
    return d


def test_single_item_sequence_with_two_items() -> None:
    ds = ct_dataset()
    ds.ReferencedPatientSequence = Sequence([_ref(), _ref()])
    found = [f for f in run(ds).findings if f.code == "item-count"]
    assert len(found) == 1
    assert found[0].message.startswith("Bad Sequence number of Items 2 (1 Required")
    assert found[0].path == "(0008,1120)"


def test_single_item_is_fine() -> None:
    ds = ct_dataset()
    ds.ReferencedPatientSequence = Sequence([_ref()])
    assert "item-count" not in codes(run(ds))


def test_empty_type3_sequence_needing_items() -> None:
    ds = ct_dataset()
    ds.RequestAttributesSequence = Sequence([])
    found = [f for f in run(ds).findings if f.code == "item-count"]
    assert len(found) == 1 and "Items 0 (1-n Required" in found[0].message


def test_empty_type1_sequence_is_type1_empty_not_item_count() -> None:
    ds = ct_dataset()
    ds.ImageType = ["DERIVED", "PRIMARY"]
    ds.SourceImageSequence = Sequence([])
    c = codes(run(ds))
    assert "type1c-empty" in c and "item-count" not in c
