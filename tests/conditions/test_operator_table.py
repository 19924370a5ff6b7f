"""A condition operator is one table entry: registering one here (and nothing else)
makes it part of the JSON schema of expressions, both evaluators, the printer and the
YAML ``when:`` of rule files (docs/CONTRACTS.md "Adding a condition operator")."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydicom.dataset import Dataset

import conformance
from conformance.conditions import reference
from conformance.conditions.compiled import evaluate
from conformance.conditions.context import EvalContext
from conformance.conditions.leaves import element_values
from conformance.conditions.lookup import locate
from conformance.conditions.opdef import REF, ConditionOp, attr_with, register, unregister
from conformance.conditions.optable import REGISTRY
from conformance.conditions.printer import to_text
from conformance.errors import RuleFileError, StandardDataError
from conformance.rules import load_pack, schema_text
from conformance.schemas import validate_document


def _starts_with(e: dict[str, Any], ctx: EvalContext) -> bool | None:
    found = locate(e["attr"], ctx)
    if found is None:
        return None
    return any(str(v).startswith(e["prefix"]) for el in found for v in element_values(el))


STARTS_WITH = ConditionOp(
    "starts_with",
    text=lambda e, inner: f"{e['attr']['tag']} starts with {e['prefix']!r}",
    fields={"attr": REF, "prefix": {"type": "string", "minLength": 1}},
    required=("attr", "prefix"),
    evaluate=_starts_with,
    yaml=attr_with({"prefix": {"type": "string", "minLength": 1}}, ("prefix",),
                   lambda arg, refs, at: {"prefix": arg["prefix"]}),
)


@pytest.fixture
def starts_with() -> Iterator[None]:
    register(STARTS_WITH)
    try:
        yield
    finally:
        unregister("starts_with")


def _expr() -> dict[str, Any]:  # a new object each time: compiled forms are cached by id
    return {"op": "starts_with", "prefix": "ACC",
            "attr": {"tag": "00080050", "scope": "root", "index": None, "path": None}}


def _ctx(**kw: str) -> EvalContext:
    ds = Dataset()
    for k, v in kw.items():
        setattr(ds, k, v)
    return EvalContext.at_root(ds)


def test_one_entry_is_schema_checked_evaluated_and_printed(starts_with: None) -> None:
    validate_document("expr", _expr())
    with pytest.raises(StandardDataError, match="prefix"):
        validate_document("expr", {k: v for k, v in _expr().items() if k != "prefix"})
    for ctx, want in ((_ctx(AccessionNumber="ACC1"), True), (_ctx(AccessionNumber="B1"), False)):
        assert reference.evaluate(_expr(), ctx) is want
        assert evaluate(_expr(), ctx) is want  # the compiled evaluator agrees
    # in the language: combined with the built-in operators, three-valued
    both = {"op": "and", "args": [_expr(), {"op": "unknown", "text": "x"}]}
    assert evaluate(both, _ctx(AccessionNumber="B1")) is False
    assert evaluate(both, _ctx(AccessionNumber="ACC1")) is None
    assert to_text({"op": "not", "arg": _expr()}) == "not 00080050 starts with 'ACC'"


def test_one_entry_is_a_when_operator_of_rule_files(starts_with: None, tmp_path: Path) -> None:
    assert "starts_with" in json.loads(schema_text())["$defs"]["when"]["properties"]
    rule = tmp_path / "r.yaml"
    rule.write_text(
        "version: 1\nrules:\n  - id: acc-station\n    severity: error\n"
        "    message: m\n    when: {starts_with: {attr: AccessionNumber, prefix: ACC}}\n"
        "    check: {present: StationName}\n", encoding="utf-8")
    pack = load_pack(rule)
    assert pack.rules[0].when == {**_expr(), "attr": {**_expr()["attr"], "path": None}}
    v = conformance.Validator(rules=[pack])

    def codes(**kw: str) -> set[str]:
        ds = Dataset()
        for k, val in kw.items():
            setattr(ds, k, val)
        return {f.code for f in v.validate(ds).findings}

    assert "acc-station" in codes(AccessionNumber="ACC1")
    assert "acc-station" not in codes(AccessionNumber="B1")
    bad = tmp_path / "bad.yaml"
    bad.write_text(rule.read_text().replace(", prefix: ACC", ""), encoding="utf-8")
    with pytest.raises(RuleFileError, match="'prefix' is required"):
        load_pack(bad)


def test_without_the_entry_the_operator_is_unknown(tmp_path: Path) -> None:
    assert "starts_with" not in REGISTRY
    assert reference.evaluate(_expr(), _ctx(AccessionNumber="ACC1")) is None
    assert evaluate(_expr(), _ctx(AccessionNumber="ACC1")) is None
    validate_document("expr", {"op": "starts_with"})  # unknown ops: the language may grow
    assert to_text(_expr()) == "?starts_with"
    assert "starts_with" not in json.loads(schema_text())["$defs"]["when"]["properties"]


def test_every_entry_is_complete() -> None:
    structural = {"and", "or", "not", "true", "false", "unknown", "fact", "referenced"}
    assert {n for n, op in REGISTRY.items() if op.evaluate is None} == structural
    for name, op in REGISTRY.items():
        assert op.name == name
        assert set(op.required) <= set(op.fields), name
        if op.yaml is not None:
            assert op.yaml.schema, name


def test_a_compiled_form_needs_its_reference(starts_with: None) -> None:
    fast: Callable[..., Any] = lambda e, leaf: leaf  # noqa: E731
    with pytest.raises(ValueError, match="reference"):
        register(ConditionOp("x", text=lambda e, inner: "x", compiled=fast))
