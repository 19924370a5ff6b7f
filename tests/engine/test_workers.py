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
    def __init__(self, n: int) -> None:
        self.n = n


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
