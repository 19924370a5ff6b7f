"""Read the part files two at a time: the largest in this process, the others in one
forked child (``compiler.forked``), so that a build on two or more CPUs reads PS3.3 and
PS3.6 side by side.

Results come back in the order given, so a build is the same file for file as one
read serially; an error is raised in its part's turn, whichever process read it.
Without ``fork`` (not POSIX), with one usable CPU or one part, the parts are read here,
one after the other.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from conformance.compiler import forked

Reader = Callable[[Path, list[dict[str, Any]]], dict[str, Any]]
Job = tuple[int, Reader, Path]  # (part, reader, file)
Result = tuple[int, dict[str, Any], list[dict[str, Any]]]  # (part, data, anomalies)
# what the child gives back per part, in order: its result, or the error that stopped it
Outcome = tuple[Result | None, BaseException | None]


def read_parts(jobs: list[Job], parallel: bool | None = None,
               while_waiting: Callable[[], None] | None = None) -> Iterator[Result]:
    """``(part, data, anomalies found)`` of each job, in order. ``parallel``: None
    decides by CPUs and platform; False reads here only. ``while_waiting``: called here
    once this process has read its part, while the child may still be reading (not
    called when reading serially)."""
    if parallel is None:
        parallel = len(jobs) > 1 and forked.can_fork()
    if not parallel or len(jobs) < 2:
        for part, reader, path in jobs:
            found: list[dict[str, Any]] = []
            yield part, reader(path, found), found
        return
    here = max(range(len(jobs)), key=lambda i: _size(jobs[i][2]))
    others = [job for i, job in enumerate(jobs) if i != here]
    try:
        child = forked.Forked(lambda: _read_all(others), (
            f"{', '.join(str(path) for _, _, path in others)}: the process reading "
            + ", ".join(f"PS3.{part}" for part, _, _ in others)))
    except OSError:  # no process to be had (EAGAIN, ENOMEM): read here, in turn
        yield from read_parts(jobs, parallel=False)
        return
    try:
        part, reader, path = jobs[here]
        found = []
        mine: Result | None = None
        error: Exception | None = None
        try:
            mine = (part, reader(path, found), found)
        except Exception as exc:  # noqa: BLE001 - raised in its turn, after earlier parts'
            error = exc
        if error is None and while_waiting is not None:
            while_waiting()
        theirs: Iterator[Outcome] | None = None
        for i in range(len(jobs)):
            if i != here:
                if theirs is None:
                    theirs = iter(child.result())
                result, failed = next(theirs)
                if failed is not None:
                    raise failed
                assert result is not None
                yield result
            elif error is not None:
                raise error
            else:
                assert mine is not None
                yield mine
    finally:
        child.close()


def _read_all(jobs: list[Job]) -> list[Outcome]:
    """In the child: every part, in order, up to the first that fails. All are read
    before any is sent: a send blocks until the parent, busy with its own part,
    receives, and the next part would wait for it."""
    out: list[Outcome] = []
    for part, reader, path in jobs:
        found: list[dict[str, Any]] = []
        try:
            out.append(((part, reader(path, found), found), None))
        except BaseException as exc:  # noqa: BLE001 - the parent raises it in its turn
            out.append((None, forked.picklable(exc)))
            break
    return out


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
