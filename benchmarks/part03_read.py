"""Time the PS3.3 reader (run by hand): ``python benchmarks/part03_read.py [PART03.xml]``.

Prints MB/s and peak RSS for the given file (default: the 2016c excerpt in ../shared)
and for a synthetic ~45 MB part made of 20 relabelled copies of its body, which stands
in for the full PS3.3 that this machine cannot download.
"""

from __future__ import annotations

import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conformance.compiler.readers.part03 import read_part03

DEFAULT = Path(__file__).resolve().parents[2] / "shared/nema-docbook/2016c-excerpt/part03.xml"


def peak_rss_mb() -> float:
    """VmHWM of this process (ru_maxrss would include the parent's peak across exec)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(path: Path, repeat: int = 3) -> None:
    best = float("inf")
    for _ in range(repeat):
        anomalies: list[dict] = []
        start = time.perf_counter()
        result = read_part03(path, anomalies)
        best = min(best, time.perf_counter() - start)
    size = path.stat().st_size / 1e6
    rss = peak_rss_mb()
    print(f"{path.name}: {size:.1f} MB in {best:.3f} s = {size / best:.1f} MB/s; "
          f"{len(result['iods'])} IODs, {len(result['modules'])} modules, "
          f"{len(result['macros'])} macros, {len(anomalies)} anomalies; peak RSS {rss:.0f} MB")


def synthetic(source: Path, copies: int, folder: Path) -> Path:
    text = source.read_text(encoding="utf-8")
    head, rest = text.split("<chapter", 1)
    body, tail = rest.rsplit("</book>", 1)
    body = "<chapter" + body
    parts = [head]
    for k in range(copies):
        parts.append(re.sub(r'(xml:id|linkend)="(table_|sect_|para_)?',
                            lambda m, k=k: f'{m.group(0)}K{k}', body))
    parts.append("</book>" + tail)
    out = folder / "part03_synthetic.xml"
    out.write_text("".join(parts), encoding="utf-8")
    return out


def main(argv: list[str]) -> None:
    if argv[:1] == ["--only"]:  # child process: peak RSS of the read alone
        timed(Path(argv[1]), repeat=1)
        return
    path = Path(argv[0]) if argv else DEFAULT
    timed(path)
    with tempfile.TemporaryDirectory() as tmp:
        big = synthetic(path, 20, Path(tmp))
        subprocess.run([sys.executable, __file__, "--only", str(big)], check=True)


if __name__ == "__main__":
    main(sys.argv[1:])
