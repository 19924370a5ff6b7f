"""The rule file JSON Schema and readable error messages.

The schema is assembled at load time: ``rules_base.schema.json`` (the file's shape) plus
one property of ``$defs.check`` per check operator class (``REGISTRY`` of
:mod:`conformance.rules.opbase`, filled by :mod:`conformance.rules.opset`) and one of
``$defs.when`` per condition operator with a YAML form (:mod:`conformance.conditions.
optable`), so an operator's argument schema lives beside its compiler and evaluator.
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from conformance.errors import RuleFileError
from conformance.rules.yamlmarks import key_mark, mark_at


def _operators() -> tuple[tuple[str, Any], ...]:
    """The check operators, then the condition operators (``when:``) with a YAML form."""
    from conformance.conditions.optable import REGISTRY as CONDITIONS
    from conformance.rules.operators import REGISTRY  # the built-in operators registered

    return (*REGISTRY.items(),
            *((f"when:{name}", op.yaml) for name, op in CONDITIONS.items() if op.yaml))


def schema_text() -> str:
    """The rule file schema (``conformance rules schema``) of the registered operators."""
    return _text(_operators())


def schema() -> dict[str, Any]:
    """The rule file schema as a mapping (a fresh copy)."""
    return json.loads(schema_text())


@cache
def _text(ops: tuple[tuple[str, Any], ...]) -> str:
    base = json.loads(resources.files("conformance.rules")
                      .joinpath("rules_base.schema.json").read_text("utf-8"))
    del base["$comment"]
    check, when = base["$defs"]["check"]["properties"], base["$defs"]["when"]["properties"]
    for name, op in ops:
        if name.startswith("when:"):
            when[name[5:]] = op.schema
        else:
            check[name] = op.schema()
    return json.dumps(base, indent=1, sort_keys=True) + "\n"


@cache
def top_level_keys() -> frozenset[str]:
    """The keys a rule file may have at its top level (the schema's properties)."""
    return frozenset(json.loads(schema_text())["properties"])


def _validator() -> jsonschema.protocols.Validator:
    return _validator_of(_operators())


@cache
def _validator_of(ops: tuple[tuple[str, Any], ...]) -> jsonschema.protocols.Validator:
    schema = json.loads(_text(ops))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def _where(path: list[Any]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "top level"


def _explain(err: ValidationError, doc: Any, file: str) -> RuleFileError:
    if err.validator in ("oneOf", "anyOf") and err.context:
        # the target shorthand (string or mapping): report the branch that got closest
        inner = best_match(err.context)
        if inner is not None and inner.validator != "type":
            return _explain(inner, doc, file)
    path = list(err.absolute_path)
    mark = mark_at(doc, path)
    where = _where(path)
    schema = err.schema if isinstance(err.schema, dict) else {}
    allowed = sorted(schema.get("properties", {}))
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        extra = [k for k in err.instance if k not in schema.get("properties", {})]
        key = extra[0] if extra else None
        mark = key_mark(doc, path, key) if key is not None else mark
        close = difflib.get_close_matches(str(key), allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        msg = f"{where}: unknown key {key!r}; {hint}expected one of: {', '.join(allowed)}"
    elif err.validator == "required":
        msg = f"{where}: {err.message.replace(' is a required property', '')} is required"
    elif err.validator == "maxProperties" and allowed:
        msg = (f"{where}: one operator per mapping, got {', '.join(map(str, err.instance))}"
               " (combine them with all: [...] or any: [...])")
    elif err.validator == "minProperties" and allowed:
        msg = f"{where}: empty; expected one of: {', '.join(allowed)}"
    elif err.validator == "type":
        msg = f"{where}: expected {schema.get('type')}, got {type(err.instance).__name__}"
    elif err.validator == "enum":
        msg = f"{where}: {err.instance!r} is not one of {', '.join(map(repr, err.validator_value))}"
    else:
        msg = f"{where}: {err.message}"
    return RuleFileError(msg, file=file, line=mark.line if mark else None,
                         column=mark.column if mark else None)


def schema_errors(doc: Any, file: str) -> list[RuleFileError]:
    """Every schema violation of ``doc``, in document order."""
    errs = sorted(_validator().iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    out = [_explain(e, doc, file) for e in errs]
    out.sort(key=lambda e: (e.line or 0, e.column or 0))
    return out
