"""``conformance conditions``: every condition of a build, its parsed expression or error.

Lists module-usage and functional-group conditions of the IODs and the conditions of
module / macro rows (attributes and includes), with the expression the build holds
(a condition without a stored ``expr`` key is parsed now), then a summary: parsed
(evaluable, no unknown leaf), with an unknown leaf, failed (no expression). A type 3 row
whose prohibition was parsed into ``forbidden_if`` (no ``expr``, no error) is judged by
that expression.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conformance.conditions import facts
from conformance.conditions.expr import has_unknown
from conformance.conditions.printer import to_text
from conformance.engine.undecided import condition_class
from conformance.standard import Standard, load_standard


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("conditions", help="list the conditions of a build and how they parse",
                       description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--standard", metavar="DIR", type=Path,
                   help="build folder (default: the bundled standard)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--failed", action="store_true",
                   help="only conditions without an evaluable expression")
    p.add_argument("--undecidable", action="store_true",
                   help="only conditions no dataset can decide (process facts, sentences "
                        "not understood); reports count these instead of listing them")
    p.add_argument("--iod", metavar="NAME",
                   help="only the conditions of this IOD (name, id or SOP Class UID)")
    return p


def run(args: argparse.Namespace) -> int:
    std = load_standard(args.standard)
    iod = getattr(args, "iod", None)
    iod_id = std.find_iod(iod) if iod else None
    if iod and iod_id is None:
        sys.stderr.write(f"error: --iod {iod!r}: no such IOD in the standard\n")
        return 2
    rows = list(iter_conditions(std, iod_id))
    summary = summarise(rows)
    shown = [r for r in rows if r["status"] != "parsed"] if args.failed else rows
    if getattr(args, "undecidable", False):
        shown = [r for r in shown if r["class"] == "process"]
    if args.format == "json":
        out = {"edition": std.edition, "conditions": shown, "summary": summary}
        sys.stdout.write(json.dumps(out, indent=1, sort_keys=True) + "\n")
        return 0
    w = sys.stdout.write
    for r in shown:
        w(f"{r['where']}  {r['row']}  [{r['kind']}] {r['status']} ({r['class']})\n")
        w(f"    text: {r['text']}\n")
        if r["expr"] is not None:
            w(f"    expr: {to_text(r['expr'])}  (otherwise: {r['otherwise']})\n")
        else:
            w(f"    error: {r['error']}\n")
    w(f"{summary['total']} conditions: {summary['parsed']} parsed, "
      f"{summary['unknown_leaf']} with an unknown leaf, {summary['failed']} failed; "
      f"{summary['process']} no dataset can decide (edition {std.edition})\n")
    return 0


def summarise(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = {"total": len(rows), "parsed": 0, "unknown_leaf": 0, "failed": 0,
              "process": 0}
    for r in rows:
        counts[r["status"]] += 1
        counts["process"] += r["class"] == "process"
    return counts


def iter_conditions(std: Standard, iod_id: str | None = None) -> Iterator[dict[str, Any]]:
    """One dict per conditional row of the build (or of one IOD), in document order."""
    if iod_id is not None:
        from conformance.engine.undecided import iter_conditions as of_iod

        for tid, what, cond in of_iod(std, iod_id):
            kind = ("module_usage" if what.startswith("module ") else "fg_macro_usage"
                    if what.startswith("functional group ") else "include"
                    if what.startswith("include ") else "attribute")
            yield _row(std, f"iod {iod_id} / {tid}", what, kind, cond)
        return
    for iod_id, iod in sorted(std.iods.items()):
        for m in iod.get("modules", []):
            if m.get("condition"):
                yield _row(std, f"iod {iod_id}", m["module"], "module_usage", m["condition"])
        for fg in iod.get("functional_groups", []):
            if fg.get("condition"):
                yield _row(std, f"iod {iod_id}", fg["macro"], "fg_macro_usage",
                           fg["condition"])
    for kind, tables in (("module", std.modules), ("macro", std.macros)):
        for table_id, table in sorted(tables.items()):
            for node, path in _walk(table.get("attributes", []), ()):
                cond = node.get("condition")
                if not cond:
                    continue
                if node.get("kind") == "include":
                    inc = node.get("include", {})
                    row = f"include {inc.get('kind')} {inc.get('id')}"
                    ckind = "include"
                else:
                    row = ".".join(f"({t[:4]},{t[4:]})" for t in (*path, node.get("tag", "")))
                    ckind = f"attribute_{node.get('type') or '?'}"
                yield _row(std, f"{kind} {table_id}", row, ckind, cond)


def _walk(nodes: list[dict[str, Any]], path: tuple[str, ...]
          ) -> Iterator[tuple[dict[str, Any], tuple[str, ...]]]:
    for node in nodes:
        yield node, path
        if node.get("children"):
            yield from _walk(node["children"], (*path, node.get("tag", "")))


def _row(std: Standard, where: str, row: str, kind: str, cond: dict[str, Any]
         ) -> dict[str, Any]:
    if "expr" not in cond:
        cond = _parse_now(std, cond.get("text", ""), kind)
    expr = cond.get("expr")
    # a type 3 row's prohibition ("Shall not be present if X") is parsed into forbidden_if
    # with no expr and no error: judge it by that expression
    governing = [expr] if expr is not None else [
        e for e in (cond.get("forbidden_if"), cond.get("may_if")) if e is not None] \
        if cond.get("error") is None else []
    if not governing:
        status = "failed"
    elif any(has_unknown(facts.resolve(e)) for e in governing):
        status = "unknown_leaf"
    else:
        status = "parsed"
    return {"where": where, "row": row, "kind": kind, "text": cond.get("text", ""),
            "expr": expr, "otherwise": cond.get("otherwise"), "error": cond.get("error"),
            "status": status, "class": condition_class(cond),
            "facts": sorted({n for e in governing for n in facts.facts_in(e)})}


_NAME_INDEX: dict[str, Any] = {}


def _parse_now(std: Standard, text: str, kind: str) -> dict[str, Any]:
    """Parse a condition the build stored without an expression (older builds)."""
    from conformance.conditions import NameIndex, parse_condition
    from conformance.standard.files import read_json

    key = str(std.path)
    if key not in _NAME_INDEX:
        doc = read_json(std.path, "dictionary", required=False) or {"elements": {}}
        _NAME_INDEX[key] = NameIndex.from_elements(
            doc.get("elements", {}), uids=doc.get("uids"),
            modules={k: v.get("name", k) for k, v in std.modules.items()},
            macros={k: v.get("name", k) for k, v in std.macros.items()})
    pkind = kind if kind in ("module_usage", "fg_macro_usage", "attribute_1C", "attribute_2C",
                             "attribute_3") else "attribute_1C"
    return {"text": text, **parse_condition(text, kind=pkind, names=_NAME_INDEX[key])}
