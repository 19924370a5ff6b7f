"""Check registry, the engine's plug-in point: checks (``conformance.checks``) register
themselves here; the engine discovers them."""

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
    # Element checks only: the VRs (as pydicom converts the element) the check looks at;
    # None = every element. The traversal skips the call for other VRs.
    vrs: frozenset[str] | None = None


_CHECKS: dict[str, CheckInfo] = {}


def _register(kind: str, codes: tuple[str, ...], reference: str,
              vrs: Iterable[str] | None = None) -> Callable[[Any], Any]:
    def deco(fn: Callable[..., Iterable[Finding]]) -> Callable[..., Iterable[Finding]]:
        name = f"{fn.__module__}.{fn.__qualname__}"
        if not fn.__doc__:
            raise TypeError(f"check {name} needs a docstring citing the standard")
        _CHECKS[name] = CheckInfo(name, kind, codes, fn, reference, fn.__doc__.strip(),
                                  frozenset(vrs) if vrs is not None else None)
        return fn

    return deco


def dataset_check(*codes: str, reference: str = "") -> Callable[[Any], Any]:
    """Register ``fn(ctx) -> Iterable[Finding]``, run once per dataset."""
    return _register("dataset", codes, reference)


def element_check(*codes: str, reference: str = "",
                  vrs: Iterable[str] | None = None) -> Callable[[Any], Any]:
    """Register ``fn(elem, where, ctx) -> Iterable[Finding]``, run for every element.

    ``elem`` is the element as pydicom stored it (``RawDataElement``: tag, VR as in the
    file or None when read implicit VR, length, value bytes ...; or a ``DataElement``
    when already converted or built in memory); ``where`` is its ``ElementPath``, whose
    ``scope`` (``conformance.engine.elements.ReadScope``) gives the enclosing Dataset,
    the VR as pydicom converts it (``scope.vr(elem)``), a converted value on demand
    (``scope.converted(tag)``) and per-dataset facts. ``vrs``: only call for these VRs.
    """
    return _register("element", codes, reference, vrs)


_DISCOVERED = False


def discover() -> dict[str, CheckInfo]:
    """Import every module of ``conformance.checks`` so their checks register.

    The package is walked once per process (every ``Validator`` asks).
    """
    global _DISCOVERED
    if not _DISCOVERED:
        import conformance.checks as pkg

        for mod in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            importlib.import_module(mod.name)
        _DISCOVERED = True
    return dict(_CHECKS)


# Codes the engine emits itself, outside any registered check, and the batch's
# cross-file codes (conformance.batch.consistency); described, like every code, in the
# catalogue (conformance/catalogue/codes.yaml).
ENGINE_CODES: frozenset[str] = frozenset({
    "unreadable", "element-unreadable", "internal-error", "pixel-data-not-read",
    "nesting-too-deep", "rule-not-decided",
    "inconsistent-patient", "inconsistent-study", "inconsistent-series",
    "inconsistent-frame-of-reference", "inconsistent-equipment", "duplicate-sop-instance",
    "duplicate-file"})


def all_codes() -> set[str]:
    """Every stable code: the registered checks' and the engine's own."""
    return {c for info in discover().values() for c in info.codes} | set(ENGINE_CODES)
