"""Coverage of the parser on the shared condition corpus (skipped without ../shared).

Coverage = sum(count of decidable records parsed into an expression with no unknown
leaf) / sum(count of decidable records), as ../shared/conditions/score.py computes it.
The floors are the figures this parser reached (benchmarks/conditions_coverage.py).
"""

from __future__ import annotations

import json

import pytest

from conformance.conditions import NameIndex, facts, parse_condition
from conformance.standard import load_standard
from conformance.standard.files import read_json
from tests.conftest import shared_file

FLOORS = {"conditions.jsonl": 0.96, "conditions_docbook_2016c.jsonl": 0.96}


def _names() -> NameIndex:
    # Names resolve as a build of the bundled standard resolves them (its PS3.6 dictionary,
    # UID registry and module / macro names), so the figure does not depend on what else
    # happens to be installed.
    std = load_standard()
    dictionary = read_json(std.path, "dictionary")
    return NameIndex.from_elements(
        dictionary["elements"], uids=dictionary.get("uids"),
        modules={k: v["name"] for k, v in std.modules.items()},
        macros={k: v["name"] for k, v in std.macros.items()})


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
        # presumptions (facts.json) decide what the dataset does not say: not evaluable
        evaluable = facts.evaluable(parsed["expr"])
        rows[r["decidability"]] += r["count"]
        if evaluable:
            hit[r["decidability"]] += r["count"]
    coverage = hit["decidable"] / rows["decidable"]
    assert coverage >= FLOORS[corpus], f"coverage {coverage:.4f}"
    assert hit["undecidable"] == 0, "undecidable rows marked evaluable (over-claiming)"
