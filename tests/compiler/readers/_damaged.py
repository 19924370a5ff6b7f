"""Shared check of the DocBook readers: a damaged file gives a result or a SourceError."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from conformance.errors import SourceError

ANOMALY_KEYS = {"part", "kind", "table", "row", "detail"}


def check_damaged_slice(read: Callable[[Path, list[dict]], Mapping[str, Any]], small: Path,
                        keys: set[str], tmp_path_factory: pytest.TempPathFactory,
                        data: st.DataObject) -> None:
    """Cut a drawn slice out of the middle of `small` (it still ends with </book>) and read it.

    The reader either raises SourceError or returns a dict with exactly `keys`
    and well-formed anomalies.
    """
    raw = small.read_bytes()
    start = data.draw(st.integers(0, len(raw) - 20))
    stop = data.draw(st.integers(start, len(raw) - 10))
    f = tmp_path_factory.mktemp("damaged") / small.name
    f.write_bytes(raw[:start] + raw[stop:])
    anomalies: list[dict] = []
    try:
        out = read(f, anomalies)
    except SourceError:
        return
    assert set(out) == keys
    assert all(set(a) == ANOMALY_KEYS for a in anomalies)
