"""Values and verbs of a predicate: (in)equality verbs, comparisons, numbers, values and
value lists, UID names, codes, and attribute pointers (AT values)."""

from __future__ import annotations

import re
from typing import Any

from conformance.conditions import expr as E
from conformance.conditions.grammar.cursor import Cursor
from conformance.conditions.grammar.tokens import Fail, Tok

_SCHEMES = frozenset({"DCM", "SCT", "SRT", "LN", "UCUM", "FMA", "NCIt", "RADLEX", "99SDM",
                      "UMLS", "MSH", "HL7", "SNM3", "ACR", "NEU", "UBERON", "I10", "I9C"})
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



class ValueParser(Cursor):
    """Values, verbs and the value lists that follow them."""

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
            raise Fail("value expected")
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
            raise Fail("value expected")
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
                if isinstance(v, str) and not looks_uid(v) and len(inner) == 1 and \
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
                except Fail:
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
            if isinstance(v, str) and not looks_uid(v):
                uid = self.names.uid_for(v)
                if uid is None:
                    raise Fail(f"unknown UID name {v}")
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
            raise Fail("code expected")
        self.i += 1
        m = re.match(r'\(\s*([^,]+?)\s*,\s*([^,]+?)\s*,\s*"([^"]*)"\s*\)', t.text)
        if m is None:
            raise Fail("code")
        value, scheme, meaning = m.group(1), m.group(2), m.group(3)
        if value in _SCHEMES and scheme not in _SCHEMES:
            value, scheme = scheme, value      # "(DCM, 111759, ...)": fields swapped
        return E.code(value, scheme, meaning)

    def pointer(self, a: dict[str, Any]) -> E.Expr:
        targets = []
        while True:
            t = self.peek()
            if t is None or t.kind != "ref":
                raise Fail("pointer target")
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


def looks_uid(v: str) -> bool:
    return bool(re.fullmatch(r"\d+(\.\d+)+", v))
