"""Reports for the format tests: hand-made ones (every corner) and real ones."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.engine.finding import Finding, Reference
from conformance.engine.result import Report, Suppression

STANDARD = {"edition": "2099z-test", "id": "sha256:0123456789abcdef", "bundled": False}
REF = Reference(edition="2099z-test", part=3, section="C.7.1.1", table="C.7-1")


def fake_reports() -> list[Report]:
    """Four reports: failing, clean, unreadable, and one with rules, odd text and paths."""
    failing = Report(
        path="study/ct 1.dcm", sop_class_uid="1.2.840.10008.5.1.4.1.1.2", iod="ct-image",
        iod_name="CT Image", standard=STANDARD,
        findings=[
            Finding("type1-missing", "error", "Patient ID is missing", tag="00100020",
                    keyword="PatientID", path="(0010,0020)", keyword_path="PatientID",
                    module="patient", iod="ct-image", reference=REF),
            Finding("enum-value", "error", "bad value 'X'", tag="00080064",
                    keyword="ConversionType", path="(0008,0064)",
                    keyword_path="ConversionType", module="sc-equipment", iod="ct-image"),
            Finding("defined-term", "warning", "unknown term", tag="00400007",
                    keyword="ScheduledProcedureStepDescription",
                    path="(0040,0275)[0].(0040,0007)",
                    keyword_path="RequestAttributesSequence[0].ScheduledProcedureStepDescription",
                    module="patient", iod="ct-image"),
            Finding("module-missing", "error", "General Equipment module missing",
                    module="general-equipment", iod="ct-image", reference=REF),
            Finding("condition-not-checked", "info", "cannot decide", tag="00102201",
                    path="(0010,2201)", keyword_path="PatientSpeciesDescription",
                    module="patient", iod="ct-image"),
        ])
    clean = Report(path="study/mr.dcm", sop_class_uid="1.2.840.10008.5.1.4.1.1.4",
                   iod="mr-image", iod_name="MR Image", standard=STANDARD, findings=[])
    unreadable = Report(path="study/notes.txt", sop_class_uid=None, iod=None, iod_name=None,
                        standard=STANDARD, findings=[
                            Finding("unreadable", "error", "cannot read the input: not DICOM")])
    odd = Report(
        path="dir/ünïcode <&> \"quoted\".dcm", sop_class_uid="1.2.3", iod=None, iod_name=None,
        standard=STANDARD,
        suppressed=[Suppression("not-in-iod", "site allows extras", 3)],
        findings=[
            Finding("site-patient-id", "warning", "PatientID must match ^[0-9]+$ <&>\x01\x1b",
                    tag="00100020", keyword="PatientID", path="(0010,0020)",
                    keyword_path="PatientID", source="rules/site.yaml#patient-id", line=12),
            Finding("iod-unknown", "warning", "SOP Class 1.2.3 is not in the standard"),
        ])
    return [failing, clean, unreadable, odd]


@pytest.fixture
def fakes() -> list[Report]:
    return fake_reports()


@pytest.fixture(scope="session")
def real_reports() -> list[Any]:
    """Reports of the engine with the bundled standard on real files and on junk."""
    from pydicom.data import get_testdata_file

    from conformance.engine.api import Validator

    v = Validator()
    out = [v.validate(get_testdata_file(name))
           for name in ("CT_small.dcm", "rtstruct.dcm", "MR_small.dcm")]
    out.append(v.validate(b"not a dicom file at all" * 10, path="junk.bin"))
    return out


def counts(reports: list[Any]) -> dict[str, int]:
    """Totals computed straight from the findings (to compare with the summaries)."""
    c = {"files": len(reports), "errors": 0, "warnings": 0, "infos": 0, "unreadable": 0}
    for r in reports:
        c["errors"] += sum(f.severity == "error" for f in r.findings)
        c["warnings"] += sum(f.severity == "warning" for f in r.findings)
        c["infos"] += sum(f.severity == "info" for f in r.findings)
        c["unreadable"] += any(f.code == "unreadable" for f in r.findings)
    return c
