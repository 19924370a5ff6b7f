"""dicom-conformance: a DICOM conformance engine driven by the standard's own tables."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["BatchReport", "Finding", "Report", "Validator", "__version__", "validate",
           "validate_folder"]


def __getattr__(name: str) -> Any:
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
    raise AttributeError(name)
