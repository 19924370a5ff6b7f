"""Defined Terms that PS3.3 leaves to PS3.16, added to the rows that delegate them.

PS3.3 describes Body Part Examined (0018,0015) with "See Annex L 'Correspondence of
Anatomic Region Codes and Body Part Examined Defined Terms' in PS3.16 for Defined
Terms" (the DocBook renders its link "PS3.16 Chapter L") and lists none: without them
the attribute has no Defined Terms at all. Rows whose description says so and that
have no terms of their own get PS3.16 Annex L's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_ANNEX_L = re.compile(r"(?:Annex|Chapter)\s+L\b.*Defined\s+Terms"
                      r"|Body\s+Part\s+Examined\s+Defined\s+Terms", re.IGNORECASE | re.DOTALL)


def _rows(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        if node.get("kind") == "attribute":
            yield node
            yield from _rows(node.get("children") or [])


def add_annex_l_terms(tables: list[dict[str, Any]], terms: list[str]) -> int:
    """Give every row that delegates its Defined Terms to PS3.16 Annex L those
    ``terms``; returns how many rows got them."""
    added = 0
    for table in tables:
        for row in _rows(table.get("attributes") or []):
            if row.get("enums") or not _ANNEX_L.search(row.get("description") or ""):
                continue
            row["enums"] = [{"kind": "defined", "value_index": None, "values": list(terms)}]
            added += 1
    return added
