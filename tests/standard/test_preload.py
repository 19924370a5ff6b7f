"""Standard.preload reads what every validation needs (before -j workers fork)."""

from __future__ import annotations

import pytest

from conformance.standard import bundled_path
from conformance.standard.loader import Standard


@pytest.mark.skipif(bundled_path() is None, reason="no bundled standard")
def test_preload_reads_the_common_files() -> None:
    path = bundled_path()
    assert path is not None
    std = Standard(path)
    assert not {"iods", "sop_classes", "dictionary", "vrs"} & set(std._data)
    std.preload()
    assert {"iods", "sop_classes", "_dictionary", "vrs"} <= set(std._data)
