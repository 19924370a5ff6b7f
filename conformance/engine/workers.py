"""A process pool that survives its workers: results in input order, and a worker that
dies (the out-of-memory killer, a segfault in a codec) costs one input, not the batch.

``ProcessPoolExecutor`` marks the whole pool broken when one worker dies and fails
every pending task. Here the tasks that were in flight are retried one at a time in a
fresh pool: the one that kills its worker again is reported through ``on_death``; the
others get their real results and the batch goes on.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import Any, TypeVar

from conformance.resources import CGROUP_ROOT, cgroup_memory_limit, usable_cpus

T = TypeVar("T")
R = TypeVar("R")


# What ``-j auto`` counts a worker as needing: workers measured 43-66 MiB on the
# benchmark batches; a large multi-frame file takes more.
AUTO_WORKER_MEMORY = 200 * 1024 * 1024


def auto_workers(root: str = CGROUP_ROOT) -> int:
    """Workers for ``-j auto``: one per usable CPU, but no more than the container's
    memory limit holds at ``AUTO_WORKER_MEMORY`` each (a pod with many CPUs and little
    memory would otherwise meet the out-of-memory killer)."""
    cpus = usable_cpus(root)
    limit = cgroup_memory_limit(root)
    if limit is not None:
        cpus = min(cpus, max(1, limit // AUTO_WORKER_MEMORY))
    return cpus


# ProcessPoolExecutor refuses more workers than this on Windows (a WaitForMultipleObjects
# limit).
_WINDOWS_MAX_WORKERS = 61


def worker_count(requested: int, inputs: int) -> int:
    """``-j N`` capped at the number of inputs and of CPUs this process may use."""
    n = max(1, min(requested, inputs, usable_cpus()))
    return min(n, _WINDOWS_MAX_WORKERS) if sys.platform == "win32" else n


class _Pool:
    def __init__(self, jobs: int, initializer: Callable[..., Any] | None,
                 initargs: tuple[Any, ...]) -> None:
        self.jobs, self.initializer, self.initargs = jobs, initializer, initargs
        self.pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.jobs, initializer=self.initializer,
                                   initargs=self.initargs)

    def renew(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = self._new()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _each(fn: Callable[[T], R], chunk: list[T]) -> tuple[list[R], float]:
    """The results of ``chunk`` and the seconds they took per item."""
    start = time.perf_counter()
    out = [fn(item) for item in chunk]
    return out, (time.perf_counter() - start) / max(1, len(chunk))


# Items go several to a task only while they take less than this each: a task's overhead
# is then a large share, while a slow item is better alone (a worker stops after its
# current task; the last tasks of a batch are shared out more evenly).
SMALL_ITEM_SECONDS = 0.02


def ordered_map(fn: Callable[[T], R], items: Iterable[T], jobs: int, *,
                on_death: Callable[[T, BaseException], R],
                initializer: Callable[..., Any] | None = None,
                initargs: tuple[Any, ...] = (), window: int | None = None,
                chunk: int = 1) -> Iterator[R]:
    """``fn(item)`` for every item in ``jobs`` processes, yielded in input order, lazily.

    Items go to the workers up to ``chunk`` at a time once they are seen to take less
    than ``SMALL_ITEM_SECONDS`` each (each task costs both sides a few hundred
    microseconds of queues, pipes and threads); one at a time before that and when
    they are slower. At most ``window`` tasks (default 4 per worker) are in flight, so a
    long folder walk is never read far ahead. An item whose worker dies twice (once in
    its task, once alone) yields ``on_death(item, error)``.
    """
    window = window or jobs * 4
    per_item: float | None = None  # seconds an item took, as the workers report it
    pool = _Pool(jobs, initializer, initargs)
    it = iter(items)
    inflight: deque[tuple[list[T], Future[tuple[list[R], float]]]] = deque()
    exhausted = False
    try:
        while True:
            refused: list[T] | None = None
            while not exhausted and len(inflight) < window:
                size = max(1, chunk) if per_item is not None and per_item < \
                    SMALL_ITEM_SECONDS else 1
                part = list(islice(it, size))
                if len(part) < size:
                    exhausted = True
                if not part:
                    break
                try:  # the pool may have broken while results were being handed out
                    inflight.append((part, pool.pool.submit(_each, fn, part)))
                except BrokenProcessPool:
                    refused = part
                    break
            if not inflight and refused is None:
                return
            if refused is None:
                try:
                    results, seconds = inflight[0][1].result()
                except BrokenProcessPool:
                    refused = []
                else:
                    inflight.popleft()
                    per_item = seconds if per_item is None else 0.8 * per_item + 0.2 * seconds
                    yield from results
                    continue
            entries: list[tuple[list[T], Future[tuple[list[R], float]] | None]] = [*inflight]
            if refused:
                entries.append((refused, None))
            inflight.clear()
            pool.renew()
            yield from _salvage(pool, fn, entries, on_death)
    finally:
        pool.close()


def _salvage(pool: _Pool, fn: Callable[[T], R],
             entries: list[tuple[list[T], Future[tuple[list[R], float]] | None]],
             on_death: Callable[[T, BaseException], R]) -> Iterator[R]:
    """After the pool broke: the results that finished before, and every other item
    (``None``: never submitted) run alone in the fresh pool (the one whose worker dies
    again is the culprit)."""
    for part, fut in entries:
        if fut is not None and fut.done() and not fut.cancelled() and not isinstance(
                fut.exception(), BrokenProcessPool):
            yield from fut.result()[0]
            continue
        for item in part:
            try:
                yield from pool.pool.submit(_each, fn, [item]).result()[0]
            except BrokenProcessPool as exc:
                pool.renew()
                yield on_death(item, exc)
