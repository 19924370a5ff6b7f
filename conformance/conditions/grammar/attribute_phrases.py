"""Attribute phrases: the subject(s) of a predicate with value index, scope (item,
frame, root ...), sequence path and "of the X referenced by Y" references."""

from __future__ import annotations

from typing import Any

from conformance.conditions import expr as E
from conformance.conditions.grammar.tokens import Fail
from conformance.conditions.grammar.value_phrases import ValueParser
from conformance.conditions.names import norm

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}


class AttributeParser(ValueParser):
    """Subjects and attribute phrases."""

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
            raise Fail("no attribute")
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
