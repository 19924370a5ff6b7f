"""The engine's view of ``conformance.standard``: accept a Standard, a path or None."""

from __future__ import annotations

import hashlib
import json
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


def describe(std: Any) -> dict[str, Any]:
    """What a report says about the standard: ``{"edition", "id", "bundled"}``.

    ``id`` identifies the tables' content (SHA-256 over each source part's checksum in
    the manifest), the same on every machine; the folder's local path is not reported.
    """
    manifest = getattr(std, "manifest", None) or {}
    parts = manifest.get("parts") or {}
    digest = None
    if parts:
        text = json.dumps({k: (v.get("sha256") if isinstance(v, dict) else v)
                           for k, v in sorted(parts.items())}, sort_keys=True)
        digest = "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]
    bundled = None
    path = standard_path(std)
    if path is not None:
        from conformance.standard.loader import bundled_path

        here = bundled_path()
        bundled = here is not None and os.path.realpath(here) == os.path.realpath(path)
    return {"edition": getattr(std, "edition", None), "id": digest, "bundled": bundled}
