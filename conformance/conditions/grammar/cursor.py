"""A cursor over the tokens of one clause body, shared by the clause-body parsers."""

from __future__ import annotations

from typing import Any

from conformance.conditions.grammar.tokens import Fail, Tok, flatten
from conformance.conditions.names import NameIndex


class Cursor:
    """Position in one clause body and the state the grammar areas share."""

    def __init__(self, toks: list[Tok], names: NameIndex, kind: str) -> None:
        self.t = toks
        self.i = 0
        self.names = names
        self.kind = kind
        self.subject: list[dict[str, Any]] | None = None   # for "... and has a value"
        self.via: tuple[dict[str, Any], str, str | None] | None = None
        self._needs_present = False

    # token helpers
    def peek(self, k: int = 0) -> Tok | None:
        j = self.i + k
        return self.t[j] if j < len(self.t) else None

    def low(self, k: int = 0) -> str:
        t = self.peek(k)
        return t.low if t is not None and t.kind in ("word", "punct", "num") else ""

    def accept(self, *words: str) -> bool:
        for k, w in enumerate(words):
            if self.low(k) != w:
                return False
        self.i += len(words)
        return True

    def accept_unless(self, following: tuple[str, ...], *words: str) -> bool:
        """Accept ``words`` unless the token after them is one of ``following``."""
        if self.low(len(words)) in following:
            return False
        return self.accept(*words)

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            raise Fail(" ".join(words))

    def at_end(self) -> bool:
        return self.i >= len(self.t)

    def text(self, a: int, b: int) -> str:
        return " ".join(x.text for t in self.t[a:b] for x in flatten(t))
