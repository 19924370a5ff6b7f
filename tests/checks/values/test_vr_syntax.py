"""vr_syntax: valid values of every VR pass, mutated ones fail, garbage never raises."""

from __future__ import annotations

import datetime
import struct
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom.dataset import Dataset

from conformance.checks.values._vrspec import specs
from conformance.checks.values.vr_syntax import check_vr_syntax
from conformance.engine.context import CheckContext
from conformance.engine.path import ElementPath
from tests.checks.values.conftest import FAKE_VRS, FakeStandard, codes, dataset, raw, run_checks
from tests.helpers.raw_elements import VR_TAGS

FAKE = FakeStandard()
NO_VRS = FakeStandard(vrs={})


def syntax(vr: str, value: bytes, std: Any = FAKE) -> list[tuple[str, str]]:
    ds = dataset(raw(VR_TAGS[vr], vr, value))
    found = run_checks(ds, std, "vr_syntax")
    assert not [f for f in found if f.code == "internal-error"], found
    return codes(found, "vr-invalid", "vr-dubious")


def pad(text: str, fill: bytes = b" ") -> bytes:
    b = text.encode("latin-1")
    return b + fill if len(b) % 2 else b


def ok(vr: str, text: str) -> None:
    assert syntax(vr, pad(text)) == [], text


def bad(vr: str, text: str, severity: str = "error") -> None:
    found = syntax(vr, pad(text))
    assert found, f"{vr} {text!r} passed"
    assert found[0][1] == severity, found


def test_spec_from_fake_table() -> None:
    s = specs(FAKE)
    assert s["LO"].controls == {0x1B} and not s["LO"].backslash_ok and s["LO"].extended
    assert s["LT"].backslash_ok and not s["LT"].multi_valued
    assert s["LT"].controls == {0x09, 0x0A, 0x0C, 0x0D, 0x1B}
    assert s["CS"].chars is not None and "a" not in s["CS"].chars and "_" in s["CS"].chars
    assert s["OW"].element_size == 2 and s["OD"].element_size == 8 and s["US"].element_size == 2
    assert s["DA"].fixed_length == 8 and s["UR"].multi_valued is False


def test_spec_matches_bundled_standard(std: Any) -> None:
    real, fake = specs(std), specs(FAKE)
    for vr in FAKE_VRS:
        if vr in real:
            a, b = real[vr], fake[vr]
            assert (a.chars, a.controls, a.backslash_ok, a.multi_valued, a.extended,
                    a.element_size) == (b.chars, b.controls, b.backslash_ok,
                                        b.multi_valued, b.extended, b.element_size), vr


def _allowed(spec: Any, c: str) -> bool:
    """What a VR's fields say of one character, the oracle of its ``clean`` pattern."""
    code = ord(c)
    if (code < 0x20 or code == 0x7F) and code not in spec.controls:
        return False
    if c == "\\" and not spec.backslash_ok:
        return False
    if spec.chars is not None:
        return c in spec.chars
    return spec.extended or code < 0x80


def test_clean_pattern_allows_exactly_the_repertoire(std: Any) -> None:
    # every character up to 3100H, the edges of the planes and a spread above
    codes = [*range(0x3100), *range(0x3100, 0x110000, 997), 0xFFFF, 0x10FFFF]
    for vr, spec in ((vr, specs(std)[vr]) for vr in specs(std)):
        wrong = [hex(c) for c in codes
                 if bool(spec.clean.fullmatch(chr(c))) != _allowed(spec, chr(c))]
        assert not wrong, (vr, wrong[:5])
        assert spec.clean.fullmatch("") is not None


# -- valid values (hypothesis) -------------------------------------------------------------
_ascii_text = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E,
                                    exclude_characters="\\"), min_size=1)


@given(st.from_regex(r"\A[0-9]{3}[DWMY]\Z"))
def test_as_valid(v: str) -> None:
    ok("AS", v)


@given(st.from_regex(r"\A[A-Z0-9_][A-Z0-9_ ]{0,15}\Z"))
def test_cs_valid(v: str) -> None:
    ok("CS", v)


@given(st.dates(min_value=datetime.date(1, 1, 1)))
def test_da_valid(d: datetime.date) -> None:
    ok("DA", f"{d.year:04d}{d.month:02d}{d.day:02d}")


@given(st.datetimes(), st.integers(0, 7), st.booleans(), st.integers(-12, 14))
def test_dt_valid(t: datetime.datetime, precision: int, offset: bool, hours: int) -> None:
    full = f"{t.year:04d}{t.month:02d}{t.day:02d}{t.hour:02d}{t.minute:02d}{t.second:02d}"
    text = full[: 4 + 2 * min(precision, 5)]
    if precision > 5:
        text = full + f".{t.microsecond:06d}"[: precision - 4]
    if offset:
        text += f"{'+' if hours >= 0 else '-'}{abs(hours):02d}00"
    ok("DT", text)


@given(st.times(), st.integers(0, 4))
def test_tm_valid(t: datetime.time, precision: int) -> None:
    text = f"{t.hour:02d}{t.minute:02d}{t.second:02d}"[: 2 * min(precision, 3) or 2]
    if precision == 4:
        text = f"{t.hour:02d}{t.minute:02d}{t.second:02d}.{t.microsecond:06d}"
    ok("TM", text)


@given(st.floats(allow_nan=False, allow_infinity=False, width=32), st.sampled_from(
    [".6g", ".4f", ".3e", "g"]))
def test_ds_valid(f: float, fmt: str) -> None:
    text = format(f, fmt)
    if len(text) <= 16:
        ok("DS", text)


@given(st.integers(-(2**31), 2**31 - 1), st.booleans())
def test_is_valid(n: int, plus: bool) -> None:
    ok("IS", f"+{n}" if plus and n >= 0 and n < 10**10 else str(n))


@given(st.lists(_ascii_text.map(lambda s: s[:16]), min_size=1, max_size=4))
def test_sh_lo_multi_valued_valid(vals: list[str]) -> None:
    ok("SH", "\\".join(vals))
    ok("LO", "\\".join(vals))


@given(st.text(st.sampled_from("ab \\\t\r\n\f~é"), max_size=300))
def test_st_lt_ut_valid(text: str) -> None:
    if text.strip(" "):
        assert syntax("ST", pad(text).replace(b"\xe9", b"e")) == []
        assert syntax("UT", pad(text).replace(b"\xe9", b"e")) == []


@given(st.from_regex(r"\Ahttps?://[a-z0-9.]{1,20}(/[A-Za-z0-9._~-]{0,10}(%2[0-9A-F])?){0,3}(\?a=b)?\Z"))
def test_ur_valid(v: str) -> None:
    ok("UR", v)


@given(st.lists(st.integers(0, 0xFFFF), min_size=1, max_size=8))
def test_binary_valid(values: list[int]) -> None:
    assert syntax("US", struct.pack(f"<{len(values)}H", *values)) == []
    assert syntax("OW", struct.pack(f"<{len(values)}H", *values)) == []
    assert syntax("UL", struct.pack(f"<{len(values)}I", *values)) == []
    assert syntax("FD", struct.pack(f"<{len(values)}d", *values)) == []


# -- mutated values -------------------------------------------------------------------------
@pytest.mark.parametrize(("vr", "text"), [
    ("AE", "    "), ("AE", "STORE\x01SCP"), ("AE", "A" * 17),
    ("AS", "12Y"), ("AS", "012X"), ("AS", "12YY"),
    ("CS", "ORIGINAl"), ("CS", "A-B"), ("CS", "A" * 17),
    ("DA", "20201301"), ("DA", "20200230"), ("DA", "2020-01-01"), ("DA", "1997.04.24"),
    ("DT", "2020013"), ("DT", "20201231250000"), ("DT", "2020.5"), ("DT", "20200101+0160"),
    ("TM", "2400"), ("TM", "1260"), ("TM", "021"), ("TM", "14:04:38"), ("TM", " 1200"),
    ("DS", "1.2.3"), ("DS", "1,5"), ("DS", "abc"), ("DS", "1.23456789012345678"),
    ("IS", "1.5"), ("IS", "2147483648"), ("IS", "1A"), ("IS", "1234567890123"),
    ("LO", "x" * 65), ("LO", "tab\there"), ("SH", "seventeen chars!!"),
    ("ST", "bell\x07"), ("UR", " http://x"), ("UR", "http://a b"), ("UR", "a\\b"),
    ("UC", "nul\x00inside"),
])
def test_mutations_fail(vr: str, text: str) -> None:
    bad(vr, text)


def test_dt_offset_beyond_14_hours_is_dubious() -> None:
    bad("DT", "20200101+1500", "warning")


def test_nul_padding_is_invalid() -> None:
    # PS3.5 6.2: character strings other than UI "shall be padded with SPACE characters".
    assert syntax("LO", b"ABC\x00") == [("vr-invalid", "error")]


def test_odd_length_invalid() -> None:
    assert ("vr-invalid", "error") in syntax("LO", b"ABC")


@pytest.mark.parametrize(("vr", "value"), [
    ("US", b"\x01\x00"), ("US", b"\x01\x00\x02\x00"), ("OB", b"\x01\x02"),
])
def test_binary_length_ok_cases(vr: str, value: bytes) -> None:
    assert syntax(vr, value) == []


@pytest.mark.parametrize(("vr", "value"), [
    ("US", b"\x00" * 3), ("FL", b"\x00" * 6), ("FD", b"\x00" * 12),
    ("AT", b"\x00" * 6), ("OF", b"\x00" * 6), ("OD", b"\x00" * 12), ("OL", b"\x00" * 6),
    ("SV", b"\x00" * 12), ("OV", b"\x00" * 4), ("UL", b"\x00" * 2),
])
def test_binary_length_not_multiple(vr: str, value: bytes) -> None:
    # Called on the raw element: through the engine, pydicom cannot convert some of
    # these and the traversal reports element-unreadable before the checks run.
    ctx = CheckContext(dataset=Dataset(), standard=FAKE)
    elem = raw(VR_TAGS[vr], vr, value)
    found = list(check_vr_syntax(elem, ElementPath(None, elem.tag), ctx))
    assert [(f.code, f.severity) for f in found] == [("vr-invalid", "error")]
    assert "not a multiple of" in found[0].message


def test_backslash_splits_values() -> None:
    assert syntax("DA", pad("20200101\\20200102")) == []
    assert syntax("DA", pad("20200101\\2020012")) == [("vr-invalid", "error")]
    # ST/LT/UT are single valued: PS3.5 lets them hold a backslash.
    assert syntax("LT", pad("C:\\path")) == []


def test_no_vr_table_formats_only_and_info() -> None:
    ds = dataset(raw(VR_TAGS["LO"], "LO", pad("x" * 80)), raw(VR_TAGS["DA"], "DA", b"2020130 "))
    found = codes(run_checks(ds, NO_VRS, "vr_syntax"))
    assert found == [("vr-table-missing", "info"), ("vr-invalid", "error")]


def test_converted_values_in_memory(std: Any) -> None:
    from pydicom.dataset import Dataset

    ds = Dataset()
    ds.StudyDate = "20201301"
    ds.Modality = "ct"
    ds.PatientAge = "045Y"
    found = run_checks(ds, std, "vr_syntax")
    assert sorted(f.tag or "" for f in found if f.code == "vr-invalid") == [
        "00080020", "00080060"]


# -- garbage never raises ---------------------------------------------------------------------
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(VR_TAGS)), st.binary(max_size=80))
def test_garbage_never_raises(vr: str, value: bytes) -> None:
    syntax(vr, value)
    syntax(vr, value, NO_VRS)
