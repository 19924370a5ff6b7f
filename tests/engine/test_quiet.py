"""The library never prints pydicom's value warnings (the findings report them), and
leaves the caller's warning filters as they were."""

from __future__ import annotations

import io
import threading
import warnings
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

import conformance
from conformance.engine.quiet import pydicom_quiet


def _bad_file() -> bytes:
    """A CT-ish file whose stored values pydicom warns about when it converts them."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        ds.SOPInstanceUID = "1.02.3"          # leading zero: invalid UI
        ds.StudyDate = "2024-01-01"            # not DA
        ds.PatientAge = "forty"                # not AS
        out = io.BytesIO()
        ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


# Rules read converted values (the standard's checks read the stored bytes).
RULES = """version: 1
rules:
  - id: reads-values
    severity: info
    message: "{keyword} {value}"
    check: {all: [{matches: {target: SOPInstanceUID, pattern: "x"}},
                  {matches: {target: StudyDate, pattern: "x"}},
                  {matches: {target: PatientAge, pattern: "x"}}]}
"""


@pytest.fixture
def rules(tmp_path: Path) -> str:
    p = tmp_path / "reads.yaml"
    p.write_text(RULES)
    return str(p)


def _pydicom_warns(data: bytes) -> list[str]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        ds = dcmread(io.BytesIO(data))
        for elem in ds:
            _ = elem.value
    return [str(w.message) for w in seen]


def test_validate_prints_no_pydicom_warning(rules: str) -> None:
    data = _bad_file()
    assert _pydicom_warns(data), "the control: pydicom itself warns about this file"
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        report = conformance.validate(data, rules=[rules])
    assert [str(w.message) for w in seen] == []
    assert "vr-invalid" in report.codes()  # the problem is a finding instead
    assert "reads-values" in report.codes()  # the rule did read the values


def test_filters_restored_after_validate(rules: str) -> None:
    data = _bad_file()
    before = list(warnings.filters)
    conformance.validate(data, rules=[rules])
    assert warnings.filters == before
    assert _pydicom_warns(data), "pydicom warns again outside validate"


def test_nested_and_threaded_use_leaves_no_filter(rules: str) -> None:
    before = list(warnings.filters)
    data = _bad_file()
    v = conformance.Validator(rules=[rules])
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                with pydicom_quiet():
                    v.validate(data)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert warnings.filters == before
