"""Large values stay in the file (conformance.engine.deferred): the findings are those of
a full read, and no binary value is read to get them."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset

import conformance
from conformance.engine import deferred
from conformance.engine.input import load

CT_SMALL = get_testdata_file("CT_small.dcm")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Tags of every deferred value pydicom reads back from a file."""
    import pydicom.filereader as fr

    seen: list[int] = []
    real = fr.read_deferred_data_element

    def spy(*args: Any) -> Any:
        seen.append(int(args[-1].tag))
        return real(*args)

    monkeypatch.setattr(fr, "read_deferred_data_element", spy)
    yield seen


def _big_ct(path: Path, side: int = 512, extra: int = 0, vr: bytes = b"OW") -> Path:
    """CT_small's header with a ``side`` x ``side`` 16-bit native image appended
    (``extra`` bytes more than that declared and written)."""
    ds = dcmread(CT_SMALL)
    del ds.PixelData
    ds.Rows = ds.Columns = side
    ds.save_as(path, enforce_file_format=True)
    length = side * side * 2 + extra
    with open(path, "ab") as f:
        f.write(struct.pack("<HH2sHI", 0x7FE0, 0x0010, vr, 0, length))
        f.write(bytes(length))
    return path


def _full(path: Path) -> Dataset:
    return dcmread(path, force=True)  # no defer_size: every value in memory


def _same(a: conformance.Report, b: conformance.Report) -> None:
    da, db = a.to_dict(), b.to_dict()
    da.pop("path"), db.pop("path")
    assert da == db


def test_pixel_data_stays_in_the_file(tmp_path: Path, reads: list[int]) -> None:
    f = _big_ct(tmp_path / "ct.dcm")
    loaded = load(f)
    assert loaded.dataset is not None
    raw = loaded.dataset.get_item(0x7FE00010, keep_deferred=True)
    assert deferred.is_deferred(raw)  # present, value not read
    report = conformance.validate(f)
    assert 0x7FE00010 not in reads
    _same(report, conformance.validate(_full(f)))
    assert "pixel-data" not in report.codes()


def test_wrong_length_is_found_from_the_header(tmp_path: Path, reads: list[int]) -> None:
    f = _big_ct(tmp_path / "ct.dcm", extra=3)  # odd, and longer than the image
    report = conformance.validate(f)
    assert 0x7FE00010 not in reads
    msgs = [x.message for x in report.findings if x.path == "(7FE0,0010)"]
    assert any("odd value length" in m for m in msgs)
    assert any("Pixel Data has" in m and "more than" in m for m in msgs)
    _same(report, conformance.validate(_full(f)))


def test_implicit_vr_pixel_data_resolves_ob_or_ow_unread(tmp_path: Path,
                                                          reads: list[int]) -> None:
    ds = dcmread(CT_SMALL)
    ds.Rows = ds.Columns = 256
    ds.PixelData = bytes(256 * 256 * 2)
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2"
    f = tmp_path / "implicit.dcm"
    ds.save_as(f, implicit_vr=True, little_endian=True)
    report = conformance.validate(f)
    assert 0x7FE00010 not in reads
    _same(report, conformance.validate(_full(f)))


def test_truncated_deferred_value_is_unreadable(tmp_path: Path) -> None:
    f = _big_ct(tmp_path / "ct.dcm")
    data = f.read_bytes()
    f.write_bytes(data[:-1000])
    report = conformance.validate(f)
    assert report.codes() == ["unreadable"]
    assert "declares 524288 bytes but the file holds 523288" in report.findings[0].message
    assert conformance.validate(data[:-1000]).findings[0].message == report.findings[0].message


def test_encapsulated_length_from_item_headers(tmp_path: Path, reads: list[int]) -> None:
    src = get_testdata_file("SC_rgb_rle.dcm")
    full = dcmread(src).get_item(0x7FE00010).value
    ds = dcmread(src, defer_size=16)
    raw = ds.get_item(0x7FE00010, keep_deferred=True)
    assert deferred.is_deferred(raw) and raw.length == deferred.UNDEFINED
    assert deferred.value_length(ds, raw) == len(full)
    assert 0x7FE00010 not in reads


def test_bytes_input_defers_too(reads: list[int]) -> None:
    data = Path(CT_SMALL).read_bytes()
    loaded = load(data)
    assert loaded.dataset is not None
    assert deferred.is_deferred(loaded.dataset.get_item(0x7FE00010, keep_deferred=True)) \
        == (len(dcmread(CT_SMALL).PixelData) > deferred.DEFER_SIZE)
    _same(conformance.validate(data), conformance.validate(CT_SMALL))


def test_deferred_text_is_read_for_the_text_checks(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """With every value deferred, the findings over a text-rich file do not change."""
    import conformance.engine.input as inp

    f = get_testdata_file("rtplan.dcm")
    before = conformance.validate(f)
    monkeypatch.setattr(inp, "DEFER_SIZE", 2)
    _same(conformance.validate(f), before)
