"""PS3.5 reader: Table 6.2-1, Value Representations and their lengths."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.compiler.readers import docbook
from conformance.compiler.readers.part05 import parse_length, read_part05
from conformance.errors import SourceError
from tests.compiler.readers._damaged import check_damaged_slice
from tests.conftest import shared_file

SMALL = Path(__file__).parent / "fixtures" / "part05_small.xml"


@pytest.fixture(scope="module")
def small() -> tuple[dict, list[dict]]:
    anomalies: list[dict] = []
    return read_part05(SMALL, anomalies)["vrs"], anomalies


def test_small(small: tuple[dict, list[dict]]) -> None:
    vrs, _ = small
    assert sorted(vrs) == ["AE", "DA", "OB", "PN", "UN", "US", "XX"]
    assert vrs["AE"]["name"] == "Application Entity"
    assert (vrs["AE"]["max_length"], vrs["AE"]["max_length_unit"]) == (16, "bytes")
    assert vrs["DA"]["name"] == "Date"  # "DA Date" in one paragraph (older layout)
    assert (vrs["DA"]["fixed_length"], vrs["DA"]["max_length"]) == (8, None)
    assert "18 bytes maximum" in vrs["DA"]["length"]  # query context kept verbatim
    assert "See also DT VR" in vrs["DA"]["definition"]  # notes are part of the text
    assert (vrs["PN"]["max_length"], vrs["PN"]["max_length_unit"]) == (64, "chars")
    assert vrs["OB"]["max_length"] == 2**32 - 2
    assert vrs["OB"]["length"].startswith("2^32-2 bytes maximum")
    assert vrs["US"]["fixed_length"] == 2
    assert (vrs["UN"]["max_length"], vrs["UN"]["fixed_length"]) == (None, None)


def test_small_anomalies(small: tuple[dict, list[dict]]) -> None:
    _, anomalies = small
    assert [(a["kind"], a["row"]) for a in anomalies] == [
        ("unparsed-length", 7), ("bad-vr", 8), ("short-row", 9)]


def test_missing_table(tmp_path: Path) -> None:
    f = tmp_path / "part05.xml"
    f.write_text('<book xmlns="http://docbook.org/ns/docbook"><subtitle>DICOM PS3.5 2099a'
                 "</subtitle></book>")
    anomalies: list[dict] = []
    assert read_part05(f, anomalies) == {"vrs": {}}
    assert [a["kind"] for a in anomalies] == ["missing-table"]


def test_truncated(tmp_path: Path) -> None:
    f = tmp_path / "part05.xml"
    f.write_bytes(SMALL.read_bytes()[:1500])
    with pytest.raises(SourceError):
        read_part05(f, [])


@pytest.mark.parametrize(("text", "expected"), [
    ("16 bytes maximum", (16, None, "bytes")),
    ("64 chars maximum (see NOTE in Section 6.2)", (64, None, "chars")),
    ("64 chars maximum per component group", (64, None, "chars")),
    ("2^32-2 bytes maximum", (4294967294, None, "bytes")),
    ("(2^32)-2 bytes maximum", (4294967294, None, "bytes")),
    ("2^32 - 8 bytes maximum", (4294967288, None, "bytes")),
    ("8 bytes fixed", (None, 8, "bytes")),
    ("10240 chars maximum", (10240, None, "chars")),
    ("Any length valid for any of the other DICOM Value Representations", (None, None, None)),
    ("not applicable", (None, None, None)),
])
def test_parse_length(text: str, expected: tuple) -> None:
    assert parse_length(text) == expected


@given(st.integers(1, 10**6), st.sampled_from(["bytes", "chars"]),
       st.sampled_from(["maximum", "fixed"]), st.text(max_size=20))
def test_parse_length_roundtrip(n: int, unit: str, kind: str, tail: str) -> None:
    tail = "".join(c for c in tail if not c.isdigit())
    got = parse_length(f"{n} {unit} {kind}{' ' + tail if tail else ''}")
    assert got == ((n, None, unit) if kind == "maximum" else (None, n, unit))


@given(st.integers(2, 9), st.integers(1, 40), st.integers(0, 9))
def test_parse_length_powers(base: int, exp: int, minus: int) -> None:
    assert parse_length(f"{base}^{exp}-{minus} bytes maximum")[0] == base**exp - minus


@given(st.text(max_size=60))
def test_parse_length_never_fails(text: str) -> None:
    mx, fixed, unit = parse_length(text)
    assert mx is None or fixed is None
    assert (unit is None) == (mx is None and fixed is None)


# --- the real part (../shared) -------------------------------------------------------

# PS3.5 Table 6.2-1: base length rule of every VR (max, fixed, unit)
BYTES_MAX = {"AE": 16, "CS": 16, "DS": 16, "DT": 26, "IS": 12, "TM": 14, "UI": 64,
             "OB": 2**32 - 2, "OW": 2**32 - 2, "SQ": 2**32 - 2, "UC": 2**32 - 2,
             "UR": 2**32 - 2, "UT": 2**32 - 2, "OD": 2**32 - 8, "OV": 2**32 - 8,
             "OF": 2**32 - 4, "OL": 2**32 - 4}
CHARS_MAX = {"LO": 64, "LT": 10240, "PN": 64, "SH": 16, "ST": 1024}
FIXED = {"AS": 4, "AT": 4, "DA": 8, "FD": 8, "FL": 4, "SL": 4, "SS": 2, "SV": 8, "UL": 4,
         "US": 2, "UV": 8}


@pytest.mark.shared
def test_real_2026c() -> None:
    path = shared_file("nema-docbook", "2026c", "part05.xml")
    assert docbook.identify(path, expected_part=5).edition == "2026c"
    anomalies: list[dict] = []
    vrs = read_part05(path, anomalies)["vrs"]
    assert anomalies == []
    assert len(vrs) == 34
    assert set(vrs) == set(BYTES_MAX) | set(CHARS_MAX) | set(FIXED) | {"UN"}
    for vr, n in BYTES_MAX.items():
        assert (vrs[vr]["max_length"], vrs[vr]["fixed_length"],
                vrs[vr]["max_length_unit"]) == (n, None, "bytes"), vr
    for vr, n in CHARS_MAX.items():
        assert (vrs[vr]["max_length"], vrs[vr]["max_length_unit"]) == (n, "chars"), vr
    for vr, n in FIXED.items():
        assert (vrs[vr]["fixed_length"], vrs[vr]["max_length"]) == (n, None), vr
    assert vrs["UN"]["max_length"] is None and vrs["UN"]["fixed_length"] is None
    assert vrs["PN"]["name"] == "Person Name"
    assert "per component group" in vrs["PN"]["length"]
    assert vrs["AE"]["repertoire"].startswith("Default Character Repertoire excluding")
    assert vrs["OV"]["name"] == "Other 64-bit Very Long"
    assert not any("\u200b" in str(v) for v in vrs.values())
    from conformance.schemas import validate_document

    validate_document("vrs", {"vrs": vrs})
    # the same codes as pydicom knows
    from pydicom.valuerep import VR

    assert set(vrs) == {v.value for v in VR if len(v.value) == 2}


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_damaged_file_gives_result_or_source_error(tmp_path_factory: pytest.TempPathFactory,
                                                   data: st.DataObject) -> None:
    """A slice cut out of the middle (the file still ends with </book>) never crashes."""
    check_damaged_slice(read_part05, SMALL, {"vrs"}, tmp_path_factory, data)


def test_small_matches_schema(small: tuple) -> None:
    from conformance.schemas import validate_document

    validate_document("vrs", {"vrs": small[0]})
