"""Write a build folder: schema-checked, deterministic, swapped into place atomically.

The files go into a temporary sibling ``OUT.tmp-XXXX``; only when every file is
written does the old ``OUT`` get renamed to a backup, the new one renamed to ``OUT``
and the backup deleted. On any failure the old ``OUT`` is untouched and the temporary
folder removed.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, Protocol

from conformance import precompiled
from conformance.errors import StandardDataError, UsageError
from conformance.schemas import validate_document

TABLES_ZIP = "tables.zip"
CIDS_ZIP = "cids.zip"
# Fixed zip timestamps so that two builds are byte-identical.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# The manifest goes last: a folder with a manifest is a complete build.
ORDER = ("iods", "modules", "sop_classes", "dictionary", "vrs", "anomalies",
         "deidentification", "cids", "manifest")


# One encoder for every compact text (``json.dumps`` builds a new one per call) and the
# C string encoder that ``ensure_ascii=False`` uses, for the keys and string values.
_COMPACT = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
_string = encode_basestring


class _Texts:
    """Compact JSON texts of a document's values, kept by identity while it is written: a
    table or context group is one line of its document and again a zip member."""

    def __init__(self) -> None:
        self._done: dict[int, tuple[Any, str]] = {}

    def compact(self, value: Any) -> str:
        if type(value) is str:
            return _string(value)
        if type(value) is not dict:
            return _COMPACT.encode(value)
        done = self._done.get(id(value))
        if done is None or done[0] is not value:
            # the value is kept with its text so that its id is not reused meanwhile
            done = self._done[id(value)] = (value, _COMPACT.encode(value))
        return done[1]


def dumps(doc: Any, texts: _Texts | None = None) -> bytes:
    """The canonical JSON text of a document (CONTRACTS.md "Conventions").

    The top two levels are laid out one key per line and everything below is compact,
    so that each table, IOD or dictionary entry is one line: two builds diff line by
    line, and json's C encoder does the work (``indent`` would force its slow
    pure-Python encoder: 4x slower on a full PS3.3).
    """
    return (_layout(doc, 2, "", texts or _Texts()) + "\n").encode()


def _layout(value: Any, levels: int, pad: str, texts: _Texts) -> str:
    if levels == 0 or not isinstance(value, dict) or not value:
        return texts.compact(value)
    inner = pad + " "
    items = (f"{inner}{_key(k)}: {_layout(v, levels - 1, inner, texts)}"
             for k, v in sorted(value.items()))
    return "{\n" + ",\n".join(items) + "\n" + pad + "}"


def _key(key: Any) -> str:
    return _string(key) if type(key) is str else json.dumps(key, ensure_ascii=False)


def _read_back(folder: Path, name: str, compress: bool) -> Any:
    data = (folder / file_name(name, compress)).read_bytes()
    return json.loads(gzip.decompress(data) if compress else data)


def file_name(name: str, compress: bool) -> str:
    return f"{name}.json.gz" if compress else f"{name}.json"


def write_document(folder: Path, name: str, doc: dict[str, Any], *, compress: bool,
                   tables_zip: bool = True, validate: bool = True) -> None:
    """One document's file in ``folder`` (with ``tables.zip`` for ``modules`` and
    ``cids.zip`` for ``cids`` when ``tables_zip``), schema-checked first."""
    if validate:
        validate_document(name, doc)
    # The manifest stays plain so a folder can be identified without gzip.
    packed = compress and name != "manifest"
    texts = _Texts()  # one document's at a time: memory stays that of one
    data = dumps(doc, texts)
    if packed:
        data = gzip.compress(data, compresslevel=9, mtime=0)
    (folder / file_name(name, packed)).write_bytes(data)
    if name == "modules" and tables_zip:
        write_tables_zip(folder / TABLES_ZIP, doc, texts)
    if name == "cids" and tables_zip:
        write_cids_zip(folder / CIDS_ZIP, doc, texts)


class WrittenEarly(Protocol):
    """Documents written before ``write_build`` (``compiler.early_files``)."""

    names: frozenset[str]

    def move_into(self, folder: Path) -> None:
        """Wait for them, then move their files into ``folder``."""


def write_build(out: Path, documents: dict[str, dict[str, Any]], *, compress: bool = False,
                tables_zip: bool = True, validate: bool = True,
                early: WrittenEarly | None = None,
                _after_file: Callable[[str], None] | None = None) -> None:
    """Write ``documents`` (logical name -> JSON document) as the build folder ``out``.

    ``manifest`` must be among them. ``tables_zip`` also writes ``tables.zip`` (one
    member per module/macro table) and ``tables.marshal`` (``conformance.precompiled``)
    for the loader's fast single-table reads. ``early``: the files of some of the
    documents, already written (the same ones, with the same options) elsewhere.
    ``_after_file`` is a test hook called after each file is written.
    """
    out = Path(out)
    if "manifest" not in documents:
        raise StandardDataError("a build needs a manifest")
    _check_replaceable(out)
    # The manifest lists every file the build writes: a later build recognises the
    # folder by it and replaces nothing else (``_check_replaceable``).
    manifest = dict(documents["manifest"])
    manifest["files"] = {n: file_name(n, compress and n != "manifest") for n in documents}
    documents = {**documents, "manifest": manifest}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{out.name}.tmp-", dir=out.parent))
    try:
        names = sorted(documents, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER))
        for name in names:
            if early is not None and name in early.names:
                early.move_into(tmp)
            else:
                # (its encoding caches end with the call: marshal, below, flags objects
                # referenced elsewhere, and a cache left alive would change its bytes)
                write_document(tmp, name, documents[name], compress=compress,
                               tables_zip=tables_zip, validate=validate)
            if _after_file is not None:
                _after_file(name)
        if "modules" in documents and tables_zip:
            # Derived from the files just written (its header names their manifest), as
            # read back: marshal's bytes follow the objects' sharing and interning, which
            # then come from the JSON alone, not from how this process made the documents
            # (read serially or in a child, pydicom's tables imported or not). A file
            # remade by the loader (standard/derived_files.py) is the same file.
            precompiled.write(tmp, _read_back(tmp, "modules", compress), {
                n: _read_back(tmp, n, compress) for n in precompiled.DOCS if n in documents})
        os.chmod(tmp, 0o755)
        swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_tables_zip(path: Path, modules_doc: dict[str, Any], texts: _Texts | None = None
                     ) -> None:
    """One deflated JSON member per table: ``modules/<id>.json``, ``macros/<id>.json``."""
    texts = texts or _Texts()
    buffer = io.BytesIO()  # zipfile seeks back to each member's header: no system calls
    with zipfile.ZipFile(buffer, "w") as archive:
        for group in ("modules", "macros"):
            for table_id, table in sorted(modules_doc.get(group, {}).items()):
                _add_member(archive, f"{group}/{table_id}.json", texts.compact(table))
    path.write_bytes(buffer.getbuffer())


def write_cids_zip(path: Path, cids_doc: dict[str, Any], texts: _Texts | None = None
                   ) -> None:
    """``cids.json`` split for the loader: ``cids/<cid>.json`` per context group and
    ``srt_to_sct.json`` (reading all of cids.json costs a cold start ~0.1 s)."""
    texts = texts or _Texts()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for cid, group in sorted(cids_doc.get("cids", {}).items(), key=lambda kv: int(kv[0])):
            _add_member(archive, f"cids/{cid}.json", texts.compact(group))
        _add_member(archive, "srt_to_sct.json", texts.compact(cids_doc.get("srt_to_sct") or {}))
    path.write_bytes(buffer.getbuffer())


def _add_member(archive: zipfile.ZipFile, name: str, text: str) -> None:
    """``text``: the member's compact JSON (``_Texts.compact``)."""
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, text)


def swap_into_place(new: Path, out: Path) -> None:
    """Replace ``out`` by ``new`` with renames only; restore ``out`` if the second fails."""
    backup: Path | None = None
    if out.exists():
        backup = Path(tempfile.mkdtemp(prefix=f"{out.name}.old-", dir=out.parent))
        backup.rmdir()
        os.rename(out, backup)
    try:
        os.rename(new, out)
    except BaseException:
        if backup is not None:
            os.rename(backup, out)
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def build_files(manifest: Any) -> set[str] | None:
    """The file names a build with ``manifest`` wrote, or None when the manifest is not
    one of a build (format 1, ``built_with``, its ``files`` list)."""
    if not isinstance(manifest, dict) or manifest.get("format") != 1 \
            or not isinstance(manifest.get("built_with"), str):
        return None
    listed = manifest.get("files")
    if not isinstance(listed, dict) or not all(isinstance(f, str) for f in listed.values()):
        return None
    # the derived files a build writes beside the listed ones
    return {*listed.values(), "manifest.json", TABLES_ZIP, CIDS_ZIP, precompiled.NAME}


def _check_replaceable(out: Path) -> None:
    """Refuse to replace ``out`` unless it is empty or an earlier build holding only what
    a build writes: the swap deletes the old folder, and a folder that merely has a
    ``manifest.json`` (a web app, a browser extension) must keep its other files."""
    if not out.exists():
        return
    if not out.is_dir():
        raise UsageError(f"{out}: exists and is not a folder")
    entries = sorted(p.name for p in out.iterdir())
    if not entries:
        return
    try:
        manifest = json.loads((out / "manifest.json").read_bytes())
    except (OSError, ValueError):
        manifest = None
    wrote = build_files(manifest)
    if wrote is None:
        raise UsageError(f"{out}: refusing to replace a non-empty folder that is not a build "
                         "(no manifest.json of a build: format, built_with, files)")
    foreign = [e for e in entries if e not in wrote]
    if foreign:
        raise UsageError(f"{out}: refusing to replace a build folder that also holds files "
                         f"the build did not write ({', '.join(foreign[:3])}"
                         f"{', ...' if len(foreign) > 3 else ''}); move them or pick "
                         "another --out")
