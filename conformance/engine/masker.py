"""Identifying values replaced with their masks in finding messages (``privacy.masked``
collects the values and makes the masks): each value where it stands as a whole token,
or quoted when short, in its own and in its ``repr`` form."""

from __future__ import annotations

import re

_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_QUOTES = frozenset("'\"")
# A repr escape just before a value: in '\t1.2.3' (a tab, then a UID, quoted as Python
# shows it) the value starts after the "t", a letter that ends no word of the message.
_ESCAPES = (r"\\[tnr]", r"\\x[0-9a-f]{2}", r"\\u[0-9a-f]{4}", r"\\U[0-9a-f]{8}")
_ESCAPE_BEFORE = re.compile("(?:" + "|".join(_ESCAPES) + r")\Z")


class Masker:
    """Replaces a dataset's identifying values in messages with their masks.

    Values of three characters or more are replaced wherever they stand as a whole token
    (not inside a longer word or number); shorter ones (``M``, ``42``) only where quoted,
    so unrelated words are left alone. The ``repr`` form of each value is masked too.
    Where occurrences overlap, the leftmost wins, then the longest value (as one regular
    expression alternating the values, longest first, would match); empty values are
    never masked.
    """

    def __init__(self, values: dict[str, str]) -> None:
        forms: dict[str, str] = {}
        for text, m in values.items():
            if not text:
                continue
            forms.setdefault(text, m)
            r = repr(text)[1:-1]
            forms.setdefault(r, m)
        self._masks = forms
        # str.find per value, not one compiled alternation: compiling it took 0.5 ms, paid
        # again by every file with other values (every file of a real batch). A message
        # where the values occur far more often than they stand alone ("AAAA..." against
        # "AAA", "AAAA", ...) goes to the alternation instead, which rules those out in C.
        self._forms = sorted(forms, key=len, reverse=True)
        self._re: re.Pattern[str] | None = None

    def __bool__(self) -> bool:
        return bool(self._forms)

    def __call__(self, message: str) -> str:
        spans = self._spans(message)
        if spans is None:
            return self._alternation().sub(lambda m: self._masks[m.group(0)], message)
        if not spans:
            return message
        out: list[str] = []
        pos = 0
        for start, text in spans:
            out += (message[pos:start], self._masks[text])
            pos = start + len(text)
        out.append(message[pos:])
        return "".join(out)

    def _spans(self, message: str) -> list[tuple[int, str]] | None:
        """(start, value) of each replaced occurrence, left to right, not overlapping;
        None when the values occur too often in ``message`` to be looked at one by one."""
        found: list[tuple[int, int, str]] = []  # (start, rank: longer first, value)
        budget = _OCCURRENCES + len(message) // 16
        for rank, text in enumerate(self._forms):
            at = message.find(text)
            while at >= 0:
                budget -= 1
                if budget < 0:
                    return None
                if _stands_alone(message, at, at + len(text), len(text) >= 3):
                    found.append((at, rank, text))
                at = message.find(text, at + 1)
        if len(found) > 1:
            found.sort()
        spans, end = [], 0
        for start, _rank, text in found:
            if start >= end:
                spans.append((start, text))
                end = start + len(text)
        return spans

    def _alternation(self) -> re.Pattern[str]:
        """The values as one expression, longest first (what ``_spans`` finds)."""
        if self._re is None:
            parts = []
            for text in self._forms:
                e = re.escape(text)
                if len(text) >= 3:
                    # A whole token: not inside a longer word, number or dotted UID.
                    parts.append(rf"{_TOKEN_START}{e}(?![A-Za-z0-9]|\.[A-Za-z0-9])")
                else:
                    parts.append(rf"(?<=['\"]){e}(?=['\"])")
            self._re = re.compile("|".join(parts))
        return self._re


# Where a whole-token value may start: after no letter, digit or dotted number, or right
# after a repr escape (``_stands_alone``).
_TOKEN_START = ("(?:(?<![A-Za-z0-9])(?<![A-Za-z0-9]\\.)|"
                + "|".join(f"(?<={e})" for e in _ESCAPES) + ")")


# Occurrences of the values looked at one by one in a message (and one more per 16 of its
# characters) before the compiled alternation takes over: an ordinary message holds a few.
_OCCURRENCES = 64


def _stands_alone(message: str, start: int, end: int, token: bool) -> bool:
    """Whether ``message[start:end]`` is a whole token (``token``) or quoted."""
    before, after = message[start - 1:start], message[end:end + 1]
    if not token:
        return before in _QUOTES and after in _QUOTES
    if after in _WORD or before in _WORD and not _ESCAPE_BEFORE.search(
            message, max(0, start - 10), start):
        return False
    # a dotted UID or number goes on past a dot: "1.2" is not masked inside "1.2.3"
    if before == "." and message[start - 2:start - 1] in _WORD:
        return False
    return not (after == "." and message[end + 1:end + 2] in _WORD)
