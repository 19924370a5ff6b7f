"""Report lines are flushed file by file where someone may read them as they come or keep
them if the run dies, and left to the buffer where that saves nothing."""

from __future__ import annotations

import io
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conformance.commands.output import atomic_text
from conformance.report import jsonl
from conformance.report.live import line_flusher, written_whole_at_end


def _flushes(stream: Any) -> bool:
    return bool(line_flusher(stream) == stream.flush)


def test_what_is_flushed_file_by_file(tmp_path: Path) -> None:
    r, w = os.pipe()
    with os.fdopen(w, "w") as pipe:
        assert _flushes(pipe)
    os.close(r)
    master, slave = os.openpty()
    with os.fdopen(slave, "w") as tty:
        assert _flushes(tty)
    os.close(master)
    assert _flushes(io.StringIO())
    with open(tmp_path / "redirected.jsonl", "w") as f:  # ``> out.jsonl``
        assert _flushes(f)


def test_what_is_left_to_the_buffer(tmp_path: Path) -> None:
    with open(os.devnull, "w") as null:
        assert not _flushes(null)
    with open(tmp_path / "scratch", "w") as f:
        written_whole_at_end(f)
        assert not _flushes(f)
    with atomic_text(str(tmp_path / "report.jsonl")) as out:  # -o FILE
        assert not _flushes(out)
    with atomic_text(os.devnull) as out:  # -o /dev/null, written in place
        assert not _flushes(out)


class _Report:
    def __init__(self, n: int) -> None:
        self.path = f"{n}.dcm"

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path}


def test_a_reader_of_a_pipe_gets_each_line_before_the_next_file(monkeypatch: Any) -> None:
    """The JSON Lines writer on a pipe: file 1's line is readable while file 2 is still
    being validated."""
    from conformance.report import summary

    monkeypatch.setattr(summary.Summary, "add", lambda self, report: None)
    r, w = os.pipe()
    seen: list[bool] = []

    def reports() -> Iterator[_Report]:
        yield _Report(1)
        ready, _, _ = select.select([r], [], [], 5)
        seen.append(bool(ready))
        yield _Report(2)

    with os.fdopen(w, "w") as pipe:
        jsonl.write(reports(), standard_info={}, stream=pipe)
    with os.fdopen(r) as out:
        lines = out.read().splitlines()
    assert seen == [True]
    assert len(lines) == 2


KILLED = """
import os, signal, sys
from conformance.report import jsonl, summary
summary.Summary.add = lambda self, report: None
class R:
    def __init__(self, n): self.path = f"{n}.dcm"
    def to_dict(self): return {"path": self.path}
def reports():
    for n in range(5):
        yield R(n)
    os.kill(os.getpid(), signal.SIGKILL)  # a crash in a decoder, the OOM killer
    yield R(5)
jsonl.write(reports(), standard_info={}, stream=sys.stdout)
"""


def test_a_redirected_file_keeps_the_finished_files_when_the_run_is_killed(
        tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with open(out, "w") as f:
        done = subprocess.run([sys.executable, "-c", KILLED], stdout=f, check=False)
    assert done.returncode == -signal.SIGKILL
    assert len(out.read_text().splitlines()) == 5
