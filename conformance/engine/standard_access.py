"""The engine's view of ``conformance.standard``: accept a Standard, a path or None."""

from __future__ import annotations

import os
from typing import Any


def load(standard: Any = None) -> Any:
    """A Standard from None (bundled data), a build folder path, or a Standard object."""
    if standard is not None and not isinstance(standard, (str, os.PathLike)):
        return standard
    from conformance.standard import load_standard

    return load_standard(standard)


def standard_path(std: Any) -> str | None:
    """The folder a Standard was loaded from (for pickling a Validator)."""
    p = getattr(std, "path", None)
    return os.fspath(p) if p is not None else None
