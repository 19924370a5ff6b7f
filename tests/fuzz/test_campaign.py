"""The short, fixed-seed fuzz campaign CI runs (about a minute): DICOM files, rule files
and standard folders, each through ``fuzz/run.py`` exactly as a long campaign runs
(``python fuzz/run.py --executions 1000000 --engine atheris``). Any failure leaves its
input in the temporary failures folder and fails the test with the campaign's log."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("target", "executions"), [("dicom", 300), ("rules", 60),
                                                    ("standard", 30)])
def test_fixed_seed_campaign_finds_nothing(target: str, executions: int,
                                           tmp_path: Path) -> None:
    failures = tmp_path / "failures"
    proc = subprocess.run(
        [sys.executable, str(REPO / "fuzz" / "run.py"), "--target", target, "--engine",
         "random", "--executions", str(executions), "--seed", "1", "--time-limit", "60",
         "--rss-limit", "1024", "--failures", str(failures), "--progress", "1000"],
        capture_output=True, text=True, timeout=900, cwd=REPO)
    summary_line = [ln for ln in proc.stderr.splitlines() if " summary " in ln]
    assert summary_line, proc.stderr[-3000:]
    summary = json.loads(summary_line[-1].split(" summary ", 1)[1])
    saved = sorted(p.name for p in failures.glob("*.txt")) if failures.exists() else []
    details = "\n".join((failures / n).read_text()[-1500:] for n in saved[:3])
    assert proc.returncode == 0 and summary["failures"] == {}, details or proc.stderr[-3000:]
    assert summary["executions"] == executions
