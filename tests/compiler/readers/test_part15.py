"""PS3.15 reader: Table E.1-1, de-identification actions."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.compiler.readers import docbook
from conformance.compiler.readers.part15 import option_key, parse_action, read_part15
from conformance.errors import SourceError
from tests.compiler.readers._damaged import check_damaged_slice
from tests.conftest import shared_file

SMALL = Path(__file__).parent / "fixtures" / "part15_small.xml"
OPTION_KEYS = ["clean-desc-opt", "rtn-dev-id-opt", "rtn-long-full-dates-opt",
               "rtn-safe-priv-opt", "rtn-uids-opt"]


@pytest.fixture(scope="module")
def small() -> tuple[list[dict], list[dict]]:
    anomalies: list[dict] = []
    return read_part15(SMALL, anomalies)["attributes"], anomalies


def test_small_rows(small: tuple[list[dict], list[dict]]) -> None:
    rows, _ = small
    assert [r["name"] for r in rows][:4] == ["Accession Number", "Acquisition DateTime",
                                             "Curve Data", "GPS Dest Bearing"]
    first = rows[0]
    assert first == {"name": "Accession Number", "tag": "00080050", "tag_text": "(0008,0050)",
                     "retired": False, "in_std_comp_iod": True, "basic_profile": "Z",
                     "options": dict.fromkeys(OPTION_KEYS)}
    assert rows[1]["basic_profile"] == "X/Z/D"
    assert rows[1]["options"]["rtn-long-full-dates-opt"] == "K"
    assert (rows[2]["tag"], rows[2]["retired"]) == ("50xxxxxx", True)
    # "(gggg,eeee) where gggg is odd": one mask per odd last group digit
    private = [r for r in rows if r["name"] == "Private Attributes"]
    assert [r["tag"] for r in private] == [f"xxx{d}xxxx" for d in "13579BDF"]
    assert {r["tag_text"] for r in private} == {"(gggg,eeee) where gggg is odd"}
    assert all(r["options"]["rtn-safe-priv-opt"] == "C" for r in private)
    by_name = {r["name"]: r for r in rows}
    assert by_name["Some Sequence"]["basic_profile"] == "X/Z/U*"
    assert "Odd Tag" not in by_name  # no tag: left out, with an anomaly
    assert len(rows) == 9 - 1 + 8


def test_small_anomalies(small: tuple[list[dict], list[dict]]) -> None:
    rows, anomalies = small
    assert [(a["kind"], a["row"]) for a in anomalies] == [
        ("bad-action", 8), ("bad-flag", 9), ("bad-tag", 10), ("short-row", 11)]
    by_name = {r["name"]: r for r in rows}
    assert by_name["Odd Action"]["basic_profile"] == "Q"  # kept verbatim
    assert by_name["Odd Flag"]["retired"] is False


def test_small_matches_schema(small: tuple[list[dict], list[dict]]) -> None:
    from conformance.schemas import validate_document

    validate_document("deidentification", {"attributes": small[0]})


def test_missing_table(tmp_path: Path) -> None:
    f = tmp_path / "part15.xml"
    f.write_text('<book xmlns="http://docbook.org/ns/docbook"><subtitle>DICOM PS3.15 2099a'
                 "</subtitle></book>")
    anomalies: list[dict] = []
    assert read_part15(f, anomalies) == {"attributes": []}
    assert [a["kind"] for a in anomalies] == ["missing-table"]


def test_truncated(tmp_path: Path) -> None:
    f = tmp_path / "part15.xml"
    f.write_bytes(SMALL.read_bytes()[:2000])
    with pytest.raises(SourceError):
        read_part15(f, [])


def test_option_key() -> None:
    assert option_key("Rtn. Safe Priv. Opt.") == "rtn-safe-priv-opt"
    assert option_key("Retd. (from PS3.6)") == "retd"


ACTIONS = st.lists(st.sampled_from("XZDUCK"), min_size=1, max_size=3, unique=True)


@given(ACTIONS, st.booleans(), st.sampled_from(["/", " / ", "/\u200b"]))
def test_parse_action(letters: list[str], star: bool, sep: str) -> None:
    text = sep.join(letters) + ("*" if star else "")
    assert parse_action(text) == "/".join(letters) + ("*" if star else "")


@given(st.text(max_size=10))
def test_parse_action_never_fails(text: str) -> None:
    got = parse_action(text)
    assert got is None or set(got) <= set("XZDUCK/*")


# --- the real part (../shared) -------------------------------------------------------

@pytest.mark.shared
def test_real_2026c() -> None:
    path = shared_file("nema-docbook", "2026c", "part15.xml")
    assert docbook.identify(path, expected_part=15).edition == "2026c"
    anomalies: list[dict] = []
    rows = read_part15(path, anomalies)["attributes"]
    assert anomalies == []
    # measured on NEMA's 2026c Table E.1-1
    # measured: 656 table rows; the private attributes row gives 8 masks
    assert len(rows) == 656 - 1 + 8
    assert len({r["tag"] for r in rows}) == len(rows)
    assert sum(r["retired"] for r in rows) == 102
    assert sum(r["in_std_comp_iod"] for r in rows) == 472
    from conformance.schemas import validate_document

    validate_document("deidentification", {"attributes": rows})
    basic = collections.Counter(r["basic_profile"] for r in rows)
    assert basic == {"X": 416 + 7, "D": 93, "U": 55, "Z": 42, "X/D": 23, "X/Z": 11, "X/Z/D": 8,
                     "Z/D": 6, "X/Z/U*": 2}
    assert set(rows[0]["options"]) == {
        "rtn-safe-priv-opt", "rtn-uids-opt", "rtn-dev-id-opt", "rtn-inst-id-opt",
        "rtn-pat-chars-opt", "rtn-long-full-dates-opt", "rtn-long-modif-dates-opt",
        "clean-desc-opt", "clean-struct-cont-opt", "clean-graph-opt"}
    kept = collections.Counter(k for r in rows for k, v in r["options"].items() if v == "K")
    assert kept["rtn-long-full-dates-opt"] == 169 and kept["rtn-uids-opt"] == 60
    by_tag = {r["tag"]: r for r in rows}
    assert by_tag["00080050"]["basic_profile"] == "Z"  # Accession Number
    assert by_tag["60xx3000"]["basic_profile"] == "X"  # Overlay Data (mask kept)
    assert by_tag["xxx1xxxx"]["name"] == "Private Attributes"
    assert not any("\u200b" in r["name"] for r in rows)
    # tags are real data elements: pydicom 3.0.2 (an older dictionary than 2026c) knows
    # all but 25 of them (measured; e.g. (0040,B034), newer than its dictionary)
    from pydicom.datadict import dictionary_has_tag

    unknown = [t for t in by_tag if t and "x" not in t and not dictionary_has_tag(int(t, 16))]
    assert len(unknown) <= 40, unknown


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_damaged_file_gives_result_or_source_error(tmp_path_factory: pytest.TempPathFactory,
                                                   data: st.DataObject) -> None:
    """A slice cut out of the middle (the file still ends with </book>) never crashes."""
    check_damaged_slice(read_part15, SMALL, {"attributes"}, tmp_path_factory, data)
