"""The files of a build folder: which a build has, reading ``NAME.json`` or
``NAME.json.gz``, and the shape of ``manifest.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.errors import StandardDataError

TABLES_ZIP = "tables.zip"
CIDS_ZIP = "cids.zip"
# Files every build has (``NAME.json`` or ``NAME.json.gz``), and those it may have.
REQUIRED = ("iods", "modules", "sop_classes", "dictionary", "vrs")
OPTIONAL = ("anomalies", "deidentification", "cids")


def find(folder: Path, name: str) -> Path | None:
    """``NAME.json`` or ``NAME.json.gz`` of ``folder``, whichever exists."""
    for candidate in (folder / f"{name}.json", folder / f"{name}.json.gz"):
        if candidate.is_file():
            return candidate
    return None


def read_json(folder: Path, name: str, *, required: bool = True) -> Any:
    """Parse ``NAME.json`` or ``NAME.json.gz`` of ``folder``; StandardDataError if broken."""
    file = find(folder, name)
    if file is None:
        if required:
            raise StandardDataError(f"{folder}: {name}.json missing (not a complete build)")
        return None
    try:
        if file.suffix == ".gz":
            import gzip  # lazily: most loads never need it

            with gzip.open(file, "rb") as f:
                return json.loads(f.read())
        return json.loads(file.read_bytes())
    except Exception as exc:  # noqa: BLE001 - OSError, EOFError, zlib.error, ValueError ...
        raise StandardDataError(f"{file}: unreadable ({type(exc).__name__}: {exc})") from None


def check_manifest(folder: Path, manifest: Any) -> None:
    """StandardDataError unless ``manifest`` has the keys the loader relies on."""
    if not isinstance(manifest, dict):
        raise StandardDataError(f"{folder}: manifest.json is not an object")
    if manifest.get("format") != 1:
        raise StandardDataError(
            f"{folder}: manifest format {manifest.get('format')!r} is not supported (1)")
    for key, kind in (("edition", str), ("parts", dict), ("counts", dict)):
        if not isinstance(manifest.get(key), kind):
            raise StandardDataError(f"{folder}: manifest.json lacks a valid {key!r}")
