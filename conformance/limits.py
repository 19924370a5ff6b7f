"""Resource limits that keep hostile input from winning (README "Robustness").

Every limit is a field of :class:`Limits`; ``Validator(limits=Limits(...))`` or
``conformance validate --limit NAME=VALUE`` changes it. Input beyond a limit becomes a
finding or an ``unreadable`` report with the reason, never a hang, a crash or unbounded
memory.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields

from conformance.errors import UsageError


@dataclass(frozen=True, slots=True)
class Limits:
    """The engine's resource limits (all positive)."""

    #: Sequence nesting checked; items below are reported once (``nesting-too-deep``).
    max_depth: int = 64
    #: A Deflated data set may inflate to this many times the file's size ...
    inflate_ratio: int = 32
    #: ... but always at least to this many bytes.
    inflate_min_bytes: int = 64 << 20
    #: Findings of one code on one element; the rest are counted in the last one.
    findings_per_element: int = 10
    #: Findings of one code in one data set; the rest are counted in the last one.
    findings_per_code: int = 1000
    #: Seconds one rule regex may run on one value (only where RE2 cannot match it).
    regex_seconds: float = 0.5

    def inflate_cap(self, size: int) -> int:
        """Most bytes a Deflated data set of ``size`` compressed bytes may inflate to."""
        return max(self.inflate_min_bytes, self.inflate_ratio * size)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def with_text(self, assignments: list[str]) -> Limits:
        """A copy with ``NAME=VALUE`` assignments applied (UsageError when invalid)."""
        changes: dict[str, int | float] = {}
        types = {f.name: f.type for f in fields(self)}
        for text in assignments:
            name, sep, value = text.partition("=")
            name = name.strip().replace("-", "_")
            if not sep or name not in types:
                raise UsageError(f"--limit {text!r}: expected NAME=VALUE with NAME one of "
                                 f"{', '.join(self.names())}")
            try:
                number: int | float = (float(value) if types[name] in (float, "float")
                                       else int(value))
            except ValueError:
                raise UsageError(f"--limit {text!r}: {value!r} is not a number") from None
            if not number > 0:
                raise UsageError(f"--limit {text!r}: must be positive")
            changes[name] = number
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


DEFAULT_LIMITS = Limits()
