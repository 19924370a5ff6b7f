"""One JSON document: format version, tool, files (streamed one by one), standard,
summary. Its JSON Schema ships with the package (``report.schema.json``, ``schema()``);
``read`` turns a document back into Reports.

``format_version`` changes its major number when a key is removed or changes meaning,
its minor number when keys are added.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

from conformance.engine.result import Report
from conformance.report.summary import Summary

FORMAT_VERSION = "1.0"
SCHEMA_FILE = "report.schema.json"


def tool() -> dict[str, str]:
    """``{"name", "version"}`` of the program that wrote the report."""
    from conformance import __version__

    return {"name": "dicom-conformance", "version": __version__}


def schema() -> dict[str, Any]:
    """The JSON Schema of the document ``write`` produces (shipped with the package)."""
    from importlib import resources

    text = resources.files("conformance.report").joinpath(SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def read(doc: dict[str, Any]) -> list[Report]:
    """The Reports of a JSON report document (``json.load`` of what ``write`` wrote)."""
    major = str(doc.get("format_version", "")).split(".")[0]
    if major != FORMAT_VERSION.split(".")[0]:
        raise ValueError(f"JSON report format {doc.get('format_version')!r}; this version "
                         f"reads {FORMAT_VERSION.split('.')[0]}.x")
    standard = doc.get("standard") or {}
    return [Report.from_dict(entry, standard) for entry in doc.get("files") or ()]


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
    stream.write('{\n "format_version": ' + json.dumps(FORMAT_VERSION) + ",\n"
                 ' "tool": ' + json.dumps(tool(), sort_keys=True) + ",\n"
                 ' "files": [')
    first = True
    for report in reports:
        summary.add(report)
        stream.write("\n" if first else ",\n")
        first = False
        stream.write(json.dumps(file_entry(report), sort_keys=True, indent=1))
    stream.write("\n ],\n")
    if batch is not None:
        summary.add_batch(batch)
        groups = batch.groups.to_dict()
        for key in ("series", "studies"):
            stream.write(f' "{key}": ' + json.dumps(groups[key], sort_keys=True) + ",\n")
        stream.write(' "skipped": ' + json.dumps(batch.skipped.to_dict(), sort_keys=True)
                     + ",\n")
    stream.write(' "standard": ' + json.dumps(standard_info, sort_keys=True) + ",\n")
    stream.write(' "summary": ' + json.dumps(summary.to_dict(), sort_keys=True) + "\n}\n")
    return summary
