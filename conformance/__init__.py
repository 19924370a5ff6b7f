"""dicom-conformance: a DICOM conformance engine driven by the standard's own tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

# The one place the version is written: pyproject.toml reads it (``dynamic``), the CLI's
# ``--version``, SARIF and JSON reports print it.
__version__ = "0.1.0"
__all__ = ["BatchReport", "Finding", "Report", "Validator", "__version__", "validate",
           "validate_folder"]

if TYPE_CHECKING:  # real names for type checkers; at run time they load on first use
    from conformance.batch.report import BatchReport, validate_folder
    from conformance.engine.api import Report, Validator, validate
    from conformance.engine.finding import Finding


def __getattr__(name: str) -> object:
    # Lazy so that ``import conformance`` stays cheap (cold start budget).
    if name == "Finding":
        from conformance.engine.finding import Finding

        return Finding
    if name in ("Report", "Validator", "validate"):
        from conformance.engine import api

        return getattr(api, name)
    if name in ("BatchReport", "validate_folder"):
        from conformance.batch import report

        return getattr(report, name)
    raise AttributeError(f"module 'conformance' has no attribute {name!r}")
