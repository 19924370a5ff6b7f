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
    ``scope`` (``conformance.engine.values.ItemScope``) gives the enclosing Dataset,
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


# Codes the engine emits itself, outside any registered check: (meaning, citation).
ENGINE_CODES: dict[str, tuple[str, str]] = {
    "unreadable": ("The input is not a readable DICOM file (PS3.10 Section 7).",
                   "PS3.10 7.1"),
    "element-unreadable": ("An element's value could not be decoded for its VR "
                           "(PS3.5 Section 6.2); its value checks were skipped.", "PS3.5 6.2"),
    "nesting-too-deep": ("Sequences are nested deeper than the engine's max_depth limit "
                         "(README Robustness); the items below it were not checked.", ""),
    "rule-not-decided": ("A custom rule could not be decided on this input: its regex "
                         "ran past the time bound (Limits.regex_seconds; only without "
                         "RE2). The input was not fully checked.", ""),
    "internal-error": ("A check failed to run on this input; the input was not fully "
                       "checked.", ""),
    "pixel-data-not-read": ("A dataset given without its Pixel Data (read with "
                            "stop_before_pixels): pixel checks were skipped and requirements "
                            "were checked as if the Pixel Data were present (info).",
                            "PS3.3 C.7.6.3"),
    # Cross-file consistency (conformance.batch.consistency): a batch's files compared.
    "inconsistent-patient": ("Patient IE attributes differ between instances of one study, "
                             "e.g. two Patient IDs under one Study Instance UID (error).",
                             "PS3.3 A.1.2.1"),
    "inconsistent-study": ("Study IE attributes differ between instances with one Study "
                           "Instance UID (error).", "PS3.3 A.1.2.2"),
    "inconsistent-series": ("Series IE attributes, Modality included, differ between "
                            "instances with one Series Instance UID (error).", "PS3.3 A.1.2.3"),
    "inconsistent-frame-of-reference": ("Frame of Reference IE attributes differ between "
                                        "instances with one Frame of Reference UID (error).",
                                        "PS3.3 A.1.2.5"),
    "inconsistent-equipment": ("Equipment IE attributes differ between instances of one "
                               "series (warning).", "PS3.3 A.1.2.4"),
    "duplicate-sop-instance": ("One SOP Instance UID is used by files with different content "
                               "or in two series (error).", "PS3.3 C.12.1.1.1"),
    "duplicate-file": ("Identical copies of one SOP Instance in the batch (warning).",
                       "PS3.3 C.12.1.1.1"),
}


def all_codes() -> set[str]:
    """Every stable code: the registered checks' and the engine's own."""
    return {c for info in discover().values() for c in info.codes} | set(ENGINE_CODES)
