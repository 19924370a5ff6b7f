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

from typing import Any

from conformance.conditions import expr as E
from conformance.conditions import facts, hand_rules
from conformance.conditions.grammar.clauses import split_clauses
from conformance.conditions.grammar.predicates import PredicateParser
from conformance.conditions.grammar.resolve import resolve_refs
from conformance.conditions.grammar.tokens import Fail, Tok, flatten, normalise, tokenize
from conformance.conditions.names import NameIndex

KINDS = ("module_usage", "fg_macro_usage", "attribute_1C", "attribute_2C", "attribute_3")


class Body(PredicateParser):
    """Recursive descent over one clause body: disjunctions of conjunctions of guarded
    predicates (``and`` binds tighter than ``or``)."""

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
                raise Fail("trailing words")
            return e
        except Fail:
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
        return _with_facts(_parse(text, kind, names, result))
    except (Fail, ValueError, IndexError, RecursionError, AssertionError) as exc:
        result.update(expr=None, otherwise=None, may_if=None, forbidden_if=None,
                      error=f"cannot parse: {exc}")
        return result


def _with_facts(result: dict[str, Any]) -> dict[str, Any]:
    """Unknown parts that name a fact of ``conditions/facts.json`` become ``fact``
    leaves ("the Patient is an animal")."""
    for k in ("expr", "may_if", "forbidden_if"):
        if result.get(k) is not None:
            result[k] = facts.resolve(result[k])
    return result


def _parse(text: str, kind: str, names: NameIndex, result: dict[str, Any]) -> dict[str, Any]:
    toks = resolve_refs(tokenize(normalise(text)), names, kind)
    clauses, stray = split_clauses(toks)
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
            raise Fail(f"empty {c.role} clause")
        if c.role == "required_for":
            p = Body([Tok("word", "for", "for"), *body], names, kind)
        else:
            p = Body(body, names, kind)
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
        txt = " ".join(x.text for t in s for x in flatten(t))
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
