"""Report formats: each module's ``write(reports, *, standard_info, stream, color)``
streams reports to a text stream and returns the ``Summary`` totals."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

FORMATS: dict[str, str] = {
    "text": "conformance.report.text",
    "json": "conformance.report.json_",
    "jsonl": "conformance.report.jsonl",
    "sarif": "conformance.report.sarif",
    "junit": "conformance.report.junit",
    "html": "conformance.report.html",
}
# GitHub shows the top 5,000 results of a run (by severity); here, not in the SARIF
# writer, so that the CLI's help quotes it without importing the writer.
GITHUB_SHOWN = 5_000


def writer(fmt: str) -> Callable[..., Any]:
    """The ``write`` function of format ``fmt`` (a key of ``FORMATS``)."""
    return importlib.import_module(FORMATS[fmt]).write  # type: ignore[no-any-return]
