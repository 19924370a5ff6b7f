"""A process pool that survives its workers: results in input order, and a worker that
dies (the out-of-memory killer, a segfault in a codec) costs one input, not the batch.

``ProcessPoolExecutor`` marks the whole pool broken when one worker dies and fails
every pending task. Here the tasks that were in flight are retried one at a time in a
fresh pool: the one that kills its worker again is reported through ``on_death``; the
others get their real results and the batch goes on.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def worker_count(requested: int, inputs: int) -> int:
    """``-j N`` capped at the number of inputs and of CPUs this process may use."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(requested, inputs, cpus))


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


def ordered_map(fn: Callable[[T], R], items: Sequence[T], jobs: int, *,
                on_death: Callable[[T, BaseException], R],
                initializer: Callable[..., Any] | None = None,
                initargs: tuple[Any, ...] = (), window: int | None = None) -> Iterator[R]:
    """``fn(item)`` for every item in ``jobs`` processes, yielded in input order.

    At most ``window`` tasks (default 4 per worker) are in flight, so memory stays
    bounded on long batches. An item whose worker dies twice (once in the batch, once
    alone) yields ``on_death(item, error)``.
    """
    window = window or jobs * 4
    pool = _Pool(jobs, initializer, initargs)
    pending: deque[int] = deque(range(len(items)))
    inflight: dict[int, Future[R]] = {}
    done: dict[int, R] = {}
    next_out = 0
    try:
        while next_out < len(items):
            while pending and len(inflight) < window:
                i = pending.popleft()
                inflight[i] = pool.pool.submit(fn, items[i])
            if next_out in done:
                yield done.pop(next_out)
                next_out += 1
                continue
            try:
                result = inflight[next_out].result()
            except BrokenProcessPool:
                suspects = _salvage(inflight, done)
                inflight.clear()
                pool.renew()
                for i in suspects:
                    done[i] = _alone(pool, fn, items[i], on_death)
                continue
            del inflight[next_out]
            yield result
            next_out += 1
    finally:
        pool.close()


def _salvage(inflight: dict[int, Future[R]], done: dict[int, R]) -> list[int]:
    """Keep the results that finished before the pool broke; the rest are suspects."""
    suspects = []
    for i, fut in sorted(inflight.items()):
        if fut.done() and not fut.cancelled() and fut.exception() is None:
            done[i] = fut.result()
        else:
            suspects.append(i)
    return suspects


def _alone(pool: _Pool, fn: Callable[[T], R], item: T,
           on_death: Callable[[T, BaseException], R]) -> R:
    """Run one suspect by itself: if its worker dies again, it is the culprit."""
    try:
        return pool.pool.submit(fn, item).result()
    except BrokenProcessPool as exc:
        pool.renew()
        return on_death(item, exc)
