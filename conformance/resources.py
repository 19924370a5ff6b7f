"""What this machine lets the process use: CPUs (affinity mask, cgroup CPU quota) and
memory (cgroup limit). Read by ``-j auto`` (``engine.workers``) and by the build's
two-at-a-time reading (``compiler.parallel_read``)."""

from __future__ import annotations

import os

CGROUP_ROOT = "/sys/fs/cgroup"


def usable_cpus(root: str = CGROUP_ROOT) -> int:
    """The CPUs this process may use: its affinity mask, cut to the container's CPU
    quota (cgroup v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``), at least 1."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    quota = cgroup_cpu_quota(root)
    if quota is not None:
        cpus = min(cpus, max(1, int(quota)))
    return max(1, cpus)


def cgroup_cpu_quota(root: str = CGROUP_ROOT) -> float | None:
    """CPUs' worth of time the cgroup of this process may use per period; None when
    unlimited or not known (not Linux, no cgroup file system)."""
    text = _cgroup_text(root, "cpu.max")  # v2: "QUOTA PERIOD" or "max PERIOD"
    if text is None:
        quota, period = (_cgroup_text(root, "cpu/cpu.cfs_quota_us"),
                         _cgroup_text(root, "cpu/cpu.cfs_period_us"))
        text = f"{quota} {period}" if quota is not None and period is not None else None
    if text is None:
        return None
    quota, _, period = text.partition(" ")
    try:
        q, per = int(quota), int(period)
    except ValueError:
        return None  # "max": no limit
    return q / per if q > 0 and per > 0 else None  # v1 writes "no limit" as -1


def cgroup_memory_limit(root: str = CGROUP_ROOT) -> int | None:
    """Bytes the cgroup of this process may use (v2 ``memory.max``, v1
    ``memory.limit_in_bytes``); None when unlimited or not known."""
    text = _cgroup_text(root, "memory.max")
    if text is None:
        text = _cgroup_text(root, "memory/memory.limit_in_bytes")
    try:
        limit = int(text) if text is not None else 0
    except ValueError:
        return None  # "max"
    # v1 writes "no limit" as a page-rounded 2**63 - 1
    return limit if 0 < limit < 1 << 60 else None


def _cgroup_text(root: str, name: str) -> str | None:
    """The content of ``name`` in this process's own cgroup folder (v2, from
    ``/proc/self/cgroup``), else in ``root``; None when neither has it."""
    folders = []
    try:
        with open("/proc/self/cgroup") as f:
            folders = [os.path.join(root, line[3:].strip().lstrip("/"))
                       for line in f if line.startswith("0::")]
    except OSError:
        pass
    for folder in [*folders, root]:
        try:
            with open(os.path.join(folder, name)) as f:
                return f.read().strip()
        except (OSError, ValueError):
            continue
    return None
