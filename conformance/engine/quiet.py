"""pydicom's value warnings kept off the caller's stderr while the engine validates.

pydicom warns (``UserWarning``, also logged) about values it cannot convert; the engine
reports the same problems as findings, so a library user would see each one twice. The
filter is installed for the duration of the outermost ``validate`` call in the process
and removed afterwards (the caller's own filters and pydicom use are left alone);
``warnings.catch_warnings`` is not used because it restores a saved filter list, which
races between threads and can drop filters another thread added meanwhile.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress

# Warnings attributed to pydicom, or to our modules when pydicom warns with a stack level
# that points at its caller.
_MODULES = r"(pydicom|conformance)(\.|$)"
_LOCK = threading.Lock()
_DEPTH = 0
_FILTER: tuple[object, ...] | None = None


def _mutated() -> None:
    # the per-module "already warned" caches are keyed by a version of the filter list
    bump = getattr(warnings, "_filters_mutated", None)
    if bump is not None:
        bump()


@contextmanager
def pydicom_quiet() -> Iterator[None]:
    """Inside: warnings from pydicom (and from this package) are ignored."""
    global _DEPTH, _FILTER
    with _LOCK:
        if _DEPTH == 0:
            warnings.filterwarnings("ignore", module=_MODULES)
            _FILTER = warnings.filters[0]
        _DEPTH += 1
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH -= 1
            if _DEPTH == 0 and _FILTER is not None:
                # ValueError: the caller reset the filters meanwhile
                with suppress(ValueError):
                    warnings.filters.remove(_FILTER)  # type: ignore[arg-type]
                _FILTER = None
                _mutated()
