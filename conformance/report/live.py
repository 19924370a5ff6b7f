"""Whether a report's lines are flushed file by file (someone may read them as they come,
or keep them if the run dies) or left to the stream's buffer."""

from __future__ import annotations

import os
import stat
import weakref
from collections.abc import Callable
from typing import IO, Any

# Streams that replace their file only once complete (``-o FILE``'s temporary file): a run
# that dies leaves nothing of them, so flushing each file's lines would save nothing.
_WHOLE_AT_END: weakref.WeakSet[Any] = weakref.WeakSet()


def written_whole_at_end(stream: IO[Any]) -> None:
    """Mark ``stream`` as a file that is renamed into place only when complete."""
    _WHOLE_AT_END.add(stream)


def _nothing() -> None:
    return None


def line_flusher(stream: IO[Any]) -> Callable[[], None]:
    """What a writer calls after each file's lines: ``stream.flush``, so that a terminal,
    a pipe or a file redirected to (``> out.jsonl``, ``-o /dev/stdout >> log``) has every
    finished file's lines at once, also when the run is killed later; nothing for a
    stream marked ``written_whole_at_end`` or a device that is no terminal
    (``/dev/null``): a write per file cost the parent of a ``-j`` run 0.1 s per 700
    files."""
    if stream in _WHOLE_AT_END:
        return _nothing
    try:
        fd = stream.fileno()
        mode = os.fstat(fd).st_mode
    except (AttributeError, OSError, ValueError):  # io.StringIO and the like
        return stream.flush
    if stat.S_ISCHR(mode) and not os.isatty(fd):
        return _nothing
    return stream.flush
