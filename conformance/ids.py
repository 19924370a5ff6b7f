"""Stable ids for IODs, modules and macros: slugs of their names."""

from __future__ import annotations

import re

_SUFFIXES = (" IOD Modules", " Module Attributes", " Macro Attributes", " Attributes",
             " Module", " Macro", " IOD")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def strip_caption(caption: str) -> str:
    """``"CT Image IOD Modules"`` -> ``"CT Image"``.

    Only one suffix goes: ``"Request Attributes Macro Attributes"`` keeps ``Request Attributes``.
    """
    name = " ".join(caption.split())
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)].rstrip()
    return name


def slug(name: str) -> str:
    """``"CT Image"`` -> ``"ct-image"``."""
    return _NON_ALNUM.sub("-", name.lower()).strip("-")
