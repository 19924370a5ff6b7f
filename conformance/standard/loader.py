"""Lazy, cached loader of a build folder (``standard_data/`` or any ``conformance build --out``).

Each file is read on first use, as ``NAME.json`` or ``NAME.json.gz``. When the build
wrote ``tables.zip`` (one member per module/macro table) single tables are read from it
without parsing all of ``modules.json``, which keeps loading one IOD cheap. Nothing here
validates against the schemas: that is the build's and the tests' job, and the runtime
must start fast.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance import precompiled
from conformance.errors import StandardDataError
from conformance.ids import slug, strip_caption
from conformance.standard.cids import ContextGroups
from conformance.standard.dictionary import Dictionary

if TYPE_CHECKING:
    import zipfile

TABLES_ZIP = "tables.zip"
CIDS_ZIP = "cids.zip"
# Files every build has (``NAME.json`` or ``NAME.json.gz``), and those it may have.
REQUIRED = ("iods", "modules", "sop_classes", "dictionary", "vrs")
OPTIONAL = ("anomalies", "deidentification", "cids")
_CACHE: dict[Path, Standard] = {}
_CACHE_LOCK = threading.Lock()


# The installed package (conformance/): found from this file, not by importing the
# package, which re-exports the engine that imports this loader.
PACKAGE_DIR = Path(__file__).resolve().parents[1]


def bundled_path() -> Path | None:
    """The bundled build folder, or None when this installation has none.

    Looked for, in order: package data ``conformance/_bundled/`` (how a wheel would
    carry it) and ``<repo>/standard_data`` next to the package (a source checkout or
    an editable install).
    """
    pkg = PACKAGE_DIR
    for candidate in (pkg / "_bundled", pkg.parent / "standard_data"):
        if _find(candidate, "manifest") is not None:
            return candidate
    return None


def load_standard(path: str | Path | None = None) -> Standard:
    """The Standard of build folder ``path`` (None: the bundled one), cached per resolved path.

    A folder the caller names is verified completely before use (``Standard.verify``:
    every file read, checked against its schema, ``tables.zip`` against
    ``modules.json``); the bundled one, tested with the package, only for completeness.
    Either way a file that turns out unreadable later raises ``StandardDataError``.
    """
    full = path is not None
    if path is None:
        found = bundled_path()
        if found is None:
            raise StandardDataError(
                "no bundled standard in this installation; build one with "
                "'conformance build ... --out DIR' and pass it as --standard DIR")
        path = found
    folder = Path(path).expanduser().resolve()
    with _CACHE_LOCK:
        std = _CACHE.get(folder)
        if std is None or (full and not std.verified):
            std = Standard(folder)
            if full:
                std.verify()
            _CACHE[folder] = std
    if std.broken:
        raise StandardDataError(std.broken)
    return std


def _find(folder: Path, name: str) -> Path | None:
    for candidate in (folder / f"{name}.json", folder / f"{name}.json.gz"):
        if candidate.is_file():
            return candidate
    return None


def read_json(folder: Path, name: str, *, required: bool = True) -> Any:
    """Parse ``NAME.json`` or ``NAME.json.gz`` of ``folder``; StandardDataError if broken."""
    file = _find(folder, name)
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


class Standard:
    """One build of the standard; every table is loaded on first use and then kept."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise StandardDataError(f"{self.path}: no such standard folder")
        manifest = read_json(self.path, "manifest")
        _check_manifest(self.path, manifest)
        self.manifest: dict[str, Any] = manifest
        self.edition: str = manifest["edition"]
        self._lock = threading.RLock()
        self._data: dict[str, Any] = {}
        self._tables: dict[tuple[str, str], dict[str, Any]] = {}
        self._zip: zipfile.ZipFile | None = None
        self._zip_checked = False
        self._pre: precompiled.Tables | None = None
        self._pre_checked = False
        self._iod_names: dict[str, str] | None = None
        # The first load failure: once set, every validation with this standard raises
        # it (checks that skip an unreadable table would otherwise pass silently).
        self.broken: str | None = None
        self.verified = False
        missing = [f"{n}.json" for n in REQUIRED if _find(self.path, n) is None]
        listed = manifest.get("files")
        if isinstance(listed, dict):
            missing += [str(f) for f in listed.values()
                        if isinstance(f, str) and not (self.path / f).is_file()]
        if missing:
            raise StandardDataError(f"{self.path}: not a complete build: "
                                    f"{', '.join(sorted(set(missing)))} missing")

    def __repr__(self) -> str:
        return f"Standard({str(self.path)!r}, edition={self.edition!r})"

    # -- files ---------------------------------------------------------------------------

    def _failed(self, exc: StandardDataError) -> StandardDataError:
        """Remember the first load failure (see ``broken``) and return it to raise."""
        if self.broken is None:
            self.broken = str(exc)
        return exc

    def _file(self, name: str, *, required: bool = True) -> Any:
        if name not in self._data:
            with self._lock:
                if name not in self._data:
                    doc = None
                    if name in precompiled.DOCS:
                        pre = self._precompiled()
                        try:
                            doc = pre.doc(name) if pre is not None else None
                        except (EOFError, ValueError, TypeError):  # damaged: read the JSON
                            doc = None
                    if doc is None:
                        try:
                            doc = read_json(self.path, name, required=required)
                        except StandardDataError as exc:
                            raise self._failed(exc) from None
                    self._data[name] = doc
        return self._data[name]

    def _section(self, name: str, key: str) -> Any:
        doc = self._file(name)
        if not isinstance(doc, dict) or not isinstance(doc.get(key), dict):
            raise self._failed(StandardDataError(
                f"{self.path}: {name}.json has no {key!r} object"))
        return doc[key]

    def verify(self) -> None:
        """Read every file of the build and check it against its schema; check every
        member of ``tables.zip`` against ``modules.json``. StandardDataError names the
        first fault. The parsed files are kept (nothing is read twice)."""
        from conformance.schemas import validate_document

        try:
            validate_document("manifest", self.manifest)
            for name in (*REQUIRED, *OPTIONAL):
                # the JSON itself, not the tables.marshal made from it: that is what is
                # verified, and a damaged file must not hide behind its derived copy
                doc = read_json(self.path, name, required=name in REQUIRED)
                if doc is not None:
                    try:
                        validate_document(name, doc)
                    except StandardDataError as exc:
                        raise StandardDataError(f"{self.path}: {exc}") from None
            self._verify_zip()
        except StandardDataError as exc:
            raise self._failed(exc) from None
        self.verified = True

    def _verify_zip(self) -> None:
        archive = self._tables_zip()
        if archive is None:
            return
        expected = {f"{group}/{tid}.json": table
                    for group in ("modules", "macros")
                    for tid, table in self._section("modules", group).items()}
        names = set(archive.namelist())
        if names != set(expected):
            extra = sorted(names ^ set(expected))
            raise StandardDataError(f"{self.path / TABLES_ZIP}: members differ from "
                                    f"modules.json ({len(extra)}, e.g. {extra[0]})")
        for member, table in expected.items():
            if self._zip_member(member) != table:
                raise StandardDataError(f"{self.path / TABLES_ZIP}: {member} differs from "
                                        "its table in modules.json")

    @property
    def iods(self) -> dict[str, dict[str, Any]]:
        return self._section("iods", "iods")

    @property
    def modules(self) -> dict[str, dict[str, Any]]:
        return self._section("modules", "modules")

    @property
    def macros(self) -> dict[str, dict[str, Any]]:
        return self._section("modules", "macros")

    @property
    def sop_classes(self) -> dict[str, dict[str, Any]]:
        return self._section("sop_classes", "sop_classes")

    @property
    def vrs(self) -> dict[str, dict[str, Any]]:
        return self._section("vrs", "vrs")

    @property
    def pixel_encodings(self) -> dict[str, dict[str, Any]]:
        """PS3.5 8.2 (``vrs.json`` ``pixel_encodings``): ``{transfer syntax UID: {"table",
        "photometric": {samples per pixel: [Photometric Interpretation, ...]}}}``; empty
        for a build made before it was read."""
        doc = self._file("vrs")
        got = doc.get("pixel_encodings") if isinstance(doc, dict) else None
        return got if isinstance(got, dict) else {}

    @property
    def anomalies(self) -> list[dict[str, Any]]:
        doc = self._file("anomalies", required=False)
        return [] if doc is None else doc.get("anomalies", [])

    @property
    def deidentification(self) -> list[dict[str, Any]] | None:
        doc = self._file("deidentification", required=False)
        return None if doc is None else doc.get("attributes")

    @property
    def cids(self) -> ContextGroups | None:
        """PS3.16 context groups (``cids.json``); None for a build without them."""
        if "_cids" not in self._data:
            with self._lock:
                if "_cids" not in self._data:
                    self._data["_cids"] = self._context_groups()
        return self._data["_cids"]

    def _context_groups(self) -> ContextGroups | None:
        if _find(self.path, "cids") is None:
            return None
        archive = self.path / CIDS_ZIP
        if not archive.is_file():
            return ContextGroups(self._file("cids"))
        import zipfile

        try:
            handle = zipfile.ZipFile(archive)
        except (OSError, zipfile.BadZipFile) as exc:
            raise StandardDataError(f"{archive}: unreadable ({exc})") from None

        def member(name: str) -> Any:
            with self._lock:  # one ZipFile handle is not thread-safe
                try:
                    data = handle.read(name)
                except KeyError:
                    return None
                except (OSError, EOFError, zipfile.BadZipFile) as exc:
                    raise StandardDataError(f"{archive}: {name}: {exc}") from None
            try:
                return json.loads(data)
            except ValueError as exc:
                raise StandardDataError(f"{archive}: {name}: {exc}") from None

        return ContextGroups(member=member, whole=lambda: self._file("cids"))

    @property
    def dictionary(self) -> Dictionary:
        if "_dictionary" not in self._data:
            doc = self._file("dictionary")
            if not isinstance(doc, dict) or not isinstance(doc.get("elements", {}), dict) \
                    or not isinstance(doc.get("uids", {}), dict):
                raise self._failed(StandardDataError(
                    f"{self.path}: dictionary.json has no 'elements' and 'uids' objects"))
            with self._lock:
                if "_dictionary" not in self._data:
                    self._data["_dictionary"] = Dictionary(doc.get("elements", {}),
                                                           doc.get("uids", {}))
        return self._data["_dictionary"]

    def preload(self) -> None:
        """Read now what every validation reads (IODs, SOP Classes, dictionary, VRs), so
        that processes forked afterwards start with them loaded."""
        self.iods, self.sop_classes, self.dictionary, self.vrs  # noqa: B018

    # -- look-ups ------------------------------------------------------------------------

    def iod(self, iod_id: str) -> dict[str, Any]:
        """The IOD ``iod_id``; StandardDataError if this build has no such IOD."""
        found = self.iods.get(iod_id)
        if found is None:
            raise StandardDataError(f"{self.path}: no IOD {iod_id!r} in this build")
        return found

    def find_iod(self, name_or_uid_or_id: str) -> str | None:
        """IOD id from an id (``ct-image``), a name (``CT Image``) or a SOP Class UID."""
        text = name_or_uid_or_id.strip()
        iods = self.iods
        if text in iods:
            return text
        if text[:1].isdigit() and "." in text:
            return self.iod_for_sop_class(text)
        key = slug(strip_caption(text))
        if key in iods:
            return key
        if self._iod_names is None:
            self._iod_names = {slug(i.get("name", "")): k for k, i in iods.items()}
        return self._iod_names.get(key)

    def iod_for_sop_class(self, uid: str) -> str | None:
        sop = self.sop_classes.get(uid)
        return None if sop is None else sop.get("iod")

    def module(self, module_id: str) -> dict[str, Any]:
        return self.table("module", module_id)

    def macro(self, macro_id: str) -> dict[str, Any]:
        return self.table("macro", macro_id)

    def table(self, kind: str, table_id: str) -> dict[str, Any]:
        """A module or macro table; StandardDataError if unknown."""
        if kind not in ("module", "macro"):
            raise StandardDataError(f"unknown table kind {kind!r} (module or macro)")
        key = (kind, table_id)
        found = self._tables.get(key)
        if found is not None:
            return found
        group = "modules" if kind == "module" else "macros"
        pre = self._precompiled() if "modules" not in self._data else None
        if pre is not None:
            try:
                found = pre.get(group, table_id)
            except (EOFError, ValueError, TypeError):  # damaged: the JSON still answers
                found = None
            if found is not None:
                self._tables[key] = found
                return found
        if "modules" in self._data or self._tables_zip() is None:
            found = self._section("modules", group).get(table_id)
        else:
            found = self._zip_member(f"{group}/{table_id}.json")
        if found is None:
            raise StandardDataError(f"{self.path}: no {kind} {table_id!r} in this build")
        self._tables[key] = found
        return found

    def has_table(self, kind: str, table_id: str) -> bool:
        try:
            self.table(kind, table_id)
        except StandardDataError:
            return False
        return True

    # -- tables.marshal (conformance.precompiled) ----------------------------------------

    def _precompiled(self) -> precompiled.Tables | None:
        """The fast tables of this build: read, or (re)made from ``modules.json`` when
        missing or stale and the folder is writable; None when neither."""
        if not self._pre_checked:
            with self._lock:
                if not self._pre_checked:
                    pre = precompiled.read(self.path)
                    if pre is None and os.access(self.path, os.W_OK):
                        try:
                            precompiled.write(self.path, read_json(self.path, "modules"), {
                                n: read_json(self.path, n) for n in precompiled.DOCS})
                            pre = precompiled.read(self.path)
                        except (OSError, StandardDataError):
                            # a read-only or full disk, or a broken JSON file (reported
                            # when it is read): the JSON files will do
                            pre = None
                    self._pre = pre
                    self._pre_checked = True
        return self._pre

    # -- tables.zip ------------------------------------------------------------------------

    def _tables_zip(self) -> zipfile.ZipFile | None:
        if not self._zip_checked:
            with self._lock:
                if not self._zip_checked:
                    file = self.path / TABLES_ZIP
                    if file.is_file():
                        import zipfile

                        try:
                            self._zip = zipfile.ZipFile(file)
                        except (OSError, zipfile.BadZipFile, ValueError) as exc:
                            raise self._failed(StandardDataError(
                                f"{file}: unreadable ({exc})")) from None
                    self._zip_checked = True
        return self._zip

    def _zip_member(self, member: str) -> dict[str, Any] | None:
        import zipfile
        import zlib

        archive = self._tables_zip()
        assert archive is not None
        # ZipFile reads are not thread-safe on one handle.
        with self._lock:
            try:
                data = archive.read(member)
            except KeyError:
                return None
            except (OSError, EOFError, zipfile.BadZipFile, zlib.error, ValueError,
                    NotImplementedError) as exc:
                raise self._failed(StandardDataError(
                    f"{self.path / TABLES_ZIP}: {member}: {exc}")) from None
        try:
            found = json.loads(data)
        except ValueError as exc:
            raise self._failed(StandardDataError(
                f"{self.path / TABLES_ZIP}: {member}: {exc}")) from None
        if not isinstance(found, dict):
            raise self._failed(StandardDataError(
                f"{self.path / TABLES_ZIP}: {member}: not a table object"))
        return found


def _check_manifest(folder: Path, manifest: Any) -> None:
    if not isinstance(manifest, dict):
        raise StandardDataError(f"{folder}: manifest.json is not an object")
    if manifest.get("format") != 1:
        raise StandardDataError(
            f"{folder}: manifest format {manifest.get('format')!r} is not supported (1)")
    for key, kind in (("edition", str), ("parts", dict), ("counts", dict)):
        if not isinstance(manifest.get(key), kind):
            raise StandardDataError(f"{folder}: manifest.json lacks a valid {key!r}")
