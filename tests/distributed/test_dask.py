"""On a real distributed.LocalCluster (2 worker processes): findings equal the
single-process run's, one Validator per worker, killed workers, resumed runs, a file
that kills its worker. One cluster for the module; always closed."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import conformance.distributed as cd
from conformance.cli import main
from conformance.distributed import task
from conformance.distributed.dataset import META, read_table
from conformance.distributed.partition import by_folder
from conformance.engine.api import Validator
from tests.distributed.conftest import ARCHIVE_FILES, ARCHIVE_UNREADABLE, per_file
from tests.helpers.worker_packs import KillerPack, SlowPack

distributed = pytest.importorskip("distributed")
pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    import dask

    # allowed-failures 0: a task on a dying worker fails at once, so the run's own
    # recovery (split, retry alone) is what the tests see, in seconds.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                           processes=True, dashboard_address=":0")
        c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


def expected(paths: list[str]) -> dict[str, dict[str, Any]]:
    v = Validator()
    return {p: v.validate(p).to_dict() for p in paths}


def test_findings_equal_the_single_process_run(client: Any, archive: Path) -> None:
    before = client.run(task.loads_in_this_process)
    run = cd.validate([archive], client=client, partition_size=2)
    reports = list(run)
    after = client.run(task.loads_in_this_process)
    paths = cd.expand([archive])
    assert list(per_file(reports)) == list(per_file(cd.validate([archive], partition_size=2)))
    assert per_file(reports) == expected(paths)
    assert run.stats.validated == len(paths)
    assert run.stats.partitions == len(by_folder(paths, 2))
    # the standard and rules were loaded at most once per worker for all tasks
    assert all(after[w] - before.get(w, 0) <= 1 for w in after)


def test_cli_on_the_cluster(client: Any, archive: Path, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    address = client.scheduler.address
    code = main(["validate", "--no-progress", "--format", "jsonl", str(archive)])
    plain = capsys.readouterr().out
    out = tmp_path / "ds"
    code2 = main(["validate", "--no-progress", "--format", "jsonl", "--dask", address,
                  "--out-dataset", str(out), "--partition-size", "3", str(archive)])
    captured = capsys.readouterr()
    assert (code2, captured.out) == (code, plain)
    n, bad = ARCHIVE_FILES, ARCHIVE_UNREADABLE
    assert f"{n} files ({n} validated, 0 reused, {bad} unreadable)" in captured.err
    assert len(list(read_table(out, "files"))) == ARCHIVE_FILES
    main(["validate", "--no-progress", "--format", "jsonl", "--dask", address,
          "--out-dataset", str(out), "--incremental", str(archive)])
    again = capsys.readouterr()
    assert again.out == plain and f"(0 validated, {ARCHIVE_FILES} reused" in again.err


def test_dask_bag_of_paths(client: Any, archive: Path) -> None:
    import dask.bag as db

    paths = cd.expand([archive])
    run = cd.validate(db.from_sequence(paths, npartitions=3), client=client)
    assert per_file(run) == expected(paths)
    assert run.stats.partitions == 3


def test_cross_file_consistency_across_workers(client: Any, tmp_path: Path) -> None:
    from conformance.batch.report import validate_folder
    from tests.distributed.test_consistency import cross_file, inconsistent_archive

    root = inconsistent_archive(tmp_path / "a")
    run = cd.validate([root], client=client, partition_size=1)
    assert cross_file(run) == validate_folder(str(root)).cross_file


def _kill_workers(client: Any) -> None:
    """SIGKILL every worker process (their tasks in flight are lost; nannies restart)."""
    for pid in client.run(os.getpid).values():
        os.kill(pid, signal.SIGKILL)


def test_killed_worker_loses_nothing(client: Any, archive: Path, tmp_path: Path) -> None:
    paths = cd.expand([archive])
    out = tmp_path / "ds"
    client.wait_for_workers(2, timeout=120)
    run = cd.validate([archive], client=client, rules=[SlowPack(0.5)], partition_size=1,
                      out_dataset=out)
    got: dict[str, dict[str, Any]] = {}
    for i, r in enumerate(run):
        if not r.cross_file:
            got[r.path] = r.to_dict()
        if i == 0:
            _kill_workers(client)
    assert run.stats.tasks_lost >= 1, "the kill came too late to hit a task"
    assert got == expected(paths)
    assert {f["file"] for f in read_table(out, "files")} == set(paths)
    client.wait_for_workers(2, timeout=120)


def test_killed_worker_and_client_then_resume(client: Any, archive: Path,
                                              tmp_path: Path) -> None:
    paths = cd.expand([archive])
    out = tmp_path / "ds"
    client.wait_for_workers(2, timeout=120)
    run = cd.validate([archive], client=client, rules=[SlowPack(0.5)], partition_size=1,
                      out_dataset=out)
    it = iter(run)
    next(it)
    _kill_workers(client)
    next(it)
    next(it)
    it.close()  # type: ignore[attr-defined]  # the client stops too
    assert not (out / META).exists()
    client.wait_for_workers(2, timeout=120)
    resumed = cd.validate([archive], client=client, rules=[SlowPack(0.5)], partition_size=1,
                          out_dataset=out, incremental=True)
    got = per_file(resumed)
    assert got == expected(paths)
    assert resumed.stats.reused >= 3 and (out / META).exists()
    uninterrupted = tmp_path / "ds2"
    list(cd.validate([archive], client=client, partition_size=2, out_dataset=uninterrupted))
    keep = ("file", "seq", "code", "severity", "message", "path", "source")
    rows = [sorted(tuple(r[k] for k in keep) for r in read_table(d, "findings"))
            for d in (out, uninterrupted)]
    assert rows[0] == rows[1]


def test_a_file_that_kills_its_worker_is_unreadable(client: Any, archive: Path,
                                                     tmp_path: Path) -> None:
    victim = archive / "study2" / "mr" / "b.dcm"
    client.wait_for_workers(2, timeout=120)
    start = time.perf_counter()
    run = cd.validate([archive], client=client, rules=[KillerPack("mr/b.dcm")],
                      partition_size=3, out_dataset=tmp_path / "ds")
    got = {r.path: r for r in run if not r.cross_file}
    report = got.pop(str(victim))
    assert report.codes() == ["unreadable"]
    assert "worker process died" in report.findings[0].message
    want = expected(cd.expand([archive]))
    del want[str(victim)]
    assert {p: r.to_dict() for p, r in got.items()} == want
    assert run.stats.worker_deaths_blamed == 1
    status = {f["file"]: f["status"] for f in read_table(tmp_path / "ds", "files")}
    assert status[str(victim)] == "unreadable"
    assert time.perf_counter() - start < 120
    # last test of the module: the fixture closes the cluster (no waiting for restarts)
