"""Issue 17 regression tests for the library: every hostile input is built at run time
(``fuzz/hostile.py``) and must give findings, never an exception, a hang or a blow-up."""

from __future__ import annotations

import io
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pydicom import dcmread
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

import conformance
from conformance.limits import Limits
from fuzz import hostile

pytestmark = pytest.mark.filterwarnings("ignore")


def codes(report: Any) -> Counter[str]:
    return Counter(f.code for f in report.findings)


def messages(report: Any, code: str) -> list[str]:
    return [f.message for f in report.findings if f.code == code]


# -- item 1 ------------------------------------------------------------------------------

def test_unknown_vr_on_the_last_element_is_a_finding() -> None:
    report = conformance.validate(hostile.unknown_vr_tail())
    assert report.iod == "ct-image"  # the rest of the file was checked
    assert any("'TT'" in m for m in messages(report, "encoding-invalid"))


def test_stray_sequence_delimiter_is_a_finding() -> None:
    report = conformance.validate(hostile.stray_sequence_delimiter())
    assert report.iod == "ct-image"
    assert any("Sequence Delimitation Item (FFFE,E0DD) outside" in m
               for m in messages(report, "encoding-invalid"))


# -- item 2 ------------------------------------------------------------------------------

@pytest.mark.parametrize("vr", ["PN", "US", "FD", "SL", "AT"])
def test_sop_class_uid_of_another_vr_is_a_vr_mismatch(vr: str) -> None:
    report = conformance.validate(hostile.sop_class_as(vr))
    assert any(f"has VR {vr}" in m for m in messages(report, "vr-mismatch"))
    assert "internal-error" not in codes(report)


# -- item 3 ------------------------------------------------------------------------------

@pytest.mark.parametrize(("levels", "valid"), [(500, False), (1000, True), (3000, True)])
def test_deep_nesting_stops_at_the_depth_limit(levels: int, valid: bool) -> None:
    data = hostile.deep_nesting(levels, valid=valid)
    report = conformance.validate(data)
    found = codes(report)
    assert found["nesting-too-deep"] == 1
    assert "internal-error" not in found
    assert "max_depth=64" in messages(report, "nesting-too-deep")[0]


def test_nesting_within_the_limit_is_checked_to_the_bottom() -> None:
    report = conformance.validate(hostile.deep_nesting(30, valid=False),
                                  limits=Limits(max_depth=40))
    assert "nesting-too-deep" not in codes(report)
    # the bad Value Type at the bottom (30 sequences down) was looked at
    deepest = [f for f in report.findings if f.path.count("(0040,A730)") == 30]
    assert deepest, "no finding at the bottom of the nesting"


def _nested(levels: int) -> tuple[Dataset, Dataset]:
    """A dataset ``levels`` Content Sequences deep, and its innermost item."""
    ds = inner = Dataset()
    for _ in range(levels):
        child = Dataset()
        inner.ContentSequence = [child]
        inner = child
    return ds, inner


def test_a_deep_dataset_built_in_memory_does_not_raise() -> None:
    ds, inner = _nested(1500)
    inner.ValueType = "TEXT"
    inner.PatientName = "Secret^Name"  # the masking walk reads every level
    report = conformance.validate(ds)
    assert codes(report)["nesting-too-deep"] == 1
    assert "internal-error" not in codes(report)


def test_identifying_values_of_a_deep_dataset() -> None:
    """The privacy walk (masking) reads every level without recursion: the fuzz campaign
    found a RecursionError there."""
    from conformance.engine.privacy import identifying_values
    from conformance.standard import load_standard

    ds, inner = _nested(3000)
    inner.PatientName = "Secret^Name"
    found = identifying_values(ds, load_standard())
    assert "Secret^Name" in found


# -- item 10 -----------------------------------------------------------------------------

def _snapshot(ds: Dataset) -> list[Any]:
    """Each element as stored: its type, VR, identity and value (items recursively)."""
    out: list[Any] = []
    for tag, elem in ds._dict.items():
        if isinstance(elem, RawDataElement):
            out.append((int(tag), "raw", id(elem), elem))
        elif elem.VR == "SQ":
            out.append((int(tag), "SQ", id(elem), elem.VR,
                        [_snapshot(i) for i in elem.value]))
        else:
            out.append((int(tag), "elem", id(elem), elem.VR, repr(elem.value)))
    return out


def _testfiles() -> list[str]:
    from pydicom.data import get_testdata_files

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sorted(get_testdata_files())


def test_validate_never_changes_the_callers_dataset() -> None:
    """For every pydicom test file (and pydicom-data's when installed): the Dataset's
    elements, raw and converted, nested items included, are the same objects with the
    same values after validation; so is its File Meta; and it saves to the same bytes."""
    checked = 0
    validator = conformance.Validator()
    for path in _testfiles():
        try:
            ds = dcmread(path, force=True)
        except Exception:  # noqa: BLE001 - files pydicom itself cannot read
            continue
        meta = getattr(ds, "file_meta", None)
        before = _snapshot(ds)
        meta_before = _snapshot(meta) if meta is not None else None
        validator.validate(ds)
        assert _snapshot(ds) == before, path
        if meta is not None:
            assert _snapshot(meta) == meta_before, path
        checked += 1
    assert checked > 80


def test_validate_leaves_saved_bytes_unchanged() -> None:
    from pydicom.data import get_testdata_file

    for name in ("CT_small.dcm", "rtplan.dcm", "MR_small.dcm", "emri_small_jpeg_2k_lossless.dcm"):
        path = get_testdata_file(name)
        if path is None:
            continue
        ds = dcmread(path)
        first = io.BytesIO()
        ds.save_as(first)
        conformance.validate(ds)
        second = io.BytesIO()
        ds.save_as(second)
        assert first.getvalue() == second.getvalue(), name


# -- item 12 -----------------------------------------------------------------------------

def test_a_million_values_give_one_finding_with_a_count() -> None:
    report = conformance.validate(hostile.many_values(200_000))
    found = codes(report)
    assert found["enum-value"] == Limits().findings_per_element
    last = messages(report, "enum-value")[-1]
    assert "[and 199990 more value(s) not allowed, not listed]" in last


def test_findings_are_bounded_per_element_and_per_code() -> None:
    from conformance.engine.bounded import BoundedFindings
    from conformance.engine.finding import Finding

    sink = BoundedFindings(Limits(findings_per_element=3, findings_per_code=5))
    sink.extend(Finding("x", "error", f"m{i}", path="(0010,0010)") for i in range(100))
    sink.extend(Finding("x", "error", f"p{i}", path=f"(0020,{i:04X})") for i in range(50))
    out = sink.result()
    assert [f.message.split(" ")[0] for f in out] == ["m0", "m1", "m2", "p0", "p1"]
    assert out[2].message.endswith("[and 97 more x finding(s) on this element, not listed]")
    assert "[and 48 more x finding(s) in this data set" in out[4].message


# -- item 13 -----------------------------------------------------------------------------

def test_deflate_bomb_is_unreadable_with_the_reason() -> None:
    data = hostile.deflate_bomb(8 << 20)
    limits = Limits(inflate_ratio=2, inflate_min_bytes=1 << 20)
    report = conformance.validate(data, limits=limits)
    assert [f.code for f in report.findings] == ["unreadable"]
    assert "inflates to more than 1048576 bytes" in report.findings[0].message


def test_deflated_file_within_the_limit_is_read() -> None:
    data = hostile.deflate_bomb(1 << 20)
    report = conformance.validate(data)
    assert "unreadable" not in codes(report)
    assert report.iod == "ct-image"


# -- item 19 -----------------------------------------------------------------------------

def test_item_longer_than_its_sequence_is_a_finding() -> None:
    report = conformance.validate(hostile.item_longer_than_sequence())
    got = messages(report, "encoding-invalid")
    assert got == ["Item 1 declares 2147483647 bytes but its Sequence has 34 left "
                   "(defined length 42)"]


def test_item_overrun_reader() -> None:
    from conformance.checks.values.encoding import item_overrun

    body = hostile.explicit(0x00100010, "PN", b"A^B ")
    assert item_overrun(hostile.item(body), True) is None
    assert item_overrun(hostile.item(body) + hostile.item(body), True) is None
    assert "Item 2 declares 99" in str(item_overrun(hostile.item(body)
                                                    + hostile.item(body, 99), True))
    assert "where Item 1 should start" in str(item_overrun(body, True))
    assert "inside an Item header" in str(item_overrun(hostile.item(body) + b"\xfe\xff", True))


# -- found by the fuzz campaign -----------------------------------------------------------

def test_an_integer_string_of_thousands_of_digits() -> None:
    """atheris, 75,350 runs in: int() of a 29,340-digit IS value raised ValueError
    (Python's integer string conversion limit) inside the VR syntax check."""
    value = b"1" * 29_340
    data = hostile.ct_small() + hostile.explicit(0x00200013, "IS", value)  # Instance Number
    report = conformance.validate(data)
    assert "internal-error" not in codes(report)
    assert any("is outside -2^31..2^31-1" in m for m in messages(report, "vr-invalid"))


def test_a_long_decimal_string_is_checked_in_linear_time() -> None:
    """atheris: a DS value of tens of thousands of digits that does not match made the DS
    pattern backtrack quadratically (20 s); the pattern is unambiguous now."""
    from conformance.checks.values.vr_syntax import _DS

    assert _DS.fullmatch("1" * 60_000 + "x") is None  # returns at once
    for ok in ("1", "1.", "1.5", ".5", "-1.5E-3", "+.5e+2"):
        assert _DS.fullmatch(ok), ok
    for bad in ("1.2.3", ".", "1e", "abc"):
        assert not _DS.fullmatch(bad), bad


# -- the guard ---------------------------------------------------------------------------

def test_an_unexpected_exception_is_an_internal_error_finding(monkeypatch: Any) -> None:
    from conformance.engine import api

    def boom(self: Any, ctx: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(api.Validator, "_run", boom)
    report = conformance.validate(hostile.ct_small())
    assert [f.code for f in report.findings] == ["internal-error"]
    assert "RecursionError" in report.findings[0].message


def test_paths_that_are_not_regular_files_are_skipped(tmp_path: Any) -> None:
    import os

    fifo = tmp_path / "pipe.dcm"
    os.mkfifo(fifo)
    for path in (fifo, "/dev/zero"):
        report = conformance.validate(path)
        assert [f.code for f in report.findings] == ["unreadable"]
        assert "not a regular file" in report.findings[0].message


def test_a_file_cut_inside_an_element_header_is_unreadable() -> None:
    """pydicom stops without a word when the file ends inside an element header; the
    bytes left over after the last complete element say the file was truncated."""
    from pydicom import dcmread
    from pydicom.data import get_testdata_file

    path = get_testdata_file("CT_small.dcm")
    data = Path(path).read_bytes()
    ds = dcmread(path, defer_size=64)
    middle = list(ds.keys())[len(ds) // 2]
    cut = ds._dict[middle].value_tell - 3  # inside that element's header
    report = conformance.validate(data[:cut])
    assert [f.code for f in report.findings] == ["unreadable"]
    assert "ends inside the element header" in report.findings[0].message
    whole = conformance.validate(data)
    assert "unreadable" not in {f.code for f in whole.findings}
