"""Rule packs (Python objects) that misbehave on Dask workers, for the fault tests.

They live in an importable module so worker processes can unpickle them; equal packs
hash equal, so a worker builds one Validator per pack, not one per task.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any


def _on_a_worker() -> bool:
    try:
        from distributed import get_worker

        get_worker()
    except (ImportError, ValueError):
        return False
    return True


class _Pack:
    disabled_codes: dict[str, str] = {}

    def __init__(self, arg: Any) -> None:
        self.arg = arg

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.arg == self.arg  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.arg))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.arg!r})"

    @property
    def fingerprint(self) -> str:  # what incremental runs compare (findings: none)
        return repr(self)


class SlowPack(_Pack):
    """Sleeps ``arg`` seconds per dataset; finds nothing."""

    def evaluate(self, ctx: Any) -> Iterator[Any]:
        time.sleep(self.arg)
        return iter(())


class KillerPack(_Pack):
    """Ends the worker process (as the kernel's OOM killer would) on a file whose name
    ends with ``arg``; finds nothing otherwise. Outside a Dask worker it does nothing."""

    def evaluate(self, ctx: Any) -> Iterator[Any]:
        if str(ctx.path or "").endswith(self.arg) and _on_a_worker():
            os._exit(137)
        return iter(())
