"""Scale-out benchmark: 5,000 synthetic files on a Dask LocalCluster of 1 and 2 workers,
and the incremental rerun with nothing changed.

Run by hand: ``python benchmarks/dask_scale.py [--files 5000] [--repeat 3] [--dir DIR]``
(needs the ``[dask]`` extra). The corpus is made from pydicom's CT_small and MR_small:
50-file series folders (two studies per patient), every file with its own SOP Instance
UID, 1 in 100 files truncated. Each repeat starts a fresh cluster per worker count, so
the per-worker peak RSS (``ru_maxrss`` of each worker process, read with
``client.run``) covers loading the standard and validating that run's files. Reported:
medians over the repeats of the run time (cluster start excluded, given apart), the
speed-up of 2 workers over 1, the peak RSS per worker, the in-process run (no Dask;
first repeat only) for the overhead, and the incremental rerun (same files,
``--incremental``, the 2-worker cluster's client given; nothing is submitted) against
the first 2-worker run.
Targets: incremental rerun >= 20x faster than the first run.

The machine has 2 cores shared with other work: say so when quoting figures.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

SERIES = 50  # files per series folder


def make_corpus(root: Path, n: int) -> int:
    """``n`` files under root/patientP/studyS/seriesK/ (CT_small's patients alternate
    with MR_small's); returns how many are truncated."""
    from pydicom import dcmread
    from pydicom.data import get_testdata_file
    from pydicom.uid import generate_uid

    sources = [dcmread(get_testdata_file(name)) for name in ("CT_small.dcm", "MR_small.dcm")]
    broken = 0
    for i in range(n):
        series = i // SERIES
        folder = root / f"patient{series // 4:03d}" / f"study{series // 2:03d}" / \
            f"series{series:03d}"
        if i % SERIES == 0:
            folder.mkdir(parents=True, exist_ok=True)
            ds = sources[(series // 4) % 2]  # one source per patient: no planted conflict
            ds.StudyInstanceUID = generate_uid(entropy_srcs=["study", str(series // 2)])
            ds.SeriesInstanceUID = generate_uid(entropy_srcs=["series", str(series)])
            ds.PatientID = f"P{series // 4:03d}"
        ds.SOPInstanceUID = generate_uid(entropy_srcs=["instance", str(i)])
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.InstanceNumber = i % SERIES + 1
        path = folder / f"{i:05d}.dcm"
        ds.save_as(path)
        if i % 100 == 99:
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 2])
            broken += 1
    return broken


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def run_on_cluster(root: Path, workers: int, out: Path) -> dict[str, Any]:
    from distributed import Client, LocalCluster

    import conformance.distributed as cd

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=":0", silence_logs=logging.CRITICAL)
    client = Client(cluster)
    try:
        started = time.perf_counter() - t0
        t = time.perf_counter()
        run = cd.validate([root], client=client, out_dataset=out)
        n = sum(1 for _ in run)
        seconds = time.perf_counter() - t
        rss = client.run(_peak_rss_mib)
        cpu = client.run(_cpu_seconds)  # robust to a loaded machine, unlike wall time
        result: dict[str, Any] = {"start": started, "seconds": seconds, "files": n,
                                  "rss": max(rss.values()), "cpu": sum(cpu.values()),
                                  "stats": run.stats, "cross_file": run.stats.cross_file}
        if workers == 2:
            t = time.perf_counter()
            again = cd.validate([root], client=client, out_dataset=out, incremental=True)
            m = sum(1 for _ in again)
            result["incremental"] = time.perf_counter() - t
            # n counts the cross-file reports too; reused counts files
            assert m == n and again.stats.reused == run.stats.files, again.stats
        return result
    finally:
        client.close()
        cluster.close()


def run_in_process(root: Path, out: Path) -> float:
    import conformance.distributed as cd

    t = time.perf_counter()
    sum(1 for _ in cd.validate([root], out_dataset=out))
    return time.perf_counter() - t


def findings_of(out: Path) -> list[tuple[Any, ...]]:
    from conformance.distributed.dataset import read_table

    return sorted((r["file"], r["seq"], r["code"], r["message"])
                  for r in read_table(out, "findings"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", type=Path, help="corpus folder (made if missing; kept)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the in-process run")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    tmp = Path(tempfile.mkdtemp(prefix="dask_scale-"))
    root = args.dir or tmp / "corpus"
    try:
        if not root.exists() or not any(root.iterdir()):
            root.mkdir(parents=True, exist_ok=True)
            t = time.perf_counter()
            broken = make_corpus(root, args.files)
            print(f"corpus: {args.files} files ({broken} truncated) in {root}, "
                  f"made in {time.perf_counter() - t:.0f} s", flush=True)
        rounds: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
        base: list[float] = []
        reference = None
        for r in range(args.repeat):
            for w in (1, 2):
                out = tmp / f"ds-{w}-{r}"
                res = run_on_cluster(root, w, out)
                rounds[w].append(res)
                got = findings_of(out)
                reference = reference or got
                assert got == reference, "findings differ between runs"
                shutil.rmtree(out)
                print(f"repeat {r + 1}: {w} worker(s) {res['seconds']:.1f} s "
                      f"(cluster start {res['start']:.1f} s, worker CPU {res['cpu']:.0f} s), "
                      f"peak RSS/worker "
                      f"{res['rss']:.0f} MiB, cross-file findings {res['cross_file']}"
                      + (f", incremental rerun {res['incremental']:.2f} s"
                         if "incremental" in res else ""), flush=True)
            if not args.no_baseline and r == 0:  # once: it is context, not a target
                out = tmp / f"ds-0-{r}"
                base.append(run_in_process(root, out))
                shutil.rmtree(out)
                print(f"repeat {r + 1}: in-process (no Dask) {base[-1]:.1f} s", flush=True)

        def med(w: int, key: str) -> float:
            return statistics.median(x[key] for x in rounds[w])

        t1, t2, inc = med(1, "seconds"), med(2, "seconds"), med(2, "incremental")
        n = rounds[1][0]["files"]
        print(f"\n{n} files, medians of {args.repeat} repeats (2 shared cores, loaded machine)")
        print("| run | seconds | files/s | worker CPU (s) | peak RSS per worker (MiB) "
              "| cluster start (s) |")
        print("|---|---|---|---|---|---|")
        for w in (1, 2):
            t = med(w, "seconds")
            print(f"| {w} worker{'s' if w > 1 else ''} | {t:.1f} | {n / t:.0f} | "
                  f"{med(w, 'cpu'):.0f} | {med(w, 'rss'):.0f} | {med(w, 'start'):.1f} |")
        if base:
            b = statistics.median(base)
            print(f"| in-process, no Dask | {b:.1f} | {n / b:.0f} | - | (this process) | - |")
        print(f"| incremental rerun, nothing changed (2 workers) | {inc:.2f} | "
              f"{n / inc:.0f} | - | - | - |")
        print(f"\nspeed-up 2 vs 1 worker: {t1 / t2:.2f}x")
        print(f"incremental rerun vs first run (2 workers): {t2 / inc:.0f}x faster "
              f"(target >= 20x: {'met' if t2 / inc >= 20 else 'NOT met'})")
        print("findings equal across every run: yes")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.fspath(Path(__file__).resolve().parent.parent))
    sys.exit(main())
