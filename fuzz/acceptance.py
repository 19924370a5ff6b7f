"""The acceptance run of issue 17: ``python fuzz/acceptance.py [--keep DIR]``.

Builds a folder with one of each hostile file (``fuzz/hostile.py``: unknown VR, stray
delimiter, SOP Class UID of five wrong VRs, 500 and 1000 nested sequences, a million
values, a 2 GB deflate bomb, an Item longer than its Sequence, a file name that is not
UTF-8, one with a newline and an ESC sequence, a FIFO, a link to /dev/zero, a truncated,
an empty and a text file) plus normal pydicom test files; runs ``conformance validate``
on it (with a rule file whose regex backtracks exponentially) and checks: exit status
0 or 1, no traceback, every normal file reported, every hostile one reported as a
finding or a skip, peak RSS under 200 MiB. Prints the figures; exit 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz import hostile  # noqa: E402

NORMAL = ("CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "rtstruct.dcm", "rtdose.dcm",
          "JPEG2000.dcm", "emri_small.dcm", "SC_rgb.dcm", "image_dfl.dcm", "mlut_18.dcm")
RSS_LIMIT_MIB = 200


def build(folder: Path) -> tuple[list[str], list[str]]:
    """Write the folder; returns (normal file names, hostile entry names)."""
    from pydicom.data import get_testdata_file

    folder.mkdir(parents=True, exist_ok=True)
    normal = []
    for name in NORMAL:
        src = get_testdata_file(name)
        if src is not None:
            shutil.copy(src, folder / f"normal-{name}")
            normal.append(f"normal-{name}")
    hostile_names = []
    for name, make in hostile.FILES.items():
        (folder / name).write_bytes(make())
        hostile_names.append(name)
    ct = hostile.ct_small()
    odd = os.path.join(os.fsencode(folder), b"05-not-utf8-\xff.dcm")
    with open(odd, "wb") as f:
        f.write(ct)
    hostile_names.append(os.fsdecode(b"05-not-utf8-\xff.dcm"))
    forged = "17-x\ntotal: 0 files\x1b[2J.dcm"
    (folder / forged).write_bytes(ct)
    hostile_names.append(forged)
    os.mkfifo(folder / "11-fifo.dcm")
    hostile_names.append("11-fifo.dcm")
    os.symlink("/dev/zero", folder / "11-dev-zero.dcm")
    hostile_names.append("11-dev-zero.dcm")
    (folder / "truncated.dcm").write_bytes(ct[:len(ct) // 2])
    (folder / "empty.dcm").write_bytes(b"")
    (folder / "README.txt").write_text("not DICOM\n")
    hostile_names += ["truncated.dcm", "empty.dcm", "README.txt"]
    return normal, hostile_names


def _run(cmd: list[str]) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run ``cmd``; (result, seconds, largest peak RSS in MiB of any child so far)."""
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                          timeout=3600, check=False)
    seconds = time.monotonic() - t0
    return proc, seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    from conformance.report.safe import printable

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--keep", help="build the folder here and keep it")
    p.add_argument("-j", "--jobs", type=int, default=1)
    args = p.parse_args(argv)
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="hostile-"))
    folder = root / "in"
    t0 = time.monotonic()
    normal, hostile_names = build(folder)
    built = time.monotonic() - t0
    rules = root / "slow-regex.yaml"
    rules.write_text(hostile.rule_exponential_regex())
    base = [sys.executable, "-m", "conformance.cli", "validate", str(folder), "--rules",
            str(rules), "--no-progress", "-j", str(args.jobs)]
    # 1. the default run: text report, what the walk skips listed
    text_run, seconds, peak = _run([*base, "--show-skipped"])
    lines = text_run.stdout.splitlines()
    # 2. --strict-inputs: what the walk skips becomes an 'unreadable' report (JSON Lines)
    report = root / "report.jsonl"
    strict_run, strict_seconds, strict_peak = _run(
        [*base, "--strict-inputs", "--format", "jsonl", "-o", str(report)])
    records = [json.loads(line) for line in report.read_text().splitlines() if line.strip()]
    reports = {os.path.basename(r["path"]): r for r in records
               if r.get("path") and not r.get("cross_file")}
    problems = []
    for name, run in (("default", text_run), ("strict", strict_run)):
        if run.returncode not in (0, 1):
            problems.append(f"{name} run: exit status {run.returncode}")
        if "Traceback" in run.stderr:
            problems.append(f"{name} run: traceback on stderr")

    def shown(name: str) -> str:
        return printable(str(folder / name))

    def in_text(name: str) -> str | None:
        path = shown(name)
        for line in lines:
            if line.startswith("skipped ") and path in line:
                return "skip"
            if line.startswith(path):
                return "report"
        return None

    for name in normal:
        if in_text(name) != "report" or name not in reports:
            problems.append(f"normal file not reported: {name}")
    for name in hostile_names:
        r = reports.get(name)
        if in_text(name) is None:
            problems.append(f"hostile entry neither reported nor skipped: {name!r}")
        if r is None or not r["findings"]:
            problems.append(f"hostile entry without a finding (--strict-inputs): {name!r}")
        elif any(f["code"] == "internal-error" for f in r["findings"]):
            problems.append(f"internal-error on {name!r}")
    worst = max(peak, strict_peak)
    if worst >= RSS_LIMIT_MIB:
        problems.append(f"peak RSS {worst:.0f} MiB >= {RSS_LIMIT_MIB} MiB")
    print(f"folder: {folder} ({len(normal)} normal, {len(hostile_names)} hostile entries, "
          f"built in {built:.0f} s)")
    print(f"default run: exit {text_run.returncode}, {seconds:.1f} s, peak RSS {peak:.0f} MiB")
    print(f"strict run:  exit {strict_run.returncode}, {strict_seconds:.1f} s, {len(reports)} "
          f"files reported; peak RSS of both runs {worst:.0f} MiB (limit {RSS_LIMIT_MIB})")
    for name in hostile_names:
        r = reports.get(name)
        codes = sorted({f["code"] for f in r["findings"]}) if r else ["NOT REPORTED"]
        first = ""
        if r:
            interesting = [f for f in r["findings"] if f["code"] not in
                           ("condition-not-checked", "not-in-iod", "slow")]
            first = (interesting or r["findings"])[0]["message"][:100]
        print(f"  {printable(name)!s:38} {in_text(name) or '-':6} "
              f"{', '.join(codes)[:50]:50} {first}")
    print(f"stderr: {(text_run.stderr + strict_run.stderr).strip()[:500] or '(empty)'}")
    print("OK" if not problems else "FAILED:\n  " + "\n  ".join(problems))
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
