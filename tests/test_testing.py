"""``assert_conformant``: a readable failure listing the findings."""

from __future__ import annotations

import pytest

import conformance
from conformance.testing import (
    MAX_LISTED,
    ConformanceAssertionError,
    assert_conformant,
    format_findings,
)

from .helpers.testdata import pydicom_testdata


def test_passes_and_returns_the_report() -> None:
    report = assert_conformant(pydicom_testdata("CT_small.dcm"))  # no error finding
    assert report.ok and report.iod == "ct-image"


def test_failure_message_lists_findings() -> None:
    ct = pydicom_testdata("CT_small.dcm")
    with pytest.raises(ConformanceAssertionError) as err:
        assert_conformant(ct, fail_on="warning")
    text = str(err.value)
    first, *rest = text.splitlines()
    assert first == f"{ct} (CT Image) is not conformant at fail_on='warning': 1 warning"
    assert len(rest) == 1 and rest[0].startswith("  warning not-in-iod ")
    assert "Finding(" not in text  # no dataclass repr
    assert [f.code for f in err.value.failing] == ["not-in-iod"]


def test_ignore_rules_and_report_objects() -> None:
    ct = pydicom_testdata("CT_small.dcm")
    assert_conformant(ct, fail_on="warning", ignore=["not-in-iod"])
    with pytest.raises(AssertionError, match=r"error +deid-patient-identity-removed"):
        assert_conformant(ct, rules=["builtin:deidentification-basic"])
    report = conformance.validate(ct)
    assert assert_conformant(report) is report
    with pytest.raises(ValueError, match="fail_on must be one of"):
        assert_conformant(report, fail_on="never")


def test_long_lists_are_cut() -> None:
    ct = pydicom_testdata("CT_small.dcm")
    with pytest.raises(ConformanceAssertionError) as err:
        assert_conformant(ct, fail_on="info", rules=["builtin:deidentification-basic"])
    failing = err.value.failing
    assert len(failing) > 10
    lines = format_findings(failing, limit=10).splitlines()
    assert len(lines) == 10 + 1 and lines[-1] == f"  ... and {len(failing) - 10} more"
    assert len(str(err.value).splitlines()) == 1 + min(len(failing), MAX_LISTED) + (
        len(failing) > MAX_LISTED)
