"""Parse PS3.3 condition sentences ("Required if ...") into condition expressions.

Hand-written: a regex tokenizer, a pass that turns attribute names (with or without a
tag) and module / macro names into single tokens, a clause splitter (``Required if``,
``May be present otherwise``, ``Shall not be present if`` ...) and a recursive-descent
parser of each clause body where ``and`` binds tighter than ``or``.

A part of a sentence the grammar does not cover becomes an ``unknown`` leaf holding
its text, so nothing is guessed; a sentence with no requirement clause at all gives
``expr: None`` and an ``error``.

Result of :func:`parse_condition`::

    {"expr": Expr | None, "otherwise": "may" | "not_allowed" | None, "error": str | None,
     "may_if": Expr | None,        # "May be present if X": allowed (not required) when X
     "forbidden_if": Expr | None}  # "Shall not be present if X": not allowed when X

Consequence when the condition is false (``otherwise``):

- ``may`` when the text says so ("May be present otherwise", "may be present otherwise",
  "Otherwise may be present");
- ``not_allowed`` when it says "(It) shall not be present otherwise" / "Otherwise not
  used" or "(Required) if and only if X" (an include row of PS3.3 Table C.17-5), and by
  default: PS3.5 7.4.4 / 7.4.5 "When the specified conditions are not met,
  Type 1C [2C] Data Elements shall not be included in the Data Set unless it is specified
  that they may be present otherwise", and PS3.3 A.1.3 for module usage C: "If the
  specified conditions are not met, this Module shall not be supported; that is, no
  information defined in that Module shall be sent". The same default is used for
  functional-group macro usage C.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from conformance.conditions import expr as E
from conformance.conditions import hand_rules
from conformance.conditions.names import NameIndex, norm

KINDS = ("module_usage", "fg_macro_usage", "attribute_1C", "attribute_2C", "attribute_3")

_TOKEN = re.compile(r"""
 (?P<code>\(\s*[^(),"]{1,40}?\s*,\s*[^(),"]{1,40}?\s*,\s*"[^"]*"\s*\))
|(?P<tag>\(\s*[0-9A-Fa-fxX]{4}\s*[,.]\s*[0-9A-Fa-fxX]{4}\s*\)
        |(?<![\w.,(])[0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\))
|(?P<quoted>"[^"]*")
|(?P<uid>\d+(?:\.\d+){2,})
|(?P<num>\d+(?:\.\d+)?(?![\w]))
|(?P<word>[A-Za-z0-9][A-Za-z0-9_'/+\-]*)
|(?P<punct>[,;:.()=<>])
""", re.X)
_HEX = re.compile(r"([0-9A-Fa-fxX]{4})\s*[,.]\s*([0-9A-Fa-fxX]{4})")

# Single English words that are also attribute names; as bare words (no tag) they name
# the thing, not the attribute ("the referenced Item", "Time").
_GENERIC = frozenset({"Item", "Reference", "UID", "Time", "Date", "DateTime", "Location",
                      "Contrast", "Plane", "Planes", "Exposure", "Overlays", "Grid",
                      "Sensitivity", "Illumination", "Signature", "Mass", "Status",
                      "Value", "Frame", "Image", "Images", "Sequence", "Module", "Macro"})
_NAME_JOINERS = frozenset({"of", "in", "for", "to", "per", "on", "with", "at", "-", "/"})
_NOT_NAME = frozenset({"Required", "If", "When", "The", "May", "Shall", "Otherwise", "It",
                       "Either", "Neither", "Both", "And", "Or", "Only"})
# never taken as the first words of a typo'd name before a tag
_NO_ABSORB = frozenset({"Value", "Values", "Tag", "Attributes", "Items"})
_SCHEMES = frozenset({"DCM", "SCT", "SRT", "LN", "UCUM", "FMA", "NCIt", "RADLEX", "99SDM",
                      "UMLS", "MSH", "HL7", "SNM3", "ACR", "NEU", "UBERON", "I10", "I9C"})
_PRIVATE_TAG = re.compile(r"(?:value )?is (?:the data element tag of )?a private "
                          r"(?:attribute|data element)(?: tag)?")
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_NUM_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4}


# (in)equality verbs, longest first so that "is not any of" wins over "is not"
_NEG_VERBS: list[tuple[str, ...]] = [
    ('has', 'a', 'value', 'of', 'other', 'than'), ('does', 'not', 'have', 'a', 'value', 'of'),
    ('is', 'present', 'and', 'not', 'equal', 'to'), ('has', 'a', 'value', 'other', 'than'),
    ('is', 'present', 'and', 'is', 'not'), ('is', 'not', 'equal', 'to'),
    ('is', 'not', 'any', 'of'), ('is', 'not', 'one', 'of'), ('does', 'not', 'equal'),
    ('is', 'other', 'than'), ('equals', 'other', 'than'), ('not', 'equal', 'to'),
    ('is', 'not'), ('are', 'not'), ('other', 'than'), ('!=',), ('not',),
]
_POS_VERBS: list[tuple[str, ...]] = [
    ('is', 'present', 'and', 'has', 'a', 'value', 'of'),
    ('is', 'present', 'with', 'a', 'value', 'of'), ('has', 'a', 'value', 'of'),
    ('has', 'the', 'value', 'of'), ('is', 'present', 'and', 'equals'),
    ('is', 'present', 'and', 'is'), ('is', 'equal', 'to'), ('is', 'set', 'to'),
    ('has', 'the', 'value'), ('has', 'value', 'of'), ('has', 'a', 'value'),
    ('is', 'of', 'value'), ('is', 'one', 'of'), ('is', 'any', 'of'), ('contains', 'the', 'value'),
    ('has', 'values', 'of'), ('has', 'value'), ('has', 'values'), ('is', 'either'),
    ('equals',), ('equal',), ('=',), ('are',), ('is',), ('includes',), ('contains',),
]


@dataclass(slots=True)
class Tok:
    kind: str                 # word tag quoted uid num code punct ref mod
    text: str
    low: str = ""
    tag: str | None = None    # ref / tag
    src: list[Tok] = field(default_factory=list)   # ref / mod: the tokens it replaced
    mods: list[str] = field(default_factory=list)  # mod: ids
    mod_kind: str = ""
    joiner: str = "or"        # mod: how several names are joined


class _Fail(Exception):
    """This span does not parse."""


# -- tokenizer ---------------------------------------------------------------------


def _normalise(text: str) -> str:
    t = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'")
    t = re.sub(r"\b(Required (?:if|when))\s+\1\b", r"\1", t, flags=re.I)
    t = re.sub(r"satisfiedand\b", "satisfied and", t)
    # "(C.7.6.16.2.6)", "(Section C.7.6.16.2.5)", "(see Section 10.2)": cross references
    t = re.sub(r"\s*\((?:see\s+)?(?:Section\s+)?[A-H]?\.?\d+(?:\.\d+)+\)", "", t)
    t = re.sub(r"\bFORPRESENTATION\b", "FOR PRESENTATION", t)
    # "... is LOG U - Optional if ...": a usage letter and its gloss run into the text
    t = re.sub(r"\s+U\s*-\s*Optional if\b", ". May be present if", t)
    # "is TRUE SIZE, in which case the values will ...": an explanation, not a condition
    t = re.sub(r",\s*in which case [^.;]*", "", t)
    return t


def tokenize(text: str) -> list[Tok]:
    out: list[Tok] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "punct"
        s = m.group()
        if kind == "tag":
            h = _HEX.search(s)
            assert h is not None
            tag = "".join("x" if c in "xX" else c.upper() for c in h.group(1) + h.group(2))
            out.append(Tok("tag", s, s, tag=tag))
        elif kind == "quoted":
            out.append(Tok("quoted", s[1:-1].strip(), s.lower()))
        else:
            out.append(Tok(kind, s, s.lower()))
    return out


# -- names -> ref / module tokens ---------------------------------------------------


def _name_like(t: Tok) -> bool:
    return t.kind == "word" and t.text not in _NOT_NAME and (
        t.text[0].isupper() or t.text[0].isdigit() or any(c.isupper() for c in t.text))


def _resolve_refs(toks: list[Tok], names: NameIndex, kind: str) -> list[Tok]:
    out: list[Tok] = []
    i, n = 0, len(toks)
    norms = [norm(t.text) if t.kind in ("word", "num") else "" for t in toks]
    while i < n:
        t = toks[i]
        if t.kind == "word" and t.low in ("module", "modules", "macro", "macros", "group",
                                           "groups"):
            j = _module_phrase(out, toks, i, names, kind)
            if j:
                i = j
                continue
        if t.kind == "word" and _name_like(t):
            m = _match_name(toks, norms, i, names)
            if m is not None:
                length, tag = m
                j = i + length
                src = toks[i:j]
                if j < n and toks[j].kind == "tag":
                    tag = toks[j].tag
                    src = src + [toks[j]]
                    j += 1
                    src = _absorb_junk(out, names) + src
                elif (length == 1 and t.text in _GENERIC) or not _case_ok(
                        src, names.name_of(tag or "")):
                    out.append(t)
                    i += 1
                    continue
                assert tag is not None
                out.append(Tok("ref", " ".join(s.text for s in src), tag=tag, src=src))
                i = j
                continue
        if t.kind == "tag":
            src = _absorb_junk(out, names) + [t]
            out.append(Tok("ref", " ".join(s.text for s in src), tag=t.tag, src=src))
            i += 1
            continue
        out.append(t)
        i += 1
    return out


def _case_ok(src: list[Tok], name: str) -> bool:
    """An upper-case word (a value: TIME, GRID) only names an attribute spelt that way."""
    words = set(name.split())
    for t in src:
        w = t.text
        if len(w) > 1 and w.isupper() and w not in words:
            return False
    return True


def _match_name(toks: list[Tok], norms: list[str], i: int,
                names: NameIndex) -> tuple[int, str] | None:
    """Longest attribute name starting at token ``i``: (length in tokens, tag)."""
    first = norms[i]
    longest = names.first_words.get(first)
    if longest is None and first.endswith("s"):
        longest = names.first_words.get(first[:-1])
    if longest is None:
        return None
    # names may contain "(Patient)"-like parentheses: allow a few extra tokens
    limit = min(len(toks), i + longest + 4)
    key = ""
    best: tuple[int, str] | None = None
    for j in range(i, limit):
        t = toks[j]
        if t.kind == "word" or t.kind == "num":
            key += norms[j]
        elif t.kind == "punct" and t.text in "()" or t.kind == "uid":
            key += norm(t.text)
        else:
            break
        if t.kind == "punct":
            opened = sum(1 for x in toks[i:j] if x.text == "(")
            closed = sum(1 for x in toks[i:j] if x.text == ")")
            if t.text == ")" and best is not None and best[0] == j - i and opened > closed:
                best = (j - i + 1, best[1])      # "Image Position (Patient)"
            continue
        tag = names.lookup_norm(key)
        if tag is not None and not tag.startswith("FFFE"):
            best = (j - i + 1, tag)
    return best


def _absorb_junk(out: list[Tok], names: NameIndex) -> list[Tok]:
    """Name words left before a tag (a typo'd or reworded name): they belong to the ref."""
    k = len(out)
    while k > 0:
        t = out[k - 1]
        name_word = (t.kind == "word" and t.text not in _NOT_NAME and t.text not in _NO_ABSORB
                     and (t.text[0].isupper() or t.text[0].isdigit())
                     and (names.in_vocabulary(t.text) or not t.text.isupper()))
        joiner = (t.kind == "word" and t.low in _NAME_JOINERS and k > 1
                  and out[k - 2].kind == "word" and out[k - 2].text[:1].isupper())
        paren = (t.text == ")" and k > 2 and out[k - 3].text == "("
                 and out[k - 2].kind == "word" and out[k - 2].text[:1].isupper())
        if paren:            # "Plane Position (Patient) Sequence (0020,9113)"
            k -= 3
            continue
        if not (name_word or joiner):
            break
        k -= 1
    while k < len(out) and out[k].low in _NAME_JOINERS:
        k += 1
    # "Conceptual Volume Combination Flag Indicator (3010,000E)": a bare name match
    # followed by more name words before the tag belongs to this ref
    if k < len(out) and k > 0 and out[k - 1].kind == "ref" and \
            not any(x.kind == "tag" for x in out[k - 1].src):
        k -= 1
    taken = out[k:]
    del out[k:]
    return taken


def _flatten(t: Tok) -> list[Tok]:
    return [s for x in t.src for s in _flatten(x)] if t.kind in ("ref", "mod") else [t]


def _module_phrase(out: list[Tok], toks: list[Tok], i: int, names: NameIndex,
                   kind: str) -> int:
    """``A or B Macros`` / ``the X Module``: replace with a mod token; return next index."""
    t = toks[i]
    j = i + 1
    if t.low in ("group", "groups"):
        if not out or out[-1].low != "functional":
            return 0
        mkind = "functional_group"
        if j < len(toks) and toks[j].low in ("macro", "macros"):
            j += 1
    elif t.low in ("module", "modules"):
        mkind = "module"
    else:
        mkind = "functional_group" if kind == "fg_macro_usage" else "macro"
    # collect the name words before the keyword
    k = len(out)
    while k > 0 and (out[k - 1].kind in ("word", "num")
                     or (out[k - 1].kind == "ref" and not any(x.kind == "tag"
                                                              for x in out[k - 1].src))
                     or (out[k - 1].kind == "punct" and out[k - 1].text in "(),/")):
        if out[k - 1].kind == "word" and out[k - 1].low in ("the", "a", "an", "if", "is",
                                                            "are", "when", "not"):
            break
        k -= 1
    words = [s for x in out[k:] for s in _flatten(x)]
    if words and words[-1].low == "functional":
        words = words[:-1]
        mkind = "functional_group"
    lookup_kind = "module" if mkind == "module" else "macro"
    ids: list[str] = []
    joiner = "or"
    end = len(words)
    while end > 0:
        found = None
        for start in range(0, end):
            if not words[start].text[:1].isupper():
                continue
            ident = _module_lookup(names, " ".join(w.text for w in words[start:end]),
                                   lookup_kind)
            if ident:
                found = (start, ident)
                break
        if found is None:
            break
        start, ident = found
        ids.insert(0, ident)
        end = start
        # another name before a separator ("A, B or C Macros")?
        sep = end
        while sep > 0 and words[sep - 1].low in ("or", "and", ","):
            sep -= 1
        if sep == end or sep == 0:
            break
        if not any(_module_lookup(names, " ".join(w.text for w in words[s0:sep]), lookup_kind)
                   for s0 in range(0, sep) if words[s0].text[:1].isupper()):
            break
        if any(w.low == "and" for w in words[sep:end]):
            joiner = "and"
        end = sep
    if not ids:
        return 0
    keep = words[:end]
    del out[k:]
    out.extend(keep)
    used = words[end:] + toks[i:j]
    out.append(Tok("mod", " ".join(w.text for w in used), src=used, mods=ids,
                   mod_kind=mkind, joiner=joiner))
    return j


def _module_lookup(names: NameIndex, name: str, kind: str) -> str | None:
    table = names.modules if kind == "module" else names.macros
    if table:
        return names.module_id(name, kind)
    # no table names known: any capitalised name is taken at its word (slug id)
    if all(w[:1].isupper() or w[:1] in "(/" or w.lower() in _NAME_JOINERS
           for w in name.split()):
        from conformance.ids import slug
        return slug(name)
    return None


# -- clauses ------------------------------------------------------------------------

@dataclass(slots=True)
class _Clause:
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


def _clauses(toks: list[Tok]) -> tuple[list[_Clause], list[list[Tok]]]:
    """Split into requirement clauses; also return the spans that are no clause."""
    clauses: list[_Clause] = []
    stray: list[list[Tok]] = []
    cur: _Clause | None = None
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
            cur = _Clause(role, [])
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


# -- clause bodies --------------------------------------------------------------------


class _Body:
    """Recursive descent over one clause body."""

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
            raise _Fail(" ".join(words))

    def at_end(self) -> bool:
        return self.i >= len(self.t)

    def text(self, a: int, b: int) -> str:
        return " ".join(x.text for t in self.t[a:b] for x in _flatten(t))

    # grammar
    def parse(self) -> E.Expr:
        while self.low() in (":", ",") or (self.low() == "either" and self.low(1) == ":"):
            self.i += 1
        e = self.disj()
        while not self.at_end() and self.low() in (".", ";", ","):
            self.i += 1
        if not self.at_end():
            start = self.i
            self.i = len(self.t)
            e = E.and_(e, E.unknown(self.text(start, self.i)))
        return e

    def disj(self) -> E.Expr:
        args = [self.conj()]
        while True:
            save = self.i
            self.accept(",") or self.accept(";")
            sel_and = (self.low() == "and" and self.low(1) in ("in", "for")
                       and self._item_sel_ahead(2))
            if self.accept("or") or self.accept("either") or self._list_or(save) or (
                    sel_and and self.accept("and")):
                self.accept("if") or self.accept("when")
                args.append(self.conj())
            else:
                self.i = save
                break
        return E.or_(*args)

    def _list_or(self, save: int) -> bool:
        # "Required if: A, or B, or C" and "either: A; B": a separator alone, when the
        # next item starts a predicate of its own
        if self.i == save or self.at_end():
            return False
        return self._starts_predicate()

    def _starts_predicate(self) -> bool:
        t = self.peek()
        if t is None:
            return False
        if t.kind in ("ref", "mod"):
            return True
        return self.low() in ("the", "value", "a", "if", "for", "in", "first", "sop")

    def conj(self, guards: tuple[str, ...] = ("if", "when")) -> E.Expr:
        """Predicates joined by "and"; one of ``guards`` may follow each "and"."""
        args = [self.guarded_pred()]
        while True:
            save = self.i
            self.accept(",")
            if self.low() == "and" and self.low(1) in ("in", "for") and self._item_sel_ahead(2):
                # "for the first Item if X, and in subsequent Items if Y": alternatives
                self.i = save
                break
            if self.accept("and"):
                any(self.accept(g) for g in guards)
                args.append(self.guarded_pred())
            else:
                self.i = save
                break
        return E.and_(*args)

    def _item_sel_ahead(self, k: int) -> bool:
        return self.low(k) in ("all", "subsequent", "the", "first", "last", "control",
                               "each", "any")

    def guarded_pred(self) -> E.Expr:
        """A predicate that must end at a connective; otherwise an unknown leaf."""
        start = self.i
        try:
            e = self.pred()
            if not self._at_connective():
                raise _Fail("trailing words")
            return e
        except _Fail:
            self.i = start
            self._skip_to_connective()
            if self.i == start:
                # nothing to skip (a connective right away): take one token
                self.i += 1
            return E.unknown(self.text(start, self.i))

    def _at_connective(self) -> bool:
        if self.at_end():
            return True
        w = self.low()
        if w in ("and", "or", ";", "."):
            return True
        if w == ",":
            return self.low(1) in ("and", "or", "if") or self._sep_then_pred()
        return False

    def _sep_then_pred(self) -> bool:
        self.i += 1
        ok = self._starts_predicate()
        self.i -= 1
        return ok

    def _skip_to_connective(self) -> None:
        depth = 0
        while not self.at_end():
            w = self.low()
            if w == "(":
                depth += 1
            elif w == ")":
                depth = max(0, depth - 1)
            elif depth == 0 and w in ("and", "or", ";"):
                return
            self.i += 1

    # predicates
    def pred(self) -> E.Expr:
        self.accept("if") or self.accept("when")
        w = self.low()
        if w in ("for", "in", "first", "the", "all", "subsequent", "control", "last"):
            sel = self.item_selection()
            if sel is not None:
                return sel
        if self.accept("neither"):
            return self.subject_predicate(neither=True)
        if self.accept("there", "is", "a") or self.accept("there", "is", "an"):
            # "there is a View Modifier Code Sequence (0054,0222) Item of value (code) ..."
            a = self.attr_phrase()
            if a is None or not (self.accept("item", "of", "value")
                                 or self.accept("item", "with", "the", "value")):
                raise _Fail("there is a ... Item of value")
            return self.codes(a)
        if self.accept("a", "value", "is", "present", "in"):
            subjects, joiner = self.subjects()
            leaves = [E.has_value(r) for r in subjects]
            return E.and_(*leaves) if joiner == "and" else E.or_(*leaves)
        if self.accept("the", "number", "of", "items", "in") or \
                self.accept("number", "of", "items", "in"):
            a = self.attr_phrase()
            cmpop = self.comparison() if a is not None else None
            if a is None or cmpop is None or not isinstance(cmpop[1], int):
                raise _Fail("number of items")
            return E.count(a, cmpop[0], cmpop[1])
        if self.low() in ("the", "sop") and self._sop_class_phrase():
            return self.sop_class_names()
        self.accept("either") or self.accept("both")
        t = self.peek()
        if t is not None and t.kind == "mod":
            return self.module_pred()
        if self.low() == "the" and self.peek(1) is not None and self.peek(1).kind == "mod":
            self.i += 1
            return self.module_pred()
        return self.subject_predicate()

    def _sop_class_phrase(self) -> bool:
        return bool(self.accept("the", "sop", "class") or self.accept("sop", "class"))

    def sop_class_names(self) -> E.Expr:
        """``the SOP Class is (not | other than) Grayscale Softcopy Presentation State
        Storage``: UID names of the build's registry."""
        neg = self.equality_verb()
        if neg is None:
            raise _Fail("SOP Class verb")
        uids: list[str] = []
        while True:
            words: list[str] = []
            best: tuple[int, str] | None = None
            j = self.i
            while j < len(self.t) and self.t[j].kind in ("word", "ref") and \
                    self.t[j].low not in ("or", "and", "nor"):
                words.extend(x.text for x in _flatten(self.t[j]))
                j += 1
                uid = self.names.uid_for(" ".join(words))
                if uid is not None:
                    best = (j, uid)
            if best is None:
                raise _Fail("SOP Class name")
            self.i, uid = best
            uids.append(uid)
            save = self.i
            self.accept(",")
            if not (self.accept("or") or self.accept("nor")):
                self.i = save
                break
        e = E.sop_class(uids)
        return E.not_(e) if neg else e

    def item_selection(self) -> E.Expr | None:
        """``first Item of X``, ``Control Point 0 of X``, ``all but the last Item`` ..."""
        save = self.i
        self.accept("for") or self.accept("in")
        self.accept("the")
        pos: str | None = None
        negate = False
        if (self.accept("first", "item") or self.accept("first", "items")
                or self.accept("control", "point", "0")):
            pos = "first"
        elif self.accept("all", "but", "the", "last", "item"):
            pos = "not_last"
        elif self.accept("last", "item"):
            pos = "last"
        elif (self.accept("all", "subsequent", "items") or self.accept("subsequent", "items")
              or self.accept("subsequent", "control", "points")
              or self.accept("all", "subsequent", "control", "points")):
            pos, negate = "first", True
        if pos is None:
            self.i = save
            return None
        seq = None
        if self.low() in ("of", "in"):
            s2 = self.i
            self.i += 1
            self.accept("this")
            if self.accept("sequence"):
                pass
            else:
                self.accept("the")
                t = self.peek()
                if t is not None and t.kind == "ref":
                    seq = t.tag
                    self.i += 1
                else:
                    self.i = s2
        e = E.item_position(pos, seq)
        if negate:
            e = E.not_(e)
        if self.low() in ("if", "when") or (self.low() == "," and self.low(1) == "if"):
            self.accept(",")
            self.i += 1
            # inside an item selection only "if" guards a conjunct
            cond = self.conj(("if",))
            e = E.and_(e, cond)
        return e

    def module_pred(self) -> E.Expr:
        t = self.peek()
        assert t is not None
        self.i += 1
        leaves = [E.module_present(m, t.mod_kind) for m in t.mods]
        joiner = t.joiner
        while self.low() in ("or", "and", ",") and self.peek(1) is not None and (
                self.peek(1).kind == "mod" or (self.low(1) == "the" and self.peek(2) is not None
                                               and self.peek(2).kind == "mod")):
            joiner = "and" if self.low() == "and" else "or"
            self.i += 1
            self.accept("the")
            m = self.peek()
            assert m is not None
            self.i += 1
            leaves += [E.module_present(x, m.mod_kind) for x in m.mods]
        negative = False
        if self.accept("is", "not", "present") or self.accept("are", "not", "present") \
                or self.accept("is", "absent") or self.accept("are", "absent") \
                or self.accept("not", "present"):
            negative = True
        elif (self.accept("is", "present") or self.accept("are", "present")
              or self.accept("exists") or self.accept("exist")
              or self.accept("present") or self.accept("is", "included")
              or self.accept("are", "included") or self.accept("is", "used")):
            pass
        else:
            raise _Fail("module predicate")
        if negative:
            leaves = [E.not_(x) for x in leaves]
        # "A or B Macros present" means any of them; "A and B are not present" all absent
        join = E.and_ if (joiner == "and") else E.or_
        return join(*leaves)

    def subject_predicate(self, neither: bool = False) -> E.Expr:
        self.via = None
        subjects, joiner = self.subjects()
        via, self.via = self.via, None
        self.subject = subjects
        first = self.verb_phrase(subjects[0])
        if len(subjects) > 1 and first.get("op") == "sop_class":
            raise _Fail("SOP Class with several subjects")
        leaves = [first] + [_subst(first, subjects[0], s) for s in subjects[1:]]
        if neither:
            e = E.and_(*[_negate(x) for x in leaves])
        else:
            e = E.and_(*leaves) if joiner == "and" else E.or_(*leaves)
        if via is not None:
            if len(subjects) > 1:
                raise _Fail("reference with several subjects")
            subjects[0]["scope"] = "item"     # read in the referred item
            by, key, seq = via
            e = E.referenced(by, key, e, seq)
        return e

    def subjects(self) -> tuple[list[dict[str, Any]], str]:
        first = self.attr_phrase()
        if first is None:
            if self.subject is not None and self.low() == "value" and self.peek(1) is not None \
                    and self.peek(1).kind == "num" and len(self.subject) == 1:
                r = dict(self.subject[0])
                r["index"] = int(float(self.peek(1).text))
                self.i += 2
                return [r], "and"
            if self.subject is not None and (
                    self.accept("the", "value") or self.accept("its", "value")
                    or self._is_verb_start()):
                return self.subject, "and"
            raise _Fail("no attribute")
        refs = [first]
        joiner = ""
        while True:
            save = self.i
            self.accept(",")
            w = self.low()
            if w in ("or", "and", "nor") and (joiner in ("", w)):
                self.i += 1
                nxt = self.attr_phrase()
                if nxt is None:
                    self.i = save
                    break
                joiner = "or" if w == "nor" else w
                refs.append(nxt)
            elif self.i != save:
                nxt = self.attr_phrase()
                if nxt is None:
                    self.i = save
                    break
                refs.append(nxt)
            else:
                break
        # "A or B is present" -> any; "A, B and C are not present" -> each
        return refs, joiner or "and"

    def _is_verb_start(self) -> bool:
        return self.low() in ("is", "are", "has", "have", "equals", "does", "value", "the",
                              "contains", "=", "exists", "not")

    def attr_phrase(self) -> dict[str, Any] | None:
        """[the] [value of|Value N of|a value of] REF [,] [Value N] [scope]."""
        save = self.i
        index: int | None = None
        self.accept("the")
        self.accept("attribute") or self.accept("attributes")
        if self.low() == "value" and self.peek(1) is not None and self.peek(1).kind == "num" \
                and self.low(2) == "of":
            index = int(float(self.peek(1).text))
            self.i += 3
        elif self.low() in _ORDINALS and self.low(1) == "value" and self.low(2) == "of":
            index = _ORDINALS[self.low()]
            self.i += 3
        else:
            self.accept("one", "or", "more", "of", "the", "values", "of") \
                or self.accept("any", "of", "the", "values", "of") \
                or self.accept("one", "of", "the", "values", "of") \
                or self.accept("value", "of") or self.accept("a", "value", "of") \
                or self.accept("any", "value", "of") \
                or self.accept("values", "of") or self.accept("value", "for") \
                or self.accept("one") or self.accept("value")
        t = self.peek()
        if t is None or t.kind != "ref":
            self.i = save
            return None
        self.i += 1
        r = E.ref(t.tag or "")
        if index is None:
            s2 = self.i
            self.accept(",")
            if self.low() == "value" and self.peek(1) is not None and self.peek(1).kind == "num":
                index = int(float(self.peek(1).text))
                self.i += 2
            else:
                self.i = s2
        r["index"] = index
        self.scope(r)
        via = self._via_phrase()
        if via is not None:
            self.via = via
        return r

    def _via_phrase(self) -> tuple[dict[str, Any], str, str | None] | None:
        """``of the wedge referenced by Referenced Wedge Number (300C,00C0)`` or ``for the
        Contrast/Bolus Agent Number (0018,9337) defined in the Contrast/Bolus Agent
        Sequence (0018,0012)``: (referring ref, key tag, sequence tag or None)."""
        save = self.i
        if self.accept("of", "the"):
            k = 0
            while k < 4 and self.peek() is not None and self.peek().kind == "word" \
                    and self.low() not in ("referenced", "is", "and", "or"):
                self.i += 1
                k += 1
            t = self.peek(2)
            if self.accept("referenced", "by") and t is not None and t.kind == "ref":
                self.i += 1
                # "Referenced Wedge Number" refers to "Wedge Number" (PS3.6 names)
                name = self.names.name_of(t.tag or "")
                key = self.names.resolve(name.removeprefix("Referenced ")) \
                    if name.startswith("Referenced ") else None
                if key is not None:
                    return E.ref(t.tag or ""), key, None
        elif self.low() == "for" and self.low(1) == "the" and self.peek(2) is not None and \
                self.peek(2).kind == "ref" and self.low(3) == "defined" and self.low(4) == "in":
            by = self.peek(2).tag or ""
            self.i += 5
            self.accept("the")
            t = self.peek()
            if t is not None and t.kind == "ref" and self._is_sequence(t.tag):
                self.i += 1
                return E.ref(by), by, t.tag
        self.i = save
        return None

    def scope(self, r: dict[str, Any]) -> None:
        while True:
            if (self.accept("of", "this", "frame") or self.accept("in", "this", "frame")
                    or self.accept("for", "this", "frame")):
                r["scope"] = "frame"
            elif (self.accept("in", "this", "sequence", "item")
                  or self.accept("in", "this", "item") or self.accept("in", "the", "same", "item")
                  or self.accept("of", "this", "item") or self.accept("within", "this", "item")
                  or self.accept("in", "this", "sequence")):
                r["scope"] = "item"
                s2 = self.i
                if self.accept("of", "the") or self.accept("of"):
                    t = self.peek()
                    if t is not None and t.kind == "ref":
                        self.i += 1
                    else:
                        self.i = s2
            elif self.accept("within", "a", "functional", "group", "sequence") or self.accept(
                    "in", "a", "functional", "group", "sequence") or self.accept(
                    "in", "any", "frame") or self.accept("for", "any", "frame"):
                r["scope"] = "any_frame"
                self.accept("in", "the", "sop", "instance")
            elif self.low() == "in" and self.low(1) == "any" and self.peek(2) is not None and \
                    self.peek(2).kind == "mod" and self.peek(2).mod_kind != "module":
                self.i += 3      # "in any MR Image Frame Type Functional Group"
                r["scope"] = "any_frame"
                self.accept("in", "the", "sop", "instance")
            elif self.accept("at", "the", "image", "level") or self.accept(
                    "in", "the", "top", "level", "data", "set"):
                r["scope"] = "root"
            elif self.low() in ("in", "of") and self.low(1) == "the" and \
                    self.peek(2) is not None and self.peek(2).kind == "mod" and \
                    self.peek(2).mod_kind == "module":
                self.i += 3
                r["scope"] = "root"
                while self.low() == "or" and (
                        (self.peek(1) is not None and self.peek(1).kind == "mod") or
                        (self.low(1) == "the" and self.peek(2) is not None
                         and self.peek(2).kind == "mod")):
                    self.i += 2 if self.low(1) != "the" else 3
            elif self.low() in ("within", "in") and self.peek(1) is not None and \
                    self.peek(1).kind == "ref" and self._is_sequence(self.peek(1).tag):
                seq = self.peek(1).tag
                self.i += 2
                r["path"] = [seq, r["tag"]]
            elif self.low() in ("within", "in") and self.low(1) == "the" and \
                    self.peek(2) is not None and self.peek(2).kind == "ref" and \
                    self._is_sequence(self.peek(2).tag):
                seq = self.peek(2).tag
                self.i += 3
                r["path"] = [seq, r["tag"]]
            elif self.accept("in", "control", "points", "specified"):
                continue             # "... in Control Points specified within SEQ"
            elif self.low() == "for" and self.low(1) == "one" and self.low(2) == "or" and \
                    self.low(3) == "more" and self._items_of(r, 4):
                pass                 # "for one or more fraction groups"
            elif self.low() == "of" and self.low(1) == "this" and self._sop_instance_ahead(2):
                r["scope"] = "root"  # "of this RT Physician Intent SOP Instance"
            elif self.accept("in", "this", "sop", "instance"):
                continue             # "is included in this SOP instance": anywhere
            elif self.low() == "in" and self.low(1) == "the" and self.low(2) == "containing" \
                    and self.peek(3) is not None and self.peek(3).kind == "ref" \
                    and self.low(4) == "item" and self._is_sequence(self.peek(3).tag):
                self.i += 5
                r["scope"] = "parent"  # "in the containing Track Set Sequence (0066,0101) Item"
            elif self.low() == "value" and self.low(1) in ("is", "equals", "="):
                self.i += 1          # "X value is Y"
            elif self.low() == "attribute" and self.low(1) == "value":
                self.i += 1          # "the Optotype (0046,0094) Attribute value is"
            elif self.low() in ("sequence",) and self.low(1) in ("contains",):
                self.i += 1
            elif self.low() == "item" and self.low(1) == "value":
                self.i += 1          # "one Derivation Code Sequence Item value is"
            else:
                return

    def _items_of(self, r: dict[str, Any], k: int) -> bool:
        """``<words>`` at offset ``k`` naming a sequence ("fraction groups" -> Fraction Group
        Sequence): set the path of ``r`` through it and consume the phrase."""
        words: list[str] = []
        j = k
        while len(words) < 5 and self.peek(j) is not None and self.peek(j).kind == "word" \
                and self.low(j) not in ("and", "or"):
            words.append(self.low(j))
            j += 1
            if not words[-1].endswith("s"):
                continue
            key = norm(" ".join(words)).removesuffix("s") + "sequence"
            tag = self.names.lookup_norm(key)
            if tag is not None and self._is_sequence(tag):
                r["path"] = [tag, r["tag"]]
                self.i += j
                return True
        return False

    def _sop_instance_ahead(self, k: int) -> bool:
        """Words at offset ``k`` ending in "SOP Instance": consume them."""
        for j in range(k, k + 8):
            if self.low(j) == "sop" and self.low(j + 1) == "instance":
                self.i += j + 2
                return True
            t = self.peek(j)
            if t is None or t.kind != "word":
                return False
        return False

    def _is_sequence(self, tag: str | None) -> bool:
        return bool(tag) and self.names.vr(tag or "") == "SQ"

    # verbs
    def verb_phrase(self, r: dict[str, Any]) -> E.Expr:
        e = self._verb_phrase(r)
        self.scope(r)        # "is present in this Sequence Item"
        return e

    def _verb_phrase(self, r: dict[str, Any]) -> E.Expr:
        a = r
        acc = self.accept
        if acc("is", "present", "with", "a", "value", "of") or \
                acc("is", "present", "with", "value"):
            return self.values_pred(a, negative=False)
        if acc("is", "present", "with", "an", "item", "value", "other", "than"):
            return E.and_(E.present(a), E.not_(self.codes(a)))
        if acc("do", "not", "contain", "a", "value") or \
                acc("does", "not", "contain", "a", "value"):
            return E.not_(E.has_value(a))
        n_items = self._contains_items()
        if n_items is not None:
            return E.count(a, *n_items)
        if acc("is", "present", "with", "a", "value", "other", "than"):
            return E.and_(E.present(a), self.values_pred(a, negative=True))
        if acc("is", "present", "and", "has", "a", "value", "of") or \
                acc("is", "present", "and", "equals") \
                or acc("is", "present", "and", "is", "either") \
                or acc("is", "present", "and", "is") \
                or acc("is", "present", "and", "has", "the", "value"):
            return E.and_(E.present(a), self.values_pred(a, negative=False))
        cmp_words = ("of", "greater", "less", "more", "other")
        if self.accept_unless(cmp_words, "is", "present", "and", "has", "a", "value") or \
                self.accept_unless(cmp_words, "are", "present", "and", "have", "a", "value") or \
                self.accept_unless(cmp_words, "is", "present", "with", "a", "value"):
            return E.has_value(a)
        if acc("is", "present", "and", "has", "a", "non-zero", "value") or \
                acc("has", "a", "non-zero", "value"):
            return E.and_(E.present(a), E.ne(a, [0]))
        for words in (("is", "not", "present"), ("are", "not", "present"), ("is", "absent"),
                      ("are", "absent"), ("is", "not", "sent"), ("does", "not", "exist"),
                      ("is", "not", "included"), ("are", "not", "included"),
                      ("is", "not", "used"), ("are", "not", "used"), ("not", "present"),
                      ("is", "not", "provided"), ("are", "not", "provided")):
            if acc(*words):
                return E.absent(a)
        for words in (("is", "present"), ("are", "present"), ("exists",), ("exist",),
                      ("is", "sent"), ("is", "used"), ("are", "used"), ("is", "included"),
                      ("are", "included"), ("is", "provided"), ("are", "provided"),
                      ("is", "encoded"), ("present",)):
            if acc(*words):
                if self.low() == "and" and self.low(1) == "has" and self.low(2) == "a" \
                        and self.low(3) == "value" and self.low(4) not in (
                            "of", "greater", "less", "more", "other"):
                    self.i += 4
                    return E.has_value(a)
                return E.present(a)
        if self.low() == "has" and self.low(1) in ("a", "value") and \
                self.low(2) in ("value", "of", "greater", "less", "more") and \
                (self.low(3) in ("of", "other", "greater", "less", "more") or
                 self.low(2) in ("of", "greater", "less", "more")):
            pass       # a value comparison, below
        elif acc("has", "a", "value") or acc("is", "not", "empty") or acc("is", "non-null") \
                or acc("is", "non-empty") or acc("has", "a", "non-empty", "value") \
                or acc("is", "not", "null") or acc("has", "value"):
            if self._value_next():
                return self.values_pred(a, negative=False)
            return E.has_value(a)
        if acc("is", "non-zero", "length") or acc("is", "not", "zero", "length") or \
                acc("has", "non-zero", "length"):
            return E.has_value(a)
        if acc("is", "zero-length") or acc("is", "empty") or acc("has", "no", "value") \
                or acc("is", "zero", "length") or acc("is", "present", "but", "empty") \
                or acc("has", "zero", "length"):
            return E.empty(a)
        if acc("is", "non-zero") or acc("is", "not", "zero") or acc("is", "nonzero") \
                or acc("is", "not", "0") or acc("has", "a", "non-zero", "value"):
            return E.ne(a, [0])
        if acc("is", "zero"):
            return E.eq(a, [0])
        cmpop = self.comparison()
        if cmpop is not None:
            op, value = cmpop
            return E.cmp(op, a, value)
        if acc("changes", "during") or acc("change", "during") or acc("changes", "between"):
            while self.low() in ("beam", "the", "setup", "administration", "delivery"):
                self.i += 1
            return E.changed(a)
        if acc("contains", "an", "item", "with", "the", "value", "of") or \
                acc("contains", "an", "item", "with", "the", "value") or \
                acc("contains", "an", "item", "with", "a", "value", "of") or \
                acc("contains", "an", "item", "with", "value") or \
                acc("includes", "an", "item", "with", "the", "value") or \
                acc("contains", "an", "item", "of") or acc("contains", "either"):
            return self.codes(a)
        if acc("points", "to") or acc("includes", "the", "tag", "for") or \
                acc("includes", "the", "tag", "of") or acc("contains", "the", "tag", "of") or \
                acc("contains", "the", "tag", "for") or acc("includes", "the", "data", "element",
                                                             "tag", "of"):
            return self.pointer(a)
        if self.low() in ("is", "value", "=") and self._private_tag_phrase():
            return E.points_to_private(a)
        neg = self.equality_verb()
        if neg is None:
            raise _Fail("verb")
        t = self.peek()
        if t is not None and t.kind == "code":
            e = self.codes(a)
            return _negate(e) if neg else e
        if t is not None and t.kind == "ref" and self.names.vr(a["tag"]) == "AT":
            e = self.pointer(a)
            return _negate(e) if neg else e
        return self.values_pred(a, negative=neg)

    def _contains_items(self) -> tuple[str, int] | None:
        """``contains one Item`` / ``contains more than one Item`` / ``contains Items``."""
        save = self.i
        if not self.accept("contains"):
            return None
        if self.accept("items"):
            return "gt", 0
        op = "gt" if self.accept("more", "than") else "eq"
        n = self.number()
        if n is not None and isinstance(n, int) and (self.accept("item") or
                                                      self.accept("items")):
            return op, n
        self.i = save
        return None

    def _value_next(self) -> bool:
        return self.low() == "of" or self._is_value(self.peek())

    def _private_tag_phrase(self) -> bool:
        text = ""
        for k in range(0, 12):
            t = self.peek(k)
            if t is None:
                return False
            text = (text + " " + " ".join(x.text for x in _flatten(t))).strip()
            if _PRIVATE_TAG.fullmatch(text.lower()):
                self.i += k + 1
                return True
        return False

    def equality_verb(self) -> bool | None:
        """Consume an (in)equality verb; return True when negated, None when none."""
        acc = self.accept
        self.accept("value")
        for words in _NEG_VERBS:
            if acc(*words):
                return True
        for words in _POS_VERBS:
            if acc(*words):
                if words[:3] == ("is", "present", "and") or words[:4] == ("is", "present",
                                                                           "with", "a"):
                    self._needs_present = True
                return False
        return None

    def comparison(self) -> tuple[str, float | int] | None:
        save = self.i
        self.accept("is") or self.accept("has", "a", "value", "of") \
            or self.accept("has", "a", "value") or self.accept("has", "value") \
            or self.accept("value", "is") or self.accept("are")
        ops = ((("greater", "than", "or", "equal", "to"), "ge"),
               (("less", "than", "or", "equal", "to"), "le"),
               (("greater", "than"), "gt"), (("more", "than"), "gt"),
               (("less", "than"), "lt"), (("fewer", "than"), "lt"),
               ((">", "="), "ge"), (("<", "="), "le"), ((">",), "gt"), (("<",), "lt"))
        for words, op in ops:
            if self.accept(*words):
                v = self.number()
                if v is None:
                    break
                return op, v
        self.i = save
        return None

    def number(self) -> int | float | None:
        t = self.peek()
        if t is None:
            return None
        if t.kind == "num":
            self.i += 1
            f = float(t.text)
            return int(f) if f.is_integer() else f
        if t.kind == "word" and t.low in _NUM_WORDS:
            self.i += 1
            return _NUM_WORDS[t.low]
        return None

    def _is_value(self, t: Tok | None) -> bool:
        if t is None:
            return False
        if t.kind in ("quoted", "num", "uid"):
            return True
        if t.kind == "word":
            letters = [c for c in t.text if c.isalpha()]
            return bool(letters) and t.text.upper() == t.text and t.text not in ("A", "I") \
                or t.text in ("A", "I") and self._single_letter_value(t)
        return False

    def _single_letter_value(self, t: Tok) -> bool:
        # "is A (Anterior)", "BIPLANE A or": a single capital letter is a value (part)
        # only before "(", the end or a separator, never an article ("A value of")
        j = next((k for k in range(self.i, min(self.i + 4, len(self.t))) if self.t[k] is t),
                 None)
        if j is None:
            return False
        nxt = self.t[j + 1] if j + 1 < len(self.t) else None
        return nxt is None or nxt.text in ("(", ".", ",", ";") or nxt.low in ("or", "and")

    def value(self) -> str | int | float:
        t = self.peek()
        if t is None:
            raise _Fail("value expected")
        if t.kind == "word" and self._uid_name_ahead():
            j = self.i
            while self.t[j].text != "(":
                j += 1
            self.i = j + 3
            return self.t[j + 1].text
        if t.kind == "quoted":
            self.i += 1
            v: str | int | float = t.text
        elif t.kind == "uid":
            self.i += 1
            v = t.text
        elif t.kind == "num":
            self.i += 1
            f = float(t.text)
            v = int(f) if f.is_integer() and "." not in t.text else t.text
            if isinstance(v, str):
                v = f
        elif self._is_value(t):
            words = [t.text]
            self.i += 1
            while self.peek() is not None and self.peek().kind == "word" and \
                    self._is_value(self.peek()):
                words.append(self.peek().text)
                self.i += 1
            v = " ".join(words)
        else:
            raise _Fail("value expected")
        # "(Legacy Converted)", "(Anterior)": an explanation in brackets
        if self.low() == "(":
            depth, j = 0, self.i
            while j < len(self.t):
                if self.t[j].text == "(":
                    depth += 1
                elif self.t[j].text == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j < len(self.t) and j - self.i <= 12:
                inner = self.t[self.i + 1:j]
                if isinstance(v, str) and not _looks_uid(v) and len(inner) == 1 and \
                        inner[0].kind in ("quoted", "uid"):
                    v = inner[0].text       # "CT ("1.2.840...")"
                self.i = j + 1
        return v

    def values_pred(self, a: dict[str, Any], negative: bool) -> E.Expr:
        needs_present = getattr(self, "_needs_present", False)
        self._needs_present = False
        values = [self.value()]
        while True:
            save = self.i
            self.accept(",")
            self.accept(".")          # "RULER, AXIS. or CROSSHAIR"
            if self.accept("or") or self.accept("nor") or negative and self.accept("and", "not"):
                pass
            elif self.i == save or self.t[self.i - 1].text == ".":
                self.i = save
                break
            if self._is_value(self.peek()) or self._uid_name_ahead():
                # "X is A or B (tag) is ..." : the next word is a value only if no
                # attribute / verb follows it
                try:
                    values.append(self.value())
                except _Fail:
                    self.i = save
                    break
            else:
                self.i = save
                break
        values = self._sop_values(a, values)
        if a["tag"] == "00080016" and a["scope"] in ("nearest", "root") and not a["index"]:
            e = E.sop_class([str(v) for v in values])
            return E.not_(e) if negative else e
        e = E.ne(a, values) if negative else E.eq(a, values)
        if needs_present:
            e = E.and_(E.present(a), e)
        return e

    def _uid_name_ahead(self) -> bool:
        j = self.i
        while j < len(self.t) and self.t[j].kind == "word" and self.t[j].text[:1].isupper() \
                and j - self.i < 12:
            j += 1
        return j > self.i and j + 2 < len(self.t) and self.t[j].text == "(" and \
            self.t[j + 1].kind in ("quoted", "uid")

    def _sop_values(self, a: dict[str, Any], values: list[Any]) -> list[Any]:
        if self.names.vr(a["tag"]) != "UI":
            return values
        out = []
        for v in values:
            if isinstance(v, str) and not _looks_uid(v):
                uid = self.names.uid_for(v)
                if uid is None:
                    raise _Fail(f"unknown UID name {v}")
                out.append(uid)
            else:
                out.append(str(v))
        return out

    def codes(self, a: dict[str, Any]) -> E.Expr:
        if self.low() == "or" and self.peek(1) is not None and self.peek(1).kind == "code":
            self.i += 1      # "contains an Item with the value or (111931, DCM, ...)"
        codes = [self.code()]
        while True:
            save = self.i
            self.accept(",")
            if self.accept("or") and self.peek() is not None and self.peek().kind == "code":
                codes.append(self.code())
            else:
                self.i = save
                break
        return E.contains_code(a, codes)

    def code(self) -> dict[str, str | None]:
        t = self.peek()
        if t is None or t.kind != "code":
            raise _Fail("code expected")
        self.i += 1
        m = re.match(r'\(\s*([^,]+?)\s*,\s*([^,]+?)\s*,\s*"([^"]*)"\s*\)', t.text)
        if m is None:
            raise _Fail("code")
        value, scheme, meaning = m.group(1), m.group(2), m.group(3)
        if value in _SCHEMES and scheme not in _SCHEMES:
            value, scheme = scheme, value      # "(DCM, 111759, ...)": fields swapped
        return E.code(value, scheme, meaning)

    def pointer(self, a: dict[str, Any]) -> E.Expr:
        targets = []
        while True:
            t = self.peek()
            if t is None or t.kind != "ref":
                raise _Fail("pointer target")
            targets.append(E.points_to(a, t.tag or ""))
            self.i += 1
            save = self.i
            self.accept(",")
            if not self.accept("or"):
                self.i = save
                if self.low() == "," and self.peek(1) is not None and self.peek(1).kind == "ref":
                    self.i += 1
                    continue
                break
        return E.or_(*targets)


def _subst(e: Any, old: dict[str, Any], new: dict[str, Any]) -> Any:
    """A copy of ``e`` with the ref ``old`` (by identity) replaced by ``new``."""
    if e is old:
        return new
    if isinstance(e, dict):
        return {k: _subst(v, old, new) for k, v in e.items()}
    if isinstance(e, list):
        return [_subst(v, old, new) for v in e]
    return e


def _looks_uid(v: str) -> bool:
    return bool(re.fullmatch(r"\d+(\.\d+)+", v))


def _negate(e: E.Expr) -> E.Expr:
    op = e.get("op")
    if op == "present":
        return E.absent(e["attr"])
    if op == "absent":
        return E.present(e["attr"])
    if op == "eq":
        return E.ne(e["attr"], e["values"])
    if op == "ne":
        return E.eq(e["attr"], e["values"])
    if op == "not":
        return e["arg"]
    return E.not_(e)


# -- entry point -----------------------------------------------------------------------


def parse_condition(text: str, *, kind: str = "attribute_1C",
                    names: NameIndex) -> dict[str, Any]:
    """Parse one condition text; never raises on odd text (returns ``error`` instead)."""
    result: dict[str, Any] = {"expr": None, "otherwise": None, "error": None,
                              "may_if": None, "forbidden_if": None}
    if kind not in KINDS:
        result["error"] = f"unknown condition kind {kind!r}"
        return result
    hand = hand_rules.lookup(text)
    if hand is not None:
        if kind == "attribute_3":
            hand["otherwise"] = None      # as _parse: no "otherwise" for type 3 rows
        result.update(hand)
        return result
    try:
        return _parse(text, kind, names, result)
    except (_Fail, ValueError, IndexError, RecursionError, AssertionError) as exc:
        result.update(expr=None, otherwise=None, may_if=None, forbidden_if=None,
                      error=f"cannot parse: {exc}")
        return result


def _parse(text: str, kind: str, names: NameIndex, result: dict[str, Any]) -> dict[str, Any]:
    toks = _resolve_refs(tokenize(_normalise(text)), names, kind)
    clauses, stray = _clauses(toks)
    required: list[E.Expr] = []
    may_if: list[E.Expr] = []
    forbidden: list[E.Expr] = []
    otherwise: str | None = None
    iff = False  # "if and only if": not allowed otherwise, whatever a later clause says
    for c in clauses:
        body = [t for t in c.body]
        while body and body[-1].kind == "punct" and body[-1].text in ".;,:":
            body.pop()
        if c.role == "otherwise_may":
            otherwise = "may"
            if body:
                stray.append(body)
            continue
        if c.role == "otherwise_not":
            otherwise = otherwise or "not_allowed"
            if body:
                stray.append(body)
            continue
        if c.role == "ignore":
            continue
        if c.role == "mutex":
            e = _mutex(body, names, kind)
            required.append(e)
            otherwise = otherwise or "not_allowed"
            continue
        if c.role == "at_least_one":
            required.append(_at_least_one(body, names, kind))
            otherwise = "may"
            continue
        if not body:
            raise _Fail(f"empty {c.role} clause")
        if c.role == "required_for":
            p = _Body([Tok("word", "for", "for"), *body], names, kind)
        else:
            p = _Body(body, names, kind)
        e = p.parse()
        if c.role in ("required", "required_for"):
            required.append(e)
        elif c.role == "required_iff":
            required.append(e)
            iff = True
        elif c.role == "may_if":
            may_if.append(e)
        elif c.role == "forbidden_if":
            forbidden.append(e)
    for s in stray if clauses else []:
        words = [t for t in s if t.kind != "punct"]
        if not words:
            continue
        txt = " ".join(x.text for t in s for x in _flatten(t))
        if words[0].low in ("see", "note", "notes"):
            continue
        if [w.low for w in words[:3]] in (["may", "be", "empty"], ["may", "not", "be"]):
            # value or placement constraints ("May be empty if ...", "May not be used as a
            # Shared Functional Group"), not part of the presence condition
            continue
        # a sentence we do not understand may restrict the condition: keep it visible
        if required:
            required[-1] = E.and_(required[-1], E.unknown(txt))
        else:
            required.append(E.unknown(txt))
    if not required and not forbidden and not may_if:
        result["error"] = "no requirement clause found"
        return result
    if required:
        result["expr"] = E.or_(*required)
    elif kind in ("attribute_1C", "attribute_2C") and forbidden:
        # only "Shall not be present if X": never required, optional unless X
        result["expr"] = dict(E.FALSE)
        otherwise = otherwise or "may"
    elif kind != "attribute_3":
        result["error"] = "no 'Required if' clause"
    if result["expr"] is not None and kind != "attribute_3":
        result["otherwise"] = "not_allowed" if iff else otherwise or "not_allowed"
    result["may_if"] = E.or_(*may_if) if may_if else None
    result["forbidden_if"] = E.or_(*forbidden) if forbidden else None
    return result


def _ref_list(body: list[Tok], kind: str) -> list[dict[str, Any]] | None:
    refs = []
    for t in body:
        if t.kind == "ref":
            refs.append(E.ref(t.tag or ""))
        elif t.kind == "punct" or t.low in ("or", "and", "the", "either", "are", "is",
                                              "required", "present"):
            continue
        else:
            return None
    return refs or None


def _mutex(body: list[Tok], names: NameIndex, kind: str) -> E.Expr:
    """``Mutually exclusive with X``: required (allowed) only when X is absent."""
    refs = _ref_list(body, kind)
    if refs is None:
        return E.unknown("mutually exclusive with " + " ".join(t.text for t in body))
    return E.and_(*[E.absent(r) for r in refs])


def _at_least_one(body: list[Tok], names: NameIndex, kind: str) -> E.Expr:
    """``Either one or both of A or B are required``: required when none is present."""
    refs = _ref_list(body, kind)
    if refs is None:
        return E.unknown("either one or both of " + " ".join(t.text for t in body))
    return E.and_(*[E.absent(r) for r in refs])
