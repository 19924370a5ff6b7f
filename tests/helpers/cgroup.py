"""A stand-in cgroup file system for the CPU and memory limit tests."""

from __future__ import annotations

from pathlib import Path


def cgroup_folder(root: Path, files: dict[str, str]) -> str:
    """A stand-in cgroup file system holding ``files``."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text + "\n")
    return str(root)
