"""Variants of the hand-written mini standard (``tests/engine/fixtures/mini_standard``):
table rows, includes and conditions as the build writes them (CONTRACTS.md), and a copy
of the mini standard changed by a test."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.engine.datasets import MINI

Tables = dict[str, Any]


def row(tag: str, name: str, type_: str, condition: dict[str, Any] | None = None,
        children: list[dict[str, Any]] | None = None,
        enums: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An attribute node of a module/macro table (CONTRACTS.md, Table)."""
    return {"kind": "attribute", "name": name, "tag": tag, "type": type_, "description": "",
            "condition": condition, "enums": enums or [],
            "items": {"min": 1, "max": None} if children is not None else None,
            "children": children or []}


def include(macro: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"kind": "include", "include": {"kind": "macro", "id": macro},
            "condition": condition, "text": f"Include {macro}"}


def cond(expr: dict[str, Any] | None, text: str = "Required if ...") -> dict[str, Any]:
    return {"text": text, "expr": expr, "otherwise": "not_allowed",
            "error": None if expr is not None else "not parsed"}


def attr_eq(tag: str, *values: str, scope: str = "nearest") -> dict[str, Any]:
    return {"op": "eq", "attr": {"tag": tag, "scope": scope, "index": None, "path": None},
            "values": list(values)}


def table(kind: str, table_id: str, name: str, nodes: list[dict[str, Any]]) -> Tables:
    return {"id": table_id, "name": name, "kind": kind,
            "reference": {"part": 3, "section": "X.1", "table": "X-1"}, "attributes": nodes}


def mini_variant(tmp_path: Path, edit: Callable[[Tables, Tables, Tables], None]) -> Path:
    """A copy of the mini standard changed by ``edit(modules.json, iods.json,
    dictionary.json)``."""
    folder = tmp_path / "std"
    shutil.copytree(MINI, folder)
    docs = [json.loads((folder / f"{n}.json").read_text())
            for n in ("modules", "iods", "dictionary")]
    edit(*docs)
    for n, doc in zip(("modules", "iods", "dictionary"), docs, strict=True):
        (folder / f"{n}.json").write_text(json.dumps(doc))
    return folder


def add_element(dictionary: Tables, tag: str, name: str, keyword: str, vr: str) -> None:
    dictionary["elements"][tag] = {"tag": tag, "name": name, "keyword": keyword, "vr": vr,
                                   "vm": "1", "retired": False}


def use(iods: Tables, module: str, usage: str, condition: dict[str, Any] | None = None,
        iod: str = "ct-image") -> None:
    iods["iods"][iod]["modules"].append(
        {"ie": "Image", "module": module, "usage": usage, "condition": condition})
