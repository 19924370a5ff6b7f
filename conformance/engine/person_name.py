"""The form a person's name typed as "Given Family" should have (PS3.5 6.2.1): the
``pn-separator`` check suggests it, and masking hides it as it hides the name."""

from __future__ import annotations

import re

_WORDS = re.compile(r"[^\s,]+")


def suggestion(group: str) -> str | None:
    """``'Smith^John'`` for ``'John Smith'`` or ``'Smith, John'``; None if one word."""
    if "," in group:
        family, _, given = group.partition(",")
        words = [w for w in (family.strip(), " ".join(given.split())) if w]
        return "^".join(words) if len(words) == 2 else None
    words = _WORDS.findall(group)
    if len(words) < 2:
        return None
    return f"{words[-1]}^{' '.join(words[:-1])}"
