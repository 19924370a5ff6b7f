"""Broken rule files: each a RuleFileError naming file:line:column and what was expected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.errors import RuleFileError
from conformance.rules import load_pack

GOOD_RULE = """\
  - id: {id}
    severity: error
    message: "m"
    check: {{present: Modality}}
"""


def err(path: Path) -> RuleFileError:
    with pytest.raises(RuleFileError) as info:
        load_pack(path)
    return info.value


def test_malformed_yaml(write: Callable[..., Path]) -> None:
    p = write("rules:\n  - id: a\n    check: {present: [Modality\n")
    e = err(p)
    assert e.file == str(p) and e.line == 4 and e.column is not None
    assert str(e).startswith(f"{p}:4:")
    assert "invalid YAML" in str(e)


def test_empty_and_non_mapping_files(write: Callable[..., Path]) -> None:
    assert "empty rule file" in str(err(write("")))
    assert "expected a mapping" in str(err(write("- 1\n- 2\n")))


def test_duplicate_rule_id(write: Callable[..., Path]) -> None:
    p = write("rules:\n" + GOOD_RULE.format(id="a") + GOOD_RULE.format(id="a"))
    e = err(p)
    assert (e.line, e.column) == (6, 9)
    assert "duplicate rule id 'a' (first defined at" in str(e) and f"{p}:2)" in str(e)


def test_duplicate_rule_id_across_extends(write: Callable[..., Path]) -> None:
    write("rules:\n" + GOOD_RULE.format(id="a"), "base.yaml")
    p = write("extends: [base.yaml]\nrules:\n" + GOOD_RULE.format(id="a"), "site.yaml")
    e = err(p)
    assert e.file == str(p) and e.line == 3 and "base.yaml:2" in str(e)


def test_duplicate_yaml_key(write: Callable[..., Path]) -> None:
    e = err(write("rules: []\nrules: []\n"))
    assert e.line == 2 and "duplicate key 'rules'" in str(e)


def test_unknown_key(write: Callable[..., Path]) -> None:
    p = write("rules:\n  - id: a\n    severity: error\n    message: m\n    chek: {present: X}\n"
              "    check: {present: Modality}\n")
    e = err(p)
    assert (e.line, e.column) == (5, 5)
    assert "unknown key 'chek'" in str(e) and "check" in str(e)


def test_unknown_operator_and_two_operators(write: Callable[..., Path]) -> None:
    e = err(write("rules:\n  - id: a\n    severity: error\n    message: m\n"
                  "    check: {equal: {target: Modality, value: CT}}\n"))
    assert e.line == 5 and "unknown key 'equal'" in str(e) and "equals" in str(e)
    e = err(write("rules:\n  - id: a\n    severity: error\n    message: m\n"
                  "    check: {present: Modality, absent: PatientID}\n"))
    assert e.line == 5 and "one operator per mapping" in str(e)


def test_wrong_types_and_missing_fields(write: Callable[..., Path]) -> None:
    e = err(write("rules:\n  - id: a\n    severity: fatal\n    message: m\n"
                  "    check: {present: Modality}\n"))
    assert e.line == 3 and "'fatal' is not one of" in str(e)
    e = err(write("rules:\n  - id: a\n    severity: error\n    message: m\n"
                  "    check: {one_of: {target: Modality}}\n"))
    assert e.line == 5 and "values" in str(e) and "required" in str(e)


def test_bad_regex(write: Callable[..., Path]) -> None:
    p = write("rules:\n  - id: a\n    severity: error\n    message: m\n"
              "    check: {matches: {target: PatientID, pattern: '[A-Z'}}\n")
    e = err(p)
    assert e.line == 5 and "does not compile" in str(e)


@pytest.mark.parametrize("pattern", ["(a+)+$", "(a|aa)*b", r"(\\w+\\s?)*$", ".*.*x",
                                     r"(.)\\1", "a" * 300])
def test_catastrophic_regex_rejected(write: Callable[..., Path], pattern: str) -> None:
    p = write("rules:\n  - id: a\n    severity: error\n    message: m\n"
              f"    check: {{matches: {{target: PatientID, pattern: \"{pattern}\"}}}}\n")
    e = err(p)
    assert e.line == 5 and e.file == str(p)


def test_extends_cycle(write: Callable[..., Path]) -> None:
    a = write("extends: [b.yaml]\nrules: []\n", "a.yaml")
    write("rules: []\nextends:\n  - c.yaml\n", "b.yaml")
    write("extends: [a.yaml]\n", "c.yaml")
    e = err(a)
    assert "extends cycle" in str(e)
    assert e.file.endswith("c.yaml") and e.line == 1
    chain = str(e).split("extends cycle: ")[1]
    assert [Path(x).name for x in chain.split(" -> ")] == ["a.yaml", "b.yaml", "c.yaml",
                                                           "a.yaml"]


def test_extends_missing_file(write: Callable[..., Path]) -> None:
    p = write("rules: []\nextends: [nope.yaml]\n")
    e = err(p)
    assert e.file == str(p) and e.line == 2 and "not found" in str(e)


def test_diamond_extends_is_not_a_cycle(write: Callable[..., Path]) -> None:
    write("rules:\n" + GOOD_RULE.format(id="base"), "d.yaml")
    write("extends: [d.yaml]\n", "b.yaml")
    write("extends: [d.yaml]\n", "c.yaml")
    p = write("extends: [b.yaml, c.yaml]\n", "a.yaml")
    assert [r.id for r in load_pack(p).rules] == ["base"]


def test_unknown_keyword_and_param(write: Callable[..., Path]) -> None:
    e = err(write("rules:\n  - id: a\n    severity: error\n    message: m\n"
                  "    check: {present: ConvolutionKernal}\n"))
    assert e.line == 5 and "unknown keyword 'ConvolutionKernal'" in str(e)
    e = err(write("rules:\n  - id: a\n    severity: error\n    message: m\n"
                  "    check: {equals: {target: Modality, value: '${modality}'}}\n"))
    assert e.line == 5 and "unknown parameter ${modality}" in str(e)


def test_message_template_fields_checked(write: Callable[..., Path]) -> None:
    e = err(write("rules:\n  - id: a\n    severity: error\n    message: '{value.__class__}'\n"
                  "    check: {present: Modality}\n"))
    assert e.line == 4 and "unknown field" in str(e)


def test_disable_needs_reason_and_known_code(write: Callable[..., Path]) -> None:
    e = err(write("disable:\n  - code: iod-unknown\n"))
    assert e.line == 2 and "reason" in str(e)
    e = err(write("disable:\n  - {code: no-such-check, reason: because}\n"))
    assert e.line == 2 and "unknown code 'no-such-check'" in str(e)


def test_item_operator_needs_a_sequence(write: Callable[..., Path]) -> None:
    e = err(write("rules:\n  - id: a\n    severity: error\n    message: m\n"
                  "    check: {unique_in_sequence: SeriesInstanceUID}\n"))
    assert e.line == 5 and "inside a sequence" in str(e)


def test_all_problems_are_collected(write: Callable[..., Path]) -> None:
    p = write("rules:\n  - id: a\n    severity: bad\n    message: m\n    check: {present: X1}\n"
              "  - id: b\n    severity: error\n    mesage: m\n    check: {present: X}\n")
    e = err(p)
    lines = {x.line for x in e.problems}  # type: ignore[attr-defined]
    assert {3, 8} <= lines  # severity 'bad' and the misspelt 'mesage', both reported


def test_disable_is_reported_in_the_report(write: Callable[..., Path]) -> None:
    from pydicom.dataset import Dataset

    import conformance

    p = write("disable:\n  - {code: r2, reason: known issue IMG-1}\nrules:\n"
              + GOOD_RULE.format(id="r2"))
    report = conformance.validate(Dataset(), rules=[p])
    assert [f.code for f in report.findings if f.code == "r2"] == []
    (s,) = [s for s in report.suppressed if s.code == "r2"]
    assert s.count == 1 and s.reason.startswith("known issue IMG-1")
