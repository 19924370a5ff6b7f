"""Issue 17 regression tests for ``conformance validate``: dying workers, file names that
are not UTF-8 or hold control characters, report files written whole, ``-j`` capped,
linear output writers. Every input is made at run time."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.engine.workers import ordered_map, worker_count
from fuzz import hostile

pytestmark = pytest.mark.filterwarnings("ignore")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["validate", "--no-progress", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def ct(tmp_path: Path) -> Path:
    path = tmp_path / "ct.dcm"
    path.write_bytes(hostile.ct_small())
    return path


# -- item 4: a worker killed -------------------------------------------------------------

def _square_or_die(n: int) -> int:
    if n == 3:
        os.kill(os.getpid(), signal.SIGKILL)  # what the OOM killer does
    return n * n


def _died(n: int, exc: BaseException) -> int:
    return -n


def test_a_killed_worker_costs_its_input_only() -> None:
    got = list(ordered_map(_square_or_die, list(range(10)), 2, on_death=_died))
    assert got == [0, 1, 4, -3, 16, 25, 36, 49, 64, 81]


def _square_or_die_late(n: int) -> int:
    if n == 9:
        time.sleep(0.3)  # the pool breaks while the consumer is not waiting on it
        os.kill(os.getpid(), signal.SIGKILL)
    return n * n


@pytest.mark.parametrize("chunk", [1, 4])
def test_a_worker_killed_while_results_are_handed_out_costs_its_input_only(
        chunk: int) -> None:
    """The pool breaks while the consumer writes a report (not waiting in ``result()``):
    the next ``submit`` raises, and that is salvaged like a death seen in a result."""
    got = []
    for r in ordered_map(_square_or_die_late, list(range(20)), 2, on_death=_died,
                         chunk=chunk):
        got.append(r)
        time.sleep(0.1)  # writing the report
    assert got == [-n if n == 9 else n * n for n in range(20)]


@pytest.mark.parametrize("chunk", [3, 4, 20])
def test_a_killed_worker_costs_its_input_only_in_chunks(chunk: int) -> None:
    """Items sent several at a time: the chunk that held the killer is run again item
    by item, the others' results are kept, the order is the input's."""
    got = list(ordered_map(_square_or_die, list(range(10)), 2, on_death=_died, chunk=chunk))
    assert got == [0, 1, 4, -3, 16, 25, 36, 49, 64, 81]
    assert list(ordered_map(_square_or_die, [], 2, on_death=_died, chunk=chunk)) == []
    assert list(ordered_map(_square_or_die, [5, 6], 2, on_death=_died, chunk=chunk)) == [25, 36]


def test_cli_reports_the_rest_of_the_batch_when_a_worker_dies(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.dcm", "b.dcm", "killer.dcm", "d.dcm", "e.dcm"):
        (folder / name).write_bytes(hostile.ct_small())
    from conformance.engine import workers
    from conformance.engine.api import Validator

    real = Validator.validate_item

    def validate_or_die(validator: Any, item: Any) -> Any:
        if item.path.endswith("killer.dcm"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(validator, item)

    # workers are forked: they inherit the patched method
    monkeypatch.setattr(Validator, "validate_item", validate_or_die)
    monkeypatch.setattr(workers, "worker_count", lambda requested, inputs: 2)
    code, out, err = run(capsys, str(folder), "-j", "2", "--format", "jsonl")
    records = [json.loads(line) for line in out.splitlines() if line.strip()]
    files = {Path(r["path"]).name: r for r in records
             if r.get("path") and not r.get("cross_file")}
    assert set(files) == {"a.dcm", "b.dcm", "killer.dcm", "d.dcm", "e.dcm"}, err
    killer = [f["code"] for f in files["killer.dcm"]["findings"]]
    assert killer == ["internal-error"]
    assert "worker process" in files["killer.dcm"]["findings"][0]["message"]
    assert all(files[n]["iod"] == "ct-image" for n in ("a.dcm", "b.dcm", "d.dcm", "e.dcm"))
    assert code == 1  # the killer file was not checked: an error


def test_jobs_are_capped_by_inputs_and_cpus() -> None:
    cpus = len(os.sched_getaffinity(0))
    assert worker_count(40, 3) == min(3, cpus)
    assert worker_count(5000, 10_000) == cpus
    assert worker_count(4, 1) == 1


# -- item 5 and 17: file names --------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["sarif", "junit", "text", "json", "jsonl"])
def test_a_file_name_that_is_not_utf8(tmp_path: Path, fmt: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    bad = os.path.join(os.fsencode(folder), b"scan\xff.dcm")
    with open(bad, "wb") as f:
        f.write(hostile.ct_small())
    report = tmp_path / f"report.{fmt}"
    code, _, err = run(capsys, str(folder), "--format", fmt, "-o", str(report))
    assert code == 0, err
    text = report.read_text(encoding="utf-8")
    assert text.strip()
    if fmt == "sarif":
        assert "scan%FF.dcm" in text
        json.loads(text)
    elif fmt == "junit":
        import xml.etree.ElementTree as ET

        case = ET.fromstring(text).find(".//testcase")
        assert case is not None and case.get("name", "").endswith("scan\\xff.dcm")
    elif fmt == "text":
        assert "scan\\xff.dcm" in text


def test_control_characters_in_file_names_are_escaped(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    name = "x\ntotal: 0 files, 0 errors\x1b[2J.dcm"
    (folder / name).write_bytes(hostile.ct_small())
    (folder / ("skipped\n" + name)).write_bytes(b"not dicom")
    code, out, _ = run(capsys, str(folder), "--show-skipped")
    assert "\x1b" not in out
    assert "x\\ntotal: 0 files, 0 errors\\x1b[2J.dcm" in out
    assert "skipped\\nx\\ntotal" in out
    # the forged line is not a line of its own
    assert not any(line.startswith("total: 0 files") for line in out.splitlines())
    assert code == 0


# -- item 9: report files ----------------------------------------------------------------

def test_output_naming_an_input_is_refused(ct: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    before = ct.read_bytes()
    code, _, err = run(capsys, str(ct), "-o", str(ct))
    assert code == 2
    assert "is one of the inputs" in err
    assert ct.read_bytes() == before


def test_a_run_that_dies_keeps_the_previous_report(ct: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: Any) -> None:
    report = tmp_path / "report.json"
    assert run(capsys, str(ct), "--format", "json", "-o", str(report))[0] == 0
    previous = report.read_bytes()

    from conformance.engine.api import Validator

    def die(validator: Any, item: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(Validator, "validate_item", die)
    assert run(capsys, str(ct), "--format", "json", "-o", str(report))[0] == 130
    assert report.read_bytes() == previous
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []


def test_the_runs_own_report_is_not_validated(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(hostile.__file__, folder / "notes.txt")  # some other file: unreadable
    (folder / "ct.dcm").write_bytes(hostile.ct_small())
    report = folder / "report.jsonl"
    for _ in range(2):
        run(capsys, str(folder), "--format", "jsonl", "-o", str(report))
    names = [Path(json.loads(line)["path"]).name
             for line in report.read_text().splitlines() if '"path"' in line]
    assert "report.jsonl" not in names
    assert "ct.dcm" in names


# -- item 11 (explicit paths) -------------------------------------------------------------

def test_fifo_and_dev_zero_as_inputs_are_skipped(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "pipe.dcm"
    os.mkfifo(fifo)
    code, out, _ = run(capsys, str(fifo), "/dev/zero")
    assert out.count("not a regular file") == 2
    assert code == 1


# -- quadratic writers ----------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["junit", "sarif", "text", "json", "jsonl"])
def test_writers_never_compare_findings(fmt: str, monkeypatch: Any) -> None:
    """Each writer is linear: it never compares one finding with another (the JUnit
    writer's ``f not in failing`` made 20,000 findings take 70 s)."""
    import io

    from conformance.engine.finding import Finding
    from conformance.engine.result import Report
    from conformance.report import writer

    findings = [Finding("enum-value", "error" if i % 2 else "warning", f"m{i}",
                        path=f"(0010,{i:04X})") for i in range(20_000)]
    report = Report(path="x.dcm", sop_class_uid=None, iod=None, iod_name=None,
                    findings=findings, standard={})

    def no_compare(self: Any, other: Any) -> bool:
        raise AssertionError("a writer compared two findings")

    monkeypatch.setattr(Finding, "__eq__", no_compare)
    out = io.StringIO()
    summary = writer(fmt)([report], standard_info={}, stream=out)
    assert summary.errors == 10_000
