"""``conformance conditions`` status of a row (conformance/commands/conditions.py)."""

from __future__ import annotations

from typing import Any

from conformance.commands.conditions import _row

PRESENT = {"op": "present", "attr": {"tag": "00281052", "scope": "nearest", "index": None,
                                     "path": None}}


def _status(cond: dict[str, Any]) -> str:
    return _row(None, "module m", "(0028,1053)", "attribute_3", cond)["status"]  # type: ignore[arg-type]


def test_type3_prohibition_is_judged_by_forbidden_if() -> None:
    base = {"text": "Shall not be present if ...", "expr": None, "otherwise": None,
            "error": None, "may_if": None}
    assert _status({**base, "forbidden_if": PRESENT}) == "parsed"
    assert _status({**base, "forbidden_if": {"op": "unknown", "text": "x"}}) == "unknown_leaf"
    assert _status({**base, "forbidden_if": None}) == "failed"
    assert _status({**base, "forbidden_if": PRESENT, "error": "cannot parse"}) == "failed"


def test_required_rows_are_judged_by_expr() -> None:
    base = {"text": "Required if ...", "otherwise": "not_allowed", "error": None,
            "may_if": PRESENT, "forbidden_if": None}
    assert _status({**base, "expr": PRESENT}) == "parsed"
    assert _status({**base, "expr": {"op": "and", "args": [PRESENT, {"op": "unknown"}]}}) \
        == "unknown_leaf"
