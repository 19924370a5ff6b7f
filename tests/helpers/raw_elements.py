"""Stored elements for the tests of code that reads values without converting them.

``VR_TAGS``: one tag per VR pydicom converts, whose dictionary VR is that VR (checked by
``tests/engine/test_traversal_raw.py``), so an element built implicit VR gets the VR
named; UN is a private tag (pydicom gives it UN). ``raw_element`` builds a
``RawDataElement`` as pydicom's reader does; ``quiet_pydicom`` is an autouse fixture for
a test module that imports it (pydicom warns and logs about every odd value it
converts, and property tests convert thousands).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator

import pytest
from pydicom.dataelem import RawDataElement
from pydicom.tag import Tag

VR_TAGS: dict[str, int] = {
    "AE": 0x00080054, "AS": 0x00101010, "AT": 0x00209165, "CS": 0x00080060,
    "DA": 0x00080020, "DS": 0x00180050, "DT": 0x0008002A, "FD": 0x00189087,
    "FL": 0x00181320, "IS": 0x00200013, "LO": 0x00080070, "LT": 0x00284000,
    "OB": 0x00420011, "OD": 0x00660022, "OF": 0x00640009, "OL": 0x00660040,
    "OV": 0x00720081, "OW": 0x00660023, "PN": 0x00100010, "SH": 0x00080050,
    "SL": 0x00186020, "SS": 0x00189219, "ST": 0x00080081, "SV": 0x00720082,
    "TM": 0x00080030, "UC": 0x00080119, "UI": 0x00080018, "UL": 0x00081161,
    "UN": 0x00091001, "UR": 0x00080120, "US": 0x00280010, "UT": 0x0040A160,
    "UV": 0x00720083}
SEQUENCE_TAG = 0x00081140  # Referenced Image Sequence


def raw_element(tag: int, vr: str | None, value: bytes | None, length: int | None = None
                ) -> RawDataElement:
    """A raw element as pydicom's reader makes it: implicit VR when ``vr`` is None; a
    ``value`` of None is a value not read yet, of ``length`` bytes."""
    n = len(value) if value is not None else (length or 0)
    return RawDataElement(Tag(tag), vr, n, value, 0, vr is None, True)


@pytest.fixture(autouse=True)
def quiet_pydicom() -> Iterator[None]:
    """pydicom's conversion warnings and log records silenced for the test."""
    logging.getLogger("pydicom").setLevel(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
