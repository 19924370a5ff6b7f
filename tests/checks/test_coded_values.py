"""Coded values (PS3.3 8.8 Code Sequence macro rules, PS3.16 context group membership)
against the 2016c excerpt build, whose CT Image Module says "Defined CID for the
Anatomic Region Sequence is CID 4030" (Table C.8-3)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from conformance.engine.api import Validator
from conformance.engine.finding import Finding
from tests.helpers.standard_build import excerpt_standard
from tests.helpers.testdata import pydicom_testdata

pytestmark = pytest.mark.shared

CODED = ("code-value-missing", "code-value-conflict", "code-value-form",
         "code-not-in-enumerated-cid", "code-not-in-defined-cid", "code-not-in-baseline-cid",
         "code-meaning-mismatch")


def _code(**kw: str) -> Dataset:
    d = Dataset()
    for k, v in kw.items():
        setattr(d, k, v)
    return d


def _ct_with_regions(*items: Dataset) -> Dataset:
    ds = dcmread(pydicom_testdata("CT_small.dcm"))
    ds.AnatomicRegionSequence = Sequence(list(items))
    return ds


def _coded(std: Path, ds: Dataset) -> list[Finding]:
    return [f for f in Validator(std).validate(ds).findings if f.code in CODED]


@pytest.fixture(scope="module")
def excerpt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return excerpt_standard(tmp_path_factory)


def test_member_codes_pass_including_legacy_snomed_rt(excerpt: Path) -> None:
    # SCT 816094009 and 10200004 are in CID 4030 (pydicom's PS3.16); SRT T-62000 is the
    # SNOMED-RT code of 10200004 "Liver" (PS3.16 Annex O)
    ds = _ct_with_regions(_code(CodeValue="816094009", CodingSchemeDesignator="SCT",
                                CodeMeaning="Chest"),
                          _code(CodeValue="T-62000", CodingSchemeDesignator="SRT",
                                CodeMeaning="Liver"))
    assert _coded(excerpt, ds) == []


def test_legacy_code_whose_concept_left_the_group(excerpt: Path) -> None:
    # SRT T-D3000 "Chest" is SCT 51185008 "Thorax", which current PS3.16 replaced in
    # CID 4030 by 816094009 "Chest": outside the group as the current edition has it
    ds = _ct_with_regions(_code(CodeValue="T-D3000", CodingSchemeDesignator="SRT",
                                CodeMeaning="Chest"))
    assert [f.code for f in _coded(excerpt, ds)] == ["code-not-in-defined-cid"]


def test_code_outside_a_defined_group_is_a_warning(excerpt: Path) -> None:
    ds = _ct_with_regions(_code(CodeValue="L-123", CodingSchemeDesignator="99LOCAL",
                                CodeMeaning="Local region"))
    [f] = _coded(excerpt, ds)
    assert (f.code, f.severity) == ("code-not-in-defined-cid", "warning")
    assert f.path == "(0008,2218)[0].(0008,0100)"
    assert "(L-123, 99LOCAL, \"Local region\") is not in Defined CID 4030" in f.message
    assert "CID for the Anatomic Region Sequence is CID 4030" in f.message
    assert f.reference is not None and f.reference.part == 16


def test_code_meaning_that_differs_from_the_group(excerpt: Path) -> None:
    ds = _ct_with_regions(_code(CodeValue="816094009", CodingSchemeDesignator="SCT",
                                CodeMeaning="Lung"))
    [f] = _coded(excerpt, ds)
    assert (f.code, f.severity) == ("code-meaning-mismatch", "warning")
    assert '"Lung"' in f.message and '"Chest"' in f.message


@pytest.mark.parametrize(("item", "code"), [
    (_code(CodingSchemeDesignator="SCT", CodeMeaning="Chest"), "code-value-missing"),
    (_code(CodeValue="816094009", URNCodeValue="urn:oid:1.2.3", CodingSchemeDesignator="SCT",
           CodeMeaning="Chest"), "code-value-conflict"),
    (_code(LongCodeValue="816094009", CodingSchemeDesignator="SCT", CodeMeaning="Chest"),
     "code-value-form"),
    (_code(CodeValue="urn:oid:1.2", CodingSchemeDesignator="SCT", CodeMeaning="x"),
     "code-value-form"),
    (_code(URNCodeValue="816094009", CodingSchemeDesignator="SCT", CodeMeaning="Chest"),
     "code-value-form"),
])
def test_code_sequence_macro_rules(excerpt: Path, item: Dataset, code: str) -> None:
    found = [f for f in _coded(excerpt, _ct_with_regions(item)) if f.severity == "error"]
    assert [f.code for f in found] == [code]


def _with_strength(excerpt: Path, tmp_path: Path, strength: str, qualified: bool) -> Path:
    """A copy of the excerpt build whose CT Image include row says ``strength``."""
    out = tmp_path / f"std-{strength}"
    shutil.copytree(excerpt, out)
    (out / "tables.zip").unlink()  # the loader then reads modules.json
    doc = json.loads((out / "modules.json").read_text())
    for node in doc["modules"]["ct-image"]["attributes"]:
        for g in node.get("context_groups", ()):
            g["strength"], g["qualified"] = strength, qualified
    (out / "modules.json").write_text(json.dumps(doc))
    return out


@pytest.mark.parametrize(("strength", "qualified", "code", "severity"), [
    ("enumerated", False, "code-not-in-enumerated-cid", "error"),
    ("baseline", False, "code-not-in-baseline-cid", "info"),
    # stated for a case the tables do not encode: never more than info
    ("enumerated", True, "code-not-in-baseline-cid", "info"),
])
def test_verdict_follows_the_strength(excerpt: Path, tmp_path: Path, strength: str,
                                      qualified: bool, code: str, severity: str) -> None:
    std = _with_strength(excerpt, tmp_path, strength, qualified)
    ds = _ct_with_regions(_code(CodeValue="L-123", CodingSchemeDesignator="99LOCAL",
                                CodeMeaning="Local region"))
    assert [(f.code, f.severity) for f in _coded(std, ds)] == [(code, severity)]


def test_enhanced_ct_file_code_sequences_are_checked(excerpt: Path) -> None:
    """pydicom's Enhanced CT test file against the excerpt build: its Measurement Units
    Code Sequence item is checked against Table C.7.6.16-12b's Defined CID 7181."""
    report = Validator(excerpt).validate(pydicom_testdata("eCT_Supplemental.dcm"))
    found = [f for f in report.findings if f.code in CODED]
    assert report.iod == "enhanced-ct-image"
    assert [(f.code, f.keyword) for f in found] == [("code-not-in-defined-cid", "CodeValue")]
    assert "CID 7181" in found[0].message and "ml/100ml/s" in found[0].message


def test_a_code_checked_against_groups_reads_only_those_groups() -> None:
    """The bundled standard keeps each context group as a member of cids.zip: checking
    a file's codes reads the groups its rows name, never all of cids.json (1.5 MB, tens
    of milliseconds for each process's first such file)."""
    from conformance.standard import Standard, bundled_path

    path = bundled_path()
    if path is None:
        pytest.skip("no bundled standard")
    std = Standard(path)  # not load_standard(): a fresh one, nothing read yet
    report = Validator(std).validate(pydicom_testdata("eCT_Supplemental.dcm"))
    assert report.iod == "enhanced-ct-image"
    groups = std.cids
    assert groups is not None
    assert 7181 in groups._made  # consulted: the Measurement Units Code Sequence's CID
    assert groups._doc is None  # and cids.json itself never read
