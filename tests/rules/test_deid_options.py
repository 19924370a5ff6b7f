"""De-identification packs that match practice: PS3.15 E.3 options (generate-deid
--option), private attributes once per private block with a count, and messages that
tell absent, empty, binary and sequence values apart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

import conformance
from conformance.cli import main
from conformance.compiler.deid_pack import OPTIONS, effective_action, generate, option_key
from tests.conftest import shared_file

from ..helpers.testdata import pydicom_testdata
from .conftest import RULES, rule_findings

SHIPPED = {  # file -> options it was generated with (see each file's header)
    "deidentification-retain-uids.yaml": ["retain-uids"],
    "deidentification-research.yaml": [
        "retain-uids", "retain-longitudinal-modified-dates", "retain-patient-characteristics",
        "retain-device-identity", "retain-safe-private", "clean-descriptors"],
}


def test_effective_action() -> None:
    row = {"basic_profile": "X", "options": {"rtn-uids-opt": "K", "clean-desc-opt": "C",
                                             "rtn-dev-id-opt": "D"}}
    assert effective_action(row, []) == "X"
    assert effective_action(row, ["rtn-dev-id-opt"]) == "D"
    assert effective_action(row, ["clean-desc-opt", "rtn-dev-id-opt"]) == "C"
    assert effective_action(row, ["rtn-dev-id-opt", "clean-desc-opt", "rtn-uids-opt"]) == "K"
    assert effective_action(row, ["rtn-pat-chars-opt"]) == "X"  # empty cell: basic


def test_every_table_column_is_an_option() -> None:
    from conformance.standard import load_standard

    rows = load_standard().deidentification
    assert rows
    assert set(OPTIONS.values()) == set(rows[0]["options"])
    with pytest.raises(ValueError, match="did you mean retain-uids"):
        option_key("retain-uid")


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_option_packs_match_generator(tmp_path: Path, name: str) -> None:
    part15 = shared_file("nema-docbook", "2026c", "part15.xml")
    opts = SHIPPED[name]
    out = tmp_path / name
    command = ("conformance rules generate-deid --part15 ../shared/nema-docbook/2026c/"
               "part15.xml " + " ".join(f"--option {o}" for o in opts) + f" --out rules/{name}")
    generate(out, part15=part15, command=command, options=opts)
    assert out.read_text(encoding="utf-8") == (RULES / name).read_text(encoding="utf-8")


def _codes(report: conformance.Report) -> set[str]:
    return {f.code for f in rule_findings(report)}


def test_options_change_what_is_required() -> None:
    ct = pydicom_testdata("CT_small.dcm")
    basic = _codes(conformance.validate(ct, rules=["builtin:deidentification-basic"]))
    uids = _codes(conformance.validate(ct, rules=["builtin:deidentification-retain-uids"]))
    research = _codes(conformance.validate(ct, rules=["builtin:deidentification-research"]))
    assert "deid-study-instance-uid" not in basic  # CT_small's UIDs are valid UIDs
    assert "deid-study-date" in basic and "deid-study-date" in uids
    assert "deid-study-date" not in research  # modified dates: C, any value
    assert "deid-private-attributes" in basic and "deid-private-attributes" not in research
    assert "deid-patient-s-name" in research  # no option retains the name


def test_generate_deid_option_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from conformance.standard import load_standard

    std = load_standard()
    out = tmp_path / "d.yaml"
    assert main(["rules", "generate-deid", "--standard", str(std.path), "--option",
                 "retain-uids", "--out", str(out)]) == 0
    text = out.read_text()
    assert "--option retain-uids" in text.splitlines()[2]
    assert 'name: "deidentification-basic+retain-uids"' in text
    assert "deid-sop-instance-uid" not in text
    capsys.readouterr()
    assert main(["rules", "generate-deid", "--standard", str(std.path), "--option",
                 "retain-uid", "--out", str(out)]) == 2
    assert "did you mean retain-uids?" in capsys.readouterr().err


def test_private_attributes_once_per_block_with_count() -> None:
    path = pydicom_testdata("CT_small.dcm")
    ds = dcmread(path)
    per_block: dict[str, int] = {}
    for elem in ds:  # top level, as the pack checks
        if elem.tag.is_private:
            g, e = elem.tag.group, elem.tag.element
            block = e if e < 0x1000 else e >> 8
            key = f"({g:04X},{block:02X}xx)"
            per_block[key] = per_block.get(key, 0) + 1
    report = conformance.validate(path, rules=["builtin:deidentification-basic"])
    found = [f for f in report.findings if f.code == "deid-private-attributes"]
    got = {}
    for f in found:
        m = re.search(r"private block (\(\w{4},\w{2}xx\)) has (\d+) element", f.message)
        assert m, f.message
        got[m.group(1)] = int(m.group(2))
    assert got == per_block
    assert len(found) == len(per_block) < sum(per_block.values())


def test_messages_tell_absent_empty_binary_and_sequence() -> None:
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.AdditionalPatientHistory = ""                       # X: empty
    ds.add_new(0xFFFCFFFC, "OB", b"\0" * 10)               # X: binary
    ds.OtherPatientIDsSequence = Sequence([Dataset()])     # X: a sequence
    ds.ImageComments = "hello"                             # X: a value
    report = conformance.Validator(rules=["builtin:deidentification-basic"],
                                   show_values=True).validate(ds)
    msg = {f.code: f.message for f in rule_findings(report)}
    assert msg["deid-patient-identity-removed"].endswith("(found absent)")
    assert msg["deid-additional-patient-history"].endswith("found empty")
    assert msg["deid-data-set-trailing-padding"].endswith("found a binary value (10 bytes)")
    assert msg["deid-other-patient-ids-sequence"].endswith("found a sequence of 1 item")
    assert msg["deid-image-comments"].endswith("found 'hello'")
    # by default identifying values are masked (issue 10), the state words are not
    masked = conformance.validate(ds, rules=["builtin:deidentification-basic"])
    msg = {f.code: f.message for f in rule_findings(masked)}
    assert msg["deid-image-comments"].endswith("found '<LT, 5 characters>'")
    assert msg["deid-additional-patient-history"].endswith("found empty")
