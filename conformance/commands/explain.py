"""``conformance explain NAME``: a finding code (its catalogue entry), an IOD's modules
(or one module's attribute tree), or where an attribute (keyword or tag) is required.

With ``--module`` the tree has every include expanded in place; each row says which
table it comes from (``from``), so a row of the Code Sequence Macro shows as such.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conformance.catalogue import entry, render, suggest
from conformance.catalogue import expand as codes_named
from conformance.errors import UsageError
from conformance.ids import slug, strip_caption
from conformance.standard import Standard, load_standard
from conformance.standard.usage import attribute_usage, format_usage
from conformance.tags import parse_tag

MAX_DEPTH = 12  # PS3.3 nests sequences ~6 deep; deeper means an include cycle


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "explain", help="explain a finding code, an IOD (modules) or an attribute (where used)",
        description="NAME: a finding code (vr-invalid), an IOD by name (\"CT Image\"), id "
                    "(ct-image) or SOP Class UID, or an attribute keyword or tag "
                    "(PatientName, 00100010, \"(0010,0010)\").")
    p.add_argument("iod", metavar="NAME")
    p.add_argument("--standard", metavar="DIR", type=Path,
                   help="build folder (default: the bundled standard)")
    p.add_argument("--module", metavar="NAME",
                   help="show this module's attribute tree (name or id), includes expanded")
    p.add_argument("--format", choices=("text", "json"), default="text")
    return p


def _write(data: Any, text: str, fmt: str) -> int:
    sys.stdout.write(json.dumps(data, indent=1, sort_keys=True) + "\n" if fmt == "json"
                     else text)
    return 0


def _explain_code(name: str, fmt: str) -> int | None:
    codes = codes_named(name)
    entries = [e for e in (entry(c) for c in codes) if e is not None]
    if not entries:
        return None
    data = [e.to_dict() for e in entries]
    text = "".join(([f"{name} is a former name of: {', '.join(codes)}\n\n"]
                    if codes != (name,) else []) + [render.text(e) for e in entries])
    return _write(data if len(data) > 1 else data[0], text, fmt)


def _attribute_tag(std: Standard, name: str) -> tuple[str, str] | None:
    """(tag, display name) of a keyword or tag, else None."""
    found = std.dictionary.by_keyword(name)
    tag = found.tag if found is not None else None
    if tag is None and not name.isalpha():
        tag = name.upper() if re.fullmatch(r"[0-9A-Fa-f]{8}", name) else parse_tag(name)
        found = std.dictionary.get(int(tag, 16)) if tag and "x" not in tag else None
    if tag is None:
        return None
    return tag, (found.keyword or found.name) if found is not None else tag


def _unknown(std: Standard, name: str) -> UsageError:
    keywords = [e["keyword"] for e in std.dictionary.elements.values() if e.get("keyword")]
    names = [s.get("name") or "" for s in std.iods.values()]
    close = suggest(name) + suggest(name, keywords, 2) + suggest(name, names, 2)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return UsageError(f"no IOD matches {name!r} in the standard at {std.path} (edition "
                      f"{std.edition}), nor any finding code or attribute keyword/tag{hint}")


def run(args: argparse.Namespace) -> int:
    if not args.module:
        done = _explain_code(args.iod, args.format)
        if done is not None:
            return done
    std = load_standard(args.standard)
    iod_id = std.find_iod(args.iod)
    if iod_id is None and not args.module:
        attr = _attribute_tag(std, args.iod)
        if attr is not None:
            usage = attribute_usage(std, attr[0])
            return _write({"attribute": {"tag": attr[0], "keyword": attr[1]},
                           "usage": usage}, format_usage(attr[1], attr[0], usage),
                          args.format)
    if iod_id is None:
        raise _unknown(std, args.iod)
    iod = std.iod(iod_id)
    if args.module:
        data = explain_module(std, iod, args.module)
        text = format_module(data)
    else:
        data = explain_iod(std, iod)
        text = format_iod(data)
    if args.format == "json":
        sys.stdout.write(json.dumps(data, indent=1, sort_keys=True) + "\n")
    else:
        sys.stdout.write(text)
    return 0


def explain_iod(std: Standard, iod: dict[str, Any]) -> dict[str, Any]:
    """The IOD with each module's name, IE, usage and condition."""
    modules = []
    for row in iod.get("modules", []):
        modules.append({"ie": row.get("ie"), "module": row["module"],
                        "name": _table_name(std, "module", row["module"]),
                        "usage": row.get("usage"), "condition": row.get("condition")})
    groups = []
    for row in iod.get("functional_groups", []):
        groups.append({"macro": row["macro"], "name": _table_name(std, "macro", row["macro"]),
                       "usage": row.get("usage"), "condition": row.get("condition")})
    return {"standard": {"path": str(std.path), "edition": std.edition},
            "iod": {"id": iod["id"], "name": iod.get("name"), "reference": iod.get("reference")},
            "sop_classes": sorted(uid for uid, s in std.sop_classes.items()
                                  if s.get("iod") == iod["id"]),
            "modules": modules, "functional_groups": groups,
            "context_groups": named_groups(std, iod.get("context_groups")),
            "undecidable": _undecidable(std, iod["id"])}


def _undecidable(std: Standard, iod_id: str) -> list[dict[str, Any]]:
    """The IOD's conditions no dataset can decide (reports count them, once)."""
    from conformance.conditions.facts import open_unknowns
    from conformance.engine.undecided import undecidable

    return [{"table": tid, "row": what, "text": cond.get("text", ""),
             "undecided": open_unknowns(cond.get("expr") if cond.get("expr") is not None
                                        else cond.get("forbidden_if")) or None}
            for tid, what, cond in undecidable(std, iod_id)]


def named_groups(std: Standard, groups: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The context group constraints of a row or IOD, each with the group's PS3.16 name
    (null when this build has no such group)."""
    cids = std.cids
    out = []
    for g in groups or ():
        found = cids.get(int(g["cid"])) if cids is not None else None
        out.append(dict(g, name=found.name if found is not None else None))
    return out


def _group_lines(groups: list[dict[str, Any]], pad: str) -> list[str]:
    lines = []
    for g in groups:
        strength = (g.get("strength") or "mentioned").capitalize()
        on = f" on ({g['attr'][:4]},{g['attr'][4:]})" if g.get("attr") else ""
        within = f" in {g['macro']}" if g.get("macro") else ""
        name = f' {g["name"]}' if g.get("name") else " (not in this build's PS3.16)"
        case = " (for a case only)" if g.get("qualified") else ""
        lines.append(f"{pad}{strength} CID {g['cid']}{name}{on}{within}{case}")
    return lines


def _table_name(std: Standard, kind: str, table_id: str) -> str | None:
    return std.table(kind, table_id).get("name") if std.has_table(kind, table_id) else None


def explain_module(std: Standard, iod: dict[str, Any], name: str) -> dict[str, Any]:
    """One table's attribute rows, includes expanded, each with its provenance."""
    kind, table_id = _resolve_table(std, iod, name)
    table = std.table(kind, table_id)
    top = f"{kind}:{table_id}"
    rows = list(expand(std, table.get("attributes", []), top, 0, ((top, 0),)))
    return {"standard": {"path": str(std.path), "edition": std.edition},
            "iod": {"id": iod["id"], "name": iod.get("name")},
            "table": {"kind": kind, "id": table_id, "name": table.get("name"),
                      "reference": table.get("reference")},
            "rows": rows}


def _resolve_table(std: Standard, iod: dict[str, Any], name: str) -> tuple[str, str]:
    key = slug(strip_caption(name))
    for row in iod.get("modules", []):
        if key == row["module"] or key == slug(_table_name(std, "module", row["module"]) or ""):
            return "module", row["module"]
    for row in iod.get("functional_groups", []):
        if key == row["macro"] or key == slug(_table_name(std, "macro", row["macro"]) or ""):
            return "macro", row["macro"]
    for kind in ("module", "macro"):
        if std.has_table(kind, key):
            return kind, key
    raise UsageError(f"no module or macro {name!r} in IOD {iod['id']} or in the standard at "
                     f"{std.path}")


def expand(std: Standard, nodes: list[dict[str, Any]], source: str, depth: int,
           stack: tuple[tuple[str, int], ...]) -> Iterator[dict[str, Any]]:
    """Rows of ``nodes`` in order; include rows are followed by the included table's rows."""
    for node in nodes:
        if node.get("kind") == "include":
            inc = node.get("include", {})
            ref = f"{inc.get('kind')}:{inc.get('id')}"
            row = {"kind": "include", "depth": depth, "from": source, "include": ref,
                   "text": node.get("text"), "condition": node.get("condition"),
                   "context_groups": named_groups(std, node.get("context_groups"))}
            entered = [d for r, d in stack if r == ref]
            if entered or len(stack) >= MAX_DEPTH:
                # Inside a sequence below where the table was entered it is recursion
                # (PS3.3 Table C.17-6 includes itself in Content Sequence items): the rows
                # were listed once already. At the same level it is a defect of the source.
                recursive = bool(entered) and depth > entered[-1]
                row["note" if recursive else "error"] = (
                    "recursive include (rows listed above)" if recursive else "include cycle")
                yield row
                continue
            if not std.has_table(str(inc.get("kind")), str(inc.get("id"))):
                row["error"] = "not in this build"
                yield row
                continue
            included = std.table(str(inc.get("kind")), str(inc.get("id")))
            row["name"] = included.get("name")
            yield row
            yield from expand(std, included.get("attributes", []), ref, depth,
                              (*stack, (ref, depth)))
        else:
            yield {"kind": "attribute", "depth": depth, "from": source,
                   "name": node.get("name"), "tag": node.get("tag"), "type": node.get("type"),
                   "condition": node.get("condition"), "items": node.get("items"),
                   "enums": node.get("enums") or [],
                   "context_groups": named_groups(std, node.get("context_groups"))}
            yield from expand(std, node.get("children") or [], source, depth + 1, stack)


def format_iod(data: dict[str, Any]) -> str:
    iod = data["iod"]
    ref = iod.get("reference") or {}
    out = [f"{iod['name']} IOD ({iod['id']}), PS3.{ref.get('part') or 3} "
           f"{ref.get('section') or ''} {('table ' + ref['table']) if ref.get('table') else ''}"
           .rstrip(),
           f"standard: {data['standard']['edition']} ({data['standard']['path']})"]
    if data["sop_classes"]:
        out.append("SOP classes: " + ", ".join(data["sop_classes"]))
    out.append("")
    width = max([len(m["ie"] or "") for m in data["modules"]] + [2])
    for m in data["modules"]:
        out.append(f"{(m['ie'] or ''):<{width}}  {m['usage'] or '':<2} "
                   f"{m['name'] or '(missing) ' + m['module']}")
        if m["condition"]:
            out.append(f"{'':<{width}}     {m['condition']['text']}")
    if data["functional_groups"]:
        out += ["", "Functional group macros:"]
        for g in data["functional_groups"]:
            out.append(f"  {g['usage'] or '':<2} {g['name'] or '(missing) ' + g['macro']}")
            if g["condition"]:
                out.append(f"     {g['condition']['text']}")
    if data.get("undecidable"):
        out += ["", f"Conditions no dataset can decide ({len(data['undecidable'])}; "
                    "reports count them instead of listing them per file):"]
        for u in data["undecidable"]:
            out.append(f"  {u['table']}: {u['row']}")
            out.append(f"     {u['text']}")
    return "\n".join(out) + "\n"


def format_module(data: dict[str, Any]) -> str:
    t = data["table"]
    out = [f"{t['name']} ({t['kind']} {t['id']}) in {data['iod']['name']} IOD, "
           f"standard {data['standard']['edition']}", ""]
    for row in data["rows"]:
        indent = ">" * row["depth"]
        origin = f"  [{row['from']}]" if row["from"] != f"{t['kind']}:{t['id']}" else ""
        if row["kind"] == "include":
            what = row.get("name") or row["include"]
            flag = row.get("error") or row.get("note")
            note = f" ({flag})" if flag else ""
            out.append(f"{indent}Include {what}{note}{origin}")
        else:
            tag = row["tag"] or ""
            out.append(f"{indent}{row['name']}  ({tag[:4]},{tag[4:]})  type {row['type'] or '-'}"
                       f"{origin}")
        if row.get("condition"):
            out.append(f"{' ' * (len(indent) + 4)}{row['condition']['text']}")
        out += _group_lines(row.get("context_groups") or [], " " * (len(indent) + 4))
    return "\n".join(out) + "\n"
