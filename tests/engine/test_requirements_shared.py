"""Compile work shared between the IODs of a Standard gives the same requirements as
compiling each IOD alone (bundled standard, IODs in an order that shares modules)."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.engine.iod_compiler import IodCompiler, SharedWork
from conformance.engine.requirement_types import AttrReq, IodReq
from conformance.standard import bundled_path, load_standard

IODS = ("ct-image", "mr-image", "rt-dose", "enhanced-ct-image", "rt-plan",
        "x-ray-angiographic-image", "comprehensive-sr", "secondary-capture-image",
        "rt-structure-set", "enhanced-mr-image")


def _rows(attrs: tuple[AttrReq, ...], depth: int = 0) -> list[Any]:
    if depth > 4:  # recursive macros make cycles: a few levels show the shape
        return []
    return [(a.tag, a.mask, a.type, a.table_id, a.via, a.optional, a.fg_macro,
             a.condition is not None and a.condition.get("text"), len(a.guards),
             a.items, len(a.enums), _rows(a.children, depth + 1)) for a in attrs]


def _shape(req: IodReq) -> Any:
    return (req.anomalies, [(m.id, m.usage, m.presence_tags, m.all_tags, m.evident,
                             _rows(m.attrs)) for m in req.modules],
            [(f.macro, f.usage, f.tags, _rows(f.attrs)) for f in req.functional_groups],
            req.top_tags, req.top_masks)


def _classes(req: IodReq) -> set[frozenset[int]]:
    """The expressions of the IOD grouped by key (which rows share a result)."""
    groups: dict[int, set[int]] = {}
    seen: set[int] = set()

    def visit(attrs: tuple[AttrReq, ...]) -> None:
        if id(attrs) in seen:
            return
        seen.add(id(attrs))
        for a in attrs:
            for cond in (a.condition, *a.guards):
                expr = cond.get("expr") if cond else None
                if isinstance(expr, dict):
                    groups.setdefault(req.expr_keys[id(expr)], set()).add(id(expr))
            visit(a.children)

    for m in req.modules:
        visit(m.attrs)
    return {frozenset(g) for g in groups.values()}


@pytest.mark.skipif(bundled_path() is None, reason="no bundled standard")
def test_shared_compile_equals_compiling_alone() -> None:
    std = load_standard()
    shared = SharedWork()
    together = [IodCompiler(std, i, shared).compile() for i in IODS]
    assert shared.modules  # modules were shared
    for iod, req in zip(IODS, together, strict=True):
        alone = IodCompiler(std, iod).compile()
        assert _shape(req) == _shape(alone), iod
        assert _classes(req) == _classes(alone), iod
