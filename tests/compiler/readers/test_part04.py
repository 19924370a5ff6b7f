"""PS3.4 reader: Standard SOP Classes -> PS3.3 IOD references."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from lxml import etree

from conformance.compiler.readers import docbook
from conformance.compiler.readers.part04 import (
    iod_name_of,
    read_part04,
    reference_of,
    resolve_iods,
)
from conformance.errors import SourceError
from tests.compiler.readers._damaged import check_damaged_slice
from tests.conftest import shared_file

FIXTURES = Path(__file__).parent / "fixtures"
SMALL = FIXTURES / "part04_small.xml"
NS = 'xmlns="http://docbook.org/ns/docbook"'


def cell(inner: str) -> etree._Element:
    return etree.fromstring(f"<td {NS}>{inner}</td>")


@pytest.fixture(scope="module")
def small() -> tuple[dict, list[dict]]:
    anomalies: list[dict] = []
    return read_part04(SMALL, anomalies)["sop_classes"], anomalies


def test_small_olink_reference(small: tuple[dict, list[dict]]) -> None:
    sop, _ = small
    cr = sop["1.2.840.10008.5.1.4.1.1.1"]
    assert cr == {"uid": "1.2.840.10008.5.1.4.1.1.1", "name": "Computed Radiography Image Storage",
                  "iod": None, "iod_name": None,
                  "reference": {"part": 3, "section": "A.2", "table": None}, "retired": False}
    assert sop["1.2.840.10008.5.1.4.1.1.1.1"]["reference"]["section"] == "A.26"


def test_small_text_iod(small: tuple[dict, list[dict]]) -> None:
    sop, _ = small
    ct = sop["1.2.840.10008.5.1.4.1.1.2"]
    assert (ct["iod_name"], ct["iod"]) == ("CT Image", "ct-image")
    assert ct["reference"] == {"part": 3, "section": "A.3", "table": None}
    ect = sop["1.2.840.10008.5.1.4.1.1.2.1"]  # zero-width space removed from the UID
    assert ect["reference"]["section"] == "A.38.1" and ect["iod_name"] is None


def test_small_retired_and_media(small: tuple[dict, list[dict]]) -> None:
    sop, _ = small
    assert sop["1.2.840.10008.5.1.4.1.1.5"]["retired"] is True
    assert sop["1.2.840.10008.5.1.4.1.1.5"]["reference"] is None
    assert sop["1.2.840.10008.1.3.10"]["reference"]["section"] == "F.3"  # media storage
    assert "1.2.840.10008.5.1.4.1.2.1.1" not in sop  # Q/R table is not a storage table
    assert sum(e["retired"] for e in sop.values()) == 2
    assert len(sop) == 8
    assert list(sop) == sorted(sop)


def test_small_anomalies(small: tuple[dict, list[dict]]) -> None:
    sop, anomalies = small
    kinds = [(a["kind"], a["table"], a["row"]) for a in anomalies]
    assert kinds == [("no-iod-reference", "B.5-1", 5), ("bad-uid", "B.5-1", 6),
                     ("short-row", "B.5-1", 7), ("bad-header", "Z.9-1", None),
                     ("conflicting-sop-class", "I.4-1", 3)]
    # the first table's reference is kept when Media Storage disagrees
    assert sop["1.2.840.10008.5.1.4.1.1.1.1"]["reference"]["section"] == "A.26"
    json.dumps(anomalies)


def test_no_table_is_an_anomaly(tmp_path: Path) -> None:
    f = tmp_path / "part04.xml"
    f.write_text(f'<book {NS}><subtitle>DICOM PS3.4 2099a</subtitle></book>')
    anomalies: list[dict] = []
    assert read_part04(f, anomalies) == {"sop_classes": {}}
    assert [a["kind"] for a in anomalies] == ["missing-table"]


def test_truncated_is_source_error(tmp_path: Path) -> None:
    f = tmp_path / "part04.xml"
    f.write_bytes(SMALL.read_bytes()[:2500])
    with pytest.raises(SourceError):
        read_part04(f, [])


@pytest.mark.parametrize(("inner", "ref"), [
    ('<para><olink targetdoc="PS3.3" targetptr="sect_A.3"/></para>', ("A.3", None)),
    ('<para><olink targetdoc="PS3.3" targetptr="table_A.3-1"/></para>', (None, "A.3-1")),
    ("<para>PS3.3 Table A.3-1</para>", (None, "A.3-1")),
    ("<para>PS 3.3, A.35.2</para>", ("A.35.2", None)),
    ('<para><olink targetdoc="PS3.4" targetptr="sect_B.5"/></para>', None),
    ("<para>(see note)</para>", None),
])
def test_reference_of(inner: str, ref: tuple | None) -> None:
    got = reference_of(cell(inner))
    if ref is None:
        assert got is None
    else:
        assert got == {"part": 3, "section": ref[0], "table": ref[1]}


@given(st.from_regex(r"[A-Z][a-z]{2,8}( [A-Z][a-z]{1,8}){0,3}", fullmatch=True),
       st.sampled_from(["", " IOD", " IOD (PS3.3 A.4)", " IOD (see Section B.5.1)"]))
def test_iod_name_of(name: str, suffix: str) -> None:
    assume(not name.endswith((" Module", " Macro")))  # caption suffixes are dropped
    assert iod_name_of(cell(f"<para>{name}{suffix}</para>")) == name


@given(st.text(max_size=40))
def test_iod_name_of_never_fails(text: str) -> None:
    el = etree.Element(docbook.q("td"))
    el.text = "".join(c for c in text if c.isprintable())
    got = iod_name_of(el)
    assert got is None or got.strip() == got


def test_resolve_iods() -> None:
    iods = {
        "ct-image": {"name": "CT Image", "reference": {"part": 3, "section": "A.3.3",
                                                        "table": "A.3-1"}},
        "sc-image": {"name": "SC Image", "reference": {"part": 3, "section": "A.8.1.3",
                                                        "table": "A.8-1"}},
        "multi-frame-sc": {"name": "Multi-frame SC", "reference": {
            "part": 3, "section": "A.8.10.3", "table": "A.8-10"}},
        "x": {"name": "X", "reference": {"part": 3, "section": "A.30", "table": None}},
    }
    sop = {u: {"uid": u, "iod": None, "iod_name": None, "retired": False,
               "reference": {"part": 3, "section": s, "table": None}}
           for u, s in (("1", "A.3"), ("2", "A.8"), ("3", "A.8.10"), ("4", "A.99"))}
    anomalies: list[dict] = []
    resolve_iods(sop, iods, anomalies)
    assert [sop[u]["iod"] for u in "1234"] == ["ct-image", "sc-image", "multi-frame-sc", None]
    assert sop["1"]["iod_name"] == "CT Image"
    assert [a["kind"] for a in anomalies] == ["unresolved-iod"]


# --- the real parts (../shared) ------------------------------------------------------

@pytest.mark.shared
def test_real_2013() -> None:
    path = shared_file("nema-docbook", "2013", "part04.xml")
    assert docbook.identify(path, expected_part=4).edition == "2013"
    anomalies: list[dict] = []
    sop = read_part04(path, anomalies)["sop_classes"]
    # measured: B.5-1 has 110 rows, I.4-1 113, B.6-1 and I.5-1 4 each (the same 4)
    assert len(sop) == 117
    retired = sorted(u for u, e in sop.items() if e["retired"])
    assert retired == ["1.2.840.10008.5.1.4.1.1.12.3", "1.2.840.10008.5.1.4.1.1.3",
                       "1.2.840.10008.5.1.4.1.1.5", "1.2.840.10008.5.1.4.1.1.6"]
    # every current class points into PS3.3 by olink; no cell spells the IOD name
    assert all(e["reference"] for e in sop.values() if not e["retired"])
    assert all(e["iod_name"] is None for e in sop.values())
    assert sop["1.2.840.10008.5.1.4.1.1.2"]["reference"]["section"] == "A.3"
    assert sop["1.2.840.10008.1.3.10"]["reference"]["section"] == "F.3"
    # NEMA's I.4-1 names two classes differently from B.5-1 (one a typo)
    assert [a["kind"] for a in anomalies] == ["conflicting-sop-class"] * 2
    from conformance.schemas import validate_document

    validate_document("sop_classes", {"sop_classes": sop})


@pytest.mark.shared
def test_real_2016c_excerpt_against_pydicom() -> None:
    from pydicom.uid import UID

    path = shared_file("nema-docbook", "2016c-excerpt", "part04.xml")
    anomalies: list[dict] = []
    sop = read_part04(path, anomalies)["sop_classes"]
    assert (len(sop), anomalies) == (12, [])
    for uid, entry in sop.items():
        assert UID(uid).type == "SOP Class"
        assert UID(uid).name.lower() == entry["name"].lower()


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_damaged_file_gives_result_or_source_error(tmp_path_factory: pytest.TempPathFactory,
                                                   data: st.DataObject) -> None:
    """A slice cut out of the middle (the file still ends with </book>) never crashes."""
    check_damaged_slice(read_part04, SMALL, {"sop_classes"}, tmp_path_factory, data)


def test_small_matches_schema(small: tuple) -> None:
    from conformance.schemas import validate_document

    validate_document("sop_classes", {"sop_classes": small[0]})
