"""Findings snapshot over the public test corpus: the regression guard for speed work.

Run by hand: ``python benchmarks/findings_snapshot.py OUT.json`` writes every finding
(``Report.to_dict()`` of each file) for every pydicom test file and pydicom-data file;
``python benchmarks/findings_snapshot.py OUT.json --compare BEFORE.json`` also says
whether anything changed (exit 1 and the first differences when it did). Take one
before an optimisation, compare after it: the engine must find exactly the same.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate_speed import corpus  # noqa: E402


def snapshot(standard: str | None) -> dict[str, Any]:
    from conformance.engine.api import Validator

    v = Validator(standard)
    out: dict[str, Any] = {}
    for f in corpus():
        d = v.validate(f).to_dict()
        d.pop("path", None)  # the site-packages location is not a finding
        d.get("standard", {}).pop("path", None)  # nor where the checkout is
        out[f.name + ":" + str(f.stat().st_size)] = d
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="where to write the snapshot (JSON)")
    ap.add_argument("--compare", help="an earlier snapshot to compare with")
    ap.add_argument("--standard", help="build folder (default: bundled)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    logging.getLogger("pydicom").setLevel(logging.CRITICAL)
    snap = snapshot(args.standard)
    Path(args.out).write_text(json.dumps(snap, indent=1, sort_keys=True), "utf-8")
    n = sum(len(r.get("findings", [])) for r in snap.values())
    print(f"{len(snap)} files, {n} findings -> {args.out}")
    if not args.compare:
        return 0
    before = json.loads(Path(args.compare).read_text("utf-8"))
    changed = sorted(k for k in before.keys() | snap.keys() if before.get(k) != snap.get(k))
    if not changed:
        print(f"identical to {args.compare}")
        return 0
    print(f"{len(changed)} files differ from {args.compare}:")
    for k in changed[:20]:
        a = json.dumps(before.get(k), sort_keys=True)
        b = json.dumps(snap.get(k), sort_keys=True)
        print(f"  {k}:\n    before {a[:600]}\n    after  {b[:600]}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
