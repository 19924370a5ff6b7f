"""The garbage collector paused for the length of one validation.

A multi-frame dataset makes tens of thousands of small objects (items, elements, paths),
none of them cyclic garbage; the collector's generation-2 passes over them took 21-32%
of a validation. It is paused while any validation runs (a count, so overlapping
validations in threads do not re-enable it early) and restored afterwards, also when the
validation raises. Left off by the caller, it stays off.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_active = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the collector inside the block; restore its state when the last block ends."""
    global _active, _was_enabled
    with _lock:
        if _active == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _was_enabled:
                gc.enable()
