"""The built-in ``check:`` operators of YAML rules, one class each (docs/rules.md has a
worked example per operator; tests/rules/test_docs_examples.py runs them).

Importing this module registers them; :data:`REGISTRY` is the table the schema, the
compiler and the evaluator read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydicom.dataelem import DataElement

from conformance.rules.opbase import (
    REGISTRY,
    ArgError,
    ItemsOperator,
    Operator,
    Tri,
    ValueOperator,
    bounds,
    bounds_text,
    number,
    register,
    same,
    show,
    values_of,
    within,
)
from conformance.rules.regexguard import MAX_INPUT, UnsafePattern, compile_safe
from conformance.rules.valuelogic import COMPONENTS, pn_problems, uid_problem, under_root

__all__ = ["REGISTRY"]

_VALUE = {"type": ["string", "number"]}
_MIN_MAX_INT = {"min": {"type": "integer", "minimum": 0},
                "max": {"type": "integer", "minimum": 0}}
_UID = {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)*$"}


def _shown(element: DataElement) -> str:
    vals = values_of(element)
    return show(vals) if vals and element.VR != "SQ" else ""


# -- presence ---------------------------------------------------------------------------

@register
class Present(Operator):
    """The element is in the dataset (at every slot of the target)."""

    name = "present"
    shorthand = True

    def slot(self, arg: Any, element: DataElement | None) -> tuple[Tri, str, str]:
        return (False, "", "") if element is None else (True, _shown(element), "")


@register
class Absent(Operator):
    """The element is not in the dataset."""

    name = "absent"
    shorthand = True

    def slot(self, arg: Any, element: DataElement | None) -> tuple[Tri, str, str]:
        return (True, "", "") if element is None else (False, _shown(element), "")


@register
class NotEmpty(Operator):
    """The element is present with a value (a sequence: with an item)."""

    name = "not_empty"
    shorthand = True

    def slot(self, arg: Any, element: DataElement | None) -> tuple[Tri, str, str]:
        if element is None:
            return False, "", "absent"
        vals = values_of(element)
        if vals is None:
            return None, "", "binary value not read"
        return bool(vals), show(vals) if element.VR != "SQ" else "", ""

    def expected(self, arg: Any) -> str:
        return "a value"


@register
class Vm(Operator):
    """The number of values (a sequence: of items) is within ``min`` / ``max``."""

    name = "vm"
    fields = _MIN_MAX_INT
    one_of = ("min", "max")

    def compile(self, spec: Mapping[str, Any]) -> Any:
        return bounds(self.name, spec)

    def slot(self, arg: Any, element: DataElement | None) -> tuple[Tri, str, str]:
        vals = None if element is None else values_of(element)
        if not vals:
            return None, "", ""
        return within(len(vals), arg), show(vals), f"VM {len(vals)}"

    def expected(self, arg: Any) -> str:
        return bounds_text(arg, " values")


# -- values -----------------------------------------------------------------------------

@register
class Equals(ValueOperator):
    """Every value equals ``value`` (numerically when ``value`` is a number)."""

    name = "equals"
    fields = {"value": _VALUE}
    required = ("value",)

    def compile(self, spec: Mapping[str, Any]) -> Any:
        return spec["value"]

    def test(self, arg: Any, value: Any) -> tuple[Tri, str]:
        return same(value, arg), ""

    def expected(self, arg: Any) -> str:
        return repr(arg)


@register
class OneOf(ValueOperator):
    """Every value is one of ``values``."""

    name = "one_of"
    fields = {"values": {"type": "array", "items": _VALUE, "minItems": 1}}
    required = ("values",)

    def compile(self, spec: Mapping[str, Any]) -> Any:
        return tuple(spec["values"])

    def test(self, arg: Any, value: Any) -> tuple[Tri, str]:
        return any(same(value, a) for a in arg), ""

    def expected(self, arg: Any) -> str:
        return "one of " + ", ".join(repr(a) for a in arg)


@register
class Matches(ValueOperator):
    """Every value matches the regular expression ``pattern`` as a whole (RE2-safe
    subset, bounded time: see ``regexguard``)."""

    name = "matches"
    fields = {"pattern": {"type": "string", "minLength": 1, "maxLength": 256}}
    required = ("pattern",)

    def compile(self, spec: Mapping[str, Any]) -> Any:
        try:
            return compile_safe(spec["pattern"])
        except UnsafePattern as exc:
            raise ArgError(f"pattern {spec['pattern']!r}: {exc}", "pattern") from None

    def test(self, arg: Any, value: Any) -> tuple[Tri, str]:
        s = str(value)
        if len(s) > MAX_INPUT:
            return None, f"value longer than {MAX_INPUT} characters, not matched"
        return arg.fullmatch(s), ""  # RegexTimeout: the pack reports rule-not-decided

    def expected(self, arg: Any) -> str:
        return f"a match of /{arg.pattern}/"


@register
class Range(ValueOperator):
    """Every value is a number within ``min`` / ``max``."""

    name = "range"
    fields = {"min": {"type": "number"}, "max": {"type": "number"}}
    one_of = ("min", "max")

    def compile(self, spec: Mapping[str, Any]) -> Any:
        return bounds(self.name, spec)

    def test(self, arg: Any, value: Any) -> tuple[Tri, str]:
        n = number(value)
        if n is None:
            return False, "not a number"
        return within(n, arg), ""

    def expected(self, arg: Any) -> str:
        return bounds_text(arg)


@register
class Length(ValueOperator):
    """Every value has ``min`` to ``max`` characters."""

    name = "length"
    fields = _MIN_MAX_INT
    one_of = ("min", "max")

    def compile(self, spec: Mapping[str, Any]) -> Any:
        return bounds(self.name, spec)

    def test(self, arg: Any, value: Any) -> tuple[Tri, str]:
        n = len(str(value))
        return within(n, arg), f"{n} characters"

    def expected(self, arg: Any) -> str:
        return bounds_text(arg, " characters")


@register
class PnFormatted(ValueOperator):
    """Every value is a well-formed Person Name with the ``require``d components
    (default: family)."""

    name = "pn_formatted"
    shorthand = True
    fields = {"require": {"type": "array", "items": {"enum": list(COMPONENTS)},
                          "uniqueItems": True}}

    def compile(self, spec: Mapping[str, Any]) -> Any:
        return tuple(spec.get("require", ("family",)))

    def test(self, arg: Any, value: Any) -> tuple[Tri, str]:
        problems = pn_problems(str(value), arg)
        return not problems, "; ".join(problems)

    def expected(self, arg: Any) -> str:
        req = " with " + ", ".join(arg) + " name" if arg else ""
        return "a Person Name in ^-separated components" + req


@register
class UidRoot(ValueOperator):
    """Every value is a valid UID equal to or under one of ``roots``."""

    name = "uid_root"
    fields = {"roots": {"type": "array", "items": _UID, "minItems": 1}}
    required = ("roots",)

    def compile(self, spec: Mapping[str, Any]) -> Any:
        return tuple(spec["roots"])

    def test(self, arg: Any, value: Any) -> tuple[Tri, str]:
        why = uid_problem(str(value))
        if why:
            return False, why
        if under_root(str(value), arg):
            return True, ""
        return False, f"{value} is not under {' or '.join(arg)}"

    def expected(self, arg: Any) -> str:
        return "a UID under " + " or ".join(arg)


# -- across items -----------------------------------------------------------------------

@register
class SameInAllItems(ItemsOperator):
    """Every item of the sequence that has a value has the first one's."""

    name = "same_in_all_items"
    shorthand = True

    def failures(self, arg: Any, seen: list[str]) -> list[tuple[int, str]]:
        return [(i, f"differs from {seen[0]!r}") for i, v in enumerate(seen) if v != seen[0]]

    def expected(self, arg: Any) -> str:
        return "the same value in every item"


@register
class UniqueInSequence(ItemsOperator):
    """No two items of the sequence have the same value."""

    name = "unique_in_sequence"
    shorthand = True

    def failures(self, arg: Any, seen: list[str]) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        earlier: set[str] = set()
        for i, v in enumerate(seen):
            if v in earlier:
                out.append((i, "repeats an earlier item's value"))
            earlier.add(v)
        return out

    def expected(self, arg: Any) -> str:
        return "a different value in every item"
