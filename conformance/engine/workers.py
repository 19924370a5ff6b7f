"""A process pool that survives its workers: results in input order, and a worker that
dies (the out-of-memory killer, a segfault in a codec) costs one input, not the batch.

``ProcessPoolExecutor`` marks the whole pool broken when one worker dies and fails
every pending task. Here the tasks that were in flight are retried one at a time in a
fresh pool: the one that kills its worker again is reported through ``on_death``; the
others get their real results and the batch goes on.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def usable_cpus() -> int:
    """The CPUs this process may use: its affinity mask, cut to the container's CPU
    quota (cgroup v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``), at least 1."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    quota = cgroup_cpu_quota()
    if quota is not None:
        cpus = min(cpus, max(1, int(quota)))
    return max(1, cpus)


def cgroup_cpu_quota(root: str = "/sys/fs/cgroup") -> float | None:
    """CPUs' worth of time the cgroup of this process may use per period; None when
    unlimited or not known (not Linux, no cgroup file system)."""
    for quota_file, period_file in (("cpu.max", None),
                                    ("cpu/cpu.cfs_quota_us", "cpu/cpu.cfs_period_us")):
        for folder in _cgroup_folders(root):
            try:
                with open(os.path.join(folder, quota_file)) as f:
                    text = f.read().strip()
                if period_file is not None:
                    with open(os.path.join(folder, period_file)) as f:
                        text = f"{text} {f.read().strip()}"
            except (OSError, ValueError):
                continue
            quota, _, period = text.partition(" ")
            try:
                q, per = int(quota), int(period)
            except ValueError:
                return None  # "max": no limit
            return q / per if q > 0 and per > 0 else None
    return None


# What ``-j auto`` counts a worker as needing: workers measured 43-66 MiB on the
# benchmark batches; a large multi-frame file takes more.
AUTO_WORKER_MEMORY = 200 * 1024 * 1024


def auto_workers(root: str = "/sys/fs/cgroup") -> int:
    """Workers for ``-j auto``: one per usable CPU, but no more than the container's
    memory limit holds at ``AUTO_WORKER_MEMORY`` each (a pod with many CPUs and little
    memory would otherwise meet the out-of-memory killer)."""
    cpus = usable_cpus()
    limit = cgroup_memory_limit(root)
    if limit is not None:
        cpus = min(cpus, max(1, limit // AUTO_WORKER_MEMORY))
    return cpus


def cgroup_memory_limit(root: str = "/sys/fs/cgroup") -> int | None:
    """Bytes the cgroup of this process may use (v2 ``memory.max``, v1
    ``memory.limit_in_bytes``); None when unlimited or not known."""
    for name in ("memory.max", "memory/memory.limit_in_bytes"):
        for folder in _cgroup_folders(root):
            try:
                with open(os.path.join(folder, name)) as f:
                    text = f.read().strip()
            except OSError:
                continue
            try:
                limit = int(text)
            except ValueError:
                return None  # "max"
            # v1 writes "no limit" as a page-rounded 2**63 - 1
            return limit if 0 < limit < 1 << 60 else None
    return None


def _cgroup_folders(root: str) -> list[str]:
    """This process's own cgroup folder (v2, from ``/proc/self/cgroup``), then the root."""
    out = []
    try:
        with open("/proc/self/cgroup") as f:
            for line in f:
                if line.startswith("0::"):
                    out.append(os.path.join(root, line[3:].strip().lstrip("/")))
    except OSError:
        pass
    out.append(root)
    return out


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


def ordered_map(fn: Callable[[T], R], items: Iterable[T], jobs: int, *,
                on_death: Callable[[T, BaseException], R],
                initializer: Callable[..., Any] | None = None,
                initargs: tuple[Any, ...] = (), window: int | None = None) -> Iterator[R]:
    """``fn(item)`` for every item in ``jobs`` processes, yielded in input order, lazily.

    At most ``window`` tasks (default 4 per worker) are in flight, so a long folder walk
    is never read ahead. An item whose worker dies twice (once in the batch, once
    alone) yields ``on_death(item, error)``.
    """
    window = window or jobs * 4
    pool = _Pool(jobs, initializer, initargs)
    it = iter(items)
    inflight: deque[tuple[T, Future[R]]] = deque()
    exhausted = False
    try:
        while True:
            while not exhausted and len(inflight) < window:
                try:
                    item = next(it)
                except StopIteration:
                    exhausted = True
                    break
                inflight.append((item, pool.pool.submit(fn, item)))
            if not inflight:
                return
            try:
                result = inflight[0][1].result()
            except BrokenProcessPool:
                entries = list(inflight)
                inflight.clear()
                pool.renew()
                yield from _salvage(pool, fn, entries, on_death)
                continue
            inflight.popleft()
            yield result
    finally:
        pool.close()


def _salvage(pool: _Pool, fn: Callable[[T], R], entries: list[tuple[T, Future[R]]],
             on_death: Callable[[T, BaseException], R]) -> Iterator[R]:
    """After the pool broke: the results that finished before, and every other task
    run alone in the fresh pool (the one whose worker dies again is the culprit)."""
    for item, fut in entries:
        if fut.done() and not fut.cancelled() and not isinstance(fut.exception(),
                                                                 BrokenProcessPool):
            yield fut.result()
            continue
        try:
            yield pool.pool.submit(fn, item).result()
        except BrokenProcessPool as exc:
            pool.renew()
            yield on_death(item, exc)
