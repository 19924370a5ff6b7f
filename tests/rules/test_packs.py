"""The shipped packs: they load, run over pydicom's test files without rule errors, and
give the findings checked by hand below."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file, get_testdata_files
from pydicom.dataset import Dataset

import conformance
from conformance.rules import load_pack

from .conftest import RULES, codes, rule_findings

PACKS = ["pn-formatting", "private-blocks", "site-example", "deidentification-basic"]


@pytest.fixture(scope="module")
def validator() -> conformance.Validator:
    # Values shown: the tests read the messages (identifying values are masked by default).
    return conformance.Validator(rules=[load_pack(RULES / f"{n}.yaml") for n in PACKS],
                                 show_values=True)


@pytest.mark.filterwarnings("ignore")
def test_packs_run_on_pydicom_files_without_rule_errors(validator: conformance.Validator
                                                        ) -> None:
    files = get_testdata_files()
    assert len(files) > 50
    seen: set[str] = set()
    for f in files:
        report = validator.validate(f)
        bad = [x for x in report.findings if x.code == "internal-error" and x.source != "standard"]
        assert bad == [], (f, bad)
        seen.update(codes(report))
    # every hand-written pack fires somewhere in the corpus
    assert {"pn-patient-name", "private-block-creator", "site-institution-name",
            "site-ct-slice-thickness", "site-research-no-burned-in",
            "deid-patient-identity-removed"} <= seen


def _by_code(report: conformance.Report) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in rule_findings(report):
        out.setdefault(f.code, []).append(f)
    return out


def test_ct_small_site_and_private_findings(validator: conformance.Validator) -> None:
    found = _by_code(validator.validate(get_testdata_file("CT_small.dcm")))
    (inst,) = found["site-institution-name"]
    assert inst.message == ("InstitutionName is missing or not one of our institutions "
                            "(found 'JFK IMAGING CENTER')")
    assert inst.source == f"{RULES / 'site-example.yaml'}#site-institution-name"
    (priv,) = found["private-block-creator"]
    assert priv.tag == "00090010"
    assert priv.message == "(0009,0010) reserves our block for 'GEMS_IDEN_01'; expected DICOMNODE"
    # CT_small has Convolution Kernel STANDARD and 5 mm slices: the CT rules pass
    assert "site-ct-kernel" not in found and "site-ct-slice-thickness" not in found


def test_research_export_without_burned_in_statement() -> None:
    path = get_testdata_file("693_J2KI.dcm")  # Patient Identity Removed YES, no (0028,0301)
    report = conformance.validate(path, rules=[RULES / "site-example.yaml"])
    assert "site-research-no-burned-in" in codes(report)
    ds = dcmread(path)
    ds.BurnedInAnnotation = "NO"
    assert "site-research-no-burned-in" not in codes(conformance.validate(ds, rules=[
        RULES / "site-example.yaml"]))


def test_pn_pack_on_empty_components() -> None:
    report = conformance.Validator(rules=[RULES / "pn-formatting.yaml"], show_values=True
                                   ).validate(get_testdata_file("image_dfl.dcm"))
    (f,) = [x for x in rule_findings(report) if x.code == "pn-patient-name"]
    assert "'^^^^'" in f.message and "no family name component" in f.message
    ds = Dataset()
    ds.PatientName = "Jane Doe"
    assert sorted(codes(conformance.validate(ds, rules=[RULES / "pn-formatting.yaml"]))) == [
        "pn-patient-name", "pn-patient-name-free-text"]


def test_site_pack_disables_a_rule_visibly() -> None:
    ds = Dataset()
    ds.ReferringPhysicianName = "Dr Who"  # no ^ : pn-staff-names would fire
    report = conformance.validate(ds, rules=[RULES / "site-example.yaml"])
    assert "pn-staff-names" not in codes(report)
    (s,) = [s for s in report.suppressed if s.code == "pn-staff-names"]
    assert "IMG-123" in s.reason and s.count == 1


def test_private_blocks_params_overridden_by_a_site(write: Callable[..., Path]) -> None:
    base = (RULES / "private-blocks.yaml").read_text(encoding="utf-8")
    write(base, "private-blocks.yaml")
    site = write('extends: [private-blocks.yaml]\nparams: {creator: GEMS_IDEN_01}\n', "site.yaml")
    report = conformance.validate(get_testdata_file("CT_small.dcm"), rules=[site])
    assert "private-block-creator" not in codes(report)
    ds = Dataset()
    ds.add_new(0x00091001, "LO", "data without a reservation")
    report = conformance.validate(ds, rules=[site])
    assert codes(report) == ["private-block-reserved"]
    ds.add_new(0x00090010, "LO", "GEMS_IDEN_01")
    assert codes(conformance.validate(ds, rules=[site])) == []
