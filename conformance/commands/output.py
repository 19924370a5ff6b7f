"""Report files written whole or not at all (``-o FILE``).

The report is written to a temporary file next to ``FILE`` and renamed over it only
when the run completes: a run that dies midway leaves the previous report as it was,
and two runs writing the same file never interleave (the last to finish wins). An
output that is one of the inputs is refused before anything is opened.

An output that is not a regular file (``/dev/null``, a named pipe, bash's ``>(...)``)
or names a stream (``/dev/stdout``, ``/proc/self/fd/1``, directly or through links) is
written in place: renaming over it would replace the device or pipe with a file (for
root, ``/dev/null`` itself), or the file a shell redirected stdout to. A run that fails
leaves what it wrote there. An output that is a symbolic link replaces (or makes) the
file it points to; the link stays.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import IO

from conformance.errors import UsageError
from conformance.report.live import written_whole_at_end


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


# /dev/stdout is a link to /proc/self/fd/1, a link to whatever the shell redirected it to:
# a file replaced by a rename would lose what it held (``>> log``), and the append. Such
# names lead through /proc (a regular file in /dev/shm is an ordinary file).
_STREAMS = "/proc/"
_LINKS_MAX = 40


def _in_place(path: str) -> bool:
    """Whether ``path`` is written in place: it is a device, pipe or socket, or it leads
    (through its folders or links) into /proc."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return True
    except OSError:
        pass  # not there yet, or a dangling link: a file made below
    hop = os.path.abspath(path)
    for _ in range(_LINKS_MAX):
        # the folders' links resolved (/dev/fd is /proc/self/fd), the name itself not
        hop = os.path.join(os.path.realpath(os.path.dirname(hop)), os.path.basename(hop))
        if hop.startswith(_STREAMS):
            return True
        try:
            target = os.readlink(hop)
        except OSError:
            return False  # not a link
        hop = os.path.join(os.path.dirname(hop), target)
    return False


@contextmanager
def atomic_text(path: str) -> Iterator[IO[str]]:
    """A text stream whose content replaces ``path`` when the block completes (written
    in place when ``path`` is a device, pipe or socket)."""
    if _in_place(path):
        try:
            # appended: /dev/stdout reopens the file the shell redirected to, and "w"
            # would empty it (``>> log``); a device or pipe has no end to keep
            stream = open(path, "a", encoding="utf-8",  # noqa: SIM115 - closed below
                          errors="backslashreplace", newline="\n")
        except OSError as exc:
            raise UsageError(f"--output {path}: {exc.strerror or exc}") from None
        try:
            with stream:
                yield stream
        except OSError as exc:
            if exc.filename is not None or isinstance(exc, BrokenPipeError):
                raise  # another file's error, or a reader gone (as with stdout: exit 0)
            # a write to the device or pipe (ENOSPC, EPIPE): name it
            raise UsageError(f"--output {path}: {exc.strerror or exc}") from None
        return
    given = path
    if os.path.islink(path):  # the link stays; the file it names is replaced (or made)
        path = os.path.realpath(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                                   dir=folder)
    except OSError as exc:
        raise UsageError(f"--output {given}: {exc.strerror or exc}") from None
    try:
        umask = os.umask(0o022)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # as open() would have made it
        with open(fd, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as f:
            written_whole_at_end(f)
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
