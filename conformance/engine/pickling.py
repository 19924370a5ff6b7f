"""Frozen dataclasses pickled as their constructor's arguments.

The ``__setstate__`` that ``dataclass(frozen=True, slots=True)`` adds looks the fields
up again for every object (about 14 us each): the findings and digests that ``-j``
workers send back cost the parent 0.13 s per 700 files to unpickle and the workers
0.12 s to pickle. As ``(class, field values)`` they cost a third of that.
"""

from __future__ import annotations

import dataclasses
from operator import attrgetter
from typing import Any, TypeVar

T = TypeVar("T")

_GETTERS: dict[type, Any] = {}


def _getter(cls: type) -> Any:
    fields = dataclasses.fields(cls)
    if any(not f.init or f.kw_only for f in fields):
        raise TypeError(f"{cls.__qualname__}: a field outside __init__ or keyword-only "
                        "cannot be pickled as a positional argument")
    names = [f.name for f in fields]
    get = attrgetter(*names) if len(names) > 1 else (lambda obj: (getattr(obj, names[0]),))
    _GETTERS[cls] = get
    return get


def _reduce(self: Any) -> tuple[Any, ...]:
    cls = type(self)  # a subclass: its own fields, in its constructor's order
    get = _GETTERS.get(cls) or _getter(cls)
    return (cls, get(self))


def pickled_as_arguments(cls: type[T]) -> type[T]:
    """Class decorator, above ``@dataclass``: pickle (and copy) instances as
    ``cls(*field values)``."""
    _getter(cls)  # refused now, not at the first pickle
    cls.__reduce__ = _reduce  # type: ignore[assignment,method-assign]
    return cls
