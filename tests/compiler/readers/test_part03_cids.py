"""CID references of PS3.3: every one of the 2016c excerpt's on its attribute (Done-when
of issue 14), counted against an independent read of the XML (plain ElementTree, no
reader code), plus the sentence forms one by one."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from conformance.compiler.readers.part03_cids import cid_refs, cids_in_text, keyword_tag
from tests.helpers.standard_build import EXCERPT_PARTS, excerpt_standard

DB = "{http://docbook.org/ns/docbook}"


def _independent_count(path: Path) -> tuple[Counter[int], Counter[int]]:
    """(CIDs linked from table rows, CIDs linked from prose), by olink target, read with
    the standard library's parser (the excerpt repeats xml:ids, which ElementTree does
    not check)."""
    rows: Counter[int] = Counter()
    prose: Counter[int] = Counter()
    root = ET.parse(path).getroot()
    parents = {c: p for p in root.iter() for c in p}
    for link in root.iter(DB + "olink"):
        m = re.fullmatch(r"sect_CID_(\d+)", link.get("targetptr", ""))
        if not m:
            continue
        node, in_row = link, False
        while node in parents:
            node = parents[node]
            if node.tag == DB + "tr":
                in_row = True
                break
        (rows if in_row else prose)[int(m.group(1))] += 1
    return rows, prose


def _built_refs(std: Path) -> tuple[Counter[int], Counter[int], list[dict[str, Any]]]:
    """(CIDs on module/macro rows and include rows, CIDs on IODs, cid-mention anomalies)."""
    tables = json.loads((std / "modules.json").read_text())
    on_rows: Counter[int] = Counter()

    def walk(nodes: list[dict[str, Any]]) -> None:
        for n in nodes:
            for g in n.get("context_groups", ()):
                on_rows[g["cid"]] += 1
            walk(n.get("children") or [])

    for group in ("modules", "macros"):
        for table in tables[group].values():
            walk(table["attributes"])
    iods = json.loads((std / "iods.json").read_text())["iods"]
    on_iods = Counter(g["cid"] for i in iods.values() for g in i.get("context_groups", ()))
    anomalies = json.loads((std / "anomalies.json").read_text())["anomalies"]
    return on_rows, on_iods, [a for a in anomalies if a["kind"] == "cid-mention"]


@pytest.mark.shared
def test_every_excerpt_cid_reference_is_on_its_attribute(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    std = excerpt_standard(tmp_path_factory)
    rows, prose = _independent_count(EXCERPT_PARTS[3])
    on_rows, on_iods, mentions = _built_refs(std)
    # Every link in a table row is on the row's code sequence (or on the include row
    # that names its attribute): same groups, same number of times.
    assert on_rows == rows
    assert sum(rows.values()) == 54
    # Prose: A.47.4.1.1's content constraint is on the Enhanced XA IOD; the two links
    # of C.7.1.1.1.1 ("mixed breed", CID 7486 included in CID 7480) constrain nothing
    # and are listed as mentions.
    assert on_iods + Counter(int(re.search(r"CID (\d+) in prose", a["detail"]).group(1))
                             for a in mentions) == prose
    assert on_iods == Counter({4042: 1}) and len(mentions) == 2
    assert sum(rows.values()) + sum(prose.values()) == 57


def _constraints(std: Path) -> set[tuple[str, str, int, str | None, str | None, bool]]:
    """(table id, row tag or included table, cid, strength, attr, qualified) of the build."""
    tables = json.loads((std / "modules.json").read_text())
    out = set()

    def walk(table: str, nodes: list[dict[str, Any]]) -> None:
        for n in nodes:
            for g in n.get("context_groups", ()):
                out.add((table, n.get("tag") or n["include"]["id"], g["cid"], g["strength"],
                         g.get("attr"), g["qualified"]))
            walk(table, n.get("children") or [])

    for group in ("modules", "macros"):
        for table_id, table in tables[group].items():
            walk(table_id, table["attributes"])
    return out


@pytest.mark.shared
def test_excerpt_constraints_land_on_the_right_attributes(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    got = _constraints(excerpt_standard(tmp_path_factory))
    expected = {
        # Table C.7-1 '>Include Table 8.8-1' | 'Defined CID 7454' in Patient Species Code Seq.
        ("patient", "00102202", 7454, "defined", None, False),
        # Table 10-5 '>>Include' | 'Defined CID 2, unless otherwise defined in the macro
        # invocation' in Anatomic Region Modifier Sequence
        ("general-anatomy-mandatory", "00082220", 2, "defined", None, False),
        # Table C.8-3: 'Include Table 10-7 ...' | 'Defined CID for the Anatomic Region
        # Sequence is CID 4030' (top level: names its attribute)
        ("ct-image", "general-anatomy-optional", 4030, "defined", "00082218", False),
        # Table C.7-4a: 'Baseline CID is CID 7040 for pediatric patients' (a case)
        ("patient-study", "00101021", 7040, "baseline", None, True),
        # Table C.7.6.16-12b: 'Baseline CID for Concept Code Sequence for Concept Name of
        # (G-C1C6, SRT, "Quantity") is CID 7180'
        ("real-world-value-mapping-item", "content-item", 7180, "baseline", "0040A168", True),
        # Table C.8.19.2-1: abbreviated 'BCID 19', 'DCID 7004 for referenced waveforms'
        ("enhanced-xa-xrf-image", "00540410", 19, "baseline", None, False),
        ("enhanced-xa-xrf-image", "0040A170", 7004, "defined", None, True),
    }
    assert expected <= got
    iod = json.loads((excerpt_standard(tmp_path_factory) / "iods.json").read_text())[
        "iods"]["enhanced-x-ray-angiographic-image"]
    assert [(g["cid"], g["attr"], g["macro"], g["strength"]) for g in iod["context_groups"]] == [
        (4042, "00082218", "frame-anatomy", "defined")]


def _para(xml: str) -> etree._Element:
    return etree.fromstring(f'<para xmlns="http://docbook.org/ns/docbook">{xml}</para>')


def _link(cid: int) -> str:
    return f'<olink targetdoc="PS3.16" targetptr="sect_CID_{cid}"/>'


@pytest.mark.parametrize(("xml", "expected"), [
    (f"Baseline {_link(4031)}.", [(4031, "baseline", False, None)]),
    (f"Defined {_link(2)}, unless otherwise defined in the macro invocation.",
     [(2, "defined", False, None)]),
    (f"Enumerated {_link(7)}.", [(7, "enumerated", False, None)]),
    (f"B{_link(19)}.", [(19, "baseline", False, None)]),
    (f"D{_link(7004)} for referenced waveforms.", [(7004, "defined", True, None)]),
    (f"Baseline {_link(7040)} is for pediatric patients", [(7040, "baseline", True, None)]),
    (f"Defined CID for the Anatomic Region Sequence is {_link(4030)}.",
     [(4030, "defined", False, "Anatomic Region Sequence")]),
    (f"as defined in {_link(7486)}, which is included in {_link(7480)}",
     [(7486, None, False, None), (7480, None, False, None)]),
])
def test_sentence_forms(xml: str, expected: list[tuple[Any, ...]]) -> None:
    got = [(r["cid"], r["strength"], r["qualified"], r.get("attr_name"))
           for r in cid_refs(_para(xml))]
    assert got == expected


def test_plain_text_forms_of_the_json_source() -> None:
    refs = cids_in_text("Required if Device Type Code Sequence (3010,002E) is part of CID 9545 "
                        "Fixed Beam Limiting Device Types. Baseline CID 4031.")
    assert [(r["cid"], r["strength"]) for r in refs] == [(9545, None), (4031, "baseline")]
    assert keyword_tag("Anatomic Region Sequence") == "00082218"
    assert keyword_tag("No Such Attribute Sequence") is None
