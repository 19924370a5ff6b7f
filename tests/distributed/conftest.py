"""Archives on disk for the distributed tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers.testdata import pydicom_testdata


def make_archive(root: Path) -> Path:
    """Study folders of real files (pydicom's), a truncated file, a README and a
    DICOMDIR-less text file: 9 files in 4 folders."""
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


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return make_archive(tmp_path / "archive")
