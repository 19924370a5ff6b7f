"""Lazy, cached loader of a build folder (``standard_data/`` or any ``conformance build --out``).

Each file is read on first use, as ``NAME.json`` or ``NAME.json.gz`` (``files``). When
the build wrote ``tables.marshal`` or ``tables.zip`` (``derived_files``) single tables are
read from them without parsing all of ``modules.json``, which keeps loading one IOD
cheap. Nothing here
validates against the schemas: that is the build's and the tests' job, and the runtime
must start fast.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from conformance import precompiled
from conformance.errors import StandardDataError
from conformance.ids import slug, strip_caption
from conformance.standard.cids import ContextGroups
from conformance.standard.derived_files import TableCopies, context_groups
from conformance.standard.dictionary import Dictionary
from conformance.standard.files import OPTIONAL, REQUIRED, check_manifest, find, read_json

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
        if find(candidate, "manifest") is not None:
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


class Standard:
    """One build of the standard; every table is loaded on first use and then kept."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise StandardDataError(f"{self.path}: no such standard folder")
        manifest = read_json(self.path, "manifest")
        check_manifest(self.path, manifest)
        self.manifest: dict[str, Any] = manifest
        self.edition: str = manifest["edition"]
        self._lock = threading.RLock()
        self._data: dict[str, Any] = {}
        self._tables: dict[tuple[str, str], dict[str, Any]] = {}
        self._iod_names: dict[str, str] | None = None
        # The first load failure: once set, every validation with this standard raises
        # it (checks that skip an unreadable table would otherwise pass silently).
        self.broken: str | None = None
        self.verified = False
        self._copies = TableCopies(self.path, self._lock, self._failed)
        missing = [f"{n}.json" for n in REQUIRED if find(self.path, n) is None]
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
                    doc = self._stored("doc", name) if name in precompiled.DOCS else None
                    if doc is None:
                        try:
                            doc = read_json(self.path, name, required=required)
                        except StandardDataError as exc:
                            raise self._failed(exc) from None
                    self._data[name] = doc
        return self._data[name]

    def _stored(self, group: str, entry_id: str) -> Any | None:
        """The entry ``group/entry_id`` of ``tables.marshal``; None when there is no
        trusted file, no such entry, or the entry is damaged (the JSON still answers)."""
        pre = self._copies.precompiled()
        if pre is None:
            return None
        try:
            return pre.get(group, entry_id)
        except (EOFError, ValueError, TypeError):
            return None

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
            self._copies.verify(lambda group: self._section("modules", group))
        except StandardDataError as exc:
            raise self._failed(exc) from None
        self.verified = True

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
                    self._data["_cids"] = context_groups(
                        self.path, self._lock, lambda: self._file("cids"))
        return self._data["_cids"]

    @property
    def dictionary(self) -> Dictionary:
        if "_dictionary" not in self._data:
            doc = self._file("dictionary")
            # element_rows: tables.marshal's compact form of elements
            if not isinstance(doc, dict) or not all(
                    isinstance(doc.get(k, {}), dict) for k in ("elements", "uids",
                                                                "element_rows")):
                raise self._failed(StandardDataError(
                    f"{self.path}: dictionary.json has no 'elements' and 'uids' objects"))
            with self._lock:
                if "_dictionary" not in self._data:
                    self._data["_dictionary"] = Dictionary(
                        doc.get("elements", {}), doc.get("uids", {}),
                        doc.get("element_rows"), doc.get("element_fields", ()))
        return self._data["_dictionary"]

    def preload(self) -> None:
        """Read now what every validation reads (IODs, SOP Classes, dictionary, VRs), so
        that processes forked afterwards start with them loaded."""
        self.iods, self.sop_classes, self.dictionary, self.vrs  # noqa: B018

    # -- look-ups ------------------------------------------------------------------------

    def iod(self, iod_id: str) -> dict[str, Any]:
        """The IOD ``iod_id``; StandardDataError if this build has no such IOD."""
        key = ("iod", iod_id)
        found = self._tables.get(key)
        if found is not None:
            return found
        if "iods" not in self._data:  # one IOD decoded, not the 143 of iods.json
            found = self._stored("iod", iod_id)
        if found is None:
            found = self.iods.get(iod_id)
        if found is None:
            raise StandardDataError(f"{self.path}: no IOD {iod_id!r} in this build")
        self._tables[key] = found
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
        found = self._stored(group, table_id) if "modules" not in self._data else None
        if found is not None:
            self._tables[key] = found
            return found
        if "modules" in self._data or self._copies.archive() is None:
            found = self._section("modules", group).get(table_id)
        else:
            found = self._copies.member(f"{group}/{table_id}.json")
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
