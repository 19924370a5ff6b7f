"""Time ``conformance build`` on the shared excerpt and on a synthetic ~40 MB PS3.3.

Run by hand: ``python benchmarks/build_speed.py [--size-mb 40] [--repeat 1]``.
Each build runs in a child process (``python -m conformance.cli build ...``); its wall
time and peak RSS (``os.wait4`` rusage of that child) are printed with the MB/s of the
input. Targets: >= 10 MB/s, <= 400 MiB peak RSS.

The synthetic PS3.3 is the 2016c excerpt's chapters repeated with every ``xml:id`` /
``linkend`` renamed per copy (``table_C.7-1`` -> ``table_K3C.7-1``) and every caption
prefixed (``K3 CT Image IOD Modules``), so each copy's IODs, modules and macros are new
tables that resolve among themselves. It is written to a temporary folder only.

``--dicom-validator-python PY`` (a Python with dicom-validator installed, e.g.
``/tmp/dv-venv/bin/python``) also times dicom-validator's own build of the excerpt
(``EditionReader.create_json_files`` on PS3.3, 3.4 and 3.6: the parts it reads; the
2016c PS3.3 repeats some xml:ids, renamed in a temporary copy as validate_speed.py
does), interleaved with ours, and prints the ratio of MB/s medians (target >= 2).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCBOOK = REPO.parent / "shared" / "nema-docbook"
EXCERPT = {3: DOCBOOK / "2016c-excerpt" / "part03.xml", 4: DOCBOOK / "2013" / "part04.xml",
           5: DOCBOOK / "2026c" / "part05.xml", 6: DOCBOOK / "2015b" / "part06.xml"}
_ID = re.compile(r'((?:xml:id|linkend)=")([A-Za-z]+)_')
_CAPTION = re.compile(r"(<caption>\s*)")


def synthetic_part03(target_mb: float, folder: Path) -> Path:
    """Write a PS3.3 of about ``target_mb`` MB made of renamed copies of the excerpt."""
    text = EXCERPT[3].read_text(encoding="utf-8")
    start = text.index("<chapter")
    end = text.rindex("</book>")
    head, body, tail = text[:start], text[start:end], text[end:]
    copies = max(1, round(target_mb * 1e6 / len(body.encode())))
    out = folder / "part03.xml"
    with out.open("w", encoding="utf-8") as f:
        f.write(head)
        f.write(body)
        for k in range(2, copies + 1):
            copy = _ID.sub(lambda m, k=k: f"{m.group(1)}{m.group(2)}_K{k}", body)
            copy = _CAPTION.sub(lambda m, k=k: f"{m.group(1)}K{k} ", copy)
            f.write(copy)
        f.write(tail)
    return out


def run_build(args: list[str], out: Path) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB, exit code) of one ``conformance build`` child."""
    cmd = [sys.executable, "-m", "conformance.cli", "build", *args, "--out", str(out),
           "--quiet"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in KiB on Linux.
    return wall, usage.ru_maxrss / 1024, proc.returncode


DV_CODE = """
import contextlib, io, sys, time
from dicom_validator.spec_reader.edition_reader import EditionReader
t = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    EditionReader(sys.argv[1]).create_json_files("local")
print(time.perf_counter() - t)
"""


def against_dicom_validator(python: str, repeat: int, folder: Path) -> None:
    """Medians of ``repeat`` interleaved builds of the excerpt: ours and dicom-validator's."""
    import statistics

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from validate_speed import DV_PARTS, SHARED_DOCBOOK, _dedup_ids

    root = folder / "dv"
    (root / "local" / "docbook").mkdir(parents=True)
    (root / "local" / "json").mkdir()
    _dedup_ids(SHARED_DOCBOOK / DV_PARTS[3], root / "local" / "docbook" / "part03.xml")
    for n in (4, 6):
        (root / "local" / "docbook" / f"part{n:02d}.xml").symlink_to(SHARED_DOCBOOK / DV_PARTS[n])
    dv_mb = sum((SHARED_DOCBOOK / DV_PARTS[n]).stat().st_size for n in (3, 4, 6)) / 1e6
    our_mb = sum(p.stat().st_size for p in EXCERPT.values()) / 1e6
    args = ["--source", str(EXCERPT[3].parent), "--part", f"4={EXCERPT[4]}",
            "--part", f"5={EXCERPT[5]}", "--part", f"6={EXCERPT[6]}"]
    ours, theirs = [], []
    for _ in range(repeat):
        wall, _rss, code = run_build(args, folder / "ours")
        if code != 0:
            print(f"our build failed (exit {code})")
            return
        ours.append(our_mb / wall)
        out = subprocess.run([python, "-c", DV_CODE, str(root)], capture_output=True,
                             text=True, check=False)
        if out.returncode != 0:
            print(f"dicom-validator's build failed: {out.stderr.strip()[-300:]}")
            return
        theirs.append(dv_mb / float(out.stdout.strip().splitlines()[-1]))
    o, t = statistics.median(ours), statistics.median(theirs)
    print(f"excerpt build, median of {repeat} interleaved runs: ours {o:.1f} MB/s "
          f"({our_mb:.1f} MB: PS3.3, 3.4, 3.5, 3.6), dicom-validator {t:.1f} MB/s "
          f"({dv_mb:.1f} MB: PS3.3, 3.4, 3.6); ratio {o / t:.2f}x (target >= 2: "
          f"{'met' if o / t >= 2 else 'NOT met'}); ours >= 10 MB/s: "
          f"{'met' if o >= 10 else 'NOT met'}")


def report(label: str, inputs: list[Path], args: list[str], out: Path, repeat: int) -> None:
    size = sum(p.stat().st_size for p in inputs) / 1e6
    best = None
    for _ in range(repeat):
        wall, rss, code = run_build(args, out)
        if code != 0:
            print(f"{label}: build failed (exit {code})")
            return
        best = (wall, rss) if best is None or wall < best[0] else best
    assert best is not None
    wall, rss = best
    print(f"{label}: {size:.1f} MB in {wall:.2f} s = {size / wall:.1f} MB/s, "
          f"peak RSS {rss:.0f} MiB  (targets >= 10 MB/s, <= 400 MiB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=40.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--dicom-validator-python", metavar="PY",
                        help="a Python with dicom-validator: compare build speeds")
    parser.add_argument("--compare-only", action="store_true",
                        help="only the comparison with dicom-validator")
    ns = parser.parse_args()
    missing = [str(p) for p in EXCERPT.values() if not p.is_file()]
    if missing:
        print(f"../shared not available ({missing[0]})")
        return 1
    from conformance.schemas import backend

    print(f"schema validator: {backend()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        if ns.dicom_validator_python:
            against_dicom_validator(ns.dicom_validator_python, max(ns.repeat, 3), tmpdir)
            if ns.compare_only:
                return 0
        report("excerpt (PS3.3 2016c + PS3.4 2013 + PS3.5 2026c + PS3.6 2015b)",
               list(EXCERPT.values()),
               ["--source", str(EXCERPT[3].parent), "--part", f"4={EXCERPT[4]}",
                "--part", f"5={EXCERPT[5]}", "--part", f"6={EXCERPT[6]}"],
               tmpdir / "excerpt", ns.repeat)
        t = time.perf_counter()
        big = synthetic_part03(ns.size_mb, tmpdir)
        print(f"synthetic PS3.3: {big.stat().st_size / 1e6:.1f} MB written in "
              f"{time.perf_counter() - t:.1f} s")
        report("synthetic PS3.3 alone", [big], ["--part", f"3={big}"], tmpdir / "big",
               ns.repeat)
        report("synthetic PS3.3 + PS3.4 + PS3.5 + PS3.6", [big, EXCERPT[4], EXCERPT[5],
                                                          EXCERPT[6]],
               ["--part", f"3={big}", "--part", f"4={EXCERPT[4]}", "--part",
                f"5={EXCERPT[5]}", "--part", f"6={EXCERPT[6]}"], tmpdir / "big-all", ns.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
