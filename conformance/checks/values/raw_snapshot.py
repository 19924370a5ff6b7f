"""Keep the bytes as read for the value checks (PS3.5 Section 6.2, 7.1.1).

The engine converts each element before it calls the element checks, which loses
padding, odd lengths and undecodable bytes. This dataset check runs before the others
and records the raw elements (see ``_common.snapshot_raw``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance.checks.registry import dataset_check
from conformance.checks.values._common import snapshot_raw
from conformance.engine.finding import Finding


def _values_raw_snapshot(ctx: Any) -> Iterable[Finding]:
    """PS3.5 6.2 and 7.1.1: record raw value bytes for the value checks (no findings)."""
    snapshot_raw(ctx)
    return ()


# The engine runs dataset checks sorted by "<module>.<qualname>"; this name sorts before
# every other check so the snapshot sees the dataset before anything converts it.
_values_raw_snapshot.__module__ = "conformance.checks"
dataset_check(reference="PS3.5 6.2")(_values_raw_snapshot)
