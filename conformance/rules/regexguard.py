"""User regexes that cannot hang the engine.

Matching runs on RE2 (``google-re2``, a dependency): linear time in the value, whatever
the pattern. A pattern RE2 does not support (look-arounds, possessive repeats) and an
installation without RE2 use Python's ``re`` under a real time bound
(``Limits.regex_seconds``, default 0.5 s per value): the main thread is interrupted by
a timer signal (``re`` checks signals while it backtracks); other threads match in a
helper process that is killed when the time is up. A value whose match ran out of time
is reported as not decided, never as a pass.

A static guard still refuses, at load time, what can only be a mistake or an attack:

- a repeat (``*``, ``+``, ``{n,}``, ``{n,m}`` with m > 1) inside another repeat
  (``(a+)+``, ``(a*b?)*``, ``(\\w+\\s?)*``): exponential;
- a repeated alternation (``(a|ab)*``): exponential when branches overlap, and telling
  that statically is unreliable, so every repeated alternation is refused;
- back-references (``\\1``, ``(?P=name)``): matching them is NP-hard in general;
- more than ``MAX_REPEATS`` unbounded repeats, and two unbounded repeats side by side
  (``.*.*``, ``\\d+\\d*``): polynomial blow-up.

The guard cannot see every slow pattern (``(?:x|a{0,16}a{0,16}...c)``, ``.*a.*a.*a.*c``):
the engine and the time bound are what make matching safe. Inputs are capped at
``MAX_INPUT`` characters (longer values are not matched and the check reports that);
patterns at ``MAX_PATTERN`` characters.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import lru_cache
from typing import Any

from conformance.limits import DEFAULT_LIMITS

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


class RegexTimeout(Exception):
    """A match ran longer than the time bound (only without RE2)."""


class SafePattern:
    """A checked pattern: ``fullmatch`` on RE2, else on ``re`` under the time bound."""

    __slots__ = ("pattern", "_re", "_re2")

    def __init__(self, pattern: str, compiled: re.Pattern[str], linear: Any | None) -> None:
        self.pattern = pattern
        self._re = compiled
        self._re2 = linear

    @property
    def engine(self) -> str:
        return "re2" if self._re2 is not None else "re"

    def fullmatch(self, text: str) -> bool:
        """Whether ``text`` matches as a whole; RegexTimeout when the bound passed."""
        if self._re2 is not None:
            return self._re2.fullmatch(text) is not None
        return _bounded_fullmatch(self._re, text, time_limit())


_SECONDS = [DEFAULT_LIMITS.regex_seconds]


def set_time_limit(seconds: float) -> None:
    """The bound on one ``re`` match (process-wide; the CLI's ``--limit regex_seconds``)."""
    _SECONDS[0] = seconds


def time_limit() -> float:
    return _SECONDS[0]


def compile_safe(pattern: str) -> SafePattern:
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
    return SafePattern(pattern, compiled, _re2_compile(pattern))


@lru_cache(maxsize=1)
def _re2_module() -> Any | None:
    try:
        import re2
    except ImportError:
        return None
    return re2


def _re2_compile(pattern: str) -> Any | None:
    """The RE2 form of ``pattern``, or None (RE2 missing, or a feature RE2 lacks)."""
    re2 = _re2_module()
    if re2 is None:
        return None
    options = re2.Options()
    options.log_errors = False  # RE2 logs every pattern it refuses to stderr
    try:
        return re2.compile(pattern, options)
    except Exception:  # noqa: BLE001 - re2.error and friends: match with re instead
        return None


class _Alarm(BaseException):
    """Raised in the main thread by the timer signal (BaseException: no ``except
    Exception`` in between swallows it)."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise _Alarm()


def _bounded_fullmatch(compiled: re.Pattern[str], text: str, seconds: float) -> bool:
    if threading.current_thread() is threading.main_thread():
        return _alarm_fullmatch(compiled, text, seconds)
    return _helper_fullmatch(compiled.pattern, compiled.flags, text, seconds)


def _alarm_fullmatch(compiled: re.Pattern[str], text: str, seconds: float) -> bool:
    """Match in this (main) thread; a timer signal interrupts the backtracking. A timer
    that was already set (a caller's own bound) is put back with the time it had left."""
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    outer, interval = signal.getitimer(signal.ITIMER_REAL)
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, min(seconds, outer) if outer else seconds)
    try:
        return compiled.fullmatch(text) is not None
    except _Alarm:
        raise RegexTimeout(f"regex ran longer than {seconds} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            left = outer - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), interval)


_HELPER: list[ProcessPoolExecutor] = []
_HELPER_LOCK = threading.Lock()


def _helper_match(pattern: str, flags: int, text: str) -> bool:
    return re.compile(pattern, flags).fullmatch(text) is not None


def _helper_fullmatch(pattern: str, flags: int, text: str, seconds: float) -> bool:
    """Match in a helper process (threads cannot be interrupted); a helper that runs
    out of time is killed and replaced."""
    with _HELPER_LOCK:
        if not _HELPER:
            _HELPER.append(ProcessPoolExecutor(max_workers=1))
        helper = _HELPER[0]
    future = helper.submit(_helper_match, pattern, flags, text)
    try:
        return future.result(timeout=seconds)
    except FutureTimeout:
        with _HELPER_LOCK:
            if _HELPER and _HELPER[0] is helper:
                _HELPER.clear()
        for proc in list(getattr(helper, "_processes", {}).values()):
            proc.kill()
        helper.shutdown(wait=False, cancel_futures=True)
        raise RegexTimeout(f"regex ran longer than {seconds} s") from None


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
