"""What the machine lets the process use: CPUs (affinity, cgroup quota) and memory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from conformance import resources
from tests.helpers.cgroup import cgroup_folder


@pytest.mark.parametrize(("files", "quota"), [
    ({"cpu.max": "150000 100000"}, 1.5),                # v2: one and a half CPUs
    ({"cpu.max": "max 100000"}, None),                  # v2: no limit
    ({"cpu/cpu.cfs_quota_us": "400000", "cpu/cpu.cfs_period_us": "100000"}, 4.0),  # v1
    ({"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"}, None),     # v1
    ({"cpu.max": "garbage"}, None),
    ({}, None),                                          # no cgroup file system
])
def test_cgroup_cpu_quota(tmp_path: Path, files: dict[str, str], quota: float | None
                          ) -> None:
    assert resources.cgroup_cpu_quota(cgroup_folder(tmp_path, files)) == quota


def test_usable_cpus_keeps_to_the_quota(monkeypatch: Any) -> None:
    monkeypatch.setattr(resources, "cgroup_cpu_quota", lambda root: 1.5)
    assert resources.usable_cpus() == 1  # a partial CPU is not a worker's worth
    monkeypatch.setattr(resources, "cgroup_cpu_quota", lambda root: 0.2)
    assert resources.usable_cpus() == 1
    monkeypatch.setattr(resources, "cgroup_cpu_quota", lambda root: None)
    assert resources.usable_cpus() == len(os.sched_getaffinity(0))


@pytest.mark.parametrize(("files", "limit"), [
    ({"memory.max": "1073741824"}, 1 << 30),            # v2: 1 GiB
    ({"memory.max": "max"}, None),
    ({"memory/memory.limit_in_bytes": "536870912"}, 1 << 29),              # v1
    ({"memory/memory.limit_in_bytes": "9223372036854771712"}, None),       # v1: none
    ({}, None),
])
def test_cgroup_memory_limit(tmp_path: Path, files: dict[str, str], limit: int | None
                             ) -> None:
    assert resources.cgroup_memory_limit(cgroup_folder(tmp_path, files)) == limit
