"""Many inputs through one Validator: lazily, in input order, in one or N processes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain, islice
from typing import Any

from conformance.engine.result import Report
from conformance.inputs.items import Item, expand
from conformance.inputs.walk import SkipLog, WalkOptions

_WORKER: Any = None


def _init_worker(validator: Any) -> None:
    global _WORKER
    import signal
    import warnings

    # A forked worker inherits the program's SIGTERM handler; the pool stops its
    # workers itself, and one told to stop stops.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    warnings.filterwarnings("ignore", module=r"pydicom(\.|$)")
    _WORKER = validator  # unpickled: the Validator re-created itself from its config


def _validate(item: Item) -> Report:
    assert _WORKER is not None, "worker not initialised"
    return _WORKER.validate_item(item)  # type: ignore[no-any-return]


AUTO = "auto"
# ``jobs="auto"`` starts workers only for a batch of at least this many inputs: below, a
# pool's start and each worker's first file of every IOD cost more than they save.
AUTO_MIN_INPUTS = 64
# Files sent to a worker at a time, once there are enough to keep every worker busy with
# several such tasks and they are seen to be quick (``workers.SMALL_ITEM_SECONDS``): per
# task, the pool's queues and pipes cost about 0.3 ms of CPU (a small file's validation
# is a few ms), a quarter of that by fours.
CHUNK = 4


def check_jobs(jobs: int | str) -> None:
    """Refuse a ``jobs`` that is neither a positive number nor ``"auto"``."""
    if jobs != AUTO and (not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1):
        raise ValueError(f"jobs={jobs!r}: need at least 1, or 'auto'")


def run_items(validator: Any, items: Iterable[Item], jobs: int | str = 1) -> Iterator[Report]:
    """Reports of ``items`` in order; ``jobs`` > 1 uses a process pool with a bounded
    number of items in flight (a folder walk is read at most 64 inputs ahead: the first
    64 say whether workers are worth starting, and how many), of at most one worker
    per input and per CPU; a worker that dies (out of memory, a crash in a decoder)
    costs its own input only, reported as ``internal-error``; inputs go to the workers
    ``CHUNK`` at a time when the batch is large enough. ``jobs="auto"``: one
    worker per usable CPU, as the container's memory allows (``workers.auto_workers``),
    once the batch has ``AUTO_MIN_INPUTS`` inputs, else this process."""
    check_jobs(jobs)
    it = iter(items)
    if jobs == AUTO:
        head = list(islice(it, AUTO_MIN_INPUTS))
        if len(head) < AUTO_MIN_INPUTS:
            jobs = 1
        else:
            from conformance.engine.workers import auto_workers

            jobs = auto_workers()
    else:
        # -j 40 on three files starts three workers; how many there are also sets the
        # chunk size
        head = list(islice(it, jobs if jobs <= 1 else max(jobs, AUTO_MIN_INPUTS)))
    assert isinstance(jobs, int)
    if jobs > 1:
        # here: a run in this process does not import the process pool machinery
        from conformance.engine.workers import worker_count

        jobs = worker_count(jobs, len(head))
    if jobs <= 1:
        for item in chain(head, it):
            yield validator.validate_item(item)
        return
    from conformance.engine.workers import ordered_map

    preload = getattr(validator.standard, "preload", None)
    if preload is not None:  # workers forked from here start with the tables loaded
        preload()

    def died(item: Item, exc: BaseException) -> Report:
        return validator.failed(item.path, "the worker process validating this input "  # type: ignore[no-any-return]
                                f"died ({exc}; out of memory or a crash in a decoder): "
                                "it was not checked")

    # Files only (a Dataset or bytes is large to hold and send: one at a time, as few in
    # flight as before), and only when the batch keeps every worker busy.
    files = all(getattr(i, "data", None) is None and getattr(i, "obj", None) is None
                for i in head)
    chunk = CHUNK if files and len(head) >= jobs * CHUNK * 2 else 1
    yield from ordered_map(_validate, chain(_drained(head), it), jobs, on_death=died,
                           initializer=_init_worker, initargs=(validator,), chunk=chunk)


def _drained(items: list[Item]) -> Iterator[Item]:
    """``items`` in order, each let go of once taken (the list is emptied)."""
    items.reverse()
    while items:
        yield items.pop()


def validate_items(validator: Any, objs: Iterable[Any], *, jobs: int | str = 1,
                   include: Iterable[str] = (), exclude: Iterable[str] = (),
                   strict_inputs: bool = False, skipped: SkipLog | None = None
                   ) -> Iterator[Report]:
    """``Validator.validate_many``: expand folders lazily, then ``run_items``."""
    check_jobs(jobs)
    options = WalkOptions(tuple(include), tuple(exclude))
    return run_items(validator, expand(objs, options, skipped, strict_inputs), jobs)
