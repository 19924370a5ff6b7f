"""PS3.5 8.2: Photometric Interpretation against a compressed Transfer Syntax, with the
tables the build reads from PS3.5."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

from conformance.compiler.readers.part05 import read_part05
from conformance.engine.api import Validator
from tests.conftest import shared_file

JPEG_BASELINE = "1.2.840.10008.1.2.4.50"


@pytest.mark.shared
def test_reader_reads_the_section_8_2_tables() -> None:
    anomalies: list[dict] = []
    got = read_part05(shared_file("nema-docbook", "2026c", "part05.xml"), anomalies)
    enc = got["pixel_encodings"]
    assert enc[JPEG_BASELINE] == {"table": "8.2.1-1", "photometric": {
        "1": ["MONOCHROME1", "MONOCHROME2"], "3": ["RGB", "YBR_FULL_422"]}}
    # row-spanning cells: JPEG 2000 lossy shares the YBR_RCT row of the lossless one
    assert "YBR_RCT" in enc["1.2.840.10008.1.2.4.91"]["photometric"]["3"]
    assert "YBR_ICT" not in enc["1.2.840.10008.1.2.4.90"]["photometric"]["3"]
    # the RLE table names no UID: RLE Lossless (PS3.5 A.4.2)
    assert enc["1.2.840.10008.1.2.5"]["table"] == "8.2.2-1"
    assert len(got["vrs"]) >= 30 and not anomalies


def _codes(name: str, validator: Validator) -> list[str]:
    path = get_testdata_file(name)
    if path is None:
        pytest.skip(f"{name} not installed")
    return [f.message for f in validator.validate(Path(path)).findings
            if f.code == "pixel-data" and f.tag == "00280004"]


@pytest.fixture(scope="module")
def validator() -> Validator:
    v = Validator()
    if not getattr(v.standard, "pixel_encodings", None):
        pytest.skip("the bundled standard was built without PS3.5 8.2's tables")
    return v


def test_jpeg_baseline_ybr_full_is_an_error(validator: Validator) -> None:
    got = _codes("SC_rgb_jpeg_dcmtk.dcm", validator)
    assert len(got) == 1 and "Table 8.2.1-1 allows RGB, YBR_FULL_422" in got[0]


@pytest.mark.parametrize("name", ["examples_ybr_color.dcm",             # JPEG, YBR_FULL_422
                                  "SC_ybr_full_422_uncompressed.dcm",   # native
                                  "US1_J2KI.dcm"])                      # J2K lossy, YBR_ICT
def test_allowed_encodings_pass(name: str, validator: Validator) -> None:
    assert _codes(name, validator) == []
