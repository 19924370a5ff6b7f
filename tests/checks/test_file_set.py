"""A file-set's listing: kept while its folders are unchanged, each file looked at anew."""

from __future__ import annotations

import os
import shutil
import sys
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
    # every folder counts as settled (a test's folders are seconds old; their ctime
    # cannot be set back)
    monkeypatch.setattr(file_set, "_SETTLED_NS", -(10**18))
    yield made


def _rels(root: Path) -> list[str]:
    return [e[1] for e in file_set.dicom_files(str(root))]


def test_a_settled_folder_is_listed_once(tmp_path: Path, listings: list[str]) -> None:
    (tmp_path / "sub").mkdir()
    shutil.copy(CT, tmp_path / "a.dcm")
    shutil.copy(MR, tmp_path / "sub" / "b.dcm")
    (tmp_path / "notes.txt").write_text("not DICOM")
    assert _rels(tmp_path) == ["a.dcm", os.path.join("sub", "b.dcm")]
    assert _rels(tmp_path) == ["a.dcm", os.path.join("sub", "b.dcm")]
    assert len(listings) == 1
    shutil.copy(CT, tmp_path / "sub" / "c.dcm")  # the sub-folder changes
    assert _rels(tmp_path) == ["a.dcm", os.path.join("sub", "b.dcm"),
                               os.path.join("sub", "c.dcm")]
    assert len(listings) == 2


def test_a_file_rewritten_under_its_name_is_read_again(tmp_path: Path,
                                                       listings: list[str]) -> None:
    shutil.copy(CT, tmp_path / "a.dcm")
    (tmp_path / "notes.txt").write_text("not DICOM")
    assert _rels(tmp_path) == ["a.dcm"]
    shutil.copyfile(MR, tmp_path / "notes.txt")  # same name: the folder is unchanged
    assert _rels(tmp_path) == ["a.dcm", "notes.txt"]
    assert len(listings) == 1


def test_a_folder_that_just_changed_is_not_kept(tmp_path: Path, listings: list[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_set, "_SETTLED_NS", 2_000_000_000)
    shutil.copy(CT, tmp_path / "a.dcm")  # the folder's mtime is now
    assert _rels(tmp_path) == _rels(tmp_path) == ["a.dcm"]
    assert len(listings) == 2


def test_a_folder_with_its_own_dicomdir_is_another_file_set(tmp_path: Path,
                                                            listings: list[str]) -> None:
    (tmp_path / "other").mkdir()
    shutil.copy(CT, tmp_path / "a.dcm")
    shutil.copy(MR, tmp_path / "other" / "b.dcm")
    assert _rels(tmp_path) == ["a.dcm", os.path.join("other", "b.dcm")]
    (tmp_path / "other" / "DICOMDIR").write_bytes(b"")  # now a file-set of its own
    assert _rels(tmp_path) == ["a.dcm"]
    assert len(listings) == 2


def test_a_folder_whose_old_mtime_was_put_back_is_listed_again(
        tmp_path: Path, listings: list[str]) -> None:
    """rsync -a, tar and cp -a restore a folder's mtime after adding to it; its ctime
    still changes."""
    (tmp_path / "sub").mkdir()
    shutil.copy(CT, tmp_path / "sub" / "a.dcm")
    before = os.stat(tmp_path / "sub").st_mtime_ns
    assert _rels(tmp_path) == [os.path.join("sub", "a.dcm")]
    time.sleep(0.01)
    shutil.copy(MR, tmp_path / "sub" / "b.dcm")
    os.utime(tmp_path / "sub", ns=(before, before))
    assert _rels(tmp_path) == [os.path.join("sub", "a.dcm"), os.path.join("sub", "b.dcm")]
    assert len(listings) == 2


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges")
def test_a_links_real_path_is_found_at_each_use(tmp_path: Path, listings: list[str]) -> None:
    """A link through a link that is switched (current -> v1, then v2) has another real
    path; the listing does not change."""
    data = tmp_path / "data"
    for v in ("v1", "v2"):
        (data / v).mkdir(parents=True)
        shutil.copy(CT, data / v / "c.dcm")
    (data / "current").symlink_to(data / "v1")
    root = tmp_path / "set"
    root.mkdir()
    (root / "c.dcm").symlink_to(data / "current" / "c.dcm")
    assert file_set.dicom_files(str(root))[0][2] == str((data / "v1" / "c.dcm").resolve())
    (data / "current").unlink()
    (data / "current").symlink_to(data / "v2")
    assert file_set.dicom_files(str(root))[0][2] == str((data / "v2" / "c.dcm").resolve())
    assert len(listings) == 1
