"""Reports reach a reader line by line when one waits for them, a buffer at a time
otherwise."""

from __future__ import annotations

import io
import os
import select
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conformance.report import jsonl
from conformance.report.live import line_flusher


def _is_flush(f: Any, stream: Any) -> bool:
    return bool(f == stream.flush)


def test_a_pipe_a_terminal_and_a_memory_stream_flush_each_file(tmp_path: Path) -> None:
    r, w = os.pipe()
    with os.fdopen(w, "w") as pipe:
        assert _is_flush(line_flusher(pipe), pipe)
    os.close(r)
    master, slave = os.openpty()
    with os.fdopen(slave, "w") as tty:
        assert _is_flush(line_flusher(tty), tty)
    os.close(master)
    memory = io.StringIO()
    assert _is_flush(line_flusher(memory), memory)


def test_a_regular_file_and_dev_null_are_not_flushed_per_file(tmp_path: Path) -> None:
    with open(tmp_path / "r.jsonl", "w") as f:
        assert not _is_flush(line_flusher(f), f)
    with open(os.devnull, "w") as null:
        assert not _is_flush(line_flusher(null), null)


class _Report:
    def __init__(self, n: int) -> None:
        self.n = n
        self.ok, self.findings, self.cross_file, self.path = True, [], False, f"{n}.dcm"

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
