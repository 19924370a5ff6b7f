"""Differential check: dciodvfy's "Value invalid/dubious for this VR" vs our value checks.

Runs ``dciodvfy -new`` and ``conformance.validate`` over pydicom's test files and prints,
per file, the elements each side flags (compared by the element's tag path) and the
agreement, then the disagreements. Usage::

    python benchmarks/vr_agreement.py [FILES...]   # default: pydicom's test files
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pydicom.data

from conformance import Validator

# Our codes that correspond to dciodvfy's VR value messages.
OURS = {"vr-invalid": "invalid", "vr-dubious": "dubious", "uid-invalid": "invalid",
        "pn-format": "dubious"}
_LINE = re.compile(r"^(Error|Warning) - </(?P<path>[^>]*)> - Value (?P<kind>invalid|dubious) "
                   r"for this VR \[(?P<vr>..)\](?P<rest>.*)$")
_STEP = re.compile(r'\((?P<g>[0-9a-fA-F]{4}),(?P<e>[0-9a-fA-F]{4})(?:,"[^"]*")?\)'
                   r"(?:\[(?P<i>\d+)\])?")


def _norm_dciodvfy(path: str) -> str:
    """``ContentSequence(0040,a730)[2]/PersonName(0040,a123)[1]`` -> ``(0040,A730)[1].(0040,A123)``.

    dciodvfy numbers items and values from 1 and appends a value index to the last
    step; ours numbers items from 0 and has no value index.
    """
    steps = [m for m in _STEP.finditer(path)]
    out = []
    for n, m in enumerate(steps):
        tag = f"({m['g'].upper()},{m['e'].upper()})"
        last = n == len(steps) - 1
        if m["i"] is not None and not last:
            tag += f"[{int(m['i']) - 1}]"
        out.append(tag)
    return ".".join(out)


def dciodvfy(path: Path) -> dict[str, tuple[str, str]]:
    """{element path: (kind, message)} of dciodvfy's VR value messages for one file."""
    try:
        proc = subprocess.run(["dciodvfy", "-new", str(path)], capture_output=True,
                              text=True, errors="replace", timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"<dciodvfy failed>": ("error", str(exc))}
    found: dict[str, tuple[str, str]] = {}
    for line in (proc.stdout + proc.stderr).splitlines():
        m = _LINE.match(line.strip())
        if m:
            key = _norm_dciodvfy(m["path"])
            prev = found.get(key)
            if prev is None or prev[0] == "dubious":
                found[key] = (m["kind"], f"[{m['vr']}]{m['rest']}")
    if proc.returncode < 0 or "Assertion" in proc.stderr:
        found["<dciodvfy crashed>"] = ("error", proc.stderr.strip()[-120:])
    return found


def ours(validator: Validator, path: Path) -> dict[str, tuple[str, str]]:
    """{element path: (kind, message)} of our VR value findings for one file."""
    report = validator.validate(path)
    found: dict[str, tuple[str, str]] = {}
    for f in report.findings:
        kind = OURS.get(f.code)
        if kind is None:
            continue
        prev = found.get(f.path)
        if prev is None or prev[0] == "dubious":
            found[f.path] = (kind if f.severity == "error" else "dubious", f.message)
    return found


def main(argv: list[str]) -> int:
    if shutil.which("dciodvfy") is None:
        print("dciodvfy not found on PATH")
        return 2
    files = [Path(a) for a in argv] or sorted(
        Path(pydicom.data.__file__).parent.joinpath("test_files").glob("*.dcm"))
    validator = Validator()
    total_agree = total = 0
    disagreements: list[str] = []
    t0 = time.perf_counter()
    for path in files:
        theirs, mine = dciodvfy(path), ours(validator, path)
        keys = sorted(set(theirs) | set(mine))
        agree = sum(1 for k in keys if k in theirs and k in mine
                    and theirs[k][0] == mine[k][0])
        total += len(keys)
        total_agree += agree
        status = "agree" if agree == len(keys) else f"{agree}/{len(keys)} agree"
        print(f"{path.name:45s} dciodvfy {len(theirs):3d}  ours {len(mine):3d}  {status}")
        for k in keys:
            a, b = theirs.get(k), mine.get(k)
            if a and b and a[0] == b[0]:
                continue
            disagreements.append(
                f"{path.name} {k}\n    dciodvfy: {a[0] + ' ' + a[1] if a else '-'}\n"
                f"    ours:     {b[0] + ' ' + b[1][:150] if b else '-'}")
    print(f"\n{len(files)} files, {total} flagged elements, {total_agree} agree "
          f"({time.perf_counter() - t0:.1f} s)")
    if disagreements:
        print("\nDisagreements:")
        print("\n".join(disagreements))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
