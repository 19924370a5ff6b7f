"""The folder walk: lazy, content-detected, loops/FIFOs/sockets/unreadable folders
reported once and skipped (issue 17 items 11 and 18: FIFO inside a folder, unreadable
sub-folder), include/exclude patterns."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

from conformance.inputs import walk as walk_mod
from conformance.inputs.items import expand
from conformance.inputs.walk import SkipLog, Skipped, WalkOptions, entries, walk
from tests.helpers.testdata import pydicom_testdata


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    ct = Path(pydicom_testdata("CT_small.dcm"))
    root = tmp_path / "export"
    (root / "a" / "b").mkdir(parents=True)
    shutil.copy(ct, root / "IMG1")            # no extension: found by content
    shutil.copy(ct, root / "a" / "b" / "x.dcm")
    (root / "README.txt").write_text("export notes\n")
    (root / "empty.dcm").write_bytes(b"")
    os.symlink("..", root / "a" / "up")         # loop back to the root
    os.symlink("self", root / "self")           # resolves to itself (ELOOP)
    os.symlink("nowhere", root / "dangling")
    return root


def _skips(root: Path, **kw: object) -> tuple[list[str], dict[str, str]]:
    found: list[Skipped] = []
    files = [str(Path(p).relative_to(root)) for p in walk(str(root), WalkOptions(**kw),
                                                          found.append)]
    return files, {str(Path(s.path).relative_to(root)): s.kind for s in found}


def test_files_by_content_and_each_skip_reported_once(tree: Path) -> None:
    files, skipped = _skips(tree)
    assert files == ["IMG1", str(Path("a", "b", "x.dcm"))]
    assert skipped == {"README.txt": "not-dicom", "empty.dcm": "not-dicom",
                       str(Path("a", "up")): "symlink-loop", "self": "symlink-loop",
                       "dangling": "broken-symlink"}


def test_fifo_and_socket_inside_a_folder_are_skipped_never_opened(tree: Path) -> None:
    """Issue 17 item 11: a FIFO inside a folder must not hang the walk."""
    os.mkfifo(tree / "pipe")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tree / "sock"))
        _, skipped = _skips(tree)
    finally:
        sock.close()
    assert skipped["pipe"] == "fifo"
    assert skipped["sock"] == "socket"


def test_unreadable_sub_folder_is_reported_and_the_walk_goes_on(
        tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17 item 18. Permission bits do not stop root (tests often run as root), so
    the refusal is simulated where the walk lists folders."""
    locked = tree / "locked"
    locked.mkdir()
    shutil.copy(tree / "IMG1", locked / "IMG2")
    real = walk_mod._listing

    def listing(path: str) -> list[tuple[str, str]]:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(walk_mod, "_listing", listing)
    files, skipped = _skips(tree)
    assert skipped["locked"] == "unreadable-folder"
    assert files == ["IMG1", str(Path("a", "b", "x.dcm"))]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders whatever their mode")
def test_unreadable_sub_folder_for_real(tree: Path) -> None:
    locked = tree / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        _, skipped = _skips(tree)
    finally:
        locked.chmod(0o755)
    assert skipped["locked"] == "unreadable-folder"


def test_include_exclude(tree: Path) -> None:
    files, skipped = _skips(tree, include=("*.dcm",))
    assert files == [str(Path("a", "b", "x.dcm"))]
    assert skipped["IMG1"] == "excluded"
    files, skipped = _skips(tree, exclude=("a",))
    assert files == ["IMG1"]
    assert skipped["a"] == "excluded"
    files, _ = _skips(tree, exclude=("a/b/*",))
    assert files == ["IMG1"]


def test_walk_is_lazy(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first file comes before the sub-folders are listed."""
    listed: list[str] = []
    real = walk_mod._listing

    def listing(path: str) -> list[tuple[str, str]]:
        listed.append(path)
        return real(path)

    monkeypatch.setattr(walk_mod, "_listing", listing)
    it = walk(str(tree))
    first = next(it)
    assert Path(first).name == "IMG1"
    assert listed == [str(tree)]


def test_strict_inputs_turn_skips_into_errors_except_chosen_ones(tree: Path) -> None:
    (tree / ".hidden").write_text("x")
    log = SkipLog(keep=True)
    items = list(expand([str(tree)], WalkOptions(exclude=("IMG1",)), log, strict=True))
    errors = {Path(i.path).name: i.error for i in items if i.error}
    assert set(errors) == {"README.txt", "empty.dcm", "up", "self", "dangling"}
    assert errors["README.txt"].startswith("not DICOM")
    assert log.counts == {"excluded": 1, "hidden": 1}


def test_unreadable_root_is_an_error_item(tmp_path: Path) -> None:
    items = list(expand([str(tmp_path / "gone")]))
    assert items[0].error is None  # a missing explicit path: the validator says so
    f = tmp_path / "plain"
    f.write_text("x")
    assert [e for e in entries(str(f))][0].kind == "unreadable-folder"


def test_skiplog_line() -> None:
    log = SkipLog()
    for kind in ("not-dicom", "not-dicom", "fifo"):
        log.add(Skipped("p", kind))
    assert log.line() == "3 skipped: 2 not DICOM, 1 FIFO"
