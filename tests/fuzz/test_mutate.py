"""The structure-aware mutator and ``validate()`` on arbitrary mutations (hypothesis)."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import conformance
from fuzz import hostile
from fuzz.mutate import MUTATIONS, dataset_start, mutate, scan

pytestmark = pytest.mark.filterwarnings("ignore")


def test_scan_finds_the_elements_of_a_file() -> None:
    data = hostile.ct_small()
    els = scan(data)
    tags = [e.tag for e in els]
    assert 0x00020010 in tags and 0x00080016 in tags and 0x7FE00010 in tags
    start, explicit, little = dataset_start(data)
    assert explicit and little and data[start:start + 2] == b"\x08\x00"


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.__name__ for m in MUTATIONS])
def test_each_mutation_changes_the_file_and_validate_copes(mutation: object) -> None:
    data = hostile.ct_small()
    rng = random.Random(7)
    changed = 0
    validator = conformance.Validator()
    for _ in range(4):
        out = mutation(data, rng, scan(data))  # type: ignore[operator]
        changed += out != data
        report = validator.validate(out)
        assert "internal-error" not in [f.code for f in report.findings]
    assert changed


_VALIDATOR: list[conformance.Validator] = []


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**32), st.binary(max_size=64),
       st.sampled_from(["ct", "nested", "sop"]))
def test_validate_never_raises_on_mutated_files(seed: int, junk: bytes, base: str) -> None:
    if not _VALIDATOR:
        _VALIDATOR.append(conformance.Validator())
    source = {"ct": hostile.ct_small, "nested": lambda: hostile.deep_nesting(3),
              "sop": lambda: hostile.sop_class_as("US")}[base]()
    data = mutate(source, random.Random(seed), [source]) + junk
    report = _VALIDATOR[0].validate(data)
    assert "internal-error" not in [f.code for f in report.findings]
