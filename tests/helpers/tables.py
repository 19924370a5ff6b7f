"""Walks over the raw tables the readers return (CONTRACTS.md, Table)."""

from __future__ import annotations


def include_nodes(nodes: list[dict]) -> list[dict]:
    """Every include node of a table's node tree, at any depth, in document order."""
    out = []
    for n in nodes:
        if n["kind"] == "include":
            out.append(n)
        else:
            out.extend(include_nodes(n["children"]))
    return out
