"""Part files read two at a time (a forked child) give what reading them here gives."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from conformance.compiler.meanwhile import Meanwhile
from conformance.compiler.parallel_read import read_parts
from conformance.errors import SourceError


def _reader(tag: str) -> Any:
    def read(path: Path, found: list[dict[str, Any]]) -> dict[str, Any]:
        found.append({"kind": "note", "detail": f"{tag} read {path.name}", "pid": os.getpid()})
        return {"tag": tag, "size": path.stat().st_size}
    return read  # a closure: the child has it by fork, it is never pickled


def _files(tmp_path: Path) -> list[tuple[int, Any, Path]]:
    jobs = []
    for part, size in ((3, 300), (4, 100), (6, 900), (15, 50)):
        f = tmp_path / f"part{part:02d}.xml"
        f.write_bytes(b"x" * size)
        jobs.append((part, _reader(f"PS3.{part}"), f))
    return jobs


def _plain(results: list[Any]) -> list[Any]:
    return [(part, data, [{k: v for k, v in a.items() if k != "pid"} for a in found])
            for part, data, found in results]


def test_two_at_a_time_gives_the_serial_results_in_order(tmp_path: Path) -> None:
    jobs = _files(tmp_path)
    serial = list(read_parts(jobs, parallel=False))
    waited: list[int] = []
    parallel = list(read_parts(jobs, parallel=True, while_waiting=lambda: waited.append(1)))
    assert [p for p, _, _ in parallel] == [3, 4, 6, 15]
    assert _plain(parallel) == _plain(serial)
    # the largest file here, the others in one child
    pids = {part: found[0]["pid"] for part, _, found in parallel}
    assert pids[6] == os.getpid()
    assert len({pids[3], pids[4], pids[15]}) == 1 and pids[3] != os.getpid()
    assert waited == [1]


def test_the_child_reads_on_while_this_process_is_busy(tmp_path: Path) -> None:
    """A result larger than a pipe's buffer does not hold the child's next read until
    this process, still reading its own part, receives it."""
    jobs = _files(tmp_path)

    def big(tag: str) -> Any:
        def read(path: Path, found: list[dict[str, Any]]) -> dict[str, Any]:
            return {"tag": tag, "at": time.monotonic(), "pad": "x" * 2_000_000}
        return read

    def slow(path: Path, found: list[dict[str, Any]]) -> dict[str, Any]:
        time.sleep(1.5)
        return {"tag": "here", "at": time.monotonic()}

    jobs = [(3, big("PS3.3"), jobs[0][2]), (4, big("PS3.4"), jobs[1][2]),
            (6, slow, jobs[2][2]), (15, big("PS3.15"), jobs[3][2])]
    got = {part: data for part, data, _ in read_parts(jobs, parallel=True)}
    assert got[6]["tag"] == "here"
    # every part of the child was read before this process finished its own
    assert max(got[p]["at"] for p in (3, 4, 15)) < got[6]["at"]


def test_a_fork_refused_reads_here_in_turn(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.compiler import forked

    def refused(*_: Any, **__: Any) -> None:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(forked, "Forked", refused)
    jobs = _files(tmp_path)
    got = list(read_parts(jobs, parallel=True))
    assert _plain(got) == _plain(list(read_parts(jobs, parallel=False)))
    assert {found[0]["pid"] for _, _, found in got} == {os.getpid()}


class _Unpicklable(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.hook = lambda: None  # a lambda: no pickle can carry it


@pytest.mark.parametrize("error, raised, match", [
    (lambda p: SourceError(f"{p}: truncated (does not end with </book>)"), SourceError,
     "part04.xml: truncated"),
    # an error the pipe cannot carry comes as its text
    (lambda p: _Unpicklable(f"{p.name}: odd"), RuntimeError, "_Unpicklable: part04.xml: odd")])
def test_an_error_in_the_child_is_raised_here_in_its_turn(
        tmp_path: Path, error: Any, raised: type[Exception], match: str) -> None:
    jobs = _files(tmp_path)

    def broken(path: Path, found: list[dict[str, Any]]) -> dict[str, Any]:
        raise error(path)

    jobs[1] = (4, broken, jobs[1][2])
    got = []
    with pytest.raises(raised, match=match):
        for part, _data, _found in read_parts(jobs, parallel=True):
            got.append(part)
    assert got == [3]  # what came before the broken part was delivered


def test_a_child_that_dies_is_an_error_not_a_hang(tmp_path: Path) -> None:
    jobs = _files(tmp_path)

    def killed(path: Path, found: list[dict[str, Any]]) -> dict[str, Any]:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")

    jobs[0] = (3, killed, jobs[0][2])
    with pytest.raises(SourceError, match=r"part03.xml, .*part04.xml, .*part15.xml: the "
                                          r"process reading PS3.3, PS3.4, PS3.15 ended"):
        list(read_parts(jobs, parallel=True))


def test_errors_come_in_the_order_of_the_parts(tmp_path: Path) -> None:
    """Two broken parts: the first one's error, whichever process read it (the largest
    part, PS3.6 here, is read in this process)."""
    jobs = _files(tmp_path)

    def broken(path: Path, found: list[dict[str, Any]]) -> dict[str, Any]:
        raise SourceError(f"{path.name}: broken")

    for i in (1, 2):  # PS3.4 (in the child) and PS3.6 (here)
        jobs[i] = (jobs[i][0], broken, jobs[i][2])
    with pytest.raises(SourceError, match="part04.xml: broken"):
        list(read_parts(jobs, parallel=True))
    jobs[1] = _files(tmp_path)[1]
    got = []
    with pytest.raises(SourceError, match="part06.xml: broken"):
        for part, _data, _found in read_parts(jobs, parallel=True):
            got.append(part)
    assert got == [3, 4]


def test_the_child_does_not_outlive_an_abandoned_read(tmp_path: Path) -> None:
    """Results no longer wanted (the caller stops: an error or an interrupt there): the
    child is stopped at once, not waited for."""
    import time

    jobs = _files(tmp_path)

    def slow(path: Path, found: list[dict[str, Any]]) -> dict[str, Any]:
        time.sleep(60)
        return {}

    jobs[1] = (4, slow, jobs[1][2])  # in the child, after PS3.3
    reads = read_parts(jobs, parallel=True)
    assert next(reads)[0] == 3
    start = time.monotonic()
    reads.close()
    assert time.monotonic() - start < 10


def test_meanwhile_keeps_its_error_for_its_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.compiler.readers import pydicom_tables

    def fails(found: list[dict[str, Any]]) -> dict[str, Any]:
        raise SourceError("pydicom's context groups cannot be read")

    monkeypatch.setattr(pydicom_tables, "read_cids", fails)
    hook = Meanwhile(cids=True)
    hook()  # while the child reads: nothing raised yet
    with pytest.raises(SourceError, match="context groups"):
        hook.result()
    assert Meanwhile(cids=False).result() == ({}, [])


def test_a_build_read_serially_is_the_same_file_for_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The acceptance build with a forked child (two parts read at a time, the context
    groups written early; forced even on one CPU) and the same build in one process:
    every file byte for byte, tables.marshal included."""
    import multiprocessing

    from conformance.compiler import early_files, forked
    from conformance.compiler.pipeline import build
    from tests.helpers.standard_build import DOCBOOK, excerpt_parts

    parts = excerpt_parts()  # skips without ../shared
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork here: every build is serial")
    used: list[bool] = []
    real = early_files.EarlyFiles.move_into

    def moved(self: early_files.EarlyFiles, folder: Path) -> None:
        used.append(self.folder is not None)
        real(self, folder)

    monkeypatch.setattr(early_files.EarlyFiles, "move_into", moved)
    outs = {}
    for label, fork in (("forked", True), ("serial", False)):
        monkeypatch.setattr(forked, "can_fork", lambda fork=fork: fork)
        outs[label] = tmp_path / label
        build({4: parts[4], 6: parts[6], 5: parts[5]},
              source_dir=DOCBOOK / "2016c-excerpt", out=outs[label], progress=False,
              report=None)
    assert used == [True]  # the forked build wrote its context groups early
    names = sorted(p.name for p in outs["forked"].iterdir())
    assert names == sorted(p.name for p in outs["serial"].iterdir())
    assert "tables.marshal" in names and "cids.zip" in names
    for name in names:
        assert (outs["forked"] / name).read_bytes() == (outs["serial"] / name).read_bytes(), name
