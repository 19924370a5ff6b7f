"""PS3.3 reader on a small hand-written DocBook file (fixtures/part03_small.xml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.compiler.readers.docbook import duplicate_ids
from conformance.compiler.readers.part03 import read_part03, scan_duplicate_ids, table_name
from conformance.errors import SourceError

FIXTURE = Path(__file__).parent / "fixtures" / "part03_small.xml"


@pytest.fixture(scope="module")
def small() -> tuple[dict, list[dict], list[dict]]:
    anomalies: list[dict] = []
    tables: list[dict] = []
    result = read_part03(FIXTURE, anomalies, tables=tables)
    return result, anomalies, tables


def by_name(nodes: list[dict], name: str) -> dict:
    return next(n for n in nodes if n.get("name") == name)


def kinds(anomalies: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for a in anomalies:
        out.setdefault(a["kind"], []).append(a)
    return out


def test_iod_rowspan_usage_and_title_xref(small):
    iod = small[0]["iods"]["toy-image"]
    assert iod["name"] == "Toy Image"
    assert iod["reference"] == {"part": 3, "section": "A.9.3", "table": "A.9-1"}
    rows = [(m["ie"], m["module"], m["usage"]) for m in iod["modules"]]
    assert rows == [("Patient", "toy-patient", "M"), ("Patient", "toy-trial", "U"),
                    ("Image", "toy-pixel", "C"), ("Image", "toy-lost", "X"),
                    ("Image", "toy-frames", "C")]
    cond = iod["modules"][2]["condition"]
    # the xref "select: title" points to a section read later: resolved at the end
    assert cond == {"text": "Required if Toy Flag (0009,0010) in the Toy Patient Module "
                            "equals YES.", "expr": None, "otherwise": None, "error": None}
    assert iod["modules"][0]["condition"] is None


def test_section_with_module_and_macro_picks_module(small):
    result = small[0]
    assert "toy-pixel" in result["modules"] and "toy-pixel" in result["macros"]
    module = result["modules"]["toy-pixel"]
    assert module["attributes"][0]["include"] == {"kind": "macro", "id": "toy-pixel"}


def test_module_reference_to_macro_section_gets_wrapper(small):
    result, anomalies, _ = small
    wrapper = result["modules"]["toy-frames"]
    assert wrapper["attributes"][0]["include"] == {"kind": "macro", "id": "toy-frames"}
    assert [a["row"] for a in kinds(anomalies)["module-is-macro"]] == [5]


def test_functional_groups(small):
    fgs = small[0]["iods"]["toy-image"]["functional_groups"]
    assert [(f["macro"], f["usage"]) for f in fgs] == [("toy-measures", "M"), ("toy-code", "C")]
    assert fgs[1]["condition"]["text"] == ("Required if Toy Flag (0009,0010) equals YES. "
                                           "May be present otherwise.")


def test_nesting_and_includes_with_markers(small):
    attrs = small[0]["modules"]["toy-patient"]["attributes"]
    seq = by_name(attrs, "Toy Code Sequence")
    assert [c.get("name", c["kind"]) for c in seq["children"]] == \
        ["include", "Toy Modifier Sequence", "Toy Value"]
    inc = seq["children"][0]
    assert inc["include"] == {"kind": "macro", "id": "toy-code"}  # defined later in the file
    assert inc["text"] == (">Include Table C.2-1 \u201cToy Code Macro Attributes\u201d "
                           "Defined CID 42.")
    inner = seq["children"][1]["children"]
    assert inner[0]["kind"] == "include" and inner[0]["text"] == ">>Include Table C.2-1"


def test_condition_list_rejoin_and_notes(small):
    attrs = small[0]["modules"]["toy-patient"]["attributes"]
    seq = by_name(attrs, "Toy Code Sequence")
    assert seq["condition"]["text"] == (
        "Required if either: Patient's Sex (0010,0040) is F; Image Type (0008,0008) Value 1 "
        "is \"ORIGINAL\". May be present otherwise.")
    assert "note" in seq["description"]  # notes stay in the description only
    value = by_name(seq["children"], "Toy Value")
    assert value["type"] == "2C"
    assert value["condition"]["text"] == "Required if Toy Modifier Sequence (0008,1034) is present."


def test_type3_prohibition_and_masks(small):
    attrs = small[0]["modules"]["toy-patient"]["attributes"]
    curve = by_name(attrs, "Toy Curve Data")
    assert curve["tag"] == "50xxxxxx"
    assert curve["condition"]["text"] == "Shall not be present if Toy Flag (0009,0010) is NO."
    assert curve["description"].endswith("See Toy Frames Section.")
    assert by_name(attrs, "Overlay Rows")["tag"] == "60xx0010"
    assert by_name(attrs, "Overlay Rows")["condition"] is None
    fip = by_name(attrs, "Frame Increment Pointer")
    assert (fip["tag"], fip["type"]) == ("00209167", "1C")  # "0020,9167)" and "1c"


def test_enums_with_value_index(small):
    attrs = small[0]["modules"]["toy-patient"]["attributes"]
    assert by_name(attrs, "Patient's Sex")["enums"] == [
        {"kind": "enumerated", "value_index": None, "values": ["M", "F", "O"]}]
    assert by_name(attrs, "Image Type")["enums"] == [
        {"kind": "enumerated", "value_index": 1, "values": ["ORIGINAL", "DERIVED"]},
        {"kind": "defined", "value_index": 2, "values": ["PRIMARY", "SECONDARY"]}]


def test_item_counts(small):
    result = small[0]
    attrs = result["modules"]["toy-patient"]["attributes"]
    seq = by_name(attrs, "Toy Code Sequence")
    assert seq["items"] == {"min": 1, "max": 1}
    assert seq["children"][1]["items"] == {"min": 1, "max": None}
    trial = result["modules"]["toy-trial"]["attributes"]
    assert by_name(trial, "Context Group Identification Sequence")["items"] == \
        {"min": 0, "max": None}
    assert by_name(attrs, "Patient's Name")["items"] is None


def test_malformed_rows_become_anomalies(small):
    result, anomalies, _ = small
    k = kinds(anomalies)
    assert [(a["table"], a["row"]) for a in k["unknown-type"]] == [("C.1-2", 1)]
    assert by_name(result["modules"]["toy-trial"]["attributes"], "Trial Sponsor")["type"] == "4"
    assert [(a["table"], a["row"]) for a in k["bad-cell-count"]] == [("C.1-2", 2)]
    assert [(a["table"], a["row"]) for a in k["bad-tag"]] == [("C.1-2", 3)]
    assert [(a["table"], a["row"]) for a in k["sequence-without-items"]] == [("C.1-2", 4)]
    assert [(a["table"], a["row"]) for a in k["bad-nesting"]] == [("C.1-2", 6)]
    assert [(a["table"], a["row"]) for a in k["include-unresolved"]] == [("C.1-2", 7)]
    assert [(a["table"], a["row"]) for a in k["unknown-usage"]] == [("A.9-1", 4)]
    assert [(a["table"], a["row"]) for a in k["unresolved-module-reference"]] == [("A.9-1", 4)]
    assert len(k["duplicate-id"]) == 1 and "para_dup" in k["duplicate-id"][0]["detail"]
    for a in anomalies:
        assert set(a) == {"part", "kind", "table", "row", "detail"} and a["part"] == 3


def test_every_table_accounted_for(small):
    tables = small[2]
    assert len(tables) == 10
    roles = {t["table"]: t["role"] for t in tables}
    assert roles["A.9-1"] == "iod" and roles["A.9-2"] == "functional-groups"
    assert roles["C.1-3b"] == "skipped"
    assert all(t["reason"] for t in tables if t["role"] == "skipped")


def test_heading_rows_are_not_attributes(small):
    code = small[0]["macros"]["toy-code"]["attributes"]
    assert [n["name"] for n in code] == ["Code Value"]
    assert code[0]["condition"]["text"] == "Shall be present if the code value is short."
    assert code[0]["description"] == ("The code. See Section C.2.1. Shall be present if the "
                                      "code value is short.")


def test_table_name_strips_one_suffix():
    assert table_name("Request Attributes Macro Attributes") == "Request Attributes"
    assert table_name("Person Identification Macro Attributes Description") == \
        "Person Identification"
    assert table_name("Enhanced XA/XRF Image Module Table") == "Enhanced XA/XRF Image"
    assert table_name("Encrypted Attributes Data Set Attributes") == "Encrypted Attributes Data Set"


def test_truncated_file_is_a_source_error(tmp_path):
    data = FIXTURE.read_bytes()
    cut = tmp_path / "part03.xml"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError, match="truncated"):
        read_part03(cut, [])


def test_broken_xml_is_a_source_error(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8")
    broken = tmp_path / "part03.xml"
    broken.write_text(text.replace("<para>Rows of the overlay.</para>",
                                   "<para>Rows of the overlay.</td>"), encoding="utf-8")
    with pytest.raises(SourceError, match="XML error"):
        read_part03(broken, [])


def test_missing_file_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="no such file"):
        read_part03(tmp_path / "nope.xml", [])


def test_scan_duplicate_ids_matches_docbook(tmp_path):
    assert scan_duplicate_ids(FIXTURE) == duplicate_ids(FIXTURE)
    # more than one 1 MB block, duplicates on both sides of the block boundary
    lines = [f'<para xml:id="p{i % 20000}">text {i} {"x" * 40}</para>' for i in range(30000)]
    big = tmp_path / "big.xml"
    big.write_text('<book xmlns="http://docbook.org/ns/docbook">\n' + "\n".join(lines)
                   + "\n</book>\n", encoding="utf-8")
    found = scan_duplicate_ids(big)
    assert len(found) == 10000
    assert found == duplicate_ids(big)
