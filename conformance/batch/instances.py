"""The SOP Instance table of a batch: every file's SOP Instance UID, kept on disk.

Finding a SOP Instance UID used twice means remembering every UID seen, one row per
file. Kept as Python objects that is about a kilobyte a file (20 MB for 20,000 files);
here the rows go to a private temporary SQLite database (``sqlite3.connect("")``: a
file in the temporary folder that SQLite deletes when the connection closes), whose
page cache is bounded, so the memory of a batch does not grow with its number of files.

Rows are compared by a 128-bit hash of the UID (``FileDigest.sop_instance``): two
different UIDs are taken for one only on a 128-bit collision, never on a 64-bit one. If
the temporary folder cannot be written (full, read-only), the table moves to memory and
the batch goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when the first rows are stored: a one-file run has none
    import sqlite3

# SOP hash, variant (content hash, series hash), input position, path, UID as shown.
Row = tuple[str, str | None, str | None, int, str, str]

_CACHE_KIB = 1024  # SQLite page cache: the table's memory, whatever its size
# Rows wait in a list and go to SQLite this many at a time: one insert statement per
# file cost 0.4 ms each (a transaction apiece), 40 % of a batch's reduce step.
_PENDING_MAX = 256
# Paths and shown UIDs are stored as bytes: a file name need not be UTF-8 (surrogate
# escapes, as os.fsdecode gives them).
_SCHEMA = ("CREATE TABLE IF NOT EXISTS sops (sop TEXT NOT NULL, content TEXT, series TEXT, "
           "idx INTEGER NOT NULL, path BLOB NOT NULL, shown BLOB NOT NULL)")
_INSERT = "INSERT INTO sops VALUES (?, ?, ?, ?, ?, ?)"


def _stored(row: Row) -> tuple[Any, ...]:
    sop, content, series, idx, path, shown = row
    return (sop, content, series, idx, path.encode("utf-8", "surrogateescape"),
            shown.encode("utf-8", "surrogateescape"))


def _read(row: tuple[Any, ...]) -> Row:
    sop, content, series, idx, path, shown = row
    return (sop, content, series, idx, bytes(path).decode("utf-8", "surrogateescape"),
            bytes(shown).decode("utf-8", "surrogateescape"))


class SopTable:
    """Append-only rows of ``(sop hash, content, series, index, path, shown)``; the rows
    of UIDs seen more than once come back grouped (``repeated``)."""

    def __init__(self) -> None:
        self._db: sqlite3.Connection | None = None  # opened on the first flush
        self._pending: list[tuple[Any, ...]] = []  # stored form, not yet in the table
        self.rows = 0

    def _connect(self, where: str) -> sqlite3.Connection:
        import sqlite3

        db = sqlite3.connect(where, isolation_level=None, check_same_thread=False)
        db.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
        db.execute("PRAGMA journal_mode=OFF")  # scratch data: nothing to roll back to
        db.execute("PRAGMA synchronous=OFF")
        db.execute(_SCHEMA)
        return db

    def _conn(self) -> sqlite3.Connection:
        import sqlite3

        if self._db is None:
            try:
                self._db = self._connect("")
            except sqlite3.Error:
                self._db = self._connect(":memory:")
        return self._db

    def add(self, row: Row) -> None:
        self.extend((row,))

    def extend(self, rows: Any) -> None:
        for row in rows:  # a merged table's rows too: never more than _PENDING_MAX wait
            self._pending.append(_stored(row))
            self.rows += 1
            if len(self._pending) >= _PENDING_MAX:
                self._flush()

    def _flush(self) -> None:
        """Move the waiting rows into the table (before any query of it)."""
        rows, self._pending = self._pending, []
        if not rows:
            return
        import sqlite3

        db = self._conn()
        before = db.execute("SELECT coalesce(max(rowid), 0) FROM sops").fetchone()[0]
        try:
            db.executemany(_INSERT, rows)
        except sqlite3.OperationalError:  # the temporary folder is full or read-only
            self._to_memory()
            # each row commits alone: those of this batch that went in before the
            # failure came along, and would be there twice
            mem = self._conn()
            mem.execute("DELETE FROM sops WHERE rowid > ?", (before,))
            mem.executemany(_INSERT, rows)

    def _to_memory(self) -> None:
        old, self._db = self._db, self._connect(":memory:")
        if old is not None:
            old.backup(self._db)
            old.close()

    def __iter__(self) -> Iterator[Row]:
        self._flush()
        if self._db is None:
            return iter(())
        return iter([_read(r) for r in
                     self._db.execute("SELECT * FROM sops ORDER BY idx, path").fetchall()])

    def repeated(self) -> Iterator[list[Row]]:
        """The rows of each SOP hash that more than one file has, grouped, each group
        ordered by input position (then path); groups by their SOP hash."""
        if self._db is None and len({r[0] for r in self._pending}) == len(self._pending):
            return  # every row still waiting, no UID twice: no database needed
        self._flush()
        if self._db is None:
            return
        cur = self._db.execute(
            "SELECT s.* FROM sops s JOIN (SELECT sop FROM sops GROUP BY sop "
            "HAVING count(*) > 1) d ON s.sop = d.sop ORDER BY s.sop, s.idx, s.path")
        group: list[Row] = []
        for row in cur:
            if group and group[0][0] != row[0]:
                yield group
                group = []
            group.append(_read(row))
        if group:
            yield group

    def close(self) -> None:
        self._pending = []
        if self._db is not None:
            self._db.close()
            self._db = None

    # A partial state travels between processes as its rows.
    def __getstate__(self) -> dict[str, Any]:
        if self._db is None:  # all still waiting: in the table's order, no database
            pending = sorted(self._pending, key=lambda r: (r[3], r[4]))
            return {"rows": [_read(r) for r in pending]}
        return {"rows": list(self)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._db = None
        self._pending = []
        self.rows = 0
        self.extend(tuple(r) for r in state["rows"])
