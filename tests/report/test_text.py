"""Text format: grouping, summaries, colour only when asked."""

from __future__ import annotations

import io
import re
from typing import Any

from conformance.report.text import write

from .conftest import STANDARD, counts, fake_reports

ANSI = re.compile(r"\x1b\[")


def _text(reports: list[Any], color: bool = False) -> str:
    out = io.StringIO()
    write(reports, standard_info=STANDARD, stream=out, color=color)
    return out.getvalue()


def test_grouped_by_file_then_module() -> None:
    text = _text(fake_reports())
    lines = text.splitlines()
    assert lines[0] == "standard: 2099z-test"
    first = lines.index("study/ct 1.dcm  [CT Image]")
    second = lines.index("study/mr.dcm  [MR Image]")
    block = lines[first:second]
    # Module headers appear once, in first-seen order; findings sit under their module.
    headers = [ln.strip() for ln in block if ln.startswith("  ") and not ln.startswith("    ")]
    assert headers[:3] == ["patient", "sc-equipment", "general-equipment"]
    patient = block.index("  patient")
    assert "type1-missing: (0010,0020) PatientID: Patient ID is missing" in block[patient + 1]
    assert "RequestAttributesSequence[0].ScheduledProcedureStepDescription" in block[patient + 2]


def test_summary_per_file_and_total() -> None:
    reports = fake_reports()
    text = _text(reports)
    assert "  FAILED: 3 errors, 1 warning, 1 info" in text
    assert "  ok: 0 errors, 0 warnings, 0 infos" in text
    assert "suppressed not-in-iod x3: site allows extras" in text
    c = counts(reports)
    assert text.splitlines()[-1] == (
        f"total: {c['files']} files: {c['errors']} errors, {c['warnings']} warnings, "
        f"{c['infos']} info{'s' if c['infos'] != 1 else ''} ({c['unreadable']} unreadable)")


def test_no_colour_codes_without_colour() -> None:
    assert not ANSI.search(_text(fake_reports()).replace("\x1b", "", 1))  # one is a message


def test_colour_when_asked_and_markup_is_escaped() -> None:
    reports = fake_reports()
    plain = _text(reports)
    coloured = _text(reports, color=True)
    assert ANSI.search(coloured)
    stripped = re.sub(r"\x1b\[[0-9;]*m", "", coloured)
    # Same content; "[CT Image]" is not eaten as rich markup.
    assert "study/ct 1.dcm  [CT Image]" in stripped
    assert stripped.count("\n") == plain.count("\n")


def test_real_reports(real_reports: list[Any]) -> None:
    text = _text(real_reports)
    for r in real_reports:
        assert r.path in text
        for f in r.findings:
            assert f.message in text
    c = counts(real_reports)
    assert f"total: {c['files']} files: {c['errors']} error" in text
