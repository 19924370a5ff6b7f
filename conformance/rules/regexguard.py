"""User regexes that cannot hang the engine.

Choice: the standard library ``re`` plus a static guard, not the ``regex`` package's
``timeout=`` (not a dependency of the project). Python's ``re`` cannot be interrupted,
so a pattern is rejected at load time when it can backtrack catastrophically:

- a repeat (``*``, ``+``, ``{n,}``, ``{n,m}`` with m > 1) inside another repeat
  (``(a+)+``, ``(a*b?)*``, ``(\\w+\\s?)*``): exponential;
- a repeated alternation (``(a|ab)*``): exponential when branches overlap, and telling
  that statically is unreliable, so every repeated alternation is refused;
- back-references (``\\1``, ``(?P=name)``): matching them is NP-hard in general;
- more than ``MAX_REPEATS`` unbounded repeats, and two unbounded repeats side by side
  (``.*.*``, ``\\d+\\d*``): polynomial blow-up.

Inputs are capped at ``MAX_INPUT`` characters (longer values are not matched and the
check reports that), so what remains is at worst a low-degree polynomial on a short
string. Patterns are limited to ``MAX_PATTERN`` characters.
"""

from __future__ import annotations

import re
from typing import Any

try:  # Python 3.11+: the parser lives in re._parser
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older layouts
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

MAX_PATTERN = 256
MAX_INPUT = 1024
MAX_REPEATS = 4
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)} - {None}
_BIG = 16  # {n,m} with m above this counts as unbounded


class UnsafePattern(ValueError):
    """The pattern is too long, does not compile, or can backtrack catastrophically."""


def compile_safe(pattern: str) -> re.Pattern[str]:
    """Compile ``pattern`` after the static checks; UnsafePattern with the reason."""
    if len(pattern) > MAX_PATTERN:
        raise UnsafePattern(f"pattern longer than {MAX_PATTERN} characters")
    try:
        tree = _p.parse(pattern)
        compiled = re.compile(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        raise UnsafePattern(f"pattern does not compile: {exc}") from None
    state = {"unbounded": 0}
    _walk(list(tree), inside_repeat=False, state=state)
    if state["unbounded"] > MAX_REPEATS:
        raise UnsafePattern(f"more than {MAX_REPEATS} unbounded repeats")
    return compiled


def _walk(items: list[tuple[Any, Any]], *, inside_repeat: bool, state: dict[str, int]) -> None:
    prev_unbounded = False
    for op, av in items:
        this_unbounded = False
        if op in (_c.GROUPREF, getattr(_c, "GROUPREF_EXISTS", None)):
            raise UnsafePattern("back-references are not allowed")
        if op in _REPEATS:
            lo, hi, body = av
            # a fixed count ({3}) only unrolls; only variable repeats backtrack
            many = (hi == _c.MAXREPEAT or hi > 1) and hi != lo
            if many and inside_repeat:
                raise UnsafePattern("nested quantifiers (a repeat inside a repeat) can "
                                    "backtrack catastrophically")
            unbounded = hi == _c.MAXREPEAT or hi > _BIG
            if unbounded:
                state["unbounded"] += 1
                if prev_unbounded:
                    raise UnsafePattern("two unbounded repeats side by side (like .*.*)")
                this_unbounded = True
            if many and _has_branch(list(body)):
                raise UnsafePattern("a repeated alternation (like (a|ab)*) can backtrack "
                                    "catastrophically")
            _walk(list(body), inside_repeat=inside_repeat or many, state=state)
        elif op == _c.SUBPATTERN:
            _walk(list(av[-1]), inside_repeat=inside_repeat, state=state)
        elif op == _c.BRANCH:
            for branch in av[1]:
                _walk(list(branch), inside_repeat=inside_repeat, state=state)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            _walk(list(av[1]), inside_repeat=inside_repeat, state=state)
        elif op == getattr(_c, "ATOMIC_GROUP", None):
            _walk(list(av), inside_repeat=inside_repeat, state=state)
        prev_unbounded = this_unbounded


def _has_branch(items: list[tuple[Any, Any]]) -> bool:
    for op, av in items:
        if op == _c.BRANCH:
            return True
        if op == _c.SUBPATTERN and _has_branch(list(av[-1])):
            return True
    return False
