"""The traversal hands element checks the stored elements: raw bytes, scope, VR.

Elements are converted only where pydicom may refuse them (``convertible``), and a
refusal becomes ``element-unreadable``; the stored elements are recorded when the
CheckContext is made, so checks that convert values before the traversal change
nothing the element checks see.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.datadict import dictionary_VR
from pydicom.dataelem import RawDataElement, convert_raw_data_element
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ImplicitVRLittleEndian

from conformance.engine.context import CheckContext
from conformance.engine.conversion import convertible, stored_vr
from conformance.engine.finding import Finding
from conformance.engine.path import ElementPath
from conformance.engine.read_scope import AsRead
from conformance.engine.registry import CheckInfo
from conformance.engine.traversal import traverse
from conformance.standard import load_standard
from tests.helpers.raw_elements import (  # noqa: F401 - quiet_pydicom: autouse fixture
    SEQUENCE_TAG,
    VR_TAGS,
    quiet_pydicom,
    raw_element,
)

_BYTES = st.lists(st.sampled_from([b"1", b"2", b".", b"-", b"+", b"e", b" ", b"\\", b"\x00",
                                   b"a", b"\xff", b"^", b"=", b"\x1b", b"inf", b"nan",
                                   b"1.5", b"9" * 12]), max_size=8).map(b"".join)


def _record(calls: list[tuple[Any, ElementPath]]) -> CheckInfo:
    def record(elem: Any, where: ElementPath, ctx: CheckContext) -> Iterator[Finding]:
        calls.append((elem, where))
        return iter(())

    return CheckInfo("record", "element", (), record)


def test_vr_tags_have_their_dictionary_vr() -> None:
    for vr, tag in VR_TAGS.items():
        assert (dictionary_VR(tag) if vr != "UN" else "UN") == vr, vr
    assert VR_TAGS["UN"] >> 16 & 1  # private: pydicom gives it UN


# -- convertible: a cheap look that never says yes to bytes pydicom refuses ----------------
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(VR_TAGS)), _BYTES)
def test_convertible_never_wrong(vr: str, value: bytes) -> None:
    raw = raw_element(VR_TAGS[vr], vr, value)
    if convertible(raw, vr):
        convert_raw_data_element(raw)  # must not raise


@pytest.mark.parametrize(("vr", "value"), [("US", b"\x01"), ("FL", b"\x00" * 6),
                                           ("IS", b"inf "), ("SQ", b"")])
def test_convertible_says_convert(vr: str, value: bytes) -> None:
    assert not convertible(raw_element(VR_TAGS.get(vr, SEQUENCE_TAG), vr, value), vr)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([0x00280010, 0x00280106, 0x00189219, 0x00080060, 0x00100010,
                        0x00091010, 0x00090010, 0x00280000, 0x7FE00010, 0x00081140,
                        0x00280030, 0x60003000, 0x00291010]),
       st.sampled_from([None, "UN"]), st.binary(max_size=8))
def test_stored_vr_is_the_vr_pydicom_gives(tag: int, vr: str | None, value: bytes) -> None:
    ds = Dataset()
    ds.add_new(0x00290010, "LO", "SIEMENS CSA HEADER")
    raw = raw_element(tag, vr, value)
    got = stored_vr(raw, ds)
    try:
        want = convert_raw_data_element(raw, ds=ds).VR
    except Exception:  # noqa: BLE001 - a refusal: the traversal converts and reports
        return
    # Ambiguous VRs are resolved by conversion; a wrong length turns into UN on request.
    assert got == want or " or " in got


# -- the traversal --------------------------------------------------------------------------
def _ctx(ds: Dataset, **kw: Any) -> CheckContext:
    return CheckContext(dataset=ds, standard=load_standard(), **kw)


def test_checks_get_stored_elements_scope_and_vr() -> None:
    item = Dataset()
    item[0x00081150] = raw_element(0x00081150, "UI", b"1.2.3\x00")
    ds = Dataset()
    ds[0x00100010] = raw_element(0x00100010, "PN", b"Doe^John")
    ds[0x00280010] = raw_element(0x00280010, None, b"\x02\x00")
    ds.add_new(0x00081140, "SQ", Sequence([item]))
    calls: list[tuple[Any, ElementPath]] = []
    traverse(_ctx(ds), [_record(calls)], [])
    seen = {w.render(): (e, w) for e, w in calls}
    pn, where = seen["(0010,0010)"]
    assert type(pn) is RawDataElement and pn.value == b"Doe^John"
    assert where.dataset is ds and where.vr == "PN"
    rows, where = seen["(0028,0010)"]
    assert type(rows) is RawDataElement and rows.VR is None and where.vr == "US"
    uid, where = seen["(0008,1140)[0].(0008,1150)"]
    assert uid.value == b"1.2.3\x00" and where.dataset is item
    assert where.scope.parent is not None and where.scope.root.dataset is ds
    # nothing was converted only to be looked at
    assert type(ds.get_item(0x00100010)) is RawDataElement
    assert type(item.get_item(0x00081150)) is RawDataElement


def test_elements_are_recorded_before_checks_convert_them() -> None:
    ds = Dataset()
    ds[0x00100010] = raw_element(0x00100010, "PN", b"Doe^John\x00")
    ctx = _ctx(ds)
    assert ds.PatientName == "Doe^John"  # a dataset check converts it
    calls: list[tuple[Any, ElementPath]] = []
    traverse(ctx, [_record(calls)], [])
    elem = calls[0][0]
    assert type(elem) is RawDataElement and elem.value == b"Doe^John\x00"


def test_refused_bytes_are_element_unreadable_and_skipped() -> None:
    ds = Dataset()
    ds[0x00280010] = raw_element(0x00280010, "US", b"\x01\x00\x02")  # 3 bytes of US
    ds[0x00280011] = raw_element(0x00280011, "US", b"\x02\x00")
    calls: list[tuple[Any, ElementPath]] = []
    sink: list[Finding] = []
    traverse(_ctx(ds), [_record(calls)], sink)
    assert [(f.code, f.path) for f in sink] == [("element-unreadable", "(0028,0010)")]
    assert [w.render() for _e, w in calls] == ["(0028,0011)"]


def test_ambiguous_vr_resolved_by_conversion() -> None:
    ds = Dataset()
    ds[0x00280103] = raw_element(0x00280103, None, b"\x01\x00")  # signed
    ds[0x00280106] = raw_element(0x00280106, None, b"\xff\xff")  # US or SS
    calls: list[tuple[Any, ElementPath]] = []
    traverse(_ctx(ds), [_record(calls)], [])
    vrs = {w.render(): w.vr for _e, w in calls}
    assert vrs["(0028,0106)"] == "SS"


def test_dispatch_by_vr() -> None:
    ds = Dataset()
    ds.PatientName = "Doe^John"
    ds.Rows = 2
    seen: list[int] = []

    def pn_only(elem: Any, where: ElementPath, ctx: CheckContext) -> Iterator[Finding]:
        seen.append(elem.tag)
        return iter(())

    traverse(_ctx(ds), [CheckInfo("pn", "element", (), pn_only, vrs=frozenset({"PN"}))], [])
    assert seen == [0x00100010]


def test_implicit_file_scope_facts() -> None:
    path = get_testdata_file("MR_small_implicit.dcm")
    ds = dcmread(path)
    ctx = _ctx(ds, file_meta=ds.file_meta)
    assert ctx.as_read is not None and ctx.as_read.file.implicit_vr
    assert ctx.as_read.file.transfer_syntax == ImplicitVRLittleEndian
    assert ctx.as_read.file.encapsulated is False


def test_as_read_items_in_document_order() -> None:
    inner = Dataset()
    inner.CodeValue = "1"
    outer = Dataset()
    outer.ConceptNameCodeSequence = Sequence([inner])
    ds = Dataset()
    ds.ContentSequence = Sequence([outer, Dataset()])
    read = AsRead(ds)
    assert [str(p) if p is not None else None for _d, p in read.items] == [
        None, "(0040,A730)[0]", "(0040,A730)[0].(0040,A043)[0]", "(0040,A730)[1]"]


def test_file_meta_only_dataset_and_bytes_round_trip() -> None:
    # A file written by pydicom and read back: raw elements all the way down.
    ds = Dataset()
    ds.PatientName = "Doe^John"
    ds.ReferencedSeriesSequence = Sequence([Dataset()])
    ds.ReferencedSeriesSequence[0].SeriesInstanceUID = "1.2.3"
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    buf = io.BytesIO()
    ds.save_as(buf, implicit_vr=True, little_endian=True)
    back = dcmread(io.BytesIO(buf.getvalue()), force=True)
    calls: list[tuple[Any, ElementPath]] = []
    traverse(_ctx(back, file_meta=back.file_meta), [_record(calls)], [])
    by_path = {w.render(): (e, w.vr) for e, w in calls}
    elem, vr = by_path["(0008,1115)[0].(0020,000E)"]
    assert type(elem) is RawDataElement and elem.VR is None and vr == "UI"


def test_strict_reading_converts_everything() -> None:
    from pydicom import config

    ds = Dataset()
    ds[0x00180050] = raw_element(0x00180050, "DS", b"1,5 ")  # invalid DS: pydicom RAISE refuses
    ds[0x00100010] = raw_element(0x00100010, "PN", b"Doe^John")
    sink: list[Finding] = []
    old = config.settings.reading_validation_mode
    config.settings.reading_validation_mode = config.RAISE
    try:
        traverse(_ctx(ds), [_record([])], sink)
    finally:
        config.settings.reading_validation_mode = old
    assert [(f.code, f.path) for f in sink] == [("element-unreadable", "(0018,0050)")]
