"""Rule packs' per-code policy: ``severity:`` levels and scoped ``suppress:`` entries."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.engine.api import Validator
from conformance.errors import RuleFileError
from conformance.report.summary import Summary
from tests.engine.datasets import MINI, ct_dataset


def _extra() -> object:
    ds = ct_dataset()
    ds.DeviceSerialNumber = "1"  # a not-in-iod warning at DeviceSerialNumber
    return ds


def _of(report: object, code: str) -> list:
    return [f for f in report.findings if f.code == code]  # type: ignore[attr-defined]


def test_severity_mapping_sets_the_level(write: Callable[..., Path]) -> None:
    base = Validator(MINI).validate(_extra())
    assert [f.severity for f in _of(base, "not-in-iod")] == ["warning"]
    pack = write("""\
        version: 1
        severity:
          not-in-iod: error
        """)
    r = Validator(MINI, rules=[pack]).validate(_extra())
    assert [f.severity for f in _of(r, "not-in-iod")] == ["error"]
    assert not r.ok


def test_cli_severity_wins_over_the_pack(write: Callable[..., Path]) -> None:
    pack = write("""\
        version: 1
        severity: {not-in-iod: error}
        """)
    r = Validator(MINI, rules=[pack], options={"severity": {"not-in-iod": "info"}}
                  ).validate(_extra())
    assert [f.severity for f in _of(r, "not-in-iod")] == ["info"]


def test_severity_extending_file_wins(write: Callable[..., Path]) -> None:
    write("version: 1\nseverity: {not-in-iod: error}\n", "base.yaml")
    site = write("version: 1\nextends: [base.yaml]\nseverity: {not-in-iod: info}\n")
    r = Validator(MINI, rules=[site]).validate(_extra())
    assert [f.severity for f in _of(r, "not-in-iod")] == ["info"]


def test_severity_alias_selects_every_split_code(write: Callable[..., Path]) -> None:
    from conformance.catalogue import aliases_of

    alias, codes = next(iter(aliases_of().items()))
    pack = write(f"version: 1\nseverity: {{{alias}: info}}\n")
    v = Validator(MINI, rules=[pack])
    assert {c: v.policy.severity[c] for c in codes} == dict.fromkeys(codes, "info")


def test_severity_unknown_code_names_file_line_and_suggests(write: Callable[..., Path]
                                                             ) -> None:
    pack = write("""\
        version: 1
        severity:
          not-in-iod: error
          not-in-iodd: info
        """)
    with pytest.raises(RuleFileError) as e:
        Validator(MINI, rules=[pack])
    text = str(e.value)
    assert "not-in-iodd" in text and "did you mean not-in-iod" in text
    assert e.value.line == 4 and str(pack) in text


def test_severity_bad_level_is_a_rule_file_error(write: Callable[..., Path]) -> None:
    pack = write("version: 1\nseverity: {not-in-iod: fatal}\n")
    with pytest.raises(RuleFileError):
        Validator(MINI, rules=[pack])


# -- suppress: ---------------------------------------------------------------------------

def _suppress(write: Callable[..., Path], entry: str) -> Validator:
    pack = write("version: 1\nsuppress:\n  - {code: not-in-iod, reason: vendor adds it"
                 + entry + "}\n")
    return Validator(MINI, rules=[pack])


@pytest.mark.parametrize("scope", [
    "", ", keyword: DeviceSerialNumber", ", tag: '(0018,1000)'", ", tag: '00181000'",
    ", tag: DeviceSerialNumber", ", path: 'Device*'", ", path: '(0018,1000)'",
    ", iod: CT Image"])
def test_scoped_suppression_hides_the_finding_with_its_reason(
        write: Callable[..., Path], scope: str) -> None:
    r = _suppress(write, scope).validate(_extra())
    assert _of(r, "not-in-iod") == []
    (s,) = r.suppressed
    assert s.code == "not-in-iod" and s.count == 1 and s.reason.startswith("vendor adds it")
    summary = Summary()
    summary.add(r)
    assert summary.suppressed["not-in-iod"]["count"] == 1


@pytest.mark.parametrize("scope", [
    ", keyword: PatientName", ", tag: '(0010,0010)'", ", path: 'Referenced*'",
    ", iod: Enhanced CT Image"])
def test_out_of_scope_findings_stay(write: Callable[..., Path], scope: str) -> None:
    r = _suppress(write, scope).validate(_extra())
    assert len(_of(r, "not-in-iod")) == 1
    assert r.suppressed == []


def test_suppress_only_its_scope(write: Callable[..., Path]) -> None:
    ds = _extra()
    ds.Manufacturer = "x"  # a second not-in-iod, other attribute
    before = Validator(MINI).validate(ds)
    n = len(_of(before, "not-in-iod"))
    assert n >= 2
    r = _suppress(write, ", keyword: DeviceSerialNumber").validate(ds)
    assert [f.keyword for f in _of(r, "not-in-iod")].count("DeviceSerialNumber") == 0
    assert len(_of(r, "not-in-iod")) == n - 1


@pytest.mark.parametrize(("entry", "needle", "line"), [
    ("  - {code: not-in-iodd, reason: typo}", "did you mean not-in-iod", 3),
    ("  - {code: not-in-iod, reason: site quirk, keyword: NoSuchKeywordHere}",
     "NoSuchKeywordHere", 3),
    ("  - {code: not-in-iod, reason: no reason given here, iod: Nonsense IOD}",
     "Nonsense IOD", 3),
    ("  - {code: not-in-iod}", "reason", 3),
])
def test_bad_suppress_entries(write: Callable[..., Path], entry: str, needle: str,
                              line: int) -> None:
    pack = write("version: 1\nsuppress:\n" + entry + "\n")
    with pytest.raises(RuleFileError) as e:
        Validator(MINI, rules=[pack])
    assert needle in str(e.value)
    assert e.value.line == line
