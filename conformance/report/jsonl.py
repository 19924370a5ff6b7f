"""JSON Lines: one self-contained object per file (``Report.to_dict()``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

from conformance.report.live import line_flusher
from conformance.report.summary import Summary


def write(reports: Iterable[Any], *, standard_info: dict[str, Any], stream: IO[str],
          color: bool = False, **_: Any) -> Summary:
    """Stream ``reports``, one compact JSON line each; returns the totals."""
    summary = Summary()
    flush = line_flusher(stream)
    for report in reports:
        summary.add(report)
        d = report.to_dict()
        d.setdefault("standard", standard_info)
        stream.write(json.dumps(d, sort_keys=True, separators=(",", ":")) + "\n")
        flush()
    return summary
