"""Edition-keyed DocBook corrections: applied only when the defect is present, user files
checked, and the 2016c SOP Common nesting fixed in the excerpt build."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.compiler.readers.docbook_corrections import (
    CORRECTIONS,
    apply_docbook_corrections,
    load_docbook_corrections,
)
from conformance.errors import SourceError


def _row(tag: str, children: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"kind": "attribute", "tag": tag, "name": tag, "type": "1", "children": children or []}


def _data(flat: bool) -> dict[str, Any]:
    kids = [_row("0008010F"), _row("00080117"), _row("00080105"), _row("00080106")]
    seq = _row("00080123", [] if flat else kids)
    attrs = [_row("00080016"), seq, *(kids if flat else []), _row("00080201")]
    return {"modules": {"sop-common": {"attributes": attrs}}, "macros": {}}


def test_shipped_correction_applies_to_2016c_when_the_defect_is_there() -> None:
    data, anomalies = _data(flat=True), []
    entries = load_docbook_corrections(CORRECTIONS)
    assert apply_docbook_corrections(data, "2016c", entries, anomalies, "shipped") == 1
    top = data["modules"]["sop-common"]["attributes"]
    assert [n["tag"] for n in top] == ["00080016", "00080123", "00080201"]
    assert [n["tag"] for n in top[1]["children"]] == ["0008010F", "00080117", "00080105",
                                                      "00080106"]
    kinds = [a["kind"] for a in anomalies]
    assert kinds == ["corrected", "correction-not-applied"]  # the second entry: no 00080124
    assert "Context Group Identification Sequence (0008,0123)" in anomalies[0]["detail"]


def test_not_applied_when_the_defect_is_absent_or_another_edition() -> None:
    entries = load_docbook_corrections(CORRECTIONS)
    data, anomalies = _data(flat=False), []
    before = json.dumps(data)
    assert apply_docbook_corrections(data, "2016c", entries, anomalies, "shipped") == 0
    assert json.dumps(data) == before
    flat, anomalies = _data(flat=True), []
    assert apply_docbook_corrections(flat, "2024a", entries, anomalies, "shipped") == 0
    assert anomalies == []  # entries of other editions are not even considered


@pytest.mark.parametrize(("content", "message"), [
    ("not json", "not valid JSON"),
    ('{"format": 2, "nest_rows": []}', "expected"),
    ('{"format": 1, "nest_rows": [{"table": "x"}]}', "missing"),
    ('{"format": 1, "nest_rows": [{"table_kind": "module", "table": "t", "sequence": "0008",'
     ' "tags": ["00080100"], "defect": "d", "source": "s"}]}', "8-digit hex"),
])
def test_broken_user_file_is_a_source_error(tmp_path: Path, content: str, message: str) -> None:
    f = tmp_path / "fix.json"
    f.write_text(content)
    with pytest.raises(SourceError, match=message):
        load_docbook_corrections(f)


@pytest.mark.shared
def test_excerpt_build_has_no_false_type1_missing_on_ct(excerpt_std: Path) -> None:
    from conformance.engine.api import Validator
    from tests.helpers.testdata import pydicom_testdata

    anomalies = json.loads((excerpt_std / "anomalies.json").read_text())["anomalies"]
    assert sum(a["kind"] == "corrected" for a in anomalies) == 2
    report = Validator(excerpt_std).validate(pydicom_testdata("CT_small.dcm"))
    assert [f for f in report.findings if f.code == "type1-missing"] == []


def test_user_corrections_file_reaches_the_build(tmp_path: Path) -> None:
    from conformance.cli import main

    bad = tmp_path / "fix.json"
    bad.write_text('{"format": 1}')
    p3 = tmp_path / "part03.xml"
    p3.write_text("x")
    assert main(["build", "--part", f"3={p3}", "--corrections", str(bad), "--out",
                 str(tmp_path / "out"), "--quiet"]) == 2
