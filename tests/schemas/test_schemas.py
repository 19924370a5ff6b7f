"""The JSON Schemas of the build folder: well-formed, accept good and reject bad documents."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from conformance.errors import StandardDataError
from conformance.schemas import SCHEMA_NAMES, backend, load_schema, validate_document
from tests.helpers.standard_build import tiny_documents

BACKENDS = ["jsonschema"] + (["jsonschema-rs"] if backend() == "jsonschema-rs" else [])


def _ref(tag: str = "00080016") -> dict[str, Any]:
    return {"tag": tag, "scope": "item", "index": None, "path": None}


def _with_condition(cond: dict[str, Any] | None) -> dict[str, Any]:
    docs = tiny_documents()
    docs["modules"]["modules"]["tiny-image"]["attributes"][2]["condition"] = cond
    return docs["modules"]


def _cond(expr: dict[str, Any] | None) -> dict[str, Any]:
    return {"text": "Required if ...", "expr": expr, "otherwise": "not_allowed", "error": None}


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schemas_are_valid_draft_2020_12(name: str) -> None:
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_unknown_schema_name() -> None:
    with pytest.raises(StandardDataError, match="no schema named"):
        load_schema("nope")


@pytest.mark.parametrize("using", BACKENDS)
def test_tiny_build_documents_are_valid(using: str) -> None:
    for name, doc in tiny_documents().items():
        validate_document(name, doc, using=using)


BAD = [
    ("iods", lambda d: d["iods"]["iods"]["tiny-image"].pop("functional_groups"),
     "functional_groups"),
    ("iods", lambda d: d["iods"]["iods"].update({"CT Image": {}}), "CT Image"),
    ("modules", lambda d: d["modules"]["modules"]["tiny-image"]["attributes"][0].update(
        tag="0008,0008"), "tag"),
    ("modules", lambda d: d["modules"]["modules"]["tiny-image"]["attributes"][0].update(
        kind="row"), "attributes[0]"),
    ("modules", lambda d: d["modules"]["modules"]["tiny-image"]["attributes"][1]["children"]
     [0]["include"].update(kind="iod"), "include"),
    ("modules", lambda d: d["modules"]["modules"]["tiny-image"]["attributes"][0].update(
        items={"min": -1, "max": None}), "items"),
    ("modules", lambda d: d["modules"]["modules"]["tiny-image"]["attributes"][0].update(
        enums=[{"kind": "listed", "value_index": None, "values": []}]), "enums"),
    ("sop_classes", lambda d: d["sop_classes"]["sop_classes"]["1.2.3.4"].update(
        retired="no"), "retired"),
    ("dictionary", lambda d: d["dictionary"]["elements"]["00100010"].pop("vm"), "vm"),
    ("vrs", lambda d: d["vrs"]["vrs"].update({"pn": {}}), "pn"),
    ("anomalies", lambda d: d["anomalies"]["anomalies"].append({"kind": "x"}), "anomalies"),
    ("manifest", lambda d: d["manifest"].update(format=2), "format"),
    ("manifest", lambda d: d["manifest"]["parts"]["3"].update(sha256="abc"), "sha256"),
    ("manifest", lambda d: d["manifest"]["counts"].pop("conditions_parsed"), "counts"),
]


@pytest.mark.parametrize("using", BACKENDS)
@pytest.mark.parametrize("name, damage, where", BAD)
def test_bad_documents_rejected_with_path(using: str, name: str, damage: Any,
                                          where: str) -> None:
    docs = tiny_documents()
    damage(docs)
    with pytest.raises(StandardDataError) as info:
        validate_document(name, docs[name], using=using)
    message = str(info.value)
    assert message.startswith(f"{name}.json fails its schema at $")
    assert where in message


def test_default_backend_reports_the_deepest_error() -> None:
    # Inside the anyOf of Node the first failure is deep: the path must say where.
    doc = _with_condition(_cond({"op": "eq", "attr": _ref("0008001"), "values": ["A"]}))
    with pytest.raises(StandardDataError, match=r"condition\.expr\.attr\.tag: '0008001'"):
        validate_document("modules", doc)


GOOD_EXPRS = [
    {"op": "present", "attr": _ref()},
    {"op": "eq", "attr": _ref() | {"index": 1}, "values": ["ORIGINAL", 2]},
    {"op": "gt", "attr": _ref(), "value": 1.5},
    {"op": "and", "args": [{"op": "absent", "attr": _ref()},
                           {"op": "not", "arg": {"op": "empty", "attr": _ref("60xx3000")}}]},
    {"op": "sop_class", "uids": ["1.2.840.10008.5.1.4.1.1.2"]},
    {"op": "module_present", "module": "contrast-bolus", "kind": "module"},
    {"op": "points_to", "attr": _ref(), "target": "00280010"},
    {"op": "contains_code", "attr": _ref(), "codes": [{"value": "121", "scheme": "DCM",
                                                       "meaning": None}]},
    {"op": "item_position", "position": "first", "sequence": None},
    {"op": "item_position", "position": 2, "sequence": "00081140"},
    {"op": "mutually_exclusive", "attrs": [_ref(), _ref("00100010")]},
    {"op": "unknown", "text": "if the image was acquired with contrast"},
    {"op": "true"},
    {"op": "some_future_op", "anything": [1, 2]},
    {"op": "present", "attr": _ref() | {"scope": "frame", "path": ["00289110", "00280030"]}},
]

BAD_EXPRS = [
    {"attr": _ref()},
    {"op": ""},
    {"op": "present"},
    {"op": "present", "attr": {"scope": "item"}},
    {"op": "present", "attr": _ref() | {"scope": "sibling"}},
    {"op": "present", "attr": _ref() | {"index": 0}},
    {"op": "eq", "attr": _ref(), "values": [None]},
    {"op": "lt", "attr": _ref(), "value": "3"},
    {"op": "and", "args": [{"op": "present"}]},
    {"op": "not", "arg": "x"},
    {"op": "module_present", "module": "x", "kind": "iod"},
    {"op": "item_position", "position": "middle"},
    {"op": "contains_code", "attr": _ref(), "codes": [{"value": "1"}]},
    {"op": "unknown"},
]


@pytest.mark.parametrize("expr", GOOD_EXPRS)
def test_expressions_accepted(expr: dict[str, Any]) -> None:
    for using in BACKENDS:
        validate_document("expr", expr, using=using)
        validate_document("modules", _with_condition(_cond(expr)), using=using)


@pytest.mark.parametrize("expr", BAD_EXPRS)
def test_expressions_rejected(expr: dict[str, Any]) -> None:
    for using in BACKENDS:
        with pytest.raises(StandardDataError):
            validate_document("expr", expr, using=using)
        with pytest.raises(StandardDataError):
            validate_document("modules", _with_condition(_cond(expr)), using=using)


def test_condition_shape() -> None:
    good = _cond(None) | {"forbidden_if": {"op": "true"}, "may_if": None}
    validate_document("condition", good)
    for bad in ({"text": "x"}, _cond(None) | {"otherwise": "sometimes"},
                _cond(None) | {"error": 3}, _cond(None) | {"forbidden_if": {"no": "op"}}):
        with pytest.raises(StandardDataError):
            validate_document("condition", bad)


_tags = st.text(alphabet="0123456789ABCDEFx", min_size=8, max_size=8)
_leaf = st.builds(lambda op, tag: {"op": op, "attr": _ref(tag)},
                  st.sampled_from(["present", "absent", "has_value", "empty"]), _tags)
_exprs = st.recursive(_leaf, lambda inner: st.one_of(
    st.builds(lambda a: {"op": "and", "args": a}, st.lists(inner, max_size=3)),
    st.builds(lambda a: {"op": "not", "arg": a}, inner)), max_leaves=8)


@settings(max_examples=50, deadline=None)
@given(_exprs)
def test_generated_expressions_valid_in_every_backend(expr: dict[str, Any]) -> None:
    for using in BACKENDS:
        validate_document("expr", copy.deepcopy(expr), using=using)


def test_prepare_makes_every_document_validator_once() -> None:
    """``prepare`` (run while a build waits for its reading child) leaves nothing for
    the writing to make: validating each document afterwards builds no validator."""
    import conformance.schemas as schemas
    from conformance.schemas import DOCUMENT_NAMES, prepare

    if backend() != "jsonschema-rs":
        pytest.skip("jsonschema-rs not installed: prepare has nothing to make")
    from conformance.compiler.writer import ORDER

    assert set(DOCUMENT_NAMES) == set(ORDER)  # every document a build writes has one
    schemas._rs_validator_of.cache_clear()
    prepare()
    made = schemas._rs_validator_of.cache_info().currsize
    assert made == len(DOCUMENT_NAMES)
    documents = tiny_documents()
    for name, doc in documents.items():
        validate_document(name, doc)
    assert schemas._rs_validator_of.cache_info().currsize == made
    assert schemas._rs_validator_of.cache_info().misses == made


def test_meanwhile_prepares_the_schema_validators(monkeypatch: pytest.MonkeyPatch) -> None:
    import conformance.schemas as schemas
    from conformance.compiler.meanwhile import Meanwhile

    calls: list[bool] = []
    monkeypatch.setattr(schemas, "prepare", lambda: calls.append(True))
    hook = Meanwhile(cids=False)
    hook()
    assert calls == [True]
    assert hook.result() == ({}, [])
