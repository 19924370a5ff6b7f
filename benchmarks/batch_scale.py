"""Batch scale: memory flat in the number of files, throughput independent of the number
of series, planted cross-file conflicts all found and none invented.

Builds a synthetic archive at run time from pydicom's MR_small.dcm: ``--series`` series
(10 per study, one patient per study) of ``--files / --series`` instances each, every one
with new UIDs, plus a single-series folder of ``--single`` files. Three conflicts are
planted: a second Patient ID in one study (``inconsistent-patient``), one instance of a
series with another Modality (``inconsistent-series``), and one SOP Instance UID used by
two files with different content (``duplicate-sop-instance``).

Then ``conformance validate`` runs (each in its own process, ``-j`` workers, text output
grouped by series) on the first half of the archive, on all of it, and on the single
series; for each it reports the peak RSS of the run (the largest of the CLI process and
its workers, ``RUSAGE_CHILDREN``), the time per file, and the cross-file findings.

    nice -n 10 python benchmarks/batch_scale.py                 # 20,000 files, 100 series
    python benchmarks/batch_scale.py --files 2000 --series 20 --single 500   # quick look
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

PLANTED = ("inconsistent-patient", "inconsistent-series", "duplicate-sop-instance")


def build(root: Path, files: int, series: int, single: int) -> dict[str, str]:
    """Write the archive; returns {planted code: file name that carries it}."""
    import pydicom
    from pydicom.data import get_testdata_file
    from pydicom.uid import generate_uid

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = pydicom.dcmread(get_testdata_file("MR_small.dcm"))
    per = files // series
    planted = {}
    where = {(7 % series, per // 4): "inconsistent-patient",
             (33 % series, per // 2): "inconsistent-series",
             (77 % series, per - 1): "duplicate-sop-instance"}

    def write_series(folder: Path, s: int, n: int, study: str, patient: str,
                     plant: bool) -> None:
        folder.mkdir(parents=True)
        ds = copy.deepcopy(base)
        ds.StudyInstanceUID = study
        ds.PatientID = patient
        ds.SeriesInstanceUID = generate_uid()
        ds.FrameOfReferenceUID = generate_uid()
        ds.SeriesNumber = s + 1
        previous = None
        for i in range(n):
            ds.SOPInstanceUID = generate_uid()
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            ds.InstanceNumber = i + 1
            code = where.get((s, i)) if plant else None
            saved = {}
            if code == "inconsistent-patient":
                saved["PatientID"] = ds.PatientID
                ds.PatientID = "PLANTED-OTHER"
            elif code == "inconsistent-series":
                saved["Modality"] = ds.Modality
                ds.Modality = "CT"
            elif code == "duplicate-sop-instance":
                ds.SOPInstanceUID = previous
                ds.file_meta.MediaStorageSOPInstanceUID = previous
            name = f"IM{i:05d}"
            ds.save_as(folder / name, enforce_file_format=True)
            if code:
                planted[code] = f"s{s:03d}/{name}"
            for k, v in saved.items():
                setattr(ds, k, v)
            previous = ds.SOPInstanceUID

    archive = root / "archive"
    study = patient = ""
    for s in range(series):
        if s % 10 == 0:
            study, patient = generate_uid(), f"PAT{s // 10:04d}"
        write_series(archive / f"s{s:03d}", s, per, study, patient, True)
    write_series(root / "single" / "s000", 0, single, generate_uid(), "PAT9999", False)
    return planted


def run(paths: list[Path], jobs: int, out: Path) -> dict[str, object]:
    """One ``conformance validate`` in a fresh wrapper process: wall time, peak RSS."""
    code = ("import resource, subprocess, sys, time\n"
            "t = time.perf_counter()\n"
            "rc = subprocess.run(sys.argv[1:]).returncode\n"
            "print(rc, time.perf_counter() - t,"
            " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    cmd = [sys.executable, "-c", code, sys.executable, "-m", "conformance.cli", "validate",
           "--no-progress", "--group-by", "series", "-j", str(jobs), "-o", str(out),
           *map(str, paths)]
    rc, secs, rss = subprocess.run(cmd, capture_output=True, text=True,
                                   check=True).stdout.split()
    text = out.read_text()
    n = int(re.search(r"^total: (\d+) files", text, re.M).group(1))  # type: ignore[union-attr]
    cross = re.findall(r"^\s+(?:error|warning)\s+(\S+?): \S+ (\w+): .*$",
                       text.split("[cross-file consistency]", 1)[-1], re.M) \
        if "[cross-file consistency]" in text else []
    titles = re.findall(r"^(\S+)\s+\[cross-file consistency\]$", text, re.M)
    return {"exit": int(rc), "files": n, "seconds": float(secs), "rss_mb": int(rss) / 1024,
            "ms_per_file": float(secs) * 1000 / n,
            "cross_file": sorted(set(c for c, _ in cross)), "cross_file_files": titles}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=20_000)
    ap.add_argument("--series", type=int, default=100)
    ap.add_argument("--single", type=int, default=2_000,
                    help="instances of the single-series run")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--keep", metavar="DIR", help="build (or reuse) the archive here")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="batch_scale-"))
    try:
        marker = root / "planted.json"
        if marker.exists():
            planted = json.loads(marker.read_text())
        else:
            t = time.perf_counter()
            planted = build(root, args.files, args.series, args.single)
            marker.write_text(json.dumps(planted))
            print(f"built {args.files} + {args.single} files in "
                  f"{time.perf_counter() - t:.0f} s under {root}", file=sys.stderr)
        series = sorted((root / "archive").iterdir())
        half = run(series[: len(series) // 2], args.jobs, root / "half.txt")
        full = run([root / "archive"], args.jobs, root / "full.txt")
        single = run([root / "single"], args.jobs, root / "single.txt")
        expected = sorted(planted)
        found_files = sorted(str(Path(p).relative_to(root / "archive"))
                             for p in full["cross_file_files"])  # type: ignore[union-attr]
        result = {
            "half": half, "full": full, "single": single, "planted": planted,
            "rss_ratio_full_vs_half": full["rss_mb"] / half["rss_mb"],  # type: ignore[operator]
            "throughput_ratio_full_vs_single":
                single["ms_per_file"] / full["ms_per_file"],  # type: ignore[operator]
            "planted_found": full["cross_file"] == expected
            and found_files == sorted(planted.values()),
        }
        if args.json:
            print(json.dumps(result, indent=1, sort_keys=True))
        else:
            for k in ("half", "full", "single"):
                r = result[k]
                print(f"{k:>6}: {r['files']:>6} files  {r['seconds']:8.1f} s  "  # type: ignore[index]
                      f"{r['ms_per_file']:6.2f} ms/file  peak RSS {r['rss_mb']:6.1f} MB  "  # type: ignore[index]
                      f"cross-file {r['cross_file']}")  # type: ignore[index]
            print(f"peak RSS full/half: {result['rss_ratio_full_vs_half']:.3f} "
                  "(target within 1.10)")
            print(f"throughput full vs single series: "
                  f"{result['throughput_ratio_full_vs_single']:.3f} (target >= 0.90)")
            print(f"planted {expected} in {sorted(planted.values())}: found "
                  f"{full['cross_file']} in {found_files} -> "
                  f"{'all found, none false' if result['planted_found'] else 'MISMATCH'}")
        return 0 if result["planted_found"] else 1
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
