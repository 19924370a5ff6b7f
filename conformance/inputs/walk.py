"""Lazy folder walk: DICOM files by content, everything else skipped with a reason.

The walk never hangs and never follows a loop: FIFOs, sockets and devices are reported
by their type and never opened; a symlink that leads back to a folder being walked (or
one already walked) is reported once and not entered; a folder that cannot be listed is
reported and skipped. Files are yielded as they are found, folder by folder in name
order, so validation starts at once; memory holds the names of one folder per level of
depth and the identities of the folders walked, never the list of all files.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from conformance.inputs.detect import sniff

# Why something found while walking was not validated: kind -> phrase for summaries.
SKIP_KINDS: dict[str, str] = {
    "not-dicom": "not DICOM",
    "unreadable-file": "file cannot be read",
    "unreadable-folder": "folder cannot be read",
    "symlink-loop": "symlink loop",
    "broken-symlink": "broken symlink",
    "fifo": "FIFO",
    "socket": "socket",
    "device": "device",
    "hidden": "hidden",
    "excluded": "excluded by --include/--exclude",
}
# Kinds the user chose (patterns, hidden names): never errors, even with --strict-inputs.
CHOSEN_KINDS = frozenset({"hidden", "excluded"})


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something found while walking a folder that was not validated, and why."""

    path: str
    kind: str  # a key of SKIP_KINDS
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "kind": self.kind, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class WalkOptions:
    """Which files of a folder to look at. Patterns (``fnmatch``) match the path relative
    to the folder given (``/``-separated) or the file name; ``exclude`` also prunes
    folders; a file must match one ``include`` pattern when any is given."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    hidden: bool = False  # walk names starting with "." too

    def excluded(self, rel: str, name: str) -> bool:
        return any(fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(name, p)
                   for p in self.exclude)

    def included(self, rel: str, name: str) -> bool:
        return not self.include or any(
            fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(name, p) for p in self.include)


DEFAULT_WALK = WalkOptions()


@dataclass
class SkipLog:
    """Counts of what a walk skipped, by kind; the entries themselves when ``keep``."""

    keep: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    entries: list[Skipped] = field(default_factory=list)

    def add(self, s: Skipped) -> None:
        self.counts[s.kind] = self.counts.get(s.kind, 0) + 1
        if self.keep:
            self.entries.append(s)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        """``12 skipped: 10 not DICOM, 2 hidden`` (empty when nothing was skipped)."""
        if not self.counts:
            return ""
        parts = ", ".join(f"{n} {SKIP_KINDS.get(k, k)}"
                          for k, n in sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return f"{self.total} skipped: {parts}"

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"total": self.total, "counts": dict(sorted(self.counts.items()))}
        if self.keep:
            d["entries"] = [s.to_dict() for s in self.entries]
        return d


def _special(mode: int) -> str | None:
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return None


def _listing(path: str) -> list[tuple[str, str]]:
    """(name, full path) of a folder's entries in name order; OSError propagates."""
    with os.scandir(path) as it:
        names = sorted(e.name for e in it)
    return [(n, os.path.join(path, n)) for n in names]


def walk(root: str, options: WalkOptions = DEFAULT_WALK,
         on_skip: Callable[[Skipped], None] | None = None) -> Iterator[str]:
    """Paths of the DICOM files below ``root`` (content-detected), lazily, in name order.

    Everything else is passed to ``on_skip`` once, with its kind (``SKIP_KINDS``).
    A ``root`` that cannot be listed is reported as ``unreadable-folder``.
    """
    for e in entries(root, options):
        if isinstance(e, Skipped):
            if on_skip is not None:
                on_skip(e)
        else:
            yield e


def entries(root: str, options: WalkOptions = DEFAULT_WALK) -> Iterator[str | Skipped]:
    """What ``walk`` finds, in walk order: DICOM file paths and ``Skipped`` entries."""
    try:
        st = os.stat(root)
        top = _listing(root)
    except OSError as exc:
        yield Skipped(root, "unreadable-folder", exc.strerror or str(exc))
        return
    seen: set[tuple[int, int]] = {(st.st_dev, st.st_ino)}
    # One frame per folder being walked: its remaining entries, its relative parts and
    # the identities of it and its ancestors (a symlink to one of them is a loop).
    stack: list[tuple[Iterator[tuple[str, str]], tuple[str, ...], frozenset[tuple[int, int]]]]
    stack = [(iter(top), (), frozenset(seen))]
    while stack:
        pending, rel_parts, ancestors = stack[-1]
        nxt = next(pending, None)
        if nxt is None:
            stack.pop()
            continue
        name, path = nxt
        rel = "/".join((*rel_parts, name))
        if not options.hidden and name.startswith("."):
            yield Skipped(path, "hidden")
            continue
        try:
            st = os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                yield Skipped(path, "symlink-loop", "the link resolves to itself")
            elif os.path.islink(path):
                yield Skipped(path, "broken-symlink", f"-> {os.readlink(path)}")
            else:
                yield Skipped(path, "unreadable-file", exc.strerror or str(exc))
            continue
        if stat.S_ISDIR(st.st_mode):
            if options.excluded(rel, name):
                yield Skipped(path, "excluded", "folder")
                continue
            ident = (st.st_dev, st.st_ino)
            if ident in ancestors:
                yield Skipped(path, "symlink-loop", "leads back to a folder being walked")
                continue
            if ident in seen:
                yield Skipped(path, "symlink-loop", "leads to a folder already walked")
                continue
            seen.add(ident)
            try:
                listing = _listing(path)
            except OSError as exc:
                yield Skipped(path, "unreadable-folder", exc.strerror or str(exc))
                continue
            stack.append((iter(listing), (*rel_parts, name), ancestors | {ident}))
            continue
        kind = _special(st.st_mode)
        if kind is not None:
            yield Skipped(path, kind)
            continue
        if options.excluded(rel, name) or not options.included(rel, name):
            yield Skipped(path, "excluded")
            continue
        try:
            reason = sniff(path)
        except OSError as exc:
            yield Skipped(path, "unreadable-file", exc.strerror or str(exc))
            continue
        if reason is not None:
            yield Skipped(path, "not-dicom", reason)
            continue
        yield path


def walk_many(roots: Sequence[str], options: WalkOptions = DEFAULT_WALK,
              on_skip: Callable[[Skipped], None] | None = None) -> Iterator[str]:
    """``walk`` over several folders in turn."""
    for r in roots:
        yield from walk(r, options, on_skip)
