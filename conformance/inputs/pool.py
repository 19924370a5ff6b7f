"""Ordered, lazy map over a process pool: a bounded number of inputs in flight.

``ProcessPoolExecutor.map`` submits its whole input at once, which would read a
million-file walk into memory before the first result; this keeps at most ``window``
tasks pending and yields results in input order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _run_chunk(fn: Callable[[Any], Any], chunk: list[Any]) -> list[Any]:
    return [fn(x) for x in chunk]


def ordered_map(pool: Executor, fn: Callable[[T], R], items: Iterable[T], *,
                chunk: int = 8, window: int = 8) -> Iterator[R]:
    """``fn`` over ``items`` on ``pool``, results in input order, lazily: at most
    ``window`` chunks of ``chunk`` items are submitted and not yet yielded."""
    pending: deque[Future[list[R]]] = deque()
    it = iter(items)
    done = False
    while True:
        while not done and len(pending) < window:
            batch = [x for _, x in zip(range(chunk), it, strict=False)]
            if not batch:
                done = True
                break
            pending.append(pool.submit(_run_chunk, fn, batch))
        if not pending:
            return
        yield from pending.popleft().result()
