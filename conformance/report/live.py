"""Whether a report's stream has a reader waiting for each line."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from typing import IO, Any


def _nothing() -> None:
    return None


def line_flusher(stream: IO[Any]) -> Callable[[], None]:
    """What a writer calls after each file's lines: ``stream.flush`` when someone reads
    them as they come (a terminal, a pipe, a socket, or a stream that is no file), else
    nothing (a regular file or a device gets its lines a buffer at a time and at the
    end: a write per file cost the parent of a ``-j`` run 0.1 s per 700 files)."""
    try:
        fd = stream.fileno()
        mode = os.fstat(fd).st_mode
    except (AttributeError, OSError, ValueError):  # io.StringIO and the like
        return stream.flush
    if stat.S_ISREG(mode) or (stat.S_ISCHR(mode) and not os.isatty(fd)):
        return _nothing
    return stream.flush
