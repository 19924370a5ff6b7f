"""Types cross-check: the bundled module tables against highdicom's module-attribute map
(a newer edition, types only). Every row where the two disagree is listed, with its
explanation, in highdicom_type_differences.json; a new disagreement fails this test
with its row. Skipped when highdicom is not installed."""

from __future__ import annotations

import json
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from pydicom.datadict import keyword_for_tag

from conformance.commands.explain import expand
from conformance.standard import Standard, load_standard
from tests.helpers.standard_build import excerpt_standard

DIFFERENCES = Path(__file__).with_name("highdicom_type_differences.json")


def _highdicom_map() -> dict[str, list[dict[str, Any]]]:
    spec = find_spec("highdicom")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("highdicom not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "_standard" / \
        "module_attribute_map.json"
    if not path.is_file():
        pytest.skip(f"highdicom has no {path.name}")
    return json.loads(path.read_text("utf-8"))


def types_by_path(std: Standard, module_id: str) -> dict[tuple[str, ...], str] | None:
    """keyword path -> Type of every row of a module, includes expanded (first wins)."""
    if module_id not in std.modules:
        return None
    top = f"module:{module_id}"
    out: dict[tuple[str, ...], str] = {}
    stack: list[str] = []
    for row in expand(std, std.module(module_id)["attributes"], top, 0, ((top, 0),)):
        if row["kind"] != "attribute":
            continue
        stack = stack[:row["depth"]]
        tag = row["tag"] or ""
        stack.append(keyword_for_tag(int(tag.replace("x", "0"), 16)) if tag else "")
        out.setdefault(tuple(stack), row["type"])
    return out


def test_every_type_difference_with_highdicom_is_explained(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    hd = _highdicom_map()
    std = load_standard()
    found = {}
    compared = 0
    for module_id, rows in hd.items():
        ours = types_by_path(std, module_id)
        if ours is None:
            continue
        for row in rows:
            key = (*row["path"], row["keyword"])
            if key not in ours:
                continue
            compared += 1
            theirs = row["type"]
            if ours[key] != theirs and not (ours[key] == "" and theirs == "None"):
                found[(module_id, "/".join(key))] = (ours[key], theirs)
    listed = json.loads(DIFFERENCES.read_text("utf-8"))["rows"]
    explained = {(r["module"], r["path"]): (r["ours"], r["highdicom"]) for r in listed}
    assert all(r["explanation"] for r in listed)
    assert compared > 40000
    unexplained = {k: v for k, v in found.items() if explained.get(k) != v}
    assert not unexplained, f"new type differences with highdicom: {unexplained}"
    gone = sorted(set(explained) - set(found))
    assert not gone, f"listed differences that no longer occur: {gone}"
    # Where the 2016c excerpt has the row, the earlier edition agrees with ours: the
    # difference came later (the explanation's claim).
    try:
        old = load_standard(excerpt_standard(tmp_path_factory))
    except pytest.skip.Exception:
        return
    for module_id, path in explained:
        witness = types_by_path(old, module_id) or {}
        key = tuple(path.split("/"))
        if key in witness:
            assert witness[key] == explained[(module_id, path)][0], (module_id, path)
