"""Partition a list of files by folder, so the files of one series travel together."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

# Files per task and per part file. At about 10 ms a file a task of 256 runs for seconds,
# well above Dask's per-task overhead, and a part of 256 rows is still a small Parquet
# file; 64 made 4x as many part files, whose per-file costs (open, footer, schema) were
# most of an incremental rerun (issue 15).
DEFAULT_PARTITION_SIZE = 256


def by_folder(paths: Iterable[str], size: int = DEFAULT_PARTITION_SIZE) -> list[list[str]]:
    """Partitions of ``paths``: the files of one folder stay in one partition (in their
    given order); consecutive small folders share a partition up to ``size`` files; a
    folder with more than ``size`` files is cut into consecutive chunks of ``size``.

    Folders keep the order in which their first file appears, so the partitions are the
    same for the same input on every run (incremental runs and part files rely on it).
    """
    if size < 1:
        raise ValueError(f"partition size must be at least 1, not {size}")
    folders: dict[str, list[str]] = {}
    for p in paths:
        folders.setdefault(os.path.dirname(p), []).append(p)
    parts: list[list[str]] = []
    current: list[str] = []
    for files in folders.values():
        if current and len(current) + len(files) > size:
            parts.append(current)
            current = []
        if len(files) > size:
            parts.extend(files[i:i + size] for i in range(0, len(files), size))
            continue
        current.extend(files)
    if current:
        parts.append(current)
    return parts


def flatten(parts: Sequence[Sequence[str]]) -> list[str]:
    """The files of ``parts`` in partition order."""
    return [p for part in parts for p in part]
