"""Clauses of a condition sentence: ``Required if``, ``May be present otherwise``,
``Shall not be present if`` ... and the token spans between them."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.conditions.grammar.tokens import Tok


@dataclass(slots=True)
class Clause:
    role: str        # required, required_iff, may_if, forbidden_if, otherwise_may,
    #                  otherwise_not, mutex, at_least_one, required_for
    body: list[Tok]


_STARTERS: list[tuple[tuple[str, ...], str]] = [
    (("it", "shall", "not", "be", "present", "otherwise"), "otherwise_not"),
    (("shall", "not", "be", "present", "otherwise"), "otherwise_not"),
    (("otherwise", "shall", "not", "be", "present"), "otherwise_not"),
    (("otherwise", "it", "shall", "not", "be", "present"), "otherwise_not"),
    (("otherwise", "not", "used"), "otherwise_not"),
    (("not", "used", "otherwise"), "otherwise_not"),
    (("shall", "not", "be", "present", "if"), "forbidden_if"),
    (("shall", "not", "be", "present", "when"), "forbidden_if"),
    (("shall", "not", "be", "present", ",", "if"), "forbidden_if"),
    (("this", "attribute", "shall", "not", "be", "present", "if"), "forbidden_if"),
    # "May not be used as a Shared Functional Group": a placement rule, not a condition
    (("may", "not", "be", "used"), "ignore"),
    (("may", "also", "be", "present", "otherwise"), "otherwise_may"),
    (("may", "be", "present", "otherwise"), "otherwise_may"),
    (("otherwise", ",", "may", "be", "present"), "may_if?"),
    (("otherwise", "may", "be", "present"), "may_if?"),
    (("may", "also", "be", "present", "if"), "may_if"),
    (("may", "also", "be", "present", "when"), "may_if"),
    (("may", "be", "present", "if"), "may_if"),
    (("may", "be", "present", ",", "if"), "may_if"),
    (("may", "be", "present", "when"), "may_if"),
    (("may", "be", "present", "only", "if"), "may_if"),
    (("may", "also", "be", "present", "for"), "may_if"),
    (("may", "be", "present", "for"), "may_if"),
    # "Include Table C.18.1-1 ... if and only if Value Type (0040,A040) is NUM." (PS3.3
    # Table C.17-5): the include row's condition; "only if" makes it not allowed otherwise
    (("if", "and", "only", "if"), "required_iff"),
    (("required", "if", "and", "only", "if"), "required_iff"),
    (("shall", "be", "present", "if", "and", "only", "if"), "required_iff"),
    (("required", "only", "if"), "required"),
    (("required", ",", "if"), "required"),
    (("required", "if"), "required"),
    (("required", "when"), "required"),
    (("required", "for"), "required_for"),
    (("required", "as"), "required"),        # "Required as described in Section ..."
    (("required", "to"), "required"),        # "Required to specify ..."
    (("shall", "be", "present", "only", "if"), "required"),
    (("shall", "be", "present", "if"), "required"),
    (("shall", "be", "present", "when"), "required"),
    (("shall", "be", "present", "for"), "required_for"),
    (("mutually", "exclusive", "with"), "mutex"),
    (("either", "one", "or", "both", "of"), "at_least_one"),
    (("required",), "required"),       # "Required Pixel Data (7FE0,0010) is present."
]
_STARTERS.sort(key=lambda s: -len(s[0]))
_BOUNDARY = frozenset({".", ";", ",", ":"})


def _starter_at(toks: list[Tok], i: int) -> tuple[int, str] | None:
    for words, role in _STARTERS:
        if i + len(words) > len(toks):
            continue
        if all(toks[i + k].low == w and toks[i + k].kind in ("word", "punct")
               for k, w in enumerate(words)):
            if words == ("required",) and (i + 1 >= len(toks) or toks[i + 1].kind != "ref"):
                continue
            return len(words), role
    return None


def split_clauses(toks: list[Tok]) -> tuple[list[Clause], list[list[Tok]]]:
    """Split into requirement clauses; also return the spans that are no clause."""
    clauses: list[Clause] = []
    stray: list[list[Tok]] = []
    cur: Clause | None = None
    buf: list[Tok] = []
    i = 0
    while i < len(toks):
        at_boundary = i == 0 or toks[i - 1].text in _BOUNDARY or (
            toks[i].text in ("May", "Shall", "Otherwise", "It") and toks[i - 1].kind != "ref")
        st = _starter_at(toks, i) if at_boundary else None
        if st is not None:
            length, role = st
            if cur is not None:
                cur.body = buf
                clauses.append(cur)
            elif buf and any(t.kind != "punct" for t in buf):
                stray.append(buf)
            if role in ("may_if?", "otherwise_may"):
                j = i + length
                if j < len(toks) and toks[j].text == ",":
                    j += 1
                if j < len(toks) and toks[j].low == "only":
                    j += 1
                if j < len(toks) and toks[j].low in ("if", "when", "for"):
                    role = "may_if"
                    length = j + 1 - i
                else:
                    role = "otherwise_may"
            cur = Clause(role, [])
            buf = []
            i += length
            continue
        buf.append(toks[i])
        i += 1
    if cur is not None:
        cur.body = buf
        clauses.append(cur)
    elif buf and any(t.kind != "punct" for t in buf):
        stray.append(buf)
    return clauses, stray
