"""One JSON document: standard, files (streamed one by one), summary.

Keys come out sorted (``files`` < ``standard`` < ``summary``), so the document is
written in order without holding the file entries in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

from conformance.report.summary import Summary


def file_entry(report: Any) -> dict[str, Any]:
    """A report as a ``files[]`` entry (the standard is stated once, at the top)."""
    d = report.to_dict()
    d.pop("standard", None)
    return d


def write(reports: Iterable[Any], *, standard_info: dict[str, Any], stream: IO[str],
          color: bool = False, batch: Any = None, **_: Any) -> Summary:
    """Stream ``reports`` as one JSON object; returns the totals. With ``batch`` (the
    ``Batch`` the reports stream through) the document also has ``series``, ``studies``
    and ``skipped`` (written after ``files``, when they are complete)."""
    summary = Summary()
    stream.write('{\n "files": [')
    first = True
    for report in reports:
        summary.add(report)
        stream.write("\n" if first else ",\n")
        first = False
        stream.write(json.dumps(file_entry(report), sort_keys=True, indent=1))
    stream.write("\n ],\n")
    if batch is not None:
        summary.add_skipped(batch.skipped)
        groups = batch.groups.to_dict()
        for key in ("series", "studies"):
            stream.write(f' "{key}": ' + json.dumps(groups[key], sort_keys=True) + ",\n")
        stream.write(' "skipped": ' + json.dumps(batch.skipped.to_dict(), sort_keys=True)
                     + ",\n")
    stream.write(' "standard": ' + json.dumps(standard_info, sort_keys=True) + ",\n")
    stream.write(' "summary": ' + json.dumps(summary.to_dict(), sort_keys=True) + "\n}\n")
    return summary
