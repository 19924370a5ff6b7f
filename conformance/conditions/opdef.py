"""What a condition operator is: one :class:`ConditionOp` entry with its name, its JSON
fields (schema fragment), its semantics (reference leaf and optional compiled
specialisation), its printer and its YAML ``when:`` spelling; the registry every other
part reads.

Adding an operator is one :func:`register` call (docs/CONTRACTS.md "Adding a condition
operator"): ``schemas/expr.schema.json``'s per-op checks (:func:`expr_schema_checks`),
the reference and compiled evaluators, the printer (:mod:`.printer`), the rule file
schema's ``when`` operators and their conversion (:mod:`conformance.rules.when`) all read
:data:`REGISTRY`. The built-in operators are registered by :mod:`.optable`.

The structural operators (``and or not true false unknown fact referenced``) are
entries too (their fields, printer and YAML spelling come from here) but their
evaluation is the evaluators' own: they combine or redirect other expressions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from conformance.conditions.expr import SCOPES

if TYPE_CHECKING:
    from conformance.conditions.context import EvalContext

Tri = bool | None
Expr = dict[str, Any]
#: the reference semantics: ``leaf(expr, ctx) -> True | False | None`` (may raise on odd
#: data; the evaluators answer None then)
LeafFn = Callable[[Expr, "EvalContext"], Tri]
#: a compile-time specialisation: ``compiled(expr, leaf) -> fn(ctx)``; it must give the
#: leaf's answers (call ``leaf`` for anything it does not handle)
CompiledFn = Callable[[Expr, LeafFn], Callable[["EvalContext"], Tri]]

# JSON Schema fragments of Expr fields (refer to $defs of expr.schema.json)
REF = {"$ref": "#/$defs/ref"}
TAG = {"$ref": "#/$defs/tag"}
VALUE = {"$ref": "#/$defs/value"}
EXPR = {"$ref": "#/$defs/expr"}
# ... and of the rule file schema's ``when`` (rules_base.schema.json)
ATTR_PATH = {"$ref": "#/$defs/attr_path"}
WHEN_ATTR = {"$ref": "#/$defs/when_attr"}


class YamlRefs:
    """What a YAML spelling needs from the rule compiler: ``ref(text, scope, index,
    at)`` -> a Ref, ``tag(text, at)`` -> a single tag; both raise ``WhenError``."""

    def ref(self, text: str, scope: str | None, index: int | None,
            at: tuple[Any, ...]) -> dict[str, Any]:
        raise NotImplementedError

    def tag(self, text: str, at: tuple[Any, ...]) -> str:
        raise NotImplementedError


@dataclass(frozen=True, slots=True, eq=False)
class YamlForm:
    """How ``when:`` in a rule file spells an operator: the schema of its argument
    (``{op: ARGUMENT}``) and ``to_expr(argument, refs, at)`` -> the Expr's fields
    besides ``op``."""

    schema: Mapping[str, Any]
    to_expr: Callable[[Any, YamlRefs, tuple[Any, ...]], dict[str, Any]]


def attr_form() -> YamlForm:
    """``{op: ATTR}`` or ``{op: {attr: ATTR, scope: S, index: N}}`` -> ``attr``."""
    return YamlForm(WHEN_ATTR, _attr_only)


def _attr_only(arg: Any, refs: YamlRefs, at: tuple[Any, ...]) -> dict[str, Any]:
    if isinstance(arg, str):
        return {"attr": refs.ref(arg, None, None, at)}
    return {"attr": _attr(arg, refs, at)}


def _attr(arg: Mapping[str, Any], refs: YamlRefs, at: tuple[Any, ...]) -> dict[str, Any]:
    return refs.ref(arg["attr"], arg.get("scope"), arg.get("index"), (*at, "attr"))


def attr_with(fields: Mapping[str, Any], required: tuple[str, ...],
              convert: Callable[[Mapping[str, Any], YamlRefs, tuple[Any, ...]],
                                dict[str, Any]]) -> YamlForm:
    """``{op: {attr: ATTR, scope: S, index: N, **fields}}`` -> ``attr`` plus
    ``convert(argument, refs, at)``."""
    schema = {"type": "object", "additionalProperties": False,
              "properties": {"attr": ATTR_PATH, "scope": {"enum": list(SCOPES)},
                             "index": {"type": "integer", "minimum": 1}, **fields},
              "required": ["attr", *required]}

    def to_expr(arg: Any, refs: YamlRefs, at: tuple[Any, ...]) -> dict[str, Any]:
        return {"attr": _attr(arg, refs, at), **convert(arg, refs, at)}

    return YamlForm(schema, to_expr)


@dataclass(frozen=True, slots=True, eq=False)
class ConditionOp:
    """One operator of the condition language (docs/CONTRACTS.md "Expr")."""

    name: str
    #: a one-line reading for people; ``text(expr, inner)`` with ``inner(sub_expr)``
    #: printing a sub-expression
    text: Callable[[Expr, Callable[[Expr], str]], str]
    #: the Expr's fields besides ``op`` -> JSON Schema, and those that must be given
    fields: Mapping[str, Any] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    #: the reference semantics (None: structural, evaluated by the evaluators)
    evaluate: LeafFn | None = None
    #: optional compile-time specialisation of ``evaluate``
    compiled: CompiledFn | None = None
    #: the YAML ``when:`` spelling (None: not written in rule files)
    yaml: YamlForm | None = None
    #: printed in parentheses inside another expression (``and`` / ``or``)
    grouped: bool = False


REGISTRY: dict[str, ConditionOp] = {}


def register(op: ConditionOp) -> ConditionOp:
    """Add ``op`` to the language (replacing an entry of the same name)."""
    if op.compiled is not None and op.evaluate is None:
        raise ValueError(f"{op.name}: a compiled form needs the reference leaf it must equal")
    REGISTRY[op.name] = op
    return op


def unregister(name: str) -> None:
    """Forget an operator (tests that define one)."""
    REGISTRY.pop(name, None)


def expr_schema_checks(ops: Mapping[str, ConditionOp]) -> list[dict[str, Any]]:
    """The ``allOf`` of ``expr.schema.json``'s ``expr``: one ``if op ... then fields``
    per group of operators with the same fields (in registry order)."""
    groups: list[tuple[dict[str, Any], list[str]]] = []
    for name, op in ops.items():
        if not op.fields and not op.required:
            continue
        then = {"required": list(op.required), "properties": dict(op.fields)}
        for known, names in groups:
            if known == then:
                names.append(name)
                break
        else:
            groups.append((then, [name]))
    out = []
    for then, names in groups:
        test = {"enum": names} if len(names) > 1 else {"const": names[0]}
        out.append({"if": {"properties": {"op": test}}, "then": then})
    return out
