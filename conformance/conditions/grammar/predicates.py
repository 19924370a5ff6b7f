"""Predicates: one condition about attributes, modules, items, SOP Classes or codes."""

from __future__ import annotations

import re
from typing import Any

from conformance.conditions import expr as E
from conformance.conditions.grammar.attribute_phrases import AttributeParser
from conformance.conditions.grammar.tokens import Fail, flatten

_PRIVATE_TAG = re.compile(r"(?:value )?is (?:the data element tag of )?a private "
                          r"(?:attribute|data element)(?: tag)?")


class PredicateParser(AttributeParser):
    """One predicate ("X is present", "the first Item of Y", "the Z Module is present")."""

    def conj(self, guards: tuple[str, ...] = ("if", "when")) -> E.Expr:
        """Conjunction of guarded predicates; the sentence grammar defines it."""
        raise NotImplementedError

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
                raise Fail("there is a ... Item of value")
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
                raise Fail("number of items")
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
            raise Fail("SOP Class verb")
        uids: list[str] = []
        while True:
            words: list[str] = []
            best: tuple[int, str] | None = None
            j = self.i
            while j < len(self.t) and self.t[j].kind in ("word", "ref") and \
                    self.t[j].low not in ("or", "and", "nor"):
                words.extend(x.text for x in flatten(self.t[j]))
                j += 1
                uid = self.names.uid_for(" ".join(words))
                if uid is not None:
                    best = (j, uid)
            if best is None:
                raise Fail("SOP Class name")
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
            raise Fail("module predicate")
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
            raise Fail("SOP Class with several subjects")
        leaves = [first] + [subst(first, subjects[0], s) for s in subjects[1:]]
        if neither:
            e = E.and_(*[negate(x) for x in leaves])
        else:
            e = E.and_(*leaves) if joiner == "and" else E.or_(*leaves)
        if via is not None:
            if len(subjects) > 1:
                raise Fail("reference with several subjects")
            subjects[0]["scope"] = "item"     # read in the referred item
            by, key, seq = via
            e = E.referenced(by, key, e, seq)
        return e

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
            raise Fail("verb")
        t = self.peek()
        if t is not None and t.kind == "code":
            e = self.codes(a)
            return negate(e) if neg else e
        if t is not None and t.kind == "ref" and self.names.vr(a["tag"]) == "AT":
            e = self.pointer(a)
            return negate(e) if neg else e
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
            text = (text + " " + " ".join(x.text for x in flatten(t))).strip()
            if _PRIVATE_TAG.fullmatch(text.lower()):
                self.i += k + 1
                return True
        return False


def subst(e: Any, old: dict[str, Any], new: dict[str, Any]) -> Any:
    """A copy of ``e`` with the ref ``old`` (by identity) replaced by ``new``."""
    if e is old:
        return new
    if isinstance(e, dict):
        return {k: subst(v, old, new) for k, v in e.items()}
    if isinstance(e, list):
        return [subst(v, old, new) for v in e]
    return e


def negate(e: E.Expr) -> E.Expr:
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
