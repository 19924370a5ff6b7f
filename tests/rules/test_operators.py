"""Every check operator with a passing and a failing dataset, plus when/applies_to."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

import conformance
from conformance.rules import load_pack

from .conftest import codes, dataset, rule_findings

RULE = """\
version: 1
rules:
  - id: r1
    severity: error
    message: "{{keyword}} {{tag}} {{path}} value={{value}} expected={{expected}} why={{why}}"
    check: {check}
"""


def run(tmp_path: Path, check: str, ds: Dataset, extra: str = "") -> list:
    p = tmp_path / "one.yaml"
    p.write_text(RULE.format(check=check) + extra, encoding="utf-8")
    # Values shown: these tests read the messages (identifying values are masked by default).
    return rule_findings(conformance.Validator(rules=[p], show_values=True).validate(ds))


def items(seq: str, attr: str, *values: str) -> dict[str, Sequence]:
    out = []
    for v in values:
        it = Dataset()
        setattr(it, attr, v)
        out.append(it)
    return {seq: Sequence(out)}


CASES = [
    # (check, passing dataset, failing dataset)
    ("{present: Modality}", dataset(Modality="CT"), dataset()),
    ("{absent: BurnedInAnnotation}", dataset(), dataset(BurnedInAnnotation="YES")),
    ("{not_empty: InstitutionName}", dataset(InstitutionName="X"), dataset(InstitutionName="")),
    ("{equals: {target: Modality, value: CT}}", dataset(Modality="CT"), dataset(Modality="MR")),
    ("{equals: {target: Rows, value: 512}}", dataset(Rows=512), dataset(Rows=256)),
    ("{one_of: {target: Modality, values: [CT, MR]}}", dataset(Modality="MR"),
     dataset(Modality="US")),
    ('{matches: {target: AccessionNumber, pattern: "[A-Z]{2}[0-9]{6}"}}',
     dataset(AccessionNumber="AB123456"), dataset(AccessionNumber="123")),
    ("{range: {target: SliceThickness, min: 0.5, max: 10}}", dataset(SliceThickness="5"),
     dataset(SliceThickness="12.5")),
    ("{length: {target: StudyDescription, max: 5}}", dataset(StudyDescription="HEAD"),
     dataset(StudyDescription="HEAD AND NECK")),
    ("{vm: {target: ImageType, min: 2, max: 4}}", dataset(ImageType=["ORIGINAL", "PRIMARY"]),
     dataset(ImageType=["ORIGINAL"])),
    ("{pn_formatted: {target: PatientName, require: [family, given]}}",
     dataset(PatientName="Doe^Jane"), dataset(PatientName="Doe")),
    ("{pn_formatted: PatientName}", dataset(PatientName="Doe^Jane^^^"),
     dataset(PatientName="a^b^c^d^e^f")),
    ('{uid_root: {target: SOPInstanceUID, roots: ["1.2.3"]}}',
     dataset(SOPInstanceUID="1.2.3.4.5"), dataset(SOPInstanceUID="1.2.34.5")),
    ('{uid_root: {target: SOPInstanceUID, roots: ["1"]}}',
     dataset(SOPInstanceUID="1.2.3"), dataset(SOPInstanceUID="1.02.3")),
    ('{same_in_all_items: "ReferencedSeriesSequence[*].StudyInstanceUID"}',
     dataset(**items("ReferencedSeriesSequence", "StudyInstanceUID", "1.2", "1.2")),
     dataset(**items("ReferencedSeriesSequence", "StudyInstanceUID", "1.2", "1.3"))),
    ('{unique_in_sequence: "ReferencedSeriesSequence[*].SeriesInstanceUID"}',
     dataset(**items("ReferencedSeriesSequence", "SeriesInstanceUID", "1.2", "1.3")),
     dataset(**items("ReferencedSeriesSequence", "SeriesInstanceUID", "1.2", "1.2"))),
    ("{all: [{present: Modality}, {present: PatientID}]}",
     dataset(Modality="CT", PatientID="1"), dataset(Modality="CT")),
    ("{any: [{present: Modality}, {present: PatientID}]}", dataset(PatientID="1"), dataset()),
    ("{not: {equals: {target: BurnedInAnnotation, value: 'YES'}}}",
     dataset(BurnedInAnnotation="NO"), dataset(BurnedInAnnotation="YES")),
    ('{present: "(0008,1115)[0].(0020,000E)"}',
     dataset(**items("ReferencedSeriesSequence", "SeriesInstanceUID", "1.2")),
     dataset(**items("ReferencedSeriesSequence", "StudyInstanceUID", "1.2"))),
]


@pytest.mark.parametrize(("check", "good", "bad"), CASES, ids=[c[0][:40] for c in CASES])
def test_operator_pass_and_fail(tmp_path: Path, check: str, good: Dataset, bad: Dataset
                                ) -> None:
    assert run(tmp_path, check, good) == []
    found = run(tmp_path, check, bad)
    assert found and {f.code for f in found} == {"r1"}
    assert all(f.severity == "error" and f.line == 3 for f in found)
    assert all(f.source == f"{tmp_path / 'one.yaml'}#r1" for f in found)


def test_value_operators_skip_absent_and_empty(tmp_path: Path) -> None:
    check = "{one_of: {target: Modality, values: [CT]}}"
    assert run(tmp_path, check, dataset()) == []
    assert run(tmp_path, check, dataset(Modality="")) == []


def test_message_fields_and_paths(tmp_path: Path) -> None:
    ds = dataset(**items("ReferencedSeriesSequence", "SeriesInstanceUID", "1.2", "1.2.840.9"))
    found = run(tmp_path, '{uid_root: {target: "ReferencedSeriesSequence[*].'
                          'SeriesInstanceUID", roots: ["1.2.840"]}}', ds)
    assert len(found) == 1
    f = found[0]
    assert f.path == "(0008,1115)[0].(0020,000E)"
    assert f.keyword_path == "ReferencedSeriesSequence[0].SeriesInstanceUID"
    assert f.message == ("SeriesInstanceUID (0020,000E) ReferencedSeriesSequence[0]."
                         "SeriesInstanceUID value=1.2 expected=a UID under 1.2.840 "
                         "why=1.2 is not under 1.2.840")


def test_every_item_is_checked(tmp_path: Path) -> None:
    ds = dataset(**items("ReferencedSeriesSequence", "SeriesInstanceUID", "1", "", "3"))
    found = run(tmp_path, '{not_empty: "ReferencedSeriesSequence[*].SeriesInstanceUID"}', ds)
    assert [f.keyword_path for f in found] == ["ReferencedSeriesSequence[1].SeriesInstanceUID"]


def test_tag_mask_target(tmp_path: Path) -> None:
    ds = dataset()
    ds.add_new(0x00090010, "LO", "OTHER")
    ds.add_new(0x00091001, "LO", "x")
    found = run(tmp_path, '{absent: "(0009,10xx)"}', ds)
    assert [f.tag for f in found] == ["00091001"]


def test_when_and_applies_to(tmp_path: Path) -> None:
    extra_when = ""
    check = "{not_empty: ConvolutionKernel}"
    rule = RULE.format(check=check).replace(
        "    check:", "    when: {eq: {attr: Modality, values: [CT]}}\n    check:")
    p = tmp_path / "w.yaml"
    p.write_text(rule + extra_when, encoding="utf-8")
    assert codes(conformance.validate(dataset(Modality="MR"), rules=[p])) == []
    assert codes(conformance.validate(dataset(Modality="CT"), rules=[p])) == ["r1"]
    rule2 = RULE.format(check=check).replace(
        "    check:", "    applies_to: {modalities: [CT]}\n    check:")
    p.write_text(rule2, encoding="utf-8")
    assert codes(conformance.validate(dataset(Modality="MR"), rules=[p])) == []
    assert codes(conformance.validate(dataset(Modality="CT"), rules=[p])) == ["r1"]


def test_when_yaml_maps_to_expr(tmp_path: Path) -> None:
    rule = RULE.format(check="{present: Modality}").replace(
        "    check:", "    when: {all: [{present: PatientID}, {not: {eq: {attr: "
                     "\"ReferencedSeriesSequence.SeriesInstanceUID\", values: ['1']}}}]}\n"
                     "    check:")
    p = tmp_path / "w.yaml"
    p.write_text(rule, encoding="utf-8")
    (r,) = load_pack(p).rules
    assert r.when == {"op": "and", "args": [
        {"op": "present", "attr": {"tag": "00100020", "scope": "root", "index": None,
                                   "path": None}},
        {"op": "not", "arg": {"op": "eq", "values": ["1"], "attr": {
            "tag": "0020000E", "scope": "root", "index": None,
            "path": ["00081115", "0020000E"]}}}]}


def test_loaded_pack_is_reusable_and_picklable(tmp_path: Path) -> None:
    import pickle

    p = tmp_path / "one.yaml"
    p.write_text(RULE.format(check="{present: Modality}"), encoding="utf-8")
    pack = pickle.loads(pickle.dumps(load_pack(p)))
    v = conformance.Validator(rules=[pack])
    assert codes(v.validate(dataset())) == ["r1"]
    assert codes(v.validate(dataset(Modality="CT"))) == []
    # a single path (not a list) is one rule file
    assert codes(conformance.validate(dataset(), rules=str(p))) == ["r1"]
