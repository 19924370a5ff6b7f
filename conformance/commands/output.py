"""Report files written whole or not at all (``-o FILE``).

The report is written to a temporary file next to ``FILE`` and renamed over it only
when the run completes: a run that dies midway leaves the previous report as it was,
and two runs writing the same file never interleave (the last to finish wins). An
output that is one of the inputs is refused before anything is opened.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import IO

from conformance.errors import UsageError


def same_file(a: str, b: str) -> bool:
    """Whether paths ``a`` and ``b`` name the same file (existing or not)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def refuse_input_as_output(output: str | None, inputs: Iterable[str]) -> None:
    """UsageError when ``output`` is one of the ``inputs`` (it would be destroyed)."""
    if output is None or output == "-":
        return
    for p in inputs:
        if p != "-" and not os.path.isdir(p) and same_file(output, p):
            raise UsageError(f"--output {output}: is one of the inputs; it would be "
                             "overwritten before it is read")


@contextmanager
def atomic_text(path: str) -> Iterator[IO[str]]:
    """A text stream whose content replaces ``path`` when the block completes."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                                   dir=folder)
    except OSError as exc:
        raise UsageError(f"--output {path}: {exc.strerror or exc}") from None
    try:
        umask = os.umask(0o022)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # as open() would have made it
        with open(fd, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
