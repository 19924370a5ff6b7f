"""Edition-keyed structural corrections of DocBook PS3.3 tables (``docbook_corrections.json``).

The DocBook counterpart of ``dsj_corrections``: data, each entry quoting the defect of
the source it undoes and citing where the right structure is printed. An entry is
applied only when its edition matches and the defect is present in the table as read;
users add their own files (same format) with ``conformance build --corrections FILE``.
Every applied entry, and every entry for this edition whose defect is absent, is
recorded as an anomaly of the build.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conformance.compiler.readers.dsj_corrections import read_overlay
from conformance.errors import SourceError

CORRECTIONS = Path(__file__).with_name("docbook_corrections.json")
_KEYS = ("table_kind", "table", "sequence", "tags", "defect", "source")
_TAG = re.compile(r"^[0-9A-Fa-fx]{8}$")


def load_docbook_corrections(path: Path) -> list[dict[str, Any]]:
    """The ``nest_rows`` entries of ``path``; SourceError naming the entry when malformed."""
    data = read_overlay(Path(path), "corrections file")
    if not isinstance(data, dict) or data.get("format") != 1 or \
            not isinstance(data.get("nest_rows"), list):
        raise SourceError(f"{path}: expected {{'format': 1, 'nest_rows': [...]}}")
    for i, e in enumerate(data["nest_rows"], 1):
        where = f"{path}: nest_rows entry {i}"
        if not isinstance(e, dict):
            raise SourceError(f"{where}: not an object")
        missing = [k for k in _KEYS if not e.get(k)]
        if missing:
            raise SourceError(f"{where}: missing {', '.join(missing)}")
        if e["table_kind"] not in ("module", "macro"):
            raise SourceError(f"{where}: table_kind must be module or macro")
        tags = [e["sequence"], *e["tags"]] if isinstance(e["tags"], list) else None
        if tags is None or not all(isinstance(t, str) and _TAG.match(t) for t in tags):
            raise SourceError(f"{where}: sequence and tags must be 8-digit hex tags")
        editions = e.get("editions")
        if editions is not None and not (isinstance(editions, list)
                                         and all(isinstance(x, str) for x in editions)):
            raise SourceError(f"{where}: editions must be a list of edition names")
    return list(data["nest_rows"])


def apply_docbook_corrections(data: dict[str, Any], edition: str,
                              entries: list[dict[str, Any]], anomalies: list[dict[str, Any]],
                              origin: str) -> int:
    """Apply ``entries`` to the PS3.3 reader output ``data`` of ``edition``; returns how
    many were applied. ``origin`` names the corrections file in the anomalies."""
    applied = 0
    for e in entries:
        if e.get("editions") is not None and edition not in e["editions"]:
            continue
        group = data.get("modules" if e["table_kind"] == "module" else "macros") or {}
        table = group.get(e["table"])
        where = {"part": 3, "table": e.get("table_label") or e["table"], "row": None}
        if table is not None and _nest(table["attributes"], e["sequence"].upper(),
                                       [t.upper() for t in e["tags"]]):
            applied += 1
            anomalies.append(dict(where, kind="corrected", detail=(
                f"{origin}: rows {', '.join(e['tags'])} moved into the items of "
                f"({e['sequence'][:4]},{e['sequence'][4:]}); defect: {e['defect']}")))
        else:
            anomalies.append(dict(where, kind="correction-not-applied", detail=(
                f"{origin}: the defect is not present in {e['table_kind']} {e['table']!r} "
                f"of edition {edition}, nothing changed: {e['defect']}")))
    return applied


def _nest(nodes: list[dict[str, Any]], sequence: str, tags: list[str]) -> bool:
    """Move the ``len(tags)`` siblings after the empty sequence row ``sequence`` into its
    children when their tags are ``tags``; searched at every level."""
    for i, node in enumerate(nodes):
        if node.get("kind") != "attribute":
            continue
        if node.get("tag") == sequence and not node.get("children"):
            following = nodes[i + 1:i + 1 + len(tags)]
            if [n.get("tag") for n in following] == tags:
                node["children"] = following
                del nodes[i + 1:i + 1 + len(tags)]
                return True
        if _nest(node.get("children") or [], sequence, tags):
            return True
    return False
