"""Archives on disk for the distributed tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from conformance.engine.result import Report
from tests.helpers.testdata import pydicom_testdata


def make_archive(root: Path) -> Path:
    """Study folders of real files (pydicom's), a truncated file, and two text files
    that folder walks skip: 7 DICOM files (1 unreadable) in 4 folders."""
    ct, mr, rt = (Path(pydicom_testdata(n)) for n in ("CT_small.dcm", "MR_small.dcm",
                                                      "rtstruct.dcm"))
    for folder, files in {
        "study1/ct": [("1.dcm", ct), ("2.dcm", ct)],
        "study1/rt": [("rt.dcm", rt)],
        "study2/mr": [("a.dcm", mr), ("b.dcm", mr), ("c.dcm", mr)],
    }.items():
        (root / folder).mkdir(parents=True)
        for name, src in files:
            shutil.copy(src, root / folder / name)
    data = ct.read_bytes()
    (root / "study2" / "broken.dcm").write_bytes(data[: len(data) // 3])
    (root / "README.txt").write_text("an archive\n")
    (root / "study1" / "notes.txt").write_text("not DICOM\n")
    return root


ARCHIVE_FILES, ARCHIVE_UNREADABLE = 7, 1  # what the walk of make_archive finds


def per_file(reports: Iterable[Report]) -> dict[str, dict[str, Any]]:
    """Each file's own report (cross-file reports left out: the archive has copies)."""
    return {r.path: r.to_dict() for r in reports if not r.cross_file}  # type: ignore[misc]


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return make_archive(tmp_path / "archive")
