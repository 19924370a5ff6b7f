"""Check registry: checks register themselves here; the engine discovers them."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.engine.finding import Finding


@dataclass(frozen=True)
class CheckInfo:
    """A registered check: the function, its stable codes and what it cites."""

    name: str
    kind: str  # "dataset" or "element"
    codes: tuple[str, ...]
    fn: Callable[..., Iterable[Finding]]
    reference: str = ""
    doc: str = field(default="", compare=False)


_CHECKS: dict[str, CheckInfo] = {}


def _register(kind: str, codes: tuple[str, ...], reference: str) -> Callable[[Any], Any]:
    def deco(fn: Callable[..., Iterable[Finding]]) -> Callable[..., Iterable[Finding]]:
        name = f"{fn.__module__}.{fn.__qualname__}"
        if not fn.__doc__:
            raise TypeError(f"check {name} needs a docstring citing the standard")
        _CHECKS[name] = CheckInfo(name, kind, codes, fn, reference, fn.__doc__.strip())
        return fn

    return deco


def dataset_check(*codes: str, reference: str = "") -> Callable[[Any], Any]:
    """Register ``fn(ctx) -> Iterable[Finding]``, run once per dataset."""
    return _register("dataset", codes, reference)


def element_check(*codes: str, reference: str = "") -> Callable[[Any], Any]:
    """Register ``fn(elem, where, ctx) -> Iterable[Finding]``, run for every element."""
    return _register("element", codes, reference)


def discover() -> dict[str, CheckInfo]:
    """Import every module of ``conformance.checks`` so their checks register."""
    import conformance.checks as pkg

    for mod in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        importlib.import_module(mod.name)
    return dict(_CHECKS)


def all_codes() -> set[str]:
    return {c for info in discover().values() for c in info.codes}
