"""Diff of two builds: synthetic changes, and PS3.6 2013 -> 2015b."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.compiler.diff import attribute_rows, diff_standards, format_text, summary
from conformance.compiler.pipeline import build
from conformance.standard import Standard
from tests.conftest import shared_file
from tests.helpers.standard_build import tiny_documents, write_tiny_standard


def _changed_documents() -> dict[str, dict[str, Any]]:
    docs = tiny_documents()
    iod = docs["iods"]["iods"]["tiny-image"]
    iod["modules"][0]["usage"] = "U"
    iod["modules"][1]["condition"]["text"] = "Required if SOP Class UID is present or not."
    modules = docs["modules"]["modules"]
    image = modules["tiny-image"]["attributes"]
    image[1]["type"] = "1C"                                    # 3 -> 1C
    image[1]["condition"] = {"text": "Required if X.", "expr": None, "otherwise": None,
                             "error": None}
    image[1]["children"].append(image[1]["children"][0] | {"include": {
        "kind": "macro", "id": "tiny-extra"}})
    del image[2]                                               # 60xx3000 removed
    modules["tiny-new"] = modules["tiny-patient"] | {"id": "tiny-new", "name": "Tiny New"}
    del modules["tiny-patient"]
    iod["modules"][0]["module"] = "tiny-new"
    elements = docs["dictionary"]["elements"]
    elements["00100010"] = elements["00100010"] | {"vr": "LO", "retired": True}
    elements["00100030"] = {"tag": "00100030", "name": "Patient's Birth Date",
                            "keyword": "PatientBirthDate", "vr": "DA", "vm": "1",
                            "retired": False}
    del elements["xxxx0010"]
    docs["sop_classes"]["sop_classes"]["1.2.3.4"]["retired"] = True
    docs["manifest"]["edition"] = "tiny2"
    return docs


@pytest.fixture
def two(tmp_path: Path) -> tuple[Standard, Standard]:
    a = write_tiny_standard(tmp_path / "a")
    b = write_tiny_standard(tmp_path / "b", documents=_changed_documents())
    return Standard(a), Standard(b)


def test_attribute_rows_paths() -> None:
    table = tiny_documents()["modules"]["modules"]["tiny-image"]
    assert [p for p, _ in attribute_rows(table["attributes"])] == [
        "00080008", "00081140", "00081140/include:macro:tiny-sop-instance", "60xx3000"]


def test_synthetic_diff(two: tuple[Standard, Standard]) -> None:
    d = diff_standards(*two)
    assert d["a"]["edition"] == "tiny" and d["b"]["edition"] == "tiny2"
    assert d["modules"]["added"] == ["tiny-new"]
    assert d["modules"]["removed"] == ["tiny-patient"]
    assert d["modules"]["names"] == {"tiny-new": "Tiny New", "tiny-patient": "Tiny Patient"}
    image = d["modules"]["changed"]["tiny-image"]["attributes"]
    assert image["changed"] == {"00081140": {"type": ["3", "1C"],
                                             "condition": [None, "Required if X."]}}
    assert image["added"] == ["00081140/include:macro:tiny-extra"]
    assert image["removed"] == ["60xx3000"]
    iod = d["iods"]["changed"]["tiny-image"]["modules"]
    assert iod["added"] == ["tiny-new"] and iod["removed"] == ["tiny-patient"]
    assert iod["changed"] == {"tiny-image": {"condition": [
        "Required if SOP Class UID is present.",
        "Required if SOP Class UID is present or not."]}}
    assert d["dictionary"]["added"] == ["00100030"]
    assert d["dictionary"]["removed"] == ["xxxx0010"]
    assert d["dictionary"]["changed"] == {"00100010": {"vr": ["PN", "LO"],
                                                       "retired": [False, True]}}
    assert d["sop_classes"]["changed"] == {"1.2.3.4": {"retired": [False, True]}}
    assert summary(d)["modules"] == {"added": 1, "removed": 1, "changed": 1}


def test_usage_change_reported(two: tuple[Standard, Standard], tmp_path: Path) -> None:
    docs = tiny_documents()
    docs["iods"]["iods"]["tiny-image"]["modules"][0]["usage"] = "U"
    c = Standard(write_tiny_standard(tmp_path / "c", documents=docs))
    d = diff_standards(two[0], c)
    assert d["iods"]["changed"]["tiny-image"]["modules"]["changed"] == \
        {"tiny-patient": {"usage": ["M", "U"]}}
    assert "~ tiny-patient: usage M -> U" in format_text(d)


def test_text_report_is_grouped(two: tuple[Standard, Standard]) -> None:
    text = format_text(diff_standards(*two))
    assert text.index("== IODs ==") < text.index("== Modules ==") < \
        text.index("== Dictionary elements ==") < text.index("== SOP classes ==")
    assert "    ~ (0008,1140): type 3 -> 1C; condition: None -> \"Required if X.\"" in text
    assert "+ (0010,0030)  Patient's Birth Date" in text
    assert "~ (0010,0010): vr: \"PN\" -> \"LO\", retired: False -> True" in text
    assert "    - (60xx,3000)" in text


def test_identical_builds_have_an_empty_diff(tmp_path: Path) -> None:
    a = Standard(write_tiny_standard(tmp_path / "a"))
    b = Standard(write_tiny_standard(tmp_path / "b", compress=True))
    d = diff_standards(a, b)
    assert all(v == {"added": 0, "removed": 0, "changed": 0} for v in summary(d).values())


# -- PS3.6 2013 -> 2015b (skipped without ../shared) -------------------------------------


@pytest.fixture(scope="module")
def part06_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Standard, Standard]:
    out = []
    for edition in ("2013", "2015b"):
        path = shared_file("nema-docbook", edition, "part06.xml")
        folder = tmp_path_factory.mktemp(f"p6-{edition}") / "std"
        build({6: path}, out=folder, progress=False, report=None)
        out.append(Standard(folder))
    return out[0], out[1]


def test_part06_2013_to_2015b_counts(part06_builds: tuple[Standard, Standard]) -> None:
    d = diff_standards(*part06_builds)
    # Measured with the PS3.6 reader of this repository (see the report): 159 elements
    # added, none removed, 9 changed; the UID registry: 35 added, 1 removed, 4 changed.
    assert summary(d)["dictionary"] == {"added": 159, "removed": 0, "changed": 9}
    assert summary(d)["uids"] == {"added": 35, "removed": 1, "changed": 4}


def test_part06_2013_to_2015b_known_changes(part06_builds: tuple[Standard, Standard]) -> None:
    d = diff_standards(*part06_builds)["dictionary"]
    # Each read by eye in both files: the UR VR (new in 2014) replaced UT/ST for URLs ...
    assert d["changed"]["00081190"] == {"vr": ["UT", "UR"]}      # Retrieve URL
    assert d["changed"]["0074100A"] == {"vr": ["ST", "UR"]}      # Contact URI
    # ... Scheduled Procedure Step Start DateTime: RET in 2013, no longer retired in 2015b ...
    assert d["changed"]["00404005"] == {"retired": [True, False]}
    # ... and file meta elements / Mapping Resource UID are new.
    assert {"00020017", "00020018", "00080118"} <= set(d["added"])
    assert d["names"]["00020017"] == "Sending Application Entity Title"


def test_context_groups_and_cids_are_compared(tmp_path: Path) -> None:
    old_docs = tiny_documents()
    new_docs = tiny_documents()
    new_docs["modules"] = json.loads(json.dumps(new_docs["modules"]))
    table = next(iter(new_docs["modules"]["modules"].values()))
    row = next(n for n in table["attributes"] if n.get("kind") == "attribute")
    row["context_groups"] = [{"cid": 4031, "strength": "defined", "text": "Defined CID 4031.",
                              "qualified": False}]
    new_docs["cids"] = {"cids": {"4031": {"cid": 4031, "keyword": "X", "name": "X",
                                          "extensible": None, "codes": [["SCT", "1", "a"]]}},
                        "srt_to_sct": {}}
    a = write_tiny_standard(tmp_path / "a", documents=old_docs)
    b = write_tiny_standard(tmp_path / "b", documents=new_docs)
    d = diff_standards(Standard(a), Standard(b))
    assert summary(d)["cids"] == {"added": 1, "removed": 0, "changed": 0}
    [change] = d["modules"]["changed"].values()
    assert "defined CID 4031" in json.dumps(change)
    assert "PS3.16 context groups" in format_text(d)
