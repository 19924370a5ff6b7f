"""Header-only datasets (``stop_before_pixels``): no finding the full read does not give,
one info saying the pixel data was not read."""

from __future__ import annotations

import warnings
from pathlib import Path

import pydicom
import pytest

from conformance.engine.api import Validator


def _test_files() -> list[Path]:
    """The test files installed with pydicom (read from its folder: get_testdata_files
    would try to download pydicom-data's)."""
    import pydicom.data

    root = Path(pydicom.data.__path__[0]) / "test_files"
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix not in
                  (".txt", ".json", ".icc", ".dump", ".py", ".gz", ".bz2", ".xz", ".zip"))


def _keys(report: object) -> set[tuple[str, str]]:
    return {(f.code, f.path) for f in report.findings  # type: ignore[attr-defined]
            if f.code != "pixel-data-not-read"}


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


def _read(path: Path, **kw: object) -> pydicom.Dataset | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pydicom.dcmread(path, **kw)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - not a file pydicom reads without force
            return None


def test_header_only_reads_of_every_pydicom_test_file(validator: Validator) -> None:
    checked = with_pixels = 0
    extra: dict[str, set[tuple[str, str]]] = {}
    for path in _test_files():
        full = _read(path)
        head = _read(path, stop_before_pixels=True)
        if full is None or head is None:
            continue
        checked += 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r_full = validator.validate(full)
            r_head = validator.validate(head)
        if "PixelData" in full:
            with_pixels += 1
        more = _keys(r_head) - _keys(r_full)
        if more:
            extra[path.name] = more
    assert checked > 100 and with_pixels > 50
    assert extra == {}


def test_one_info_and_no_pixel_findings(validator: Validator) -> None:
    from pydicom.data import get_testdata_file

    head = _read(Path(get_testdata_file("MR_small.dcm")), stop_before_pixels=True)
    assert head is not None
    before = set(head.keys())
    r = validator.validate(head)
    assert r.codes().count("pixel-data-not-read") == 1
    assert not [f for f in r.findings if f.tag == "7FE00010" and f.code != "pixel-data-not-read"]
    assert set(head.keys()) == before  # the caller's dataset is not modified
    # Without the header-only handling the same dataset reports Pixel Data missing.
    assert "type1-missing" not in r.codes()


def test_a_file_missing_its_pixel_data_is_still_an_error(validator: Validator,
                                                         tmp_path: Path) -> None:
    """From a path the whole file is read: no Pixel Data is a real absence."""
    from pydicom.data import get_testdata_file

    ds = _read(Path(get_testdata_file("MR_small.dcm")))
    assert ds is not None
    del ds.PixelData
    p = tmp_path / "nopixels.dcm"
    ds.save_as(p)
    r = validator.validate(p)
    assert "pixel-data-not-read" not in r.codes()
    assert any(f.tag == "7FE00010" for f in r.findings)
