"""Read the part files two at a time: the largest in this process, the others in one
forked child, so that a build on two or more CPUs reads PS3.3 and PS3.6 side by side.

Results come back in the order given, so a build is the same file for file as one
read serially. Without ``fork`` (not POSIX), with one usable CPU or one part, the parts
are read here, one after the other. The child is forked, not spawned: the readers run
as this process has them (a test's stand-in included), and only results are pickled.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from conformance.errors import SourceError

Reader = Callable[[Path, list[dict[str, Any]]], dict[str, Any]]
Job = tuple[int, Reader, Path]  # (part, reader, file)
Result = tuple[int, dict[str, Any], list[dict[str, Any]]]  # (part, data, anomalies)


def read_parts(jobs: list[Job], parallel: bool | None = None,
               while_waiting: Callable[[], None] | None = None) -> Iterator[Result]:
    """``(part, data, anomalies found)`` of each job, in order. ``parallel``: None
    decides by CPUs and platform; False reads here only. ``while_waiting``: called here
    once this process has read its part, while the child may still be reading (not
    called when reading serially)."""
    if parallel is None:
        parallel = _can_fork() and len(jobs) > 1 and _cpus() > 1
    if not parallel or len(jobs) < 2:
        for part, reader, path in jobs:
            found: list[dict[str, Any]] = []
            yield part, reader(path, found), found
        return
    here = max(range(len(jobs)), key=lambda i: _size(jobs[i][2]))
    others = [job for i, job in enumerate(jobs) if i != here]
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(send, recv, others), daemon=True)
    child.start()
    send.close()
    done = False
    try:
        part, reader, path = jobs[here]
        found: list[dict[str, Any]] = []
        mine: Result | None = None
        error: Exception | None = None
        try:
            mine = (part, reader(path, found), found)
        except Exception as exc:  # noqa: BLE001 - raised in its turn, after earlier parts'
            error = exc
        if error is None and while_waiting is not None:
            while_waiting()
        for i, (part, _reader, job_path) in enumerate(jobs):
            if i != here:
                yield _received(recv, part, job_path)
            elif error is not None:
                raise error
            else:
                assert mine is not None
                yield mine
        done = True
    finally:
        recv.close()
        if not done:
            child.kill()  # an error or an interrupt here: its results are not wanted
        child.join()


def _received(recv: Any, part: int, path: Path) -> Result:
    try:
        kind, got_part, payload = recv.recv()
    except EOFError:
        raise SourceError(f"{path}: the process reading PS3.{part} ended without a result "
                          "(killed, or out of memory?)") from None
    except Exception as exc:  # noqa: BLE001 - a result this process cannot unpickle
        raise SourceError(f"{path}: the result of reading PS3.{part} could not be "
                          f"received: {type(exc).__name__}: {exc}") from None
    if kind == "error":
        raise payload
    data, found = payload
    return got_part, data, found


def _child(send: Any, recv: Any, jobs: list[Job]) -> None:
    # The parent's end, inherited by the fork: closed, a send after the parent is gone
    # fails (broken pipe) instead of blocking for ever.
    recv.close()
    # The program's SIGTERM handler (conformance.cli) is the parent's business.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Every part is read before any is sent: a send blocks until the parent, busy with
    # its own part, receives, and the next part would wait for it.
    messages: list[tuple[str, int, Any]] = []
    for part, reader, path in jobs:
        found: list[dict[str, Any]] = []
        try:
            messages.append(("ok", part, (reader(path, found), found)))
        except BaseException as exc:  # noqa: BLE001 - the parent raises it, as if read there
            messages.append(("error", part, exc))
            break
    for message in messages:
        try:
            send.send(message)
        except Exception as exc:  # noqa: BLE001 - an exception that cannot be pickled
            send.send(("error", message[1], RuntimeError(f"{type(message[2]).__name__}: "
                                                         f"{message[2]} ({exc})")))
            break
    send.close()


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _cpus() -> int:
    from conformance.resources import usable_cpus

    return usable_cpus()


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
