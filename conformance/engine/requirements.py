"""The compiled requirements of an IOD, made once per (standard, IOD) by
``conformance.engine.iod_compiler`` and cached; the trees (``requirement_types``) are
immutable, so threads share them."""

from __future__ import annotations

import threading
from typing import Any

from conformance.engine.iod_compiler import IodCompiler, SharedWork
from conformance.engine.requirement_types import IodReq

_CACHE: dict[tuple[int, str], tuple[Any, IodReq]] = {}
_SHARED: dict[int, tuple[Any, SharedWork]] = {}
_LOCK = threading.Lock()


def requirements_for(std: Any, iod_id: str) -> IodReq:
    """The compiled requirements of ``iod_id`` (compiled once per standard, then shared)."""
    key = (id(std), iod_id)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is std:
        return hit[1]
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] is std:
            return hit[1]
        shared = _SHARED.get(id(std))
        if shared is None or shared[0] is not std:
            shared = _SHARED[id(std)] = (std, SharedWork())
        compiled = IodCompiler(std, iod_id, shared[1]).compile()
        # Holding ``std`` keeps id(std) from being reused by another object.
        _CACHE[key] = (std, compiled)
        return compiled
