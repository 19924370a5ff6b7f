"""The result schema: documented in the README, and rows turn back into Reports."""

from __future__ import annotations

import re
from pathlib import Path

from conformance.distributed.rows import FILES, FINDINGS, file_row, finding_rows, result_from_rows
from conformance.distributed.task import Config, prepared, validate_file
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
    config = Config(rules=(str(README.parent / "rules" / "site-example.yaml"),))
    result = validate_file(prepared(config), path, "worker", content_hash=True)
    assert result.report.suppressed and result.uids["sop_instance_uid"]
    back = result_from_rows(file_row(result, "run"), list(finding_rows(result))[::-1])
    assert back.report.to_dict() == result.report.to_dict()
    assert back.digest == result.digest and back.sha256 == result.sha256
    assert back.reused and back.uids == result.uids and back.modality == result.modality
