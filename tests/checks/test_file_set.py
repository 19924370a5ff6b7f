"""A file-set's listing: kept while its folders are unchanged, each file looked at anew."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

from conformance.checks import file_set

CT = get_testdata_file("CT_small.dcm")
MR = get_testdata_file("MR_small.dcm")


@pytest.fixture
def listings(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Each folder listing made (the root), with empty caches."""
    made: list[str] = []
    real = file_set._list

    def counted(root: str) -> tuple[file_set.Signature, list[file_set.Name]]:
        made.append(root)
        return real(root)

    monkeypatch.setattr(file_set, "_list", counted)
    monkeypatch.setattr(file_set, "_LISTINGS", {})
    monkeypatch.setattr(file_set, "_KNOWN", {})
    yield made


def _age(*paths: Path, seconds: int = 60) -> None:
    past = time.time_ns() - seconds * 1_000_000_000
    for p in paths:
        os.utime(p, ns=(past, past))


def _rels(root: Path) -> list[str]:
    return [e[1] for e in file_set.dicom_files(str(root))]


def test_a_settled_folder_is_listed_once(tmp_path: Path, listings: list[str]) -> None:
    (tmp_path / "sub").mkdir()
    shutil.copy(CT, tmp_path / "a.dcm")
    shutil.copy(MR, tmp_path / "sub" / "b.dcm")
    (tmp_path / "notes.txt").write_text("not DICOM")
    _age(tmp_path, tmp_path / "sub")
    assert _rels(tmp_path) == ["a.dcm", os.path.join("sub", "b.dcm")]
    assert _rels(tmp_path) == ["a.dcm", os.path.join("sub", "b.dcm")]
    assert len(listings) == 1
    shutil.copy(CT, tmp_path / "sub" / "c.dcm")  # the sub-folder changes
    _age(tmp_path / "sub", seconds=30)
    assert _rels(tmp_path) == ["a.dcm", os.path.join("sub", "b.dcm"),
                               os.path.join("sub", "c.dcm")]
    assert len(listings) == 2


def test_a_file_rewritten_under_its_name_is_read_again(tmp_path: Path,
                                                       listings: list[str]) -> None:
    shutil.copy(CT, tmp_path / "a.dcm")
    (tmp_path / "notes.txt").write_text("not DICOM")
    _age(tmp_path)
    assert _rels(tmp_path) == ["a.dcm"]
    shutil.copyfile(MR, tmp_path / "notes.txt")  # same name: the folder is unchanged
    assert _rels(tmp_path) == ["a.dcm", "notes.txt"]
    assert len(listings) == 1


def test_a_folder_that_just_changed_is_not_kept(tmp_path: Path, listings: list[str]) -> None:
    shutil.copy(CT, tmp_path / "a.dcm")  # the folder's mtime is now
    assert _rels(tmp_path) == _rels(tmp_path) == ["a.dcm"]
    assert len(listings) == 2


def test_a_folder_with_its_own_dicomdir_is_another_file_set(tmp_path: Path,
                                                            listings: list[str]) -> None:
    (tmp_path / "other").mkdir()
    shutil.copy(CT, tmp_path / "a.dcm")
    shutil.copy(MR, tmp_path / "other" / "b.dcm")
    _age(tmp_path, tmp_path / "other")
    assert _rels(tmp_path) == ["a.dcm", os.path.join("other", "b.dcm")]
    (tmp_path / "other" / "DICOMDIR").write_bytes(b"")  # now a file-set of its own
    _age(tmp_path / "other", seconds=30)
    assert _rels(tmp_path) == ["a.dcm"]
    assert len(listings) == 2
