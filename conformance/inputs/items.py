"""What to validate: paths, folders (walked lazily), Datasets or bytes, as ``Item``s."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from conformance.inputs.walk import (
    CHOSEN_KINDS,
    DEFAULT_WALK,
    SKIP_KINDS,
    SkipLog,
    Skipped,
    WalkOptions,
    entries,
)


@dataclass(frozen=True, slots=True)
class Item:
    """One input: a file path, in-memory bytes or Dataset (``obj``), or an input that is
    reported as ``unreadable`` without being read (``error``)."""

    path: str | None
    data: bytes | None = None
    obj: Any = None
    error: str | None = None


def expand(objs: Iterable[Any], options: WalkOptions = DEFAULT_WALK,
           skipped: SkipLog | None = None, strict: bool = False) -> Iterator[Item]:
    """The items of ``objs`` in order, folders walked lazily.

    A file path given explicitly is validated whatever its content (not DICOM is an
    ``unreadable`` finding); what a folder walk skips goes to ``skipped`` instead, or,
    with ``strict``, becomes an ``unreadable`` item (except what patterns or hidden
    names left out, which the user chose).
    """
    for obj in objs:
        if isinstance(obj, str | os.PathLike):
            path = os.fspath(obj)
            if os.path.isdir(path):
                for e in entries(path, options):
                    if not isinstance(e, Skipped):
                        yield Item(e)
                        continue
                    if e.path == path or (strict and e.kind not in CHOSEN_KINDS):
                        detail = f": {e.detail}" if e.detail else ""
                        yield Item(e.path, error=f"{SKIP_KINDS[e.kind]}{detail}")
                    elif skipped is not None:
                        skipped.add(e)
            else:
                yield Item(path)
        elif isinstance(obj, bytes | bytearray | memoryview):
            yield Item(None, data=bytes(obj))
        else:
            yield Item(getattr(obj, "filename", None) if isinstance(
                getattr(obj, "filename", None), str) else None, obj=obj)
