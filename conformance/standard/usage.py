"""Where an attribute is used: in which IODs and modules, with which type and condition
(``conformance explain ATTRIBUTE``)."""

from __future__ import annotations

from typing import Any

from conformance.standard.loader import Standard

MAX_DEPTH = 12  # deeper nesting means an include cycle


def _hits(std: Standard, kind: str, table_id: str, tag: str,
          memo: dict[tuple[str, str], list[dict[str, Any]]],
          active: frozenset[tuple[str, str]] = frozenset()) -> list[dict[str, Any]]:
    """Rows of ``tag`` in a table, includes followed: ``{"path", "type", "condition"}``."""
    key = (kind, table_id)
    if key in memo:
        return memo[key]
    if key in active or len(active) > MAX_DEPTH or not std.has_table(kind, table_id):
        return []
    found: list[dict[str, Any]] = []

    def walk(nodes: list[dict[str, Any]], path: tuple[str, ...]) -> None:
        for n in nodes:
            if n.get("kind") == "include":
                inc = n["include"]
                for h in _hits(std, inc["kind"], inc["id"], tag, memo, active | {key}):
                    found.append({**h, "path": [*path, *h["path"]]})
            elif n.get("kind") == "attribute":
                if n.get("tag") == tag:
                    cond = n.get("condition") or {}
                    found.append({"path": list(path), "type": n.get("type", ""),
                                  "condition": cond.get("text")})
                if n.get("children"):
                    walk(n["children"], (*path, n.get("name") or n.get("tag", "")))

    walk(std.table(kind, table_id).get("attributes", []), ())
    memo[key] = found
    return found


def attribute_usage(std: Standard, tag: str) -> list[dict[str, Any]]:
    """One entry per (IOD, module or functional group, row) that holds ``tag`` (8 hex)."""
    memo: dict[tuple[str, str], list[dict[str, Any]]] = {}
    out: list[dict[str, Any]] = []
    for iod_id in sorted(std.iods):
        iod = std.iod(iod_id)
        rows = [("module", r["module"], r) for r in iod.get("modules", [])]
        rows += [("macro", r["macro"], r) for r in iod.get("functional_groups", [])]
        for kind, table_id, row in rows:
            for h in _hits(std, kind, table_id, tag, memo):
                cond = row.get("condition") or {}
                out.append({"iod": iod_id, "iod_name": iod.get("name"),
                            "table": table_id, "kind": "module" if kind == "module"
                            else "functional_group", "usage": row.get("usage"),
                            "usage_condition": cond.get("text"), **h})
    return out


def format_usage(name: str, tag: str, usage: list[dict[str, Any]]) -> str:
    """Text: required where, conditional where (with the condition), optional where."""
    if not usage:
        return f"{name} ({tag[:4]},{tag[4:]}) is in no IOD's tables of this standard.\n"
    groups: dict[str, list[str]] = {"required": [], "conditional": [], "optional": []}
    for u in usage:
        t = u["type"]
        where = f"{u['iod_name']} / {u['table']}"
        if u["path"]:
            where += " / " + " > ".join(u["path"])
        where += f" (module usage {u['usage']}, type {t or '-'})"
        if u["usage_condition"] and u["usage"] == "C":
            where += f"\n      module used if: {u['usage_condition']}"
        if t in ("1", "2") and u["usage"] == "M":
            groups["required"].append(where)
        elif t in ("1C", "2C") or (t in ("1", "2") and u["usage"] == "C"):
            if u["condition"]:
                where += f"\n      required if: {u['condition']}"
            groups["conditional"].append(where)
        else:
            groups["optional"].append(where)
    iods = sorted({u["iod_name"] for u in usage})
    lines = [f"{name} ({tag[:4]},{tag[4:]}): in {len(iods)} IODs, {len(usage)} rows"]
    for label, rows in groups.items():
        if rows:
            lines += ["", f"{label} ({len(rows)}):"] + [f"  {r}" for r in rows]
    return "\n".join(lines) + "\n"
