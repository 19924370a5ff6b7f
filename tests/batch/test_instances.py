"""The SOP Instance table on disk: duplicates grouped, no Python object kept per file,
partial states pickle, a 64-bit collision is no duplicate."""

from __future__ import annotations

import pickle
import sqlite3
import tracemalloc
from typing import Any

from conformance.batch import instances
from conformance.batch.consistency import Consistency
from conformance.batch.instances import SopTable
from conformance.engine.digest import FileDigest, value_hash


def _digest(i: int, sop: str, content: str = "c", series: str = "s") -> FileDigest:
    return FileDigest(path=f"/archive/IM{i:06d}", sop_instance=value_hash(sop.encode(), 16),
                      sop_shown=f"<UI {sop}>", series=series, content=f"{content}{i}"
                      if content == "unique" else content)


def test_repeated_groups_only_uids_seen_twice() -> None:
    t = SopTable()
    t.extend([("a", "c1", "s", 0, "/0", "A"), ("b", "c2", "s", 1, "/1", "B"),
              ("a", "c3", "s", 5, "/5", "A"), ("a", "c1", "s", 3, "/3", "A")])
    assert [[r[3] for r in g] for g in t.repeated()] == [[0, 3, 5]]
    assert t.rows == 4


def test_file_names_that_are_not_utf8() -> None:
    name = b"/in/caf\xe9".decode("utf-8", "surrogateescape")
    t = SopTable()
    t.extend([("a", None, "s", 0, name, "A"), ("a", None, "s", 1, name + "2", "A")])
    assert [r[4] for g in t.repeated() for r in g] == [name, name + "2"]
    assert pickle.loads(pickle.dumps(t)).rows == 2


def test_empty_table_opens_no_database() -> None:
    t = SopTable()
    assert list(t.repeated()) == [] and list(t) == [] and t._db is None


def test_rows_reach_the_table_in_batches() -> None:
    """Rows wait in a bounded list and go to SQLite together; queries see them all."""
    t = SopTable()
    n = instances._PENDING_MAX
    t.extend([(f"u{i}", None, "s", i, f"/{i}", "U") for i in range(n - 1)])
    assert t._db is None and len(t._pending) == n - 1
    t.extend([("u0", None, "s", n - 1, "/again", "U")])
    assert t._db is not None and t._pending == []
    t.add(("u1", None, "s", n, "/again1", "U"))  # still waiting: seen by the query
    assert [[r[3] for r in g] for g in t.repeated()] == [[0, n - 1], [1, n]]
    assert t.rows == n + 1 and len(list(t)) == n + 1


def test_a_64_bit_collision_is_not_a_duplicate() -> None:
    """Two UIDs whose hashes agree in their first 64 bits only are two instances."""
    t = SopTable()
    t.extend([("0123456789abcdef" + "0" * 16, None, "s", 0, "/0", "A"),
              ("0123456789abcdef" + "1" * 16, None, "s", 1, "/1", "B")])
    assert list(t.repeated()) == []


def test_findings_for_duplicates_and_copies() -> None:
    c = Consistency()
    c.add(_digest(0, "1.2.3", content="x"), 0)
    c.add(_digest(1, "1.2.4", content="y"), 1)
    c.add(_digest(2, "1.2.3", content="z"), 2)   # same UID, other content
    c.add(_digest(3, "1.2.4", content="y"), 3)   # identical copy
    found = [(p, f.code) for p, f in c.findings()]
    assert found == [("/archive/IM000002", "duplicate-sop-instance"),
                     ("/archive/IM000003", "duplicate-file")]


def test_no_python_memory_per_file() -> None:
    """20,000 distinct instances: the Python heap does not grow with them (it grew about
    a kilobyte a file when the table was a dict)."""
    digests = [_digest(i, f"1.2.826.0.1.3680043.8.498.{i}", content="unique")
               for i in range(20_000)]
    c = Consistency()
    c.add(digests[0], 0)  # the database is opened
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for i, d in enumerate(digests[1:], 1):
            c.add(d, i)
        grown = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert grown < 200_000, grown  # a dict of rows would be ~20 MB
    assert c.sops.rows == 20_000 and c.findings() == []


def test_state_pickles_with_its_rows() -> None:
    c = Consistency()
    for i, sop in enumerate(["1", "2", "1"]):
        c.add(_digest(i, sop, content="unique"), i)
    back = pickle.loads(pickle.dumps(c))
    assert back.sops.rows == 3 and back.findings() == c.findings()
    assert [f.code for _, f in back.findings()] == ["duplicate-sop-instance"]


class _DiskFills:
    """A connection whose disk fills after ``stored`` rows of an insert (each row
    commits alone, as in the table's autocommit mode)."""

    def __init__(self, real: sqlite3.Connection, stored: int) -> None:
        self.real, self.stored = real, stored

    def execute(self, *args: object) -> sqlite3.Cursor:
        return self.real.execute(*args)  # type: ignore[arg-type]

    def executemany(self, sql: str, rows: list[tuple[object, ...]]) -> None:
        self.real.executemany(sql, rows[:self.stored])
        raise sqlite3.OperationalError("database or disk is full")

    def backup(self, target: sqlite3.Connection) -> None:
        self.real.backup(target)

    def close(self) -> None:
        self.real.close()


def _on_a_disk_that_fills(first: tuple[Any, ...], stored: int) -> SopTable:
    t = SopTable()
    t.add(first)  # type: ignore[arg-type]
    t._flush()  # rows wait in memory until a flush opens the database
    assert t._db is not None
    t._db = _DiskFills(t._db, stored)  # type: ignore[assignment]
    return t


def test_moves_to_memory_when_the_temporary_folder_fails() -> None:
    t = _on_a_disk_that_fills(("a", None, "s", 0, "/0", "A"), stored=0)
    t.add(("a", None, "s", 1, "/1", "A"))
    assert [[r[3] for r in g] for g in t.repeated()] == [[0, 1]]


def test_a_small_batch_without_duplicates_needs_no_database() -> None:
    t = SopTable()
    t.extend([("a", None, "s", 0, "/0", "A"), ("b", None, "s", 1, "/1", "B")])
    assert list(t.repeated()) == [] and t._db is None
    t.add(("a", None, "s", 2, "/2", "A"))
    assert [[r[3] for r in g] for g in t.repeated()] == [[0, 2]] and t._db is not None


def test_a_batch_cut_short_by_a_full_disk_is_stored_once() -> None:
    """Rows commit one by one: those of the failing batch that went in before the disk
    filled are not stored a second time in memory (they would be false duplicates)."""
    t = _on_a_disk_that_fills(("first", None, "s", 0, "/0", "A"), stored=10)
    t.extend([(f"u{i}", None, "s", i + 1, f"/{i}", "U") for i in range(40)])
    t._flush()
    assert list(t.repeated()) == [] and len(list(t)) == 41 == t.rows


def test_a_merge_keeps_few_rows_waiting() -> None:
    big = SopTable()
    big.extend([(f"u{i}", None, "s", i, f"/{i}", "U") for i in range(3 * instances._PENDING_MAX)])
    t = SopTable()
    waited: list[int] = []
    flush = t._flush

    def counted() -> None:
        waited.append(len(t._pending))
        flush()

    t._flush = counted  # type: ignore[method-assign]
    t.extend(big)
    assert max(waited) <= instances._PENDING_MAX
    assert t.rows == len(list(t)) == big.rows


def test_pickling_pending_rows_opens_no_database() -> None:
    t = SopTable()
    t.extend([("b", None, "s", 2, "/b", "B"), ("a", None, "s", 1, "/a", "A")])
    state = t.__getstate__()
    assert t._db is None and [r[3] for r in state["rows"]] == [1, 2]
    copy = pickle.loads(pickle.dumps(t))
    assert [r[3] for r in copy] == [1, 2]
