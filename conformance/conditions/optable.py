"""The built-in operators of the condition language: one :class:`ConditionOp` entry each,
with its fields, printer, semantics and YAML ``when:`` spelling side by side.

The semantics are the functions of :mod:`.leaves` (the reference meaning) and, where a
faster form pays, :mod:`.compiled_leaves`. Importing this module registers them in
:data:`conformance.conditions.opdef.REGISTRY`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from conformance.conditions import compiled_leaves as fast
from conformance.conditions import leaves as ref
from conformance.conditions.expr import COUNT_CMPS, ref_text
from conformance.conditions.opdef import (
    ATTR_PATH,
    EXPR,
    REF,
    REGISTRY,
    TAG,
    VALUE,
    ConditionOp,
    Expr,
    YamlForm,
    YamlRefs,
    attr_form,
    attr_with,
    register,
)

__all__ = ["REGISTRY"]

Inner = Callable[..., str]
_CMP = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_VERB = {"present": "is present", "absent": "is absent", "has_value": "has a value",
         "empty": "is empty", "changed": "changed since the previous item"}
_UID = {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)*$"}
_KINDS = ["module", "macro", "functional_group"]
_CODES = {"type": "array", "items": {
    "type": "object", "required": ["value", "scheme"],
    "properties": {"value": {"type": "string"}, "scheme": {"type": "string"},
                   "meaning": {"type": ["string", "null"]}}}}
_SEQUENCE = {"anyOf": [TAG, {"type": "null"}]}


def _val(v: Any) -> str:
    return str(v) if isinstance(v, int | float) else f'"{v}"'


def _tag(t: str) -> str:
    return f"({t[:4]},{t[4:]})"


def _of(seq: str | None) -> str:
    return f" of {_tag(seq)}" if seq else ""


# -- attribute presence and values ------------------------------------------------------

def _verb(e: Expr, inner: Inner) -> str:
    return f"{ref_text(e['attr'])} {_VERB[e['op']]}"


for _name, _leaf, _fast in (("present", ref._present, fast._present),
                            ("absent", ref._absent, fast._present),
                            ("has_value", ref._has_value, fast._has_value),
                            ("empty", ref._empty, fast._has_value),
                            ("changed", ref._changed, None)):
    register(ConditionOp(_name, _verb, {"attr": REF}, ("attr",), _leaf, _fast, attr_form()))


def _in(e: Expr, inner: Inner) -> str:
    word = "in" if e["op"] == "eq" else "not in"
    return f"{ref_text(e['attr'])} {word} {{{', '.join(_val(v) for v in e['values'])}}}"


_VALUES = attr_with({"values": {"type": "array", "items": {"type": ["string", "number"]},
                                "minItems": 1}}, ("values",),
                    lambda a, refs, at: {"values": list(a["values"])})
for _name, _leaf, _fast in (("eq", ref._eq, fast._eq), ("ne", ref._ne, fast._ne)):
    register(ConditionOp(_name, _in, {"attr": REF, "values": {"type": "array", "items": VALUE}},
                         ("attr", "values"), _leaf, _fast, _VALUES))

_NUMBER = attr_with({"value": {"type": "number"}}, ("value",),
                    lambda a, refs, at: {"value": a["value"]})
for _name in _CMP:
    register(ConditionOp(
        _name, lambda e, inner: f"{ref_text(e['attr'])} {_CMP[e['op']]} {_val(e['value'])}",
        {"attr": REF, "value": {"type": "number"}}, ("attr", "value"), ref._cmp, fast._cmp,
        _NUMBER))

# -- structure (evaluated by the evaluators themselves) ---------------------------------


def _junction(e: Expr, inner: Inner) -> str:
    return f" {e['op']} ".join(inner(a) for a in e["args"])


for _name in ("and", "or"):
    register(ConditionOp(_name, _junction, {"args": {"type": "array", "items": EXPR}},
                         ("args",), grouped=True))
register(ConditionOp("not", lambda e, inner: f"not {inner(e['arg'])}", {"arg": EXPR}, ("arg",)))

# -- the dataset's kind -----------------------------------------------------------------

register(ConditionOp(
    "sop_class", lambda e, inner: "SOP Class in {" + ", ".join(e["uids"]) + "}",
    {"uids": {"type": "array", "items": {"type": "string"}}}, ("uids",),
    ref._sop_class, fast._sop_class,
    YamlForm({"type": "array", "items": _UID, "minItems": 1},
             lambda a, refs, at: {"uids": [str(u) for u in a]})))

register(ConditionOp(
    "module_present", lambda e, inner: f"{e['kind']} {e['module']} is present",
    {"module": {"type": "string"}, "kind": {"enum": _KINDS}}, ("module",),
    ref._module_present, fast._module_present,
    YamlForm({"type": "object", "additionalProperties": False,
              "properties": {"module": {"type": "string", "minLength": 1},
                             "kind": {"enum": _KINDS}},
              "required": ["module"]},
             lambda a, refs, at: {"module": a["module"], "kind": a.get("kind", "module")})))

# -- references, codes, items -----------------------------------------------------------


def _points_to_yaml(a: Mapping[str, Any], refs: YamlRefs, at: tuple[Any, ...]
                    ) -> dict[str, Any]:
    return {"target": refs.tag(a["target"], (*at, "target"))}


register(ConditionOp(
    "points_to", lambda e, inner: f"{ref_text(e['attr'])} points to {_tag(e['target'])}",
    {"attr": REF, "target": TAG}, ("attr", "target"), ref._points_to, None,
    attr_with({"target": ATTR_PATH}, ("target",), _points_to_yaml)))


def _codes_yaml(a: Mapping[str, Any], refs: YamlRefs, at: tuple[Any, ...]) -> dict[str, Any]:
    return {"codes": [{"value": c["value"], "scheme": c["scheme"],
                       "meaning": c.get("meaning")} for c in a["codes"]]}


def _contains_text(e: Expr, inner: Inner) -> str:
    codes = " or ".join(f"({c['value']}, {c['scheme']})" for c in e["codes"])
    return f"{ref_text(e['attr'])} contains {codes}"


register(ConditionOp(
    "contains_code", _contains_text, {"attr": REF, "codes": _CODES}, ("attr", "codes"),
    ref._contains_code, None,
    attr_with({"codes": {"type": "array", "minItems": 1, "items": {
        "type": "object", "additionalProperties": False, "required": ["value", "scheme"],
        "properties": {"value": {"type": "string"}, "scheme": {"type": "string"},
                       "meaning": {"type": ["string", "null"]}}}}}, ("codes",), _codes_yaml)))

register(ConditionOp(
    "item_position",
    lambda e, inner: f"item is {e['position']}{_of(e.get('sequence'))}",
    {"position": {"anyOf": [{"enum": ["first", "last", "not_last"]}, {"type": "integer"}]},
     "sequence": _SEQUENCE}, ("position",), ref._item_position))

register(ConditionOp(
    "mutually_exclusive",
    lambda e, inner: "at most one of " + ", ".join(ref_text(a) for a in e["attrs"]),
    {"attrs": {"type": "array", "items": REF}}, ("attrs",),
    ref._mutually_exclusive, fast._mutually_exclusive,
    YamlForm({"type": "array", "items": ATTR_PATH, "minItems": 2},
             lambda a, refs, at: {"attrs": [refs.ref(x, None, None, (*at, i))
                                            for i, x in enumerate(a)]})))

register(ConditionOp("unknown", lambda e, inner: f"UNKNOWN[{e.get('text', '')}]",
                     {"text": {"type": "string"}}, ("text",)))

register(ConditionOp(
    "points_to_private", lambda e, inner: f"{ref_text(e['attr'])} points to a private tag",
    {"attr": REF}, ("attr",), ref._points_to_private))


def _count_text(e: Expr, inner: Inner) -> str:
    cmp_sym = {**_CMP, "eq": "==", "ne": "!="}[e["cmp"]]
    return f"count {ref_text(e['attr'])} {cmp_sym} {e['value']}"


register(ConditionOp(
    "count", _count_text,
    {"attr": REF, "cmp": {"enum": list(COUNT_CMPS)}, "value": {"type": "integer"}},
    ("attr", "cmp", "value"), ref._count))


def _referenced_text(e: Expr, inner: Inner) -> str:
    return (f"[item{_of(e.get('sequence'))} with {_tag(e['key'])} = {ref_text(e['by'])}: "
            f"{inner(e['arg'], top=True)}]")


register(ConditionOp(
    "referenced", _referenced_text,
    {"by": REF, "key": TAG, "sequence": _SEQUENCE, "arg": EXPR}, ("by", "key", "arg")))
register(ConditionOp("fact", lambda e, inner: f"FACT[{e.get('name', '')}]",
                     {"name": {"type": "string"}}, ("name",)))
register(ConditionOp("true", lambda e, inner: "true"))
register(ConditionOp("false", lambda e, inner: "false"))
