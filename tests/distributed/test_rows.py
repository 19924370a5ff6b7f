"""The result schema: documented in the README, and rows turn back into Reports."""

from __future__ import annotations

import re
from pathlib import Path

from conformance.distributed.rows import FILES, FINDINGS, file_row, finding_rows, result_from_rows
from conformance.distributed.task import FileResult
from conformance.engine.api import Validator
from tests.helpers.testdata import pydicom_testdata

README = Path(__file__).resolve().parents[2] / "README.md"


def _documented(table: str) -> list[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Result schema"):text.index("### Scale-out benchmark")]
    block = section[section.index(f"`{table}`"):]
    rows = re.findall(r"^\| `(\w+)` \| (\w+) \|", block, flags=re.M)
    return rows[:len(FILES) if table == "files" else len(FINDINGS)]


def test_readme_documents_every_column_in_order() -> None:
    assert _documented("files") == [(n, t) for n, t, _ in FILES]
    assert _documented("findings") == [(n, t) for n, t, _ in FINDINGS]


def test_rows_round_trip_to_the_report() -> None:
    path = pydicom_testdata("rtstruct.dcm")
    report = Validator(rules=[str(README.parent / "rules" / "site-example.yaml")]).validate(path)
    result = FileResult(path=path, report=report, uids={"sop_instance_uid": "1.2"})
    back = result_from_rows(file_row(result, "run"), list(finding_rows(result))[::-1])
    assert back.report.to_dict() == report.to_dict()
    assert back.reused and back.uids["sop_instance_uid"] == "1.2"
