"""JUnit XML: parses with xml.etree; one testcase per file; failures follow fail-on."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from conformance.report.junit import write

from .conftest import STANDARD, fake_reports


def _junit(reports: list[Any], fail_on: str = "error") -> ET.Element:
    out = io.StringIO()
    write(reports, standard_info=STANDARD, stream=out, color=False, fail_on=fail_on)
    return ET.fromstring(out.getvalue().encode("utf-8"))


@pytest.mark.parametrize(("fail_on", "failing"), [
    ("error", ["study/ct 1.dcm"]),
    ("warning", ["study/ct 1.dcm", 'dir/ünïcode <&> "quoted".dcm']),
    ("never", []),
])
def test_failures_follow_fail_on(fail_on: str, failing: list[str]) -> None:
    reports = fake_reports()
    root = _junit(reports, fail_on)
    suites = root.findall("testsuite")
    assert len(suites) == 1
    suite = suites[0]
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [r.path for r in reports]
    assert [c.get("name") for c in cases if c.find("failure") is not None] == failing
    assert suite.get("tests") == str(len(reports))
    assert suite.get("failures") == str(len(failing))


def test_failure_lists_the_findings() -> None:
    root = _junit(fake_reports())
    case = root.find("testsuite/testcase[@name='study/ct 1.dcm']")
    assert case is not None
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == (
        "3 finding(s) at or above error: enum-value, module-missing, type1-missing")
    body = failure.text or ""
    assert "error type1-missing PatientID: Patient ID is missing" in body
    out = case.find("system-out")
    assert out is not None and "defined-term" in (out.text or "")
    assert case.get("classname") == "dicom-conformance.ct-image"


def test_control_characters_do_not_break_xml() -> None:
    root = _junit(fake_reports(), "warning")
    case = root.find("testsuite/testcase[@name='dir/ünïcode <&> \"quoted\".dcm']")
    assert case is not None
    assert "PatientID must match ^[0-9]+$ <&>" in (case.find("failure").text or "")  # type: ignore[union-attr]


def test_real_reports(real_reports: list[Any]) -> None:
    root = _junit(real_reports)
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(real_reports)
    for case, r in zip(cases, real_reports, strict=True):
        unreadable = any(f.code == "unreadable" for f in r.findings)
        assert (case.find("error") is not None) is unreadable
        assert (case.find("failure") is not None) is (not r.ok and not unreadable)
        # real timings: what the validator measured, 3 decimals
        assert r.elapsed is not None and r.elapsed > 0
        assert case.get("time") == f"{r.elapsed:.3f}"
    suite = root.find("testsuite")
    assert suite is not None
    assert float(suite.get("time") or 0) == pytest.approx(
        sum(r.elapsed for r in real_reports), abs=0.01)
    assert suite.get("errors") == "1"  # junk.bin


def test_unreadable_is_an_error_not_a_failure() -> None:
    root = _junit(fake_reports(), "never")
    case = root.find("testsuite/testcase[@name='study/notes.txt']")
    assert case is not None
    error = case.find("error")
    assert error is not None and case.find("failure") is None
    assert error.get("type") == "unreadable"
    assert error.get("message") == "cannot read the input: not DICOM"
    assert root.get("errors") == "1" and root.get("failures") == "0"
