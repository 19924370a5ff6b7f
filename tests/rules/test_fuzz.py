"""Hypothesis: random YAML-ish text and random rule-shaped documents never crash the
loader with anything but RuleFileError."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.errors import RuleFileError
from conformance.rules import load_pack

_DIR = Path(tempfile.mkdtemp(prefix="rules-fuzz-"))

KEYS = ["version", "rules", "extends", "params", "disable", "id", "severity", "message",
        "check", "when", "applies_to", "target", "values", "pattern", "min", "max", "all",
        "any", "not", "present", "equals", "one_of", "matches", "range", "uid_root",
        "same_in_all_items", "eq", "attr", "code", "reason", "modalities", "iods"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True),
                    st.sampled_from(["Modality", "(0008,0060)", "${x}", "error", "[*]", "a{",
                                     "(a+)+", "Seq[*].X", "{value}", "", "CT", "*", "&a"]),
                    st.text(max_size=8))
docs = st.recursive(scalars, lambda kids: st.one_of(
    st.lists(kids, max_size=4), st.dictionaries(st.sampled_from(KEYS), kids, max_size=4)),
    max_leaves=25)


def _load(text: str) -> None:
    p = _DIR / "fuzz.yaml"
    p.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_pack(p)
    except RuleFileError as exc:
        assert str(exc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("{}[]:-,'\"&*!|>#\n  abcx01$%?@`")), max_size=80))
def test_yamlish_text(text: str) -> None:
    _load(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(docs)
def test_rule_shaped_documents(doc: object) -> None:
    _load(yaml.safe_dump({"rules": [doc]} if not isinstance(doc, dict) else doc))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["present", "absent", "not_empty", "pn_formatted", "same_in_all_items"]),
       st.text(max_size=20))
def test_random_targets(op: str, target: str) -> None:
    doc = {"rules": [{"id": "a", "severity": "error", "message": "m", "check": {op: target}}]}
    _load(yaml.safe_dump(doc))
