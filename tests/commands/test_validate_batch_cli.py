"""``conformance validate`` on a real export folder: DICOM files, a DICOMDIR, text
files, a symlink loop and an unreadable sub-folder validate with exit 0 when the DICOM
files are clean; the summary counts what was skipped and why."""

from __future__ import annotations

import copy
import json
import os
import warnings
from pathlib import Path

import pydicom
import pytest
from pydicom.fileset import FileSet

from conformance.cli import main
from conformance.inputs import walk as walk_mod
from tests.helpers.testdata import pydicom_testdata


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["validate", "--no-progress", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A media export written by pydicom's FileSet (DICOMDIR + 3 CT instances), plus a
    README, notes, a symlink loop and a sub-folder the walk is refused."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = pydicom.dcmread(pydicom_testdata("CT_small.dcm"))
    root = tmp_path / "export"
    fs = FileSet()
    for i in range(3):
        ds = copy.deepcopy(base)
        ds.SOPInstanceUID = f"{base.SOPInstanceUID}.{i}"
        ds.InstanceNumber = i + 1
        fs.add(ds)
    fs.write(root)
    (root / "README.txt").write_text("Export of 3 images.\n")
    (root / "notes.txt").write_text("nothing to see\n")
    os.symlink("..", root / "PT000000" / "loop")
    locked = root / "locked"
    locked.mkdir()
    (locked / "IM").write_bytes((root / "PT000000/ST000000/SE000000/IM000000").read_bytes())
    real = walk_mod._listing

    def listing(path: str) -> list[tuple[str, str]]:  # root is not refused by chmod
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(walk_mod, "_listing", listing)
    return root


def test_export_folder_exits_0_and_counts_skips(capsys: pytest.CaptureFixture[str],
                                                export: Path) -> None:
    code, out, err = run(capsys, str(export))
    assert code == 0, out
    total = out.splitlines()[-1]
    assert total.startswith("total: 4 files: 0 errors")
    assert "4 skipped: 2 not DICOM, 1 symlink loop, 1 folder cannot be read" in total
    assert "DICOMDIR" in out and "iod-unknown" not in out
    assert err == ""


def test_show_skipped_and_json(capsys: pytest.CaptureFixture[str], export: Path) -> None:
    _, out, _ = run(capsys, "--show-skipped", str(export))
    assert f"skipped unreadable-folder: {export / 'locked'} (Permission denied)" in out
    assert f"skipped not-dicom: {export / 'README.txt'}" in out
    code, out, _ = run(capsys, "--format", "json", str(export))
    doc = json.loads(out)
    assert code == 0
    assert doc["skipped"]["counts"] == {"not-dicom": 2, "symlink-loop": 1,
                                        "unreadable-folder": 1}
    assert doc["summary"]["skipped"] == doc["skipped"]["counts"]
    [series] = doc["series"]
    assert series["instances"] == 3 and series["modalities"] == ["CT"]
    assert len(doc["studies"]) == 1


def test_strict_inputs_and_broken_file(capsys: pytest.CaptureFixture[str],
                                       export: Path) -> None:
    code, out, _ = run(capsys, "--strict-inputs", "--format", "jsonl", str(export))
    rows = [json.loads(line) for line in out.splitlines()]
    unreadable = sorted(Path(r["path"]).name for r in rows
                        if [f["code"] for f in r["findings"]] == ["unreadable"])
    assert code == 1 and unreadable == ["README.txt", "locked", "loop", "notes.txt"]
    im = export / "PT000000/ST000000/SE000000/IM000001"
    data = im.read_bytes()
    im.write_bytes(data[: len(data) // 2])  # truncated: DICOM by content, broken
    code, out, _ = run(capsys, str(export))
    assert code == 1 and "unreadable" in out


def test_explicit_text_file_stays_unreadable(capsys: pytest.CaptureFixture[str],
                                             export: Path) -> None:
    code, out, _ = run(capsys, str(export / "README.txt"))
    assert code == 1 and "unreadable" in out


def test_include_exclude_and_group_by(capsys: pytest.CaptureFixture[str],
                                      export: Path) -> None:
    code, out, _ = run(capsys, "--exclude", "DICOMDIR", "--include", "IM*",
                       "--group-by", "series", str(export))
    assert code == 0
    assert "DICOMDIR" not in out.split("total:")[0]
    assert "[CT] of study" in out and "3 instances" in out
    code, out, _ = run(capsys, "--group-by", "study", "--show-info", str(export))
    assert code == 0 and "1 series, 3 instances" in out
    assert "condition-not-checked" in out and "of 3 instances" in out


def test_dicomdir_consistency_codes(capsys: pytest.CaptureFixture[str],
                                    export: Path) -> None:
    dicomdir = export / "DICOMDIR"
    (export / "PT000000/ST000000/SE000000/IM000002").unlink()
    extra = export / "EXTRA"
    extra.write_bytes((export / "PT000000/ST000000/SE000000/IM000000").read_bytes())
    code, out, _ = run(capsys, "--show-info", "--format", "jsonl", str(dicomdir))
    row = json.loads(out)
    codes = [f["code"] for f in row["findings"]]
    assert "dicomdir-file-missing" in codes and "dicomdir-unlisted-file" in codes
    assert code == 1
