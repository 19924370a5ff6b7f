"""The hand-read sentences of hand_rules.json: checked, looked up, and hand-checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.conditions import NameIndex, parse_condition
from conformance.conditions import hand_rules as H
from conformance.errors import StandardDataError
from conformance.schemas import validate_document

HERE = Path(__file__).parent
EXPECTED_TEXTS = {H.key(json.loads(line)["text"]) for line in
                  (HERE / "expected_expressions.jsonl").read_text(encoding="utf-8").splitlines()}


def test_every_hand_rule_has_a_hand_checked_expectation() -> None:
    missing = [r["text"] for r in H.rules().values() if H.key(r["text"]) not in EXPECTED_TEXTS]
    assert not missing


def test_hand_rules_are_valid_conditions() -> None:
    for r in H.rules().values():
        cond = {"text": r["text"], "error": None, **{f: r[f] for f in H.FIELDS}}
        validate_document("condition", cond)
        assert r["why"], r["text"]


def test_lookup_ignores_case_spacing_and_final_stop(names: NameIndex) -> None:
    got = parse_condition("required  if  Multi-frame Image", names=names)
    assert got["expr"] == {"op": "gt", "value": 1, "attr": {"tag": "00280008", "scope": "root",
                                                            "index": None, "path": None}}
    assert got["otherwise"] == "not_allowed" and got["error"] is None


def test_lookup_returns_a_copy(names: NameIndex) -> None:
    a = parse_condition("Required if Multi-frame Image.", names=names)
    a["expr"]["value"] = 99
    b = parse_condition("Required if Multi-frame Image.", names=names)
    assert b["expr"]["value"] == 1


def test_type3_row_gets_no_otherwise(names: NameIndex) -> None:
    got = parse_condition("Required if Multi-frame Image.", kind="attribute_3", names=names)
    assert got["otherwise"] is None and got["expr"] is not None


@pytest.mark.parametrize("content", [
    "{not json",
    json.dumps({"rules": [{"text": "Required if X."}]}),
    json.dumps({"rules": [{"text": "Required if X.", "expr": {"op": "unknown", "text": "x"},
                           "otherwise": "may"}]}),
    json.dumps({"rules": [{"text": "Required if X.", "expr": {"op": "true"},
                           "otherwise": "sometimes"}]}),
    json.dumps({"rules": [{"text": "A.", "expr": {"op": "true"}, "otherwise": "may"},
                          {"text": "a", "expr": {"op": "true"}, "otherwise": "may"}]}),
])
def test_broken_file_is_a_typed_error(tmp_path: Path, content: str) -> None:
    p = tmp_path / "hand_rules.json"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(StandardDataError):
        H.rules(p)


def test_missing_file_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(StandardDataError):
        H.rules(tmp_path / "absent.json")
