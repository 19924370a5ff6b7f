"""How much a report says that it could not decide: ``condition-not-checked`` per file.

Run by hand: ``python benchmarks/info_noise.py [--dump FINDINGS.json] [--per-file]``.

Corpus: pydicom's test files plus pydicom-data's files (read from disk, nothing is
downloaded), DICOM files only (``.json``/``.txt``/... helpers left out), in name order.
Prints, over the files the engine could read:

- ``condition-not-checked`` findings per file (mean; the issue 11 target is <= 3.0),
  and the share of all findings they make;
- condition evaluations per file that decided (True/False) and that did not (None),
  counted at the engine's one evaluation point (``conformance.engine.conditions``);
- the per-IOD count of conditions no dataset can decide (the report summary's line).

``--dump`` writes every file's findings as JSON (sorted; a before/after snapshot for
behaviour-preserving changes: ``diff`` two dumps).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

_SKIP_SUFFIXES = frozenset({".json", ".txt", ".dump", ".icc", ".gz", ".py"})


def corpus() -> list[Path]:
    """pydicom's test files and pydicom-data's files, deduplicated by resolved path and
    sorted by name; non-DICOM helper files left out."""
    import sysconfig

    import pydicom.data

    files = [Path(p) for p in pydicom.data.get_testdata_files()]
    store = Path(sysconfig.get_paths()["purelib"]) / "data_store" / "data"
    if store.is_dir():
        files += sorted(store.iterdir())
    seen: dict[str, Path] = {}
    for f in files:
        if f.is_file() and f.suffix.lower() not in _SKIP_SUFFIXES:
            seen.setdefault(str(f.resolve()), f)
    return sorted(seen.values(), key=lambda p: (p.name, str(p)))


class _Counting:
    """Wraps the engine's compiled-expression factory to count decided evaluations."""

    def __init__(self) -> None:
        self.decided = 0
        self.undecided = 0

    def install(self) -> None:
        from conformance.engine import conditions as bridge
        from conformance.engine.conditions import evaluate

        evaluate({"op": "true"}, None)  # type: ignore[arg-type]  # loads the compiler
        inner = bridge._compile
        assert inner is not None

        def compile_counted(expr: Any) -> Any:
            fn = inner(expr)

            def run(ctx: Any) -> bool | None:
                v = fn(ctx)
                if v is None:
                    self.undecided += 1
                else:
                    self.decided += 1
                return v

            return run

        bridge._compile = compile_counted


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dump", type=Path, help="write all findings as JSON to this file")
    ap.add_argument("--per-file", action="store_true",
                    help="print condition-not-checked per file")
    ap.add_argument("--no-presumptions", action="store_true",
                    help="validate with presumptions off")
    args = ap.parse_args(argv)

    from conformance.engine.api import Validator

    warnings.filterwarnings("ignore")
    kwargs: dict[str, Any] = {}
    if args.no_presumptions:
        kwargs["presumptions"] = False
    validator = Validator(**kwargs)
    counter = _Counting()
    counter.install()
    files = corpus()
    dump: dict[str, list[dict[str, Any]]] = {}
    codes: Counter[str] = Counter()
    read = 0
    not_checked_per_file: list[tuple[int, str]] = []
    summaries: Counter[str] = Counter()
    t0 = time.perf_counter()
    for path in files:
        report = validator.validate(path)
        found = [f.code for f in report.findings]
        if args.dump is not None:
            dump[str(path.name) + "|" + str(path.parent.name)] = sorted(
                (_finding_dict(f) for f in report.findings),
                key=lambda d: json.dumps(d, sort_keys=True))
        if "unreadable" in found:
            continue
        read += 1
        codes.update(found)
        n = found.count("condition-not-checked")
        not_checked_per_file.append((n, path.name))
        undecidable = getattr(report, "undecidable", None)
        if undecidable and report.iod:
            summaries[report.iod] = int(undecidable)
    elapsed = time.perf_counter() - t0
    total = sum(codes.values())
    ncc = codes["condition-not-checked"]
    per_file = ncc / read if read else 0.0
    evals = counter.decided + counter.undecided
    print(f"files: {len(files)} in the corpus, {read} read ({elapsed:.1f} s)")
    print(f"findings: {total}; condition-not-checked: {ncc} "
          f"({100.0 * ncc / total if total else 0:.1f}% of findings)")
    print(f"condition-not-checked per file: {per_file:.2f}   (target <= 3.0)")
    if read:
        print(f"condition evaluations per file: {evals / read:.1f}; decided "
              f"{counter.decided / read:.1f}, undecided {counter.undecided / read:.1f}")
    worst = sorted(not_checked_per_file, reverse=True)[:5]
    print("most per file: " + ", ".join(f"{name} {n}" for n, name in worst))
    if summaries:
        print("conditions no dataset can decide (per IOD met): " + ", ".join(
            f"{iod} {n}" for iod, n in sorted(summaries.items())))
    if args.per_file:
        for n, name in not_checked_per_file:
            print(f"{n:4d} {name}")
    if args.dump is not None:
        tmp = args.dump.with_name(args.dump.name + ".tmp")
        tmp.write_text(json.dumps(dump, indent=0, sort_keys=True), encoding="utf-8")
        tmp.replace(args.dump)
        print(f"findings written to {args.dump}")
    return 0


def _finding_dict(f: Any) -> dict[str, Any]:
    d = dict(f.to_dict()) if hasattr(f, "to_dict") else dict(vars(f))
    return {k: v for k, v in d.items() if k not in ("elapsed",)}


if __name__ == "__main__":
    sys.exit(main())
