"""Peak memory (RSS) validating one large single-frame file, against dciodvfy.

Run by hand: ``python benchmarks/memory_peak.py [--sizes 268,1024] [--repeat 3]``.
For each size (MB) a CT file is made in a temporary folder at run time: CT_small's
header with Rows x Columns set so that native 16-bit Pixel Data of about that many
megabytes is valid, the pixel data streamed to disk in chunks (never held in memory).
Each tool runs in a fresh process; its peak RSS is the kernel's ``ru_maxrss`` of that
child. Targets (issue 16): engine at most 80 MiB for the 268 MB file, and the 1 GB file
within 10% of that. The temporary folder is removed afterwards.
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHUNK = 1 << 22

ENGINE = ("import sys, warnings; warnings.simplefilter('ignore'); import conformance; "
          "r = conformance.validate(sys.argv[1]); print(len(r.findings), file=sys.stderr)")
RUSAGE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
          "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
          "print(time.perf_counter() - t, "
          "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def make_file(folder: Path, megabytes: int) -> Path:
    """A valid single-frame CT of about ``megabytes`` MB (16-bit native pixels)."""
    from pydicom import dcmread
    from pydicom.data import get_testdata_file

    ds = dcmread(get_testdata_file("CT_small.dcm"))
    side = int(math.sqrt(megabytes * 1_000_000 / 2))
    del ds.PixelData
    ds.Rows = ds.Columns = side
    out = folder / f"ct_{megabytes}MB.dcm"
    ds.save_as(out, enforce_file_format=True)
    length = side * side * 2
    with open(out, "ab") as f:  # Pixel Data (7FE0,0010) OW, explicit VR little endian
        f.write(struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OW", 0, length))
        zero = bytes(CHUNK)
        left = length
        while left:
            n = min(left, CHUNK)
            f.write(zero[:n])
            left -= n
    return out


def peak(cmd: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of ``cmd`` run in a fresh child process."""
    out = subprocess.run([sys.executable, "-c", RUSAGE, *cmd], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1]) / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="268,1024", help="file sizes in MB (default 268,1024)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per tool and file (median)")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-mem-"))
    tools = {"engine": [sys.executable, "-c", ENGINE]}
    if shutil.which("dciodvfy"):
        tools["dciodvfy"] = [shutil.which("dciodvfy") or "dciodvfy"]
    results: dict[tuple[str, int], tuple[float, float]] = {}
    try:
        for mb in (int(s) for s in args.sizes.split(",")):
            t = time.perf_counter()
            f = make_file(folder, mb)
            print(f"{f.name}: {f.stat().st_size / 1e6:.0f} MB, made in "
                  f"{time.perf_counter() - t:.1f} s")
            for name, cmd in tools.items():
                runs = [peak([*cmd, str(f)]) for _ in range(args.repeat)]
                sec = statistics.median(r[0] for r in runs)
                rss = statistics.median(r[1] for r in runs)
                results[(name, mb)] = (sec, rss)
                print(f"  {name:10s} median of {args.repeat}: {sec:6.2f} s  peak RSS "
                      f"{rss:7.1f} MiB")
            f.unlink()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    sizes = sorted({mb for _, mb in results})
    eng = [results[("engine", mb)][1] for mb in sizes if ("engine", mb) in results]
    if eng:
        print(f"\nengine peak RSS at {sizes[0]} MB: {eng[0]:.1f} MiB (target <= 80: "
              f"{'met' if eng[0] <= 80 else 'NOT met'})")
    if len(eng) > 1:
        spread = max(eng) / min(eng) - 1
        print(f"largest / smallest file: {max(eng) / min(eng):.3f} (target within 10%: "
              f"{'met' if spread <= 0.10 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
