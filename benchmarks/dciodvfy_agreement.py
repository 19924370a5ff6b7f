"""Agreement between our engine and dciodvfy over ALL pydicom test files, per code.

Run by hand: ``python benchmarks/dciodvfy_agreement.py [--details]``. Keys are
``(code, tag, file)``; "both" counts keys both validators report. Files dciodvfy aborts
on are listed and left out.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "differential"))

import dciodvfy_map as dm  # noqa: E402
from compare import compare  # noqa: E402


def test_files() -> list[Path]:
    """pydicom's own test files plus those of installed external sources (pydicom-data),
    read from disk: nothing is downloaded."""
    import pydicom.data
    from pydicom.data.data_manager import external_data_sources

    roots = [Path(pydicom.data.__file__).parent / "test_files"]
    roots += [Path(src.data_path) for src in external_data_sources().values()]
    files: dict[str, Path] = {}
    for root in roots:
        for p in sorted(root.rglob("*")):
            if p.is_file() and (p.suffix.lower() == ".dcm" or p.name == "DICOMDIR"):
                files.setdefault(p.name, p)
    return [files[k] for k in sorted(files)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--details", action="store_true", help="list every disagreement")
    args = ap.parse_args()
    if dm.available() is None:
        print("dciodvfy (dicom3tools) is not installed", file=sys.stderr)
        return 2
    from conformance.engine.api import Validator

    warnings.filterwarnings("ignore")  # pydicom's value warnings: findings already say it
    validator = Validator()
    dv: set[tuple[str, object, str]] = set()
    ours: set[tuple[str, object, str]] = set()
    crashed: list[str] = []
    unmapped = 0
    files = test_files()
    t0 = time.perf_counter()
    for path in files:
        cmp = compare(path.name, str(path), validator)
        if cmp.dciodvfy.crashed:
            crashed.append(path.name)
            continue
        unmapped += sum(m.code is None for m in cmp.dciodvfy.messages)
        dv |= {(k[0], k[1], path.name) for k in cmp.dv_keys}
        ours |= {(k[0], k[1], path.name) for k in cmp.our_keys}
        if args.details:
            for k in sorted(cmp.dv_only, key=str):
                print(f"{path.name}: dciodvfy only {k}: {cmp.dv_text(k)[:150]}")
            for k in sorted(cmp.ours_only, key=str):
                print(f"{path.name}: ours only {k}: {cmp.our_text(k)[:150]}")
    table = dm.agreement(dv, ours)  # type: ignore[arg-type]
    print(f"files: {len(files)} ({len(crashed)} aborted dciodvfy: {', '.join(crashed)})")
    print(f"dciodvfy messages without a counterpart code: {unmapped}")
    print(f"time: {time.perf_counter() - t0:.2f} s for both validators on all files")
    print(dm.format_table(table))
    both = sum(r["both"] for r in table.values())
    total = sum(sum(r.values()) for r in table.values())
    print(f"overall: {both} of {total} keys agree ({100 * both / max(total, 1):.0f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
