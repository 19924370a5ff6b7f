"""The derived copies of a build's JSON that load faster: ``tables.marshal``
(``conformance.precompiled``), ``tables.zip`` (one member per module or macro table)
and ``cids.zip`` (one member per context group). The JSON files stay canonical."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance import precompiled
from conformance.errors import StandardDataError
from conformance.standard.cids import ContextGroups
from conformance.standard.files import CIDS_ZIP, OPTIONAL, TABLES_ZIP, find, read_json

if TYPE_CHECKING:
    import zipfile

#: Records a load failure on the Standard and returns the error to raise.
Failed = Callable[[StandardDataError], StandardDataError]


class TableCopies:
    """``tables.marshal`` and ``tables.zip`` of one build folder, opened on first use.

    Shares the Standard's lock (one ZipFile handle is not thread-safe) and reports
    failures through ``failed`` so that the Standard remembers them (``broken``).
    """

    def __init__(self, path: Path, lock: threading.RLock, failed: Failed) -> None:
        self.path = path
        self._lock = lock
        self._failed = failed
        self._zip: zipfile.ZipFile | None = None
        self._zip_checked = False
        self._pre: precompiled.Tables | None = None
        self._pre_checked = False

    # -- tables.marshal (conformance.precompiled) ----------------------------------------

    def precompiled(self) -> precompiled.Tables | None:
        """The fast tables of this build: read, or (re)made from ``modules.json`` when
        missing or stale and the folder is writable; None when neither."""
        if not self._pre_checked:
            with self._lock:
                if not self._pre_checked:
                    pre = precompiled.read(self.path)
                    if pre is None and os.access(self.path, os.W_OK):
                        try:
                            precompiled.write(self.path, read_json(self.path, "modules"), {
                                n: read_json(self.path, n, required=n not in OPTIONAL)
                                for n in precompiled.DOCS})
                            pre = precompiled.read(self.path)
                        except (OSError, StandardDataError):
                            # a read-only or full disk, or a broken JSON file (reported
                            # when it is read): the JSON files will do
                            pre = None
                    self._pre = pre
                    self._pre_checked = True
        return self._pre

    # -- tables.zip ------------------------------------------------------------------------

    def archive(self) -> zipfile.ZipFile | None:
        """``tables.zip``, or None when the build has none."""
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

    def member(self, member: str) -> dict[str, Any] | None:
        """The table stored as ``member`` (``modules/<id>.json``), None when absent."""
        import zipfile
        import zlib

        archive = self.archive()
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

    def verify(self, tables: Callable[[str], dict[str, Any]]) -> None:
        """Check every member of ``tables.zip`` against ``tables(group)`` (``modules``
        or ``macros`` of ``modules.json``); StandardDataError names the first fault."""
        archive = self.archive()
        if archive is None:
            return
        expected = {f"{group}/{tid}.json": table
                    for group in ("modules", "macros")
                    for tid, table in tables(group).items()}
        names = set(archive.namelist())
        if names != set(expected):
            extra = sorted(names ^ set(expected))
            raise StandardDataError(f"{self.path / TABLES_ZIP}: members differ from "
                                    f"modules.json ({len(extra)}, e.g. {extra[0]})")
        for member, table in expected.items():
            if self.member(member) != table:
                raise StandardDataError(f"{self.path / TABLES_ZIP}: {member} differs from "
                                        "its table in modules.json")


def context_groups(path: Path, lock: threading.RLock,
                   whole: Callable[[], Any]) -> ContextGroups | None:
    """The build's PS3.16 context groups, read one group at a time from ``cids.zip``
    when there is one (``whole()`` parses ``cids.json``); None for a build without them."""
    if find(path, "cids") is None:
        return None
    archive = path / CIDS_ZIP
    if not archive.is_file():
        return ContextGroups(whole())
    import zipfile

    try:
        handle = zipfile.ZipFile(archive)
    except (OSError, zipfile.BadZipFile) as exc:
        raise StandardDataError(f"{archive}: unreadable ({exc})") from None

    def member(name: str) -> Any:
        with lock:  # one ZipFile handle is not thread-safe
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

    return ContextGroups(member=member, whole=whole)
