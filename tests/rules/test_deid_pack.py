"""The de-identification pack generated from PS3.15 Table E.1-1."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import generate_uid

import conformance
from conformance.compiler.deid_pack import generate, pack_yaml
from conformance.standard import load_standard
from conformance.tags import TagPattern
from tests.conftest import shared_file

from .conftest import RULES, rule_findings

PACK = RULES / "deidentification-basic.yaml"
_DUMMY = {"DA": "19000101", "TM": "000000", "DT": "19000101000000", "PN": "ANONYMOUS^ANON",
          "AS": "000Y"}


def _deidentify(ds: Dataset) -> Dataset:
    """Apply the Basic Profile by hand: X delete, Z blank, D dummy, U new UID (2.25)."""
    rows = load_standard().deidentification
    assert rows
    patterns = [(TagPattern.of(r["tag"]), r["basic_profile"]) for r in rows]
    ds.remove_private_tags()
    for elem in list(ds):
        action = next((a for p, a in patterns if p.matches(elem.tag)), None)
        if action is None:
            continue
        if action in ("X", "X/Z", "X/D", "X/Z/D", "X/Z/U*"):
            del ds[elem.tag]
        elif action in ("Z", "Z/D"):
            elem.value = Sequence() if elem.VR == "SQ" else None
        elif action == "D":
            if elem.VR == "SQ":
                elem.value = Sequence([Dataset()])
            elif elem.VR in ("US", "SS", "UL", "SL", "FL", "FD", "IS", "DS"):
                elem.value = 0
            else:
                elem.value = _DUMMY.get(elem.VR, "ANONYMIZED")
        elif action == "U":
            elem.value = generate_uid(None)  # 2.25.<uuid>
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = "PS3.15 Basic Application Level Confidentiality Profile"
    return ds


def _codes(report: conformance.Report) -> set[str]:
    return {f.code for f in rule_findings(report)}


def test_hand_deidentified_ct_passes() -> None:
    ds = _deidentify(dcmread(get_testdata_file("CT_small.dcm")))
    report = conformance.validate(ds, rules=[PACK])
    assert rule_findings(report) == []


def test_ct_small_fails_with_expected_codes() -> None:
    report = conformance.validate(get_testdata_file("CT_small.dcm"), rules=[PACK])
    got = _codes(report)
    # by hand from CT_small's header: identity flags absent, PN/ID/dates present,
    # image comments, age and weight present (X), GE private groups present (X)
    expected = {"deid-patient-identity-removed", "deid-method-present", "deid-patient-s-name",
                "deid-study-date", "deid-study-time", "deid-study-id", "deid-patient-s-sex",
                "deid-image-comments", "deid-patient-s-age", "deid-patient-s-weight",
                "deid-private-attributes", "deid-acquisition-date"}
    assert expected <= got
    # valid UIDs pass while uid_roots is the default (any root); Patient ID is Z/D: no rule
    assert "deid-study-instance-uid" not in got and "deid-patient-id" not in got
    assert all(f.severity == "error" and f.source.startswith(f"{PACK}#") for f in
               rule_findings(report))


def test_site_sets_uid_roots(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text(f'extends: ["{PACK}"]\nparams: {{uid_roots: ["2.25"]}}\n', encoding="utf-8")
    original = conformance.validate(get_testdata_file("CT_small.dcm"), rules=[site])
    assert {"deid-study-instance-uid", "deid-sop-instance-uid"} <= _codes(original)
    ds = _deidentify(dcmread(get_testdata_file("CT_small.dcm")))
    assert rule_findings(conformance.validate(ds, rules=[site])) == []


def test_committed_pack_matches_generator(tmp_path: Path) -> None:
    part15 = shared_file("nema-docbook", "2026c", "part15.xml")
    out = tmp_path / "deid.yaml"
    generate(out, part15=part15, command="conformance rules generate-deid --part15 "
             "../shared/nema-docbook/2026c/part15.xml --out rules/deidentification-basic.yaml")
    assert out.read_text(encoding="utf-8") == PACK.read_text(encoding="utf-8")


def test_generator_from_build_folder_agrees(tmp_path: Path) -> None:
    std = load_standard()
    if not std.deidentification:
        pytest.skip("bundled standard has no deidentification.json")
    out = tmp_path / "deid.yaml"
    n = generate(out, standard=std.path, command="x")
    ids = [ln for ln in out.read_text().splitlines() if ln.startswith("  - id: ")]
    committed = [ln for ln in PACK.read_text().splitlines() if ln.startswith("  - id: ")]
    assert n == len(ids) and ids == committed


def test_action_mapping_is_the_weakest_checkable() -> None:
    rows = [{"name": "A", "tag": "00100010", "basic_profile": "X/Z"},
            {"name": "B", "tag": "00100020", "basic_profile": "X/Z/D"},
            {"name": "C", "tag": "0020000D", "basic_profile": "X/Z/U*"},
            {"name": "D", "tag": "00080080", "basic_profile": "X/D"}]
    text = pack_yaml(rows, edition="test", command="c")
    assert '  - id: deid-a\n' in text and '{not: {not_empty: "(0010,0010)"}}' in text
    assert "id: deid-b" not in text and "X/Z/D: B (0010,0020)" in text
    assert '{uid_root: {target: "(0020,000D)", roots: "${uid_roots}"}}' in text
    assert '{any: [{absent: "(0008,0080)"}, {not_empty: "(0008,0080)"}]}' in text
