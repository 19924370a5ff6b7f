"""What a YAML rule operator is: one class with its name, argument schema, compiler,
evaluator and "expected" text; the registry every other part reads.

Adding an operator is writing one subclass and decorating it with :func:`register`
(docs/CONTRACTS.md "Adding a YAML operator"): the rule file schema
(:mod:`conformance.rules.schema`), the rule compiler (:mod:`conformance.rules.loader`)
and the evaluator (:mod:`conformance.rules.operators`) read :data:`REGISTRY`.

Three kinds, by how an operator looks at a target's slots:

- :class:`Operator` (presence-like): ``slot(arg, element)`` decides one slot, also when
  the element is absent (``element`` is None);
- :class:`ValueOperator`: ``test(arg, value)`` decides one value; it does not apply to
  an absent or empty element, a sequence or a binary value;
- :class:`ItemsOperator`: ``failures(arg, seen)`` compares the values found in the items
  of a sequence (the target must be inside a sequence).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

from pydicom.dataelem import DataElement
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence

Tri = bool | None

_TARGET = {"$ref": "#/$defs/target"}


class ArgError(ValueError):
    """An argument the schema allows but the operator refuses; ``key`` is the argument's
    key in the mapping (None: the operator's mapping as a whole)."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class Operator:
    """One ``check:`` operator: ``{name: TARGET}`` or ``{name: {target: TARGET, ...}}``."""

    name: ClassVar[str]
    #: argument keys besides ``target`` -> their JSON Schema
    fields: ClassVar[Mapping[str, Any]] = {}
    #: keys of ``fields`` that must be given
    required: ClassVar[tuple[str, ...]] = ()
    #: at least one of these keys must be given (``min`` / ``max``)
    one_of: ClassVar[tuple[str, ...]] = ()
    #: a bare target string is allowed (``{present: Modality}``)
    shorthand: ClassVar[bool] = False
    #: the target must be inside a sequence (``Seq[*].Attr``)
    needs_sequence: ClassVar[bool] = False

    def compile(self, spec: Mapping[str, Any]) -> Any:
        """The compiled argument of ``spec`` (the schema-valid mapping, with ``target``);
        raise ArgError for what the schema cannot say."""
        return None

    def slot(self, arg: Any, element: DataElement | None) -> tuple[Tri, str, str]:
        """(result, value shown in messages, why it failed) at one slot."""
        raise NotImplementedError

    def expected(self, arg: Any) -> str:
        """What the operator wants, for ``{expected}`` in messages."""
        return self.name

    @classmethod
    def schema(cls) -> dict[str, Any]:
        """The operator's fragment of the rule file schema (``$defs.check.properties``)."""
        mapping: dict[str, Any] = {
            "type": "object", "additionalProperties": False,
            "properties": {"target": _TARGET, **cls.fields},
            "required": ["target", *cls.required]}
        if cls.one_of:
            mapping["anyOf"] = [{"required": [k]} for k in cls.one_of]
        if cls.shorthand:
            return {"oneOf": [_TARGET, mapping]}
        return mapping


class ValueOperator(Operator):
    """An operator on each value of an element; does not apply to absent or empty
    elements (combine with ``present`` / ``not_empty`` to require a value)."""

    def test(self, arg: Any, value: Any) -> tuple[Tri, str]:
        """(result, why it failed) for one value (a number, or a string without padding)."""
        raise NotImplementedError

    def slot(self, arg: Any, element: DataElement | None) -> tuple[Tri, str, str]:
        if element is None:
            return None, "", ""
        vals = values_of(element)
        if vals is None or element.VR == "SQ" or not vals:
            return None, "", ""
        result: Tri = True
        whys: list[str] = []
        for v in vals:
            ok, why = self.test(arg, v)
            if ok is False:
                result = False
                if why:
                    whys.append(why)
            elif ok is None and result is True:
                result = None
        return result, show(vals), "; ".join(whys)


class ItemsOperator(Operator):
    """An operator across the items of a sequence (at least two items with a value)."""

    needs_sequence = True

    def failures(self, arg: Any, seen: list[str]) -> list[tuple[int, str]]:
        """(position in ``seen``, why) of each value that fails, given the values shown
        of the items that have one, in item order."""
        raise NotImplementedError

    def slot(self, arg: Any, element: DataElement | None) -> tuple[Tri, str, str]:
        raise TypeError(f"{self.name} compares items, it does not decide one slot")


REGISTRY: dict[str, Operator] = {}
COMBINATORS = ("all", "any", "not")


def register(cls: type[Operator]) -> type[Operator]:
    """Class decorator: make ``cls`` the operator named ``cls.name``."""
    if cls.name in COMBINATORS:
        raise ValueError(f"{cls.name!r} is a combinator, not an operator name")
    REGISTRY[cls.name] = cls()
    return cls


def unregister(name: str) -> None:
    """Forget an operator (tests that define one)."""
    REGISTRY.pop(name, None)


# -- value helpers the operators share --------------------------------------------------

def values_of(elem: DataElement) -> list[Any] | None:
    """The element's values (strings stripped of padding); None for binary data."""
    try:
        v = elem.value
    except Exception:  # noqa: BLE001 - an unparsable value: the rule cannot decide
        return None
    if v is None:
        return []
    if isinstance(v, Sequence):
        return list(v)
    if isinstance(v, bytes | bytearray):
        return None
    items = list(v) if isinstance(v, MultiValue | list | tuple) else [v]
    out: list[Any] = []
    for it in items:
        if isinstance(it, int | float) and not isinstance(it, bool):
            out.append(it)
        else:
            out.append(str(it).strip(" \x00"))
    if len(out) == 1 and out[0] == "":
        return []
    return out


def show(values: list[Any]) -> str:
    text = "\\".join(str(v) for v in values)
    return text if len(text) <= 80 else text[:77] + "..."


def number(v: Any) -> float | None:
    """``v`` as a finite number, or None."""
    if isinstance(v, int | float):
        return float(v)
    try:
        f = float(str(v))
    except ValueError:
        return None
    return f if math.isfinite(f) else None


def same(a: Any, b: Any) -> bool:
    """A value equals an expected one (numerically when the expected one is a number)."""
    if isinstance(b, int | float) and not isinstance(b, bool):
        na = number(a)
        return na is not None and na == float(b)
    return str(a) == str(b)


def bounds_text(arg: tuple[Any, Any], unit: str = "") -> str:
    lo, hi = arg
    if lo is not None and hi is not None:
        return f"{lo} to {hi}{unit}"
    return f"at least {lo}{unit}" if lo is not None else f"at most {hi}{unit}"


def bounds(name: str, spec: Mapping[str, Any]) -> tuple[Any, Any]:
    """``(min, max)`` of a ``min`` / ``max`` argument; ArgError when min > max."""
    lo, hi = spec.get("min"), spec.get("max")
    if lo is not None and hi is not None and lo > hi:
        raise ArgError(f"{name}: min {lo} is greater than max {hi}")
    return (lo, hi)


def within(n: float, arg: tuple[Any, Any]) -> bool:
    lo, hi = arg
    return (lo is None or n >= lo) and (hi is None or n <= hi)
