"""``conformance validate`` scale-out options: usage errors are one line with exit 2;
--out-dataset and --incremental also work without a cluster."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conformance.cli import main
from tests.distributed.conftest import ARCHIVE_FILES, make_archive
from tests.helpers.testdata import pydicom_testdata


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["validate", "--no-progress", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def test_dask_without_the_extra_names_it(capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if absent
    code, _, err = run(capsys, "--dask", "local:2", pydicom_testdata("CT_small.dcm"))
    assert code == 2
    assert "pip install 'dicom-conformance[dask]'" in one_error_line(err)


def test_parquet_without_pyarrow_names_the_extra(capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    code, _, err = run(capsys, "--out-dataset", str(tmp_path / "ds"),
                       pydicom_testdata("CT_small.dcm"))
    assert code == 2 and "[dask]" in one_error_line(err) and "jsonl" in err


@pytest.mark.parametrize("argv", [
    ["--dask", "local:0"], ["--dask", "local:x"], ["--incremental"],
    ["--dask", "local:2", "-j", "2"], ["--out-dataset", "D", "--partition-size", "0"],
])
def test_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _, err = run(capsys, *argv, pydicom_testdata("CT_small.dcm"))
    assert code == 2
    one_error_line(err)


def test_stdin_cannot_go_to_a_cluster(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--out-dataset", "D", "-")
    assert code == 2 and "stdin" in one_error_line(err)


def test_out_dataset_not_over_a_foreign_folder(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    code, _, err = run(capsys, "--out-dataset", str(tmp_path),
                       pydicom_testdata("CT_small.dcm"))
    assert code == 2 and "not empty" in one_error_line(err)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_local_dataset_and_incremental(capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> None:
    archive = make_archive(tmp_path / "a")
    plain = run(capsys, "--format", "jsonl", str(archive))
    out = tmp_path / "ds"
    first = run(capsys, "--format", "jsonl", "--out-dataset", str(out), "--dataset-format",
                "jsonl", str(archive))
    again = run(capsys, "--format", "jsonl", "--out-dataset", str(out), "--dataset-format",
                "jsonl", "--incremental", str(archive))
    assert first[:2] == plain[:2] == again[:2]
    assert f"({ARCHIVE_FILES} validated, 0 reused" in first[2]
    assert f"(0 validated, {ARCHIVE_FILES} reused" in again[2]
    rows = [json.loads(x) for x in (out / "files" / "part-000000.jsonl").read_text().splitlines()]
    assert len(rows) == ARCHIVE_FILES and all(r["reused"] for r in rows)
