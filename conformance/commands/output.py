"""Report files written whole or not at all (``-o FILE``).

The report is written to a temporary file next to ``FILE`` and renamed over it only
when the run completes: a run that dies midway leaves the previous report as it was,
and two runs writing the same file never interleave (the last to finish wins). An
output that is one of the inputs is refused before anything is opened.

An output that exists and is not a regular file (``/dev/null``, ``/dev/stdout``, a
named pipe, bash's ``>(...)``) is written in place: renaming over it would replace the
device or pipe with a file (for root, ``/dev/null`` itself). An output that is a
symbolic link replaces the file it points to; the link stays.
"""

from __future__ import annotations

import os
import stat
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
    """A text stream whose content replaces ``path`` when the block completes (written
    in place when ``path`` is a device, pipe or socket)."""
    try:
        special = not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        special = False  # not there yet (or a dangling link): made below
    if special:
        try:
            stream = open(path, "w", encoding="utf-8",  # noqa: SIM115 - closed below
                          errors="backslashreplace", newline="\n")
        except OSError as exc:
            raise UsageError(f"--output {path}: {exc.strerror or exc}") from None
        with stream:
            yield stream
        return
    if os.path.islink(path) and os.path.exists(path):
        path = os.path.realpath(path)
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
