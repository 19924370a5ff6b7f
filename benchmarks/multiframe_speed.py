"""Enhanced CT with thousands of frames: the engine against dciodvfy, 2 and 11 groups a frame.

Run by hand: ``python benchmarks/multiframe_speed.py [--frames 5000] [--repeat 3]``.
The files are synthesised at run time in a temporary folder from pydicom's
``eCT_Supplemental.dcm`` (Enhanced CT, 2 frames): its Per-frame Functional Groups item is
repeated ``--frames`` times (Frame Content and Plane Position: 2 groups a frame; every
frame its own position and number), and for the 11-group file the 9 Shared groups move
into every Per-frame item as well. Frames are 16 x 16 so the pixel data stays small. Each
tool runs as one process per file, as a user runs it (``conformance validate FILE``,
``dciodvfy FILE``); the engine is also timed warm, in this process (a Validator already
loaded). Target (issue 16): the engine at least 2x faster than dciodvfy for both files.
"""

from __future__ import annotations

import argparse
import copy
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence


def make(folder: Path, frames: int, all_per_frame: bool) -> Path:
    ds = dcmread(get_testdata_file("eCT_Supplemental.dcm"))
    template = ds.PerFrameFunctionalGroupsSequence[0]
    shared = ds.SharedFunctionalGroupsSequence[0]
    items = []
    for i in range(frames):
        item = copy.deepcopy(template)
        item.FrameContentSequence[0].InStackPositionNumber = i + 1
        item.FrameContentSequence[0].TemporalPositionIndex = 1
        item.PlanePositionSequence[0].ImagePositionPatient = [0.0, 0.0, float(i)]
        if all_per_frame:
            for elem in shared:
                item[elem.tag] = copy.deepcopy(elem)
        items.append(item)
    ds.PerFrameFunctionalGroupsSequence = Sequence(items)
    if all_per_frame:
        ds.SharedFunctionalGroupsSequence = Sequence([Dataset()])
    ds.NumberOfFrames = frames
    ds.Rows = ds.Columns = 16
    ds.PixelData = bytes(16 * 16 * 2 * frames)
    groups = 2 + (9 if all_per_frame else 0)
    out = folder / f"ect_{frames}_{groups}groups.dcm"
    ds.save_as(out, enforce_file_format=True)
    return out


def run(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3, help="runs per tool and file (median)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from conformance.engine.api import Validator

    v = Validator()
    folder = Path(tempfile.mkdtemp(prefix="bench-mf-"))
    cli = [sys.executable, "-W", "ignore", "-m", "conformance.cli", "validate"]
    dciodvfy = shutil.which("dciodvfy")
    try:
        for per_frame in (False, True):
            f = make(folder, args.frames, per_frame)
            times: dict[str, list[float]] = {"engine CLI": [], "engine warm": [],
                                             "dciodvfy": []}
            for _ in range(args.repeat):  # interleaved: load changes hit every tool alike
                times["engine CLI"].append(run([*cli, str(f)]))
                t = time.perf_counter()
                n = len(v.validate(f).findings)
                times["engine warm"].append(time.perf_counter() - t)
                if dciodvfy:
                    times["dciodvfy"].append(run([dciodvfy, str(f)]))
            print(f"{f.name} ({f.stat().st_size / 1e6:.1f} MB, {n} findings):")
            med = {k: statistics.median(t) for k, t in times.items() if t}
            for k, m in med.items():
                print(f"  {k:12s} median of {args.repeat}: {m:6.2f} s")
            if "dciodvfy" in med:
                r = med["dciodvfy"] / med["engine CLI"]
                print(f"  dciodvfy / engine CLI: {r:.2f}x (target >= 2: "
                      f"{'met' if r >= 2 else 'NOT met'}); dciodvfy / engine warm: "
                      f"{med['dciodvfy'] / med['engine warm']:.2f}x")
            f.unlink()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
