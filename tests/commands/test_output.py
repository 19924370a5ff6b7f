"""``-o FILE``: a regular file is replaced whole; a device, pipe or link is not replaced."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

from conformance.cli import main
from conformance.commands.output import atomic_text

CT = get_testdata_file("CT_small.dcm")


def _validate_to(target: str) -> int:
    return main(["validate", "--no-progress", "--format", "json", "-o", target, CT])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_written_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert _validate_to(str(fifo)) == 0
    reader.join(timeout=30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still the pipe, not a file
    assert json.loads(got[0])["summary"]["files"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pipe"]  # no temp file


@pytest.mark.skipif(sys.platform == "win32" or not os.path.exists("/dev/null")
                    or not stat.S_ISCHR(os.stat("/dev/null").st_mode),
                    reason="needs a /dev/null device")
def test_dev_null_stays_a_device() -> None:
    """Renaming a finished report over it made /dev/null a regular file (as root)."""
    assert _validate_to(os.devnull) == 0
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges")
def test_a_link_keeps_pointing_at_the_replaced_file(tmp_path: Path) -> None:
    real = tmp_path / "reports" / "last.json"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "report.json"
    link.symlink_to(real)
    assert _validate_to(str(link)) == 0
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert json.loads(real.read_text(encoding="utf-8"))["summary"]["files"] == 1
    assert sorted(p.name for p in real.parent.iterdir()) == ["last.json"]


def test_a_regular_file_is_left_as_it_was_when_the_run_fails(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("previous", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_text(str(target)) as f:
        f.write("half")
        raise RuntimeError("stopped")
    assert target.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]


@pytest.mark.skipif(not os.path.exists("/proc/self/fd"), reason="needs /proc")
def test_dev_stdout_redirected_to_a_file_is_appended_not_replaced(tmp_path: Path) -> None:
    """``-o /dev/stdout >> log``: the report is appended to the log (renaming a finished
    report over /dev/stdout's target replaced the log)."""
    log = tmp_path / "log.txt"
    log.write_text("PREVIOUS\n", encoding="utf-8")
    inode = log.stat().st_ino
    link = tmp_path / "out"  # a link of the user's to the stream
    link.symlink_to("/dev/stdout")
    for target in ("/dev/stdout", str(link)):
        with log.open("a", encoding="utf-8") as f:
            subprocess.run([sys.executable, "-W", "ignore", "-m", "conformance", "validate",
                            "--no-progress", "--format", "json", "-o", target, CT],
                           stdout=f, check=True)
    text = log.read_text(encoding="utf-8")
    assert text.startswith("PREVIOUS\n") and text.count('"summary"') == 2
    assert log.stat().st_ino == inode and link.is_symlink()


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges")
def test_a_dangling_link_gets_its_file(tmp_path: Path) -> None:
    link = tmp_path / "report.json"
    link.symlink_to(tmp_path / "made.json")
    assert _validate_to(str(link)) == 0
    assert link.is_symlink() and json.loads((tmp_path / "made.json").read_text(
        encoding="utf-8"))["summary"]["files"] == 1


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_device_that_refuses_the_report_is_one_error_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    code = _validate_to("/dev/full")
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: --output /dev/full: ")
    assert len(err.strip().splitlines()) == 1


@pytest.mark.skipif(not os.access("/dev/shm", os.W_OK), reason="needs a writable /dev/shm")
def test_a_regular_file_in_dev_shm_is_still_replaced_whole() -> None:
    """/dev/shm holds ordinary files: only names that lead into /proc are streams."""
    import tempfile

    with tempfile.TemporaryDirectory(dir="/dev/shm") as folder:
        target = Path(folder) / "report.json"
        target.write_text("previous", encoding="utf-8")
        inode = target.stat().st_ino
        assert _validate_to(str(target)) == 0
        assert target.stat().st_ino != inode  # renamed into place, not rewritten
        assert json.loads(target.read_text(encoding="utf-8"))["summary"]["files"] == 1


@pytest.mark.skipif(not os.path.exists("/dev/fd"), reason="needs /dev/fd")
def test_dev_fd_is_a_stream(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    log.write_text("PREVIOUS\n", encoding="utf-8")
    with log.open("a", encoding="utf-8") as f:
        subprocess.run([sys.executable, "-W", "ignore", "-m", "conformance", "validate",
                        "--no-progress", "--format", "json", "-o", "/dev/fd/1", CT],
                       stdout=f, check=True)
    assert log.read_text(encoding="utf-8").startswith("PREVIOUS\n{")
