"""Find the loaded standard: ``conformance.standard.load_standard`` when available."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def load(standard: Any = None) -> Any:
    """A Standard object from None (bundled data), a build folder path, or a Standard."""
    if standard is not None and not isinstance(standard, (str, os.PathLike)):
        return standard
    try:
        from conformance.standard import load_standard  # type: ignore[attr-defined]
    except ImportError:
        load_standard = None
    if load_standard is not None:
        return load_standard(standard)
    if standard is None:
        bundled = Path(__file__).resolve().parents[1] / "standard_data"
        return _cached(bundled)
    return _cached(Path(standard))


_LOADED: dict[str, Any] = {}


def _cached(path: Path) -> Any:
    from conformance.engine.stdreader import MiniStandard

    key = str(path.resolve())
    got = _LOADED.get(key)
    if got is None:
        got = _LOADED.setdefault(key, MiniStandard(path))
    return got


def standard_path(std: Any) -> str | None:
    """The folder a Standard was loaded from (for pickling a Validator)."""
    p = getattr(std, "path", None)
    return os.fspath(p) if p is not None else None
