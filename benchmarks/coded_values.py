"""Coded values over every pydicom test file (and pydicom-data's): how many code sequence
items each build checks against a PS3.16 context group, and the count of each verdict.

Run by hand: ``python benchmarks/coded_values.py [--docbook DIR] [--details N]``.
Two builds: the bundled standard and a DocBook build (default: the 2016c PS3.3 excerpt
of ../shared with PS3.4 2013, PS3.5 2026c and PS3.6 2015b, built into a temporary
folder). Verdicts (``conformance.checks.coded_values.assess``): ``member``,
``not-in-enumerated`` / ``not-in-defined`` / ``not-in-baseline``, ``no-group`` (a
code sequence without a constraint, or whose group is not in PS3.16's tables),
``no-code`` (no code value). ``--details N`` lists the first N mismatches per build.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dciodvfy_agreement import test_files  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "nema-docbook"


def build_docbook(out: Path, source: Path | None) -> Path:
    from conformance.compiler.pipeline import build

    if source is not None:
        build(None, source_dir=source, out=out, progress=False, report=None)
        return out
    build({4: SHARED / "2013" / "part04.xml", 5: SHARED / "2026c" / "part05.xml",
           6: SHARED / "2015b" / "part06.xml"}, source_dir=SHARED / "2016c-excerpt",
          out=out, progress=False, report=None)
    return out


def survey(std: Path | None, files: list[Path]) -> tuple[Counter[str], list[str], int]:
    """(verdict counts, one line per mismatch, items checked against a group)."""
    from conformance.checks.coded_values import assess
    from conformance.engine.api import Validator
    from conformance.engine.input import load

    validator = Validator(std)
    counts: Counter[str] = Counter()
    mismatches: list[str] = []
    for path in files:
        loaded = load(str(path))
        if loaded.dataset is None:
            continue
        ctx = validator.context(loaded)
        for a in assess(ctx):
            counts[a.verdict] += 1
            for f in a.findings:
                counts[f"finding {f.code}"] += 1
                if a.verdict.startswith("not-in") or f.code == "code-meaning-mismatch":
                    mismatches.append(f"{path.name}: {f.code} {f.keyword_path}: {f.message}")
    checked = sum(n for v, n in counts.items()
                  if v == "member" or v.startswith("not-in"))
    return counts, mismatches, checked


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--docbook", type=Path, help="folder of partNN.xml (default: ../shared)")
    ap.add_argument("--details", type=int, default=0, metavar="N")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    files = test_files()
    with tempfile.TemporaryDirectory() as tmp:
        builds: list[tuple[str, Path | None]] = [("bundled", None)]
        if args.docbook is not None or SHARED.is_dir():
            builds.append(("docbook", build_docbook(Path(tmp) / "std", args.docbook)))
        for label, std in builds:
            counts, mismatches, checked = survey(std, files)
            items = sum(n for v, n in counts.items() if not v.startswith("finding"))
            print(f"{label}: {len(files)} files, {items} code sequence items, {checked} "
                  "checked against a context group")
            for key in sorted(counts):
                print(f"  {key:40s} {counts[key]:6d}")
            for line in mismatches[:args.details]:
                print(f"    {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
