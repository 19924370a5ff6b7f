"""``tables.marshal``: the tables of a build in a form that loads fast.

The JSON files stay the canonical, schema-checked tables; this file is derived from them
by the build (and by the loader when it is missing or stale) so that a validation reads
what it needs without parsing JSON: ``marshal`` of plain data decodes several times
faster than ``json`` (gzip included). It holds every module and macro table, and the
documents every validation reads (``DOCS``: IODs, SOP Classes, dictionary, VRs, the
de-identification table when the build has one). Layout:
``MAGIC``, the length of the header (4 bytes, little endian), the marshalled header
tuple, then the entries, each marshalled on its own so one is decoded only when used:

    (FORMAT, python (major, minor), marshal.version, conformance version,
     sha256 of manifest.json, sha256 of the JSON files, {"macros/<id>": (offset, length),
     "doc/iods": ...})

It is trusted only by the same format, Python, marshal and conformance versions, and
for the manifest and JSON files it was made from; anything else is stale (``None`` from
:func:`read`). It is written to a temporary file and renamed.
"""

from __future__ import annotations

import hashlib
import marshal
import mmap
import os
import struct
import sys
import tempfile
from pathlib import Path
from typing import Any

NAME = "tables.marshal"
# 2: the dictionary's element rows as tuples; 3: each IOD also on its own, the
# de-identification table (masking reads it in every validation: 5 ms as JSON), and the
# JSON files' content hashes in the stamp (their sizes before)
FORMAT = 3
MAGIC = b"DCMCTAB\x00"
_GROUPS = ("modules", "macros")
DOCS = ("iods", "sop_classes", "dictionary", "vrs", "deidentification")
# The data dictionary's 5,000 element rows, stored as tuples of these fields: marshal
# makes a tuple several times faster than a dict (2.4 ms against 6.8 ms for the rows),
# and the dictionary makes its entries from the tuples.
ELEMENT_FIELDS = ("tag", "name", "keyword", "vr", "vm", "retired")


def _stored(name: str, doc: Any) -> Any:
    """``doc`` as written: the dictionary with ``element_rows`` (tag -> tuple of
    ``element_fields``) in place of ``elements`` when every row has exactly those
    fields; any other document, or a dictionary with other rows, as it is."""
    elements = doc.get("elements") if name == "dictionary" and isinstance(doc, dict) else None
    if not isinstance(elements, dict) or not all(
            isinstance(e, dict) and e.keys() == set(ELEMENT_FIELDS) for e in elements.values()):
        return doc
    rows = {tag: tuple(e[f] for f in ELEMENT_FIELDS) for tag, e in elements.items()}
    return {**{k: v for k, v in doc.items() if k != "elements"},
            "element_fields": ELEMENT_FIELDS, "element_rows": rows}


def _version() -> str:
    # the parent package is imported with this module; no import (no cycle through it)
    return str(sys.modules["conformance"].__version__)


def _intern_single_characters() -> None:
    """Intern every one-character Latin-1 string. marshal flags a string it writes as
    interned when it is; CPython keeps one object per such character, interned or not
    by whatever code the process imported (a constant ``"R"`` somewhere). Interned all,
    the file's bytes no longer depend on what else this process loaded."""
    for code in range(256):
        sys.intern(chr(code))


def _stamp(folder: Path) -> tuple[Any, ...] | None:
    """What the file must have been made from: versions, and the sha256 of the manifest
    and of each JSON file it holds tables of (an edit that keeps a file's size shows:
    0.4 ms for the bundle's compressed files)."""
    hashes = []
    try:
        manifest = (folder / "manifest.json").read_bytes()
        for name in ("modules", *DOCS):
            found = next((p for p in (folder / f"{name}.json", folder / f"{name}.json.gz")
                          if p.is_file()), None)
            hashes.append(hashlib.sha256(found.read_bytes()).hexdigest()
                          if found is not None else "")
    except OSError:
        return None
    return (FORMAT, tuple(sys.version_info[:2]), marshal.version, _version(),
            hashlib.sha256(manifest).hexdigest(), tuple(hashes))


def write(folder: Path, modules_doc: dict[str, Any],
          docs: dict[str, Any] | None = None) -> Path:
    """Write ``folder/tables.marshal`` from the ``modules.json`` document and the
    ``docs`` (name in ``DOCS`` -> document) of the build in ``folder``, whose JSON files
    are already written."""
    _intern_single_characters()
    stamp = _stamp(folder)
    if stamp is None:
        raise OSError(f"{folder}: no manifest.json or modules file to stamp {NAME} with")
    blobs: list[bytes] = []
    index: dict[str, tuple[int, int]] = {}
    offset = 0
    for group in _GROUPS:
        for table_id, table in sorted(modules_doc.get(group, {}).items()):
            blob = marshal.dumps(table)
            index[f"{group}/{table_id}"] = (offset, len(blob))
            blobs.append(blob)
            offset += len(blob)
    for name, doc in sorted((docs or {}).items()):
        if doc is None:  # an optional document the build does not have
            continue
        blob = marshal.dumps(_stored(name, doc))
        index[f"doc/{name}"] = (offset, len(blob))
        blobs.append(blob)
        offset += len(blob)
    # each IOD on its own too: a validation reads one or a few of them, not all 143
    iods = (docs or {}).get("iods")
    iods = iods.get("iods") if isinstance(iods, dict) else None
    for iod_id, iod in sorted(iods.items() if isinstance(iods, dict) else ()):
        blob = marshal.dumps(iod)
        index[f"iod/{iod_id}"] = (offset, len(blob))
        blobs.append(blob)
        offset += len(blob)
    header = marshal.dumps((*stamp, index))
    fd, tmp = tempfile.mkstemp(prefix=f".{NAME}.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + struct.pack("<I", len(header)) + header)
            f.writelines(blobs)
        os.chmod(tmp, 0o644)
        os.replace(tmp, folder / NAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return folder / NAME


class Tables:
    """The tables of one ``tables.marshal``, decoded one at a time."""

    __slots__ = ("data", "start", "index")

    def __init__(self, data: Any, start: int, index: dict[str, tuple[int, int]]) -> None:
        self.data = data
        self.start = start
        self.index = index

    def doc(self, name: str) -> Any | None:
        """The document ``name`` (one of ``DOCS``) as stored (the dictionary's rows may
        be tuples: ``element_rows``), or None when not stored."""
        return self.get("doc", name)

    def get(self, group: str, table_id: str) -> dict[str, Any] | None:
        """The table ``group/table_id`` (``modules``, ``macros``, or ``iod``: one IOD of
        ``iods.json``), or None."""
        at = self.index.get(f"{group}/{table_id}")
        if at is None:
            return None
        begin = self.start + at[0]
        table: dict[str, Any] = marshal.loads(self.data[begin:begin + at[1]])
        return table


def _header(data: Any) -> tuple[Any, ...] | None:
    if len(data) < 12 or data[:8] != MAGIC:
        return None
    end = 12 + struct.unpack_from("<I", data, 8)[0]
    try:
        header = marshal.loads(data[12:end])
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(header, tuple) or len(header) != 7 or header[0] != FORMAT:
        return None
    return header


def read(folder: Path) -> Tables | None:
    """The tables of ``folder/tables.marshal`` when present and made for this build and
    these versions; None otherwise (missing, stale, foreign or damaged)."""
    try:
        with open(folder / NAME, "rb") as f:
            # mapped: a process reads the pages of the tables it decodes, not all 3 MB
            data: Any = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # ValueError: an empty file cannot be mapped
        return None
    header = _header(data)
    if header is None or header[:6] != _stamp(folder) or not isinstance(header[6], dict):
        data.close()
        return None
    start = 12 + struct.unpack_from("<I", data, 8)[0]
    return Tables(data, start, header[6])
