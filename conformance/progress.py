"""Progress display for long work: rich on a terminal, silent otherwise."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Progress(Protocol):
    def advance(self, n: float = 1) -> None: ...
    def total(self, n: float | None) -> None: ...


class _Null:
    def advance(self, n: float = 1) -> None:
        pass

    def total(self, n: float | None) -> None:
        pass


class _Rich:
    def __init__(self, bar: object, task: object) -> None:
        self._bar = bar
        self._task = task

    def advance(self, n: float = 1) -> None:
        self._bar.advance(self._task, n)  # type: ignore[attr-defined]

    def total(self, n: float | None) -> None:
        self._bar.update(self._task, total=n)  # type: ignore[attr-defined]


@contextmanager
def progress(description: str, total: float | None = None, *,
             enabled: bool | None = None) -> Iterator[Progress]:
    """A progress bar on stderr when it is a terminal (or ``enabled``), else a no-op."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield _Null()
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as RichProgress

    cols = [TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn()]
    if "download" in description.lower():
        cols.insert(2, DownloadColumn())
    with RichProgress(*cols, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield _Rich(bar, task)
