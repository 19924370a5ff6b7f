"""PS3.6 reader: data element registries and UID registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.compiler.readers import docbook
from conformance.compiler.readers.part06 import (
    normalize_vm,
    normalize_vr,
    parse_tag_cell,
    read_part06,
)
from conformance.errors import SourceError
from tests.compiler.readers._damaged import check_damaged_slice
from tests.conftest import shared_file

FIXTURES = Path(__file__).parent / "fixtures"
SMALL = FIXTURES / "part06_small.xml"


@pytest.fixture(scope="module")
def small() -> tuple[dict, list[dict]]:
    anomalies: list[dict] = []
    return read_part06(SMALL, anomalies), anomalies


def test_small_elements(small: tuple[dict, list[dict]]) -> None:
    data, _ = small
    el = data["elements"]
    assert el["00080016"] == {"tag": "00080016", "name": "SOP Class UID",
                              "keyword": "SOPClassUID", "vr": "UI", "vm": "1",
                              "retired": False}
    assert el["60xx3000"]["vr"] == "OB or OW"
    assert el["1000xxx0"]["retired"] is True
    assert el["002804x0"]["keyword"] == "RowsForNthOrderCoefficients"
    assert el["00283006"]["vr"] == "US or OW"
    assert el["00283006"]["vm"] == "1-n or 1"
    assert el["00140023"]["vm"] == "1-n"  # "1 - N" cleaned; DICONDE is not retired
    assert el["00140023"]["retired"] is False
    assert el["00189445"] == {"tag": "00189445", "name": "", "keyword": "", "vr": "",
                              "vm": "", "retired": True}  # "RET - See Note" placeholder
    assert el["FFFEE000"]["vr"] == ""  # "See Note": items have no VR
    assert el["0040A170"]["retired"] is False  # "See Note" alone is not RET
    assert el["00020000"]["vr"] == "UL"  # file meta table read too
    assert list(el) == sorted(el)


def test_small_anomalies(small: tuple[dict, list[dict]]) -> None:
    data, anomalies = small
    kinds = {(a["kind"], a["table"], a["row"]) for a in anomalies}
    assert ("bad-tag", "6-1", 14) in kinds
    assert ("duplicate-tag", "6-1", 15) in kinds
    assert ("bad-vr", "6-1", 16) in kinds
    assert ("short-row", "6-1", 17) in kinds
    assert ("bad-uid", "A-1", 5) in kinds
    assert ("repaired-markup", None, None) in kinds
    assert data["elements"]["00080016"]["name"] == "SOP Class UID"  # first kept
    assert "00100020" not in data["elements"]
    json.dumps(anomalies)


def test_small_uids(small: tuple[dict, list[dict]]) -> None:
    uids = small[0]["uids"]
    assert uids["1.2.840.10008.1.2.2"]["retired"] is True
    assert uids["1.2.840.10008.1.2"]["keyword"] == "ImplicitVRLittleEndian"
    assert uids["1.2.840.10008.1.2"]["retired"] is False
    # literal "<200b>" markup, zero-width spaces and soft hyphens are gone
    assert "1.2.840.10008.5.1.4.1.2.5.3" in uids
    assert uids["1.2.840.10008.3.1.2.3.3"]["keyword"] is None
    # Table A-2 has no "UID Type" column: not part of the registry read
    assert "1.2.840.10008.1.4.1.1" not in uids
    assert len(uids) == 4


def test_truncated_file_is_a_source_error(tmp_path: Path) -> None:
    cut = tmp_path / "part06.xml"
    cut.write_bytes(SMALL.read_bytes()[:3000])
    with pytest.raises(SourceError, match="truncated"):
        read_part06(cut, [])


def test_part_without_registry_records_anomalies(tmp_path: Path) -> None:
    empty = tmp_path / "part06.xml"
    empty.write_text('<book xmlns="http://docbook.org/ns/docbook"><subtitle>DICOM PS3.6 '
                     '2099a</subtitle><table><caption>x</caption></table></book>')
    anomalies: list[dict] = []
    assert read_part06(empty, anomalies) == {"elements": {}, "uids": {}}
    assert {a["kind"] for a in anomalies} == {"missing-table"}


# --- small parsers -------------------------------------------------------------------

VRS = st.sampled_from(["AE", "OB", "OW", "US", "SS", "UL", "SQ", "UN"])
SEPS = st.sampled_from([" or ", "  or  ", " OR ", "/", ", ", " or\u200b "])


@given(st.lists(VRS, min_size=1, max_size=3), SEPS)
def test_normalize_vr_joins_codes(codes: list[str], sep: str) -> None:
    vr, ok = normalize_vr(sep.join(codes))
    assert ok
    assert vr == " or ".join(codes)


@given(st.text(max_size=30))
def test_normalize_vr_never_fails(text: str) -> None:
    vr, ok = normalize_vr(text)
    assert isinstance(vr, str)
    if ok and vr:
        assert all(len(c) == 2 and c.isupper() for c in vr.split(" or "))


def test_normalize_vr_see_note() -> None:
    assert normalize_vr("See Note note_6_2") == ("", True)
    assert normalize_vr("") == ("", True)


@given(st.integers(0, 99), st.one_of(st.none(), st.integers(0, 99), st.just("n"),
                                     st.just("2n")), st.sampled_from(["-", " - ", "- "]))
def test_normalize_vm_ranges(lo: int, hi: int | str | None, dash: str) -> None:
    text = str(lo) if hi is None else f"{lo}{dash}{hi}"
    vm, ok = normalize_vm(text)
    assert ok
    assert vm == text.replace(" ", "")


@given(st.text(max_size=20))
def test_normalize_vm_never_fails(text: str) -> None:
    vm, ok = normalize_vm(text)
    assert isinstance(vm, str) and isinstance(ok, bool)


HEX_X = st.text(alphabet="0123456789ABCDEFabcdefxX", min_size=4, max_size=4)


@given(HEX_X, HEX_X, st.sampled_from(["({},{})", "( {} , {} )", "({},\u200b{})"]))
def test_parse_tag_cell(group: str, elem: str, fmt: str) -> None:
    tag = parse_tag_cell(fmt.format(group, elem))
    assert tag is not None and len(tag) == 8
    assert tag == "".join("x" if c in "xX" else c.upper() for c in group + elem)


@given(st.text(alphabet="ghijklmnopqrstuvwyz ,()", max_size=20))
def test_parse_tag_cell_rejects_non_tags(text: str) -> None:
    assert parse_tag_cell(text) is None


def test_repairing_reader_across_chunk_boundaries(tmp_path: Path) -> None:
    body = b"<book><para>1.2.<200b>3</para>" + b"<para>x</para>" * 50 + b"</book>"
    f = tmp_path / "x.xml"
    f.write_bytes(body)
    for size in range(1, 40):
        reader = docbook._RepairingReader(f, docbook.KNOWN_DEFECTS)
        out = b""
        while chunk := reader.read(size):
            out += chunk
        reader.close()
        assert out == body.replace(b"<200b>", b"&#x200B;"), size
        assert reader.repairs == 1


# --- the real parts (../shared) ------------------------------------------------------

# Counts measured on NEMA's files: Table 6-1 + 7-1 + 8-1, and Table A-1 (+ A-4 in 2015b).
COUNTS = {"2013": (3722 + 10 + 19, 348), "2015b": (3879 + 12 + 19, 358 + 24)}


@pytest.fixture(scope="module", params=sorted(COUNTS))
def real(request: pytest.FixtureRequest) -> tuple[str, dict, list[dict]]:
    path = shared_file("nema-docbook", request.param, "part06.xml")
    docbook.identify(path, expected_part=6)
    anomalies: list[dict] = []
    return request.param, read_part06(path, anomalies), anomalies


@pytest.mark.shared
def test_real_counts(real: tuple[str, dict, list[dict]]) -> None:
    edition, data, anomalies = real
    assert (len(data["elements"]), len(data["uids"])) == COUNTS[edition]
    kinds = [a["kind"] for a in anomalies]
    # 2013 spells one zero-width space as literal "<200b>" markup (twice in one UID)
    assert kinds == (["repaired-markup"] if edition == "2013" else [])
    assert "1.2.840.10008.5.1.4.1.2.5.3" in data["uids"]
    el = data["elements"]
    assert el["60xx3000"]["vr"] == "OB or OW"
    assert el["1000xxx0"]["retired"] is True
    assert el["002804x0"]["retired"] is True
    assert el["00280106"]["vr"] == "US or SS"
    assert el["FFFEE000"]["vr"] == ""
    assert not any("\u200b" in json.dumps(e, ensure_ascii=False)
                   for e in [*el.values(), *data["uids"].values()])
    assert data["uids"]["1.2.840.10008.1.2.2"]["retired"] is True
    assert sum(u["retired"] for u in data["uids"].values()) == 70
    from conformance.schemas import validate_document

    validate_document("dictionary", data)


@pytest.mark.shared
def test_real_against_pydicom(real: tuple[str, dict, list[dict]]) -> None:
    """Share of entries whose VR / VM / keyword agree with pydicom 3's dictionary.

    pydicom follows a newer edition, so some differences are the standard's own history.
    Exceptions seen (2013 and 2015b): (0008,1190) and (0028,7FE0) UT -> UR (2013 only);
    placeholders (0018,9445), (0028,0020) have no VR/VM in PS3.6, OB/1 in pydicom; VMs
    changed later: (0008,9007) 4 -> 4-5, (0014,0023..0045) 1-n -> 1, (0014,40A0..A2)
    1 -> 1-n, (0018,9323), (0062,0009); (0028,1200)/(0028,3006) "1-n or 1" vs "1-n";
    keyword typos fixed later. ~38 elements were retired after 2015b.
    """
    from pydicom.datadict import DicomDictionary, RepeatersDictionary

    _, data, _ = real
    agree = {"vr": 0, "vm": 0, "keyword": 0}
    exceptions: dict[str, list[str]] = {k: [] for k in agree}
    for tag, e in data["elements"].items():
        entry = RepeatersDictionary.get(tag) if "x" in tag else DicomDictionary.get(int(tag, 16))
        assert entry is not None, tag
        vr, vm, _name, _ret, keyword = entry
        theirs = {"vr": "" if vr == "NONE" else vr, "vm": vm, "keyword": keyword}
        for field in agree:
            if e[field] == theirs[field]:
                agree[field] += 1
            else:
                exceptions[field].append(tag)
    n = len(data["elements"])
    shares = {k: v / n for k, v in agree.items()}
    assert shares["vr"] > 0.997, exceptions["vr"]
    assert shares["keyword"] > 0.998, exceptions["keyword"]
    assert shares["vm"] > 0.99, exceptions["vm"]
    assert {"00189445", "00280020"} <= set(exceptions["vr"])


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_damaged_file_gives_result_or_source_error(tmp_path_factory: pytest.TempPathFactory,
                                                   data: st.DataObject) -> None:
    """A slice cut out of the middle (the file still ends with </book>) never crashes."""
    check_damaged_slice(read_part06, SMALL, {"elements", "uids"}, tmp_path_factory, data)


def test_small_matches_schema(small: tuple) -> None:
    from conformance.schemas import validate_document

    validate_document("dictionary", small[0])
