"""SIGTERM (``timeout``, a cancelled CI job) ends the program without leaving worker
processes behind: the validate pool and the build's reading child stop with it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

from tests.helpers.standard_build import DOCBOOK, excerpt_parts


def _group_gone(pgid: int, within: float) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _terminate_after(argv: list[str], seconds: float) -> int:
    proc = subprocess.Popen([sys.executable, "-W", "ignore", "-m", "conformance", *argv],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    time.sleep(seconds)
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=60)
    try:
        assert _group_gone(proc.pid, 15), "a process of the run outlived it"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    return code


def test_sigterm_stops_the_validate_workers(tmp_path: Path) -> None:
    data = Path(get_testdata_file("CT_small.dcm")).read_bytes()
    for i in range(600):
        (tmp_path / f"ct_{i:03d}.dcm").write_bytes(data)
    code = _terminate_after(["validate", "-j", "2", "--no-progress", "--format", "jsonl",
                             "-o", str(tmp_path.parent / "out.jsonl"), str(tmp_path)], 1.5)
    if code in (0, 1):
        pytest.skip("the run ended before SIGTERM")
    assert code == 128 + signal.SIGTERM
    assert not (tmp_path.parent / "out.jsonl").exists()  # no half report


def test_sigterm_stops_the_build_and_its_reading_child(tmp_path: Path) -> None:
    parts = excerpt_parts()  # skips without ../shared
    out = tmp_path / "std"
    code = _terminate_after(["build", "--source", str(DOCBOOK / "2016c-excerpt"),
                             *(a for n in (4, 5, 6)
                               for a in ("--part", f"{n}={parts[n]}")),
                             "--out", str(out), "--quiet"], 0.6)
    if code == 0:
        pytest.skip("the build ended before SIGTERM")
    assert code == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []  # neither the build nor its temporary folder


SLOW_COMPILE = """
import json, os, signal, sys, time
from pathlib import Path
from conformance.compiler import forked, pipeline
signal.signal(signal.SIGTERM, signal.SIG_DFL)  # whatever the test runner passed on
marker = Path(sys.argv.pop(1))
real = pipeline.compile_tables
def slow(*args, **kwargs):
    out = Path(sys.argv[sys.argv.index("--out") + 1])
    scratch = sorted(p.name for p in out.parent.glob(out.name + ".tmp-*"))
    marker.write_text(json.dumps({"can_fork": forked.can_fork(), "scratch": scratch}))
    time.sleep(30)  # the context groups' child is writing meanwhile
    return real(*args, **kwargs)
pipeline.compile_tables = slow
sys.argv = ["conformance", *sys.argv[1:]]
from conformance.cli import entry
entry()
"""


def test_sigterm_while_the_context_groups_are_written_early(tmp_path: Path) -> None:
    """Stopped while its tables compile and a child writes the context groups into a
    scratch folder: the program, the child and the folder are all gone."""
    parts = excerpt_parts()  # skips without ../shared
    from conformance.compiler import forked

    if not forked.can_fork():
        pytest.skip("no early files here (no fork, or one CPU)")
    work = tmp_path / "work"
    work.mkdir()
    marker = tmp_path / "compiling.json"
    argv = ["build", "--source", str(DOCBOOK / "2016c-excerpt"),
            *(a for n in (4, 5, 6) for a in ("--part", f"{n}={parts[n]}")),
            "--out", str(work / "std"), "--quiet"]
    proc = subprocess.Popen([sys.executable, "-W", "ignore", "-c", SLOW_COMPILE,
                             str(marker), *argv],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        end = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < end and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(0.1)  # the marker's text is written
        seen = json.loads(marker.read_text(encoding="utf-8"))
        assert seen["can_fork"] and len(seen["scratch"]) == 1, seen  # the early files' folder
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 128 + signal.SIGTERM
        assert _group_gone(proc.pid, 15), "a process of the run outlived it"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert list(work.iterdir()) == []  # neither the build nor the scratch folder

