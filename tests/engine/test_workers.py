"""``-j auto``: how many processes (usable CPUs and memory: tests/test_resources.py) and
when (batch size)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from conformance.engine import many, workers
from conformance.engine.many import AUTO_MIN_INPUTS, check_jobs, run_items
from tests.helpers.cgroup import cgroup_folder as _cgroup


class _Item:
    def __init__(self, n: int, in_memory: bool = False) -> None:
        self.n = n
        self.data = None
        self.obj = object() if in_memory else None  # a Dataset's stand-in


class _PidValidator:
    """Reports the process that validated each item."""

    standard = None

    def validate_item(self, item: _Item) -> tuple[int, int]:
        return item.n, os.getpid()


def test_auto_stays_in_this_process_for_a_small_batch(monkeypatch: Any) -> None:
    monkeypatch.setattr(workers, "auto_workers", lambda: 2)
    got = list(run_items(_PidValidator(), [_Item(n) for n in range(AUTO_MIN_INPUTS - 1)],
                         "auto"))
    assert [n for n, _ in got] == list(range(AUTO_MIN_INPUTS - 1))
    assert {pid for _, pid in got} == {os.getpid()}


def test_auto_uses_a_worker_per_cpu_for_a_large_batch(monkeypatch: Any) -> None:
    monkeypatch.setattr(workers, "auto_workers", lambda: 2)
    n = AUTO_MIN_INPUTS + 10
    got = list(run_items(_PidValidator(), [_Item(i) for i in range(n)], "auto"))
    assert [i for i, _ in got] == list(range(n))  # input order kept
    pids = {pid for _, pid in got}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


def test_auto_on_one_cpu_stays_in_this_process(monkeypatch: Any) -> None:
    monkeypatch.setattr(workers, "auto_workers", lambda: 1)
    got = list(run_items(_PidValidator(), [_Item(i) for i in range(AUTO_MIN_INPUTS + 1)],
                         "auto"))
    assert {pid for _, pid in got} == {os.getpid()}


@pytest.mark.parametrize("jobs", [0, -1, "two", True, 1.5])
def test_jobs_must_be_a_count_or_auto(jobs: Any) -> None:
    with pytest.raises(ValueError, match="jobs="):
        check_jobs(jobs)
    check_jobs("auto")
    check_jobs(3)


def test_the_command_default_is_auto() -> None:
    from conformance.cli import build_parser

    args = build_parser("validate").parse_args(["validate", "x"])
    assert args.jobs == many.AUTO


def test_auto_workers_fit_the_memory_limit(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(workers, "usable_cpus", lambda root: 64)
    root = _cgroup(tmp_path, {"memory.max": str(3 * workers.AUTO_WORKER_MEMORY + 5)})
    assert workers.auto_workers(root) == 3
    root = _cgroup(tmp_path / "tiny", {"memory.max": "1000"})
    assert workers.auto_workers(root) == 1
    assert workers.auto_workers(str(tmp_path / "none")) == 64


# -- several items to a task -------------------------------------------------------------

_EACH = workers._each


def _each_sized(fn: Any, chunk: list[Any]) -> tuple[list[Any], float]:
    """``workers._each``, each result paired with the size of the task it came in."""
    out, seconds = _EACH(fn, chunk)
    return [(r, len(chunk)) for r in out], seconds


def _quick(n: int) -> int:
    return n


def _slow(n: int) -> int:
    import time

    time.sleep(workers.SMALL_ITEM_SECONDS * 1.5)
    return n


def _died(n: int, exc: BaseException) -> Any:
    return (-n, 0)


def test_quick_items_go_several_to_a_task_slow_ones_alone(monkeypatch: Any) -> None:
    monkeypatch.setattr(workers, "_each", _each_sized)
    quick = list(workers.ordered_map(_quick, range(200), 2, on_death=_died, chunk=4))
    assert [r for r, _ in quick] == list(range(200))
    assert quick[0][1] == 1  # nothing measured yet: one at a time
    assert {size for _, size in quick} == {1, 4}
    slow = list(workers.ordered_map(_slow, range(12), 2, on_death=_died, chunk=4))
    assert [r for r, _ in slow] == list(range(12))
    assert {size for _, size in slow} == {1}


def test_in_memory_inputs_go_one_at_a_time_and_are_let_go(monkeypatch: Any) -> None:
    """Datasets or bytes are not bunched, and none of the first 64 is held once its
    report is out."""
    import gc
    import weakref

    monkeypatch.setattr(workers, "_each", _each_sized)
    monkeypatch.setattr(workers, "auto_workers", lambda: 2)
    monkeypatch.setattr(workers, "usable_cpus", lambda root=None: 2)
    refs: list[weakref.ref[_Item]] = []

    def items() -> Any:
        for n in range(150):
            item = _Item(n, in_memory=True)
            refs.append(weakref.ref(item))
            yield item

    alive_after_100 = -1
    got = []
    for k, (r, size) in enumerate(run_items(_PidValidator(), items(), 2)):
        got.append((r, size))
        if k == 100:
            gc.collect()
            alive_after_100 = sum(ref() is not None for ref in refs[:64])
    assert [r[0] for r, _ in got] == list(range(150))
    assert {size for _, size in got} == {1}
    assert alive_after_100 == 0
