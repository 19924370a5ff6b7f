"""Include rows with a condition (PS3.3, e.g. Table C.17-5 'Include ... if and only if
Value Type is NUM'): false -> the macro's rows do not apply, undecidable -> one
condition-not-checked, true -> they apply. Mini standard variants."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from conformance.engine.api import Validator
from conformance.engine.result import Report
from tests.engine.datasets import ct_dataset
from tests.helpers.mini_variants import (
    Tables,
    add_element,
    attr_eq,
    cond,
    include,
    mini_variant,
    row,
    table,
)

_ENUM = [{"kind": "enumerated", "value_index": None, "values": ["A", "B"]}]


def _macro(modules: Tables, dictionary: Tables) -> None:
    """Macro 'extra': Device Serial Number (1, enumerated A/B) and a sequence whose
    item needs Referenced SOP Class UID (Type 1)."""
    add_element(dictionary, "00081140", "Referenced Image Sequence", "ReferencedImageSequence",
                "SQ")
    modules["macros"]["extra"] = table("macro", "extra", "Extra", [
        row("00181000", "Device Serial Number", "1", enums=_ENUM),
        row("00081140", "Referenced Image Sequence", "3",
            children=[row("00081150", "Referenced SOP Class UID", "1")])])


def _top(expr: dict[str, Any] | None) -> Any:
    def edit(modules: Tables, iods: Tables, dictionary: Tables) -> None:
        _macro(modules, dictionary)
        modules["modules"]["ct-image"]["attributes"].append(include("extra", cond(expr)))
    return edit


def _codes(r: Report) -> list[tuple[str, str | None, str]]:
    return [(f.code, f.tag, f.path) for f in r.findings
            if f.tag in ("00181000", "00081140", "00081150")
            and f.code != "condition-not-checked"]


def _with_extra() -> Dataset:
    ds = ct_dataset()
    ds.DeviceSerialNumber = "C"  # not an enumerated value of the macro
    item = Dataset()
    item.ReferencedSOPInstanceUID = "1.2.3"  # Referenced SOP Class UID (Type 1) absent
    ds.ReferencedImageSequence = Sequence([item])
    return ds


def test_false_include_condition_drops_every_row_check(tmp_path: Path) -> None:
    v = Validator(mini_variant(tmp_path, _top(attr_eq("00080060", "MR"))))  # Modality CT
    r = v.validate(_with_extra())
    assert _codes(r) == []  # no enum-value, no type1-missing inside the sequence item
    assert not [f for f in r.findings if f.code == "condition-not-checked"
                and "Included macro" in f.message]


def test_true_include_condition_applies_the_rows(tmp_path: Path) -> None:
    v = Validator(mini_variant(tmp_path, _top(attr_eq("00080060", "CT"))))
    assert sorted(_codes(v.validate(_with_extra()))) == [
        ("enum-value", "00181000", "(0018,1000)"),
        ("type1-missing", "00081150", "(0008,1140)[0].(0008,1150)")]
    ds = ct_dataset()
    assert _codes(v.validate(ds)) == [("type1-missing", "00181000", "(0018,1000)")]


def test_undecidable_include_condition_is_noted_once(tmp_path: Path) -> None:
    # "X is not Y" with X absent: a data condition the dataset leaves open
    cond = {"op": "ne", "attr": {"tag": "00181030", "scope": "root", "index": None,
                                 "path": None}, "values": ["HEAD"]}
    v = Validator(mini_variant(tmp_path, _top(cond)))
    r = v.validate(_with_extra())
    assert _codes(r) == []
    notes = [f for f in r.findings if f.code == "condition-not-checked"
             and "Included macro" in f.message]
    assert len(notes) == 1 and notes[0].severity == "info"
    assert "Required if" in notes[0].message
    assert "ProtocolName (0018,1030) is absent" in notes[0].message


def test_process_include_condition_is_not_noted(tmp_path: Path) -> None:
    v = Validator(mini_variant(tmp_path, _top({"op": "unknown", "text": "it is a Tuesday"})))
    r = v.validate(_with_extra())
    assert [f for f in r.findings if f.code == "condition-not-checked"] == []


def test_include_condition_is_decided_per_item(tmp_path: Path) -> None:
    def edit(modules: Tables, iods: Tables, dictionary: Tables) -> None:
        _macro(modules, dictionary)
        seq = modules["modules"]["general-series"]["attributes"][-1]  # Request Attributes
        seq["children"].append(include("extra", cond(attr_eq("00400007", "WITH EXTRA",
                                                             scope="item"))))

    v = Validator(mini_variant(tmp_path, edit))
    ds = ct_dataset()
    items = []
    for text in ("WITH EXTRA", "PLAIN"):
        item = Dataset()
        item.ScheduledProcedureStepDescription = text
        items.append(item)
    ds.RequestAttributesSequence = Sequence(items)
    # Only the first item's condition holds: only it misses Device Serial Number.
    assert _codes(v.validate(ds)) == [
        ("type1-missing", "00181000", "(0040,0275)[0].(0018,1000)")]
