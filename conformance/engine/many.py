"""Many inputs through one Validator: lazily, in input order, in one or N processes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from conformance.engine.result import Report
from conformance.inputs.items import Item, expand
from conformance.inputs.pool import ordered_map
from conformance.inputs.walk import SkipLog, WalkOptions

_WORKER: Any = None


def _init_worker(validator: Any) -> None:
    global _WORKER
    import warnings

    warnings.filterwarnings("ignore", module=r"pydicom(\.|$)")
    _WORKER = validator  # unpickled: the Validator re-created itself from its config


def _validate(item: Item) -> Report:
    assert _WORKER is not None, "worker not initialised"
    return _WORKER.validate_item(item)  # type: ignore[no-any-return]


def run_items(validator: Any, items: Iterable[Item], jobs: int = 1) -> Iterator[Report]:
    """Reports of ``items`` in order; ``jobs`` > 1 uses a process pool with a bounded
    number of items in flight (a folder walk is never read ahead)."""
    if jobs <= 1:
        for it in items:
            yield validator.validate_item(it)
        return
    from concurrent.futures import ProcessPoolExecutor  # lazily: ~0.1 s of imports

    preload = getattr(validator.standard, "preload", None)
    if preload is not None:  # workers forked from here start with the tables loaded
        preload()
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                             initargs=(validator,)) as pool:
        yield from ordered_map(pool, _validate, items, chunk=4, window=jobs * 4)


def validate_items(validator: Any, objs: Iterable[Any], *, jobs: int = 1,
                   include: Iterable[str] = (), exclude: Iterable[str] = (),
                   strict_inputs: bool = False, skipped: SkipLog | None = None
                   ) -> Iterator[Report]:
    """``Validator.validate_many``: expand folders lazily, then ``run_items``."""
    if jobs < 1:
        raise ValueError(f"jobs={jobs}: need at least 1")
    options = WalkOptions(tuple(include), tuple(exclude))
    return run_items(validator, expand(objs, options, skipped, strict_inputs), jobs)
