"""Compile step: conditions filled, SOP classes resolved, counts."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.compiler import compile as comp
from conformance.compiler.compile import Raw, compile_tables, resolve_sop_classes
from conformance.schemas import validate_document
from tests.helpers.standard_build import tiny_documents


def _raw(**extra: Any) -> Raw:
    docs = tiny_documents()
    raw = Raw(iods=docs["iods"]["iods"], modules=docs["modules"]["modules"],
              macros=docs["modules"]["macros"], sop_classes=docs["sop_classes"]["sop_classes"],
              elements=docs["dictionary"]["elements"], uids=docs["dictionary"]["uids"])
    # Raw reader output: conditions carry only their text.
    for iod in raw.iods.values():
        for m in iod["modules"]:
            if m["condition"]:
                m["condition"] = {"text": m["condition"]["text"], "expr": None,
                                  "otherwise": None, "error": None}
    for key, value in extra.items():
        setattr(raw, key, value)
    return raw


def _recording_parser() -> tuple[list[tuple[str, str]], Any]:
    calls: list[tuple[str, str]] = []

    def parse(text: str, kind: str) -> dict[str, Any]:
        calls.append((text, kind))
        if "overlay" in text:
            return {"expr": None, "otherwise": None, "error": "no"}
        return {"expr": {"op": "true"}, "otherwise": "may", "error": None,
                "forbidden_if": None}

    return calls, parse


def test_conditions_get_parser_results_and_kinds() -> None:
    calls, parse = _recording_parser()
    out = compile_tables(_raw(), parse=parse)
    iod_cond = out.documents["iods"]["iods"]["tiny-image"]["modules"][1]["condition"]
    assert iod_cond == {"text": "Required if SOP Class UID is present.", "expr": {"op": "true"},
                        "otherwise": "may", "error": None, "forbidden_if": None}
    overlay = out.documents["modules"]["modules"]["tiny-image"]["attributes"][2]["condition"]
    assert overlay["expr"] is None and overlay["error"] == "no"
    assert sorted(calls) == [("Required if SOP Class UID is present.", "module_usage"),
                             ("Required if an overlay is present.", "attribute_1C")]
    assert out.counts["conditions"] == 2 and out.counts["conditions_parsed"] == 1
    for name, doc in out.documents.items():
        validate_document(name, doc)


def test_same_sentence_parsed_once() -> None:
    raw = _raw()
    table = raw.modules["tiny-patient"]
    for node in table["attributes"]:
        node["type"] = "2C"
        node["condition"] = {"text": "Required if X.", "expr": None, "otherwise": None,
                             "error": None}
    calls, parse = _recording_parser()
    out = compile_tables(raw, parse=parse)
    assert calls.count(("Required if X.", "attribute_2C")) == 1
    assert out.counts["conditions"] == 4


def test_parser_exception_never_fails_the_build() -> None:
    def broken(text: str, kind: str) -> dict[str, Any]:
        raise RecursionError("deep")

    out = compile_tables(_raw(), parse=broken)
    cond = out.documents["iods"]["iods"]["tiny-image"]["modules"][1]["condition"]
    assert cond["expr"] is None
    assert cond["error"] == "parser failed: RecursionError: deep"
    assert out.counts["conditions_parsed"] == 0


def test_input_is_not_mutated() -> None:
    raw = _raw()
    before = copy.deepcopy(raw)
    compile_tables(raw, parse=_recording_parser()[1])
    assert raw == before


def test_counts() -> None:
    out = compile_tables(_raw(), parse=_recording_parser()[1])
    assert out.counts == {"iods": 1, "modules": 2, "macros": 1, "attributes": 7,
                          "sop_classes": 1, "dictionary": 11, "uids": 1, "vrs": 0,
                          "conditions": 2, "conditions_parsed": 1}


def test_default_parser_uses_ps36_names_or_pydicom() -> None:
    with_dict = compile_tables(_raw())
    assert with_dict.names in ("ps3.6", "unavailable")
    without = compile_tables(_raw(elements={}))
    assert without.names.startswith("pydicom") or without.names == "unavailable"
    cond = with_dict.documents["iods"]["iods"]["tiny-image"]["modules"][1]["condition"]
    if with_dict.names == "unavailable":
        assert cond["error"] == comp.UNAVAILABLE
    else:
        # "SOP Class UID is present" is the simplest sentence the language has.
        assert cond["expr"]["op"] == "present"
        assert cond["expr"]["attr"]["tag"] == "00080016"


def test_sop_class_resolution_order_and_retired() -> None:
    iods = {"ct-image": {"name": "CT Image", "reference": {"part": 3, "section": "A.3"}},
            "enhanced-xa-image": {"name": "Enhanced X-Ray Angiographic Image",
                                  "reference": {"part": 3, "section": "A.47"}}}
    sops = {
        "1.1": {"uid": "1.1", "name": "CT", "iod": "ct-image", "iod_name": "CT Image",
                "reference": None, "retired": False},
        "1.2": {"uid": "1.2", "name": "XA", "iod": "enhanced-xa", "iod_name": "Enhanced XA",
                "reference": {"part": 3, "section": "A.47", "table": None}, "retired": False},
        "1.3": {"uid": "1.3", "name": "By name", "iod": None, "iod_name": "CT Image IOD",
                "reference": None, "retired": False},
        "1.4": {"uid": "1.4", "name": "Elsewhere", "iod": "mr-image", "iod_name": "MR Image",
                "reference": {"part": 3, "section": "A.4", "table": None}, "retired": False},
    }
    uids = {"1.4": {"uid": "1.4", "name": "Elsewhere (Retired)", "retired": True}}
    out = resolve_sop_classes(sops, iods, uids)
    assert [out[u]["iod"] for u in ("1.1", "1.2", "1.3", "1.4")] == \
        ["ct-image", "enhanced-xa-image", "ct-image", None]
    assert out["1.4"]["iod_name"] == "MR Image"
    assert [out[u]["retired"] for u in ("1.1", "1.4")] == [False, True]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_any_condition_text_compiles_to_a_valid_document(text: str) -> None:
    raw = _raw()
    raw.modules["tiny-image"]["attributes"][2]["condition"] = {
        "text": text, "expr": None, "otherwise": None, "error": None}
    out = compile_tables(raw)
    node = out.documents["modules"]["modules"]["tiny-image"]["attributes"][2]
    assert node["condition"]["text"] == text
    validate_document("modules", out.documents["modules"])
