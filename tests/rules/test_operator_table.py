"""A ``check:`` operator is one class: defining one here (and nothing else) makes it
part of the rule file schema, the compiler and the evaluator (docs/CONTRACTS.md
"Adding a YAML operator")."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import conformance
from conformance.errors import RuleFileError
from conformance.rules import load_pack, schema_text
from conformance.rules.opbase import (
    REGISTRY,
    ArgError,
    ItemsOperator,
    Operator,
    Tri,
    ValueOperator,
    register,
    unregister,
)
from conformance.rules.operators import REGISTRY as USED

from .conftest import codes, dataset

RULE = """\
version: 1
rules:
  - id: prefixed
    severity: warning
    message: "{{keyword}} is {{value}}, expected {{expected}}"
    check: {check}
"""


class StartsWith(ValueOperator):
    """Every value starts with ``prefix`` (the worked example of docs/CONTRACTS.md)."""

    name = "starts_with"
    fields = {"prefix": {"type": "string", "minLength": 1}}
    required = ("prefix",)

    def compile(self, spec: Mapping[str, Any]) -> Any:
        if spec["prefix"].strip() != spec["prefix"]:
            raise ArgError("starts_with: the prefix has padding spaces", "prefix")
        return spec["prefix"]

    def test(self, arg: Any, value: Any) -> tuple[Tri, str]:
        return str(value).startswith(arg), ""

    def expected(self, arg: Any) -> str:
        return f"a value starting with {arg!r}"


@pytest.fixture
def starts_with() -> Iterator[None]:
    register(StartsWith)
    try:
        yield
    finally:
        unregister("starts_with")


def _rule(write: Callable[..., Path], check: str) -> Path:
    return write(RULE.format(check=check))


def test_one_class_is_parsed_validated_and_evaluated(
        starts_with: None, write: Callable[..., Path]) -> None:
    assert USED is REGISTRY  # the evaluator reads the same table
    # the schema has the class's fragment
    check = json.loads(schema_text())["$defs"]["check"]["properties"]
    assert check["starts_with"] == StartsWith.schema()
    # parsed and compiled
    pack = load_pack(_rule(write, "{starts_with: {target: AccessionNumber, prefix: ACC}}"))
    (rule,) = pack.rules
    assert rule.check.op == "starts_with" and rule.check.arg == "ACC"
    # evaluated, with the class's "expected" text
    v = conformance.Validator(rules=[pack], show_values=True)
    assert codes(v.validate(dataset(AccessionNumber="ACC123"))) == []
    found = [f for f in v.validate(dataset(AccessionNumber="X123")).findings
             if f.code == "prefixed"]
    assert len(found) == 1 and "expected a value starting with 'ACC'" in found[0].message
    # a value operator does not apply to an absent element
    assert codes(v.validate(dataset())) == []
    # ... and combines with the built-in ones
    both = load_pack(_rule(write, "{all: [{present: AccessionNumber}, "
                                  "{starts_with: {target: AccessionNumber, prefix: A}}]}"))
    assert codes(conformance.Validator(rules=[both]).validate(dataset())) == ["prefixed"]


def test_the_schema_fragment_and_compile_errors_reach_the_user(
        starts_with: None, write: Callable[..., Path]) -> None:
    with pytest.raises(RuleFileError) as info:  # the schema: prefix is required
        load_pack(_rule(write, "{starts_with: {target: AccessionNumber}}"))
    assert "'prefix' is required" in str(info.value) and info.value.line == 6
    with pytest.raises(RuleFileError) as info:  # the class's compile(): ArgError
        load_pack(_rule(write, '{starts_with: {target: AccessionNumber, prefix: "A "}}'))
    assert "the prefix has padding spaces" in str(info.value)


def test_without_the_class_the_operator_is_unknown(write: Callable[..., Path]) -> None:
    assert "starts_with" not in REGISTRY
    assert "starts_with" not in json.loads(schema_text())["$defs"]["check"]["properties"]
    with pytest.raises(RuleFileError) as info:
        load_pack(_rule(write, "{starts_with: {target: AccessionNumber, prefix: ACC}}"))
    assert "starts_with" in str(info.value)


def test_every_builtin_operator_is_a_documented_unit() -> None:
    kinds = (Operator, ValueOperator, ItemsOperator)
    assert len(REGISTRY) >= 13
    for name, op in REGISTRY.items():
        assert op.name == name and isinstance(op, kinds)
        assert type(op).__doc__, name
        # the fragment is a mapping with a target, or a bare target string
        frag = op.schema()
        assert "oneOf" in frag or "target" in frag["properties"], name


def test_combinator_names_cannot_be_taken() -> None:
    class All(Operator):
        name = "all"

    with pytest.raises(ValueError, match="combinator"):
        register(All)
