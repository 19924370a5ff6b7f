"""Fuzz campaigns: ``python fuzz/run.py --executions N [--target dicom|rules|standard]``.

Engines: ``atheris`` (coverage-guided libFuzzer, when installed; structure-aware custom
mutator plus libFuzzer's own byte mutations) or ``random`` (the same mutator, fixed
seed, no coverage feedback). Every execution runs the target under a time limit and a
memory limit; an exception escaping, an ``internal-error`` finding, a false pass, a hang
or RSS above the limit is a failure whose input is written to ``--failures`` (random
engine: the campaign goes on; atheris: libFuzzer stops at the first one, as it does).

Progress goes to stderr and, with ``--log FILE``, to that file; the last line is a JSON
summary (executions, failures, coverage when known, peak RSS). Exit status 0 when no
failure was found, 1 otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: the repository root holds ``fuzz``
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FUZZ = Path(__file__).resolve().parent


class Timeout(Exception):
    """The per-input time limit passed."""


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Log:
    def __init__(self, path: str | None) -> None:
        self.file = open(path, "a", encoding="utf-8") if path else None  # noqa: SIM115

    def __call__(self, text: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {text}"
        print(line, file=sys.stderr, flush=True)
        if self.file is not None:
            self.file.write(line + "\n")
            self.file.flush()


def save_failure(folder: Path, target: str, kind: str, data: bytes, detail: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(data).hexdigest()[:16]
    path = folder / f"{target}-{kind}-{digest}.bin"
    path.write_bytes(data)
    path.with_suffix(".txt").write_text(detail, encoding="utf-8")
    return path


_FIRED = [False]


def _alarm(signum: int, frame: Any) -> None:
    _FIRED[0] = True
    raise Timeout()


def run_random(args: argparse.Namespace, target: Any, log: Log) -> dict[str, Any]:
    """The hand-rolled engine: seeded mutations, per-input time and memory limits."""
    rng = random.Random(args.seed)
    seeds = target.seeds()
    failures: dict[str, int] = {}
    # CPU time, not wall time: on a loaded machine a wall-clock limit fails inputs that
    # are merely waiting for a core (seen: 0.6 s and 2.4 s inputs "timing out" at 20 s)
    signal.signal(signal.SIGPROF, _alarm)
    started = last = time.monotonic()
    done = 0
    slowest = 0.0
    for done in range(1, args.executions + 1):
        base = seeds[rng.randrange(len(seeds))]
        data = target.mutate(base, rng, seeds) if rng.random() > 0.03 else base
        kind = detail = None
        t0 = time.monotonic()
        _FIRED[0] = False
        signal.setitimer(signal.ITIMER_PROF, args.time_limit)
        try:
            target.run(data)
        except Timeout:
            kind, detail = "timeout", f"more than {args.time_limit} CPU s"
        except Exception as exc:  # noqa: BLE001 - every escape is a finding of the campaign
            kind = "failure" if type(exc).__name__ == "Failure" else "crash"
            detail = "".join(traceback.format_exception(exc))
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        if _FIRED[0] and kind != "timeout":
            # the engine caught the harness's Timeout in a check (an internal-error
            # finding): it is the time limit, not an engine fault
            kind, detail = "timeout", f"more than {args.time_limit} CPU s (caught: {kind})"
        slowest = max(slowest, time.monotonic() - t0)
        if kind is None and peak_rss_mib() > args.rss_limit:
            kind, detail = "rss", f"peak RSS {peak_rss_mib():.0f} MiB > {args.rss_limit} MiB"
        if kind is not None:
            failures[kind] = failures.get(kind, 0) + 1
            path = save_failure(Path(args.failures), target.name, kind, data, detail or "")
            log(f"FAILURE {kind}: {path} ({(detail or '').strip().splitlines()[-1][:200]})")
            if kind == "rss":
                break  # the peak cannot go down again: later inputs would all "fail"
        now = time.monotonic()
        if now - last >= args.progress:
            last = now
            log(f"{target.name}: {done} executions, {done / (now - started):.1f}/s, "
                f"failures {sum(failures.values())}, peak RSS {peak_rss_mib():.0f} MiB")
    return summary(args, "random", done, started, failures, coverage=None,
                   slowest_seconds=round(slowest, 2), peak_rss_mib=round(peak_rss_mib(), 1))


def summary(args: argparse.Namespace, engine: str, done: int, started: float,
            failures: dict[str, int], **more: Any) -> dict[str, Any]:
    """The campaign's closing JSON line."""
    elapsed = time.monotonic() - started
    return {"target": args.target, "engine": engine, "seed": args.seed, "executions": done,
            "seconds": round(elapsed, 1),
            "per_second": round(done / elapsed, 1) if elapsed else None,
            "failures": failures, **more}


def run_atheris_child(args: argparse.Namespace, target_cls: Any, corpus: Path) -> None:
    """libFuzzer via atheris in this process; never returns (libFuzzer exits)."""
    import atheris

    with atheris.instrument_imports(include=["conformance", "pydicom"]):
        import conformance  # noqa: F401
        from conformance.engine.registry import discover

        discover()
        target = target_cls(args.max_size)
        target.prepare()
    seeds = target.seeds()
    if not any(corpus.iterdir()):
        for i, s in enumerate(seeds):
            (corpus / f"seed-{i:04d}").write_bytes(s)

    def custom_mutator(data: bytes, max_size: int, seed: int) -> bytes:
        rng = random.Random(seed)
        if rng.random() >= 0.25:
            try:
                return target.mutate(data, rng, seeds)[:max_size]
            except Exception:  # noqa: BLE001 - a mutator bug must not end the campaign
                traceback.print_exc()
        return bytes(atheris.Mutate(data, max_size))

    argv = [sys.argv[0], f"-runs={args.executions}", f"-seed={args.seed}",
            f"-timeout={int(max(1, args.time_limit))}", f"-rss_limit_mb={args.rss_limit}",
            f"-max_len={args.max_size}", f"-artifact_prefix={args.failures}/{target.name}-",
            "-print_final_stats=1", "-reload=0", str(corpus)]
    atheris.Setup(argv, target.run, custom_mutator=custom_mutator)
    atheris.Fuzz()


_STAT = re.compile(r"^stat::(\w+):\s+(\d+)", re.M)
_COUNT = re.compile(r"^#(\d+)\s")
_COV = re.compile(r"cov: (\d+) ft: (\d+)")


def run_atheris(args: argparse.Namespace, log: Log) -> dict[str, Any]:
    """Supervise libFuzzer children until ``--executions`` ran: libFuzzer stops at the
    first failure, so a failing child is recorded and a new one (next seed) continues
    from the corpus grown so far."""
    corpus = Path(args.corpus or tempfile.mkdtemp(prefix=f"fuzz-{args.target}-corpus-"))
    corpus.mkdir(parents=True, exist_ok=True)
    Path(args.failures).mkdir(parents=True, exist_ok=True)
    done = 0
    peak = 0
    cov = ft = None
    failures: dict[str, int] = {}
    seed = args.seed
    started = time.monotonic()
    while done < args.executions:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--engine", "atheris-child",
               "--target", args.target, "--executions", str(args.executions - done),
               "--seed", str(seed), "--time-limit", str(args.time_limit),
               "--rss-limit", str(args.rss_limit), "--max-size", str(args.max_size),
               "--failures", str(args.failures), "--corpus", str(corpus)]
        log(f"atheris child: seed {seed}, {args.executions - done} runs to go")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, errors="replace")
        tail: list[str] = []
        assert proc.stdout is not None
        last_line = 0.0
        last_count = 0
        for line in proc.stdout:
            tail = (tail + [line])[-200:]
            n = _COUNT.match(line)
            if n:
                last_count = int(n.group(1))
            m = _COV.search(line)
            if m:
                cov, ft = int(m.group(1)), int(m.group(2))
            now = time.monotonic()
            if ("pulse" in line or "DONE" in line) and now - last_line > args.progress:
                last_line = now
                log(line.strip())
        code = proc.wait()
        text = "".join(tail)
        stats = {k: int(v) for k, v in _STAT.findall(text)}
        ran = stats.get("number_of_executed_units", last_count)
        peak = max(peak, stats.get("peak_rss_mb", 0))
        done += ran
        if code != 0:
            kind = ("timeout" if "ALARM" in text or "timeout" in text
                    else "rss" if "out-of-memory" in text else "crash")
            failures[kind] = failures.get(kind, 0) + 1
            where = [ln for ln in tail if "Test unit written to" in ln]
            log(f"FAILURE {kind} after {ran} runs: {where[-1].strip() if where else ''}")
            log("".join(tail[-40:]))
            if ran == 0:
                break  # a child that cannot start would loop forever
            seed += 1
        log(f"{done} executions so far, cov {cov} ft {ft}, peak RSS {peak} MiB, "
            f"failures {sum(failures.values())}")
    return summary(args, "atheris", done, started, failures, coverage={"cov": cov, "ft": ft},
                   peak_rss_mib=peak, corpus_files=len(list(corpus.iterdir())))


def main(argv: list[str] | None = None) -> int:
    from fuzz.targets import TARGETS

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--target", choices=tuple(TARGETS), default="dicom")
    p.add_argument("--executions", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--engine", choices=("auto", "atheris", "random", "atheris-child"),
                   default="random",
                   help="random (default: reproducible, keeps going after a failure) or "
                        "atheris (coverage-guided; auto: atheris when installed)")
    p.add_argument("--time-limit", type=float, default=20.0, help="CPU seconds per input")
    p.add_argument("--rss-limit", type=int, default=1024, help="MiB for the process")
    p.add_argument("--failures", default=str(FUZZ / "failures"),
                   help="folder for failing inputs (default fuzz/failures)")
    p.add_argument("--max-size", type=int, default=128 << 10,
                   help="largest input in bytes (seeds above it are left out)")
    p.add_argument("--corpus", help="atheris: the growing corpus folder (default: a new "
                                    "temporary folder)")
    p.add_argument("--log", help="append progress and the summary to this file")
    p.add_argument("--progress", type=float, default=30.0, help="seconds between lines")
    args = p.parse_args(argv)
    log = Log(args.log)
    # A hard ceiling twice the limit: a runaway input fails with MemoryError instead of
    # taking the machine down.
    limit = args.rss_limit * 2 << 20
    resource.setrlimit(resource.RLIMIT_AS, (max(limit, 4 << 30), resource.RLIM_INFINITY))
    engine = args.engine
    if engine == "auto":
        try:
            import atheris  # noqa: F401

            engine = "atheris"
        except ImportError:
            engine = "random"
    import warnings

    warnings.simplefilter("ignore")
    if engine == "atheris-child":
        run_atheris_child(args, TARGETS[args.target], Path(args.corpus))
        return 0  # not reached: libFuzzer exits
    if engine == "atheris":
        result = run_atheris(args, log)
    else:
        target = TARGETS[args.target](args.max_size)
        target.prepare()
        result = run_random(args, target, log)
    log("summary " + json.dumps(result, sort_keys=True))
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
