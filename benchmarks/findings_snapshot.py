"""Findings snapshot over every pydicom test file and pydicom-data file.

The re-layout guard (issue 12): validate each public test file with the bundled
standard and record its JSON findings, so a behaviour-preserving change can be shown to
be one. ``tests/test_findings_snapshot.py`` compares a fresh run with the stored
snapshot ``tests/snapshots/findings.json.gz``.

    python benchmarks/findings_snapshot.py --write tests/snapshots/findings.json.gz
    python benchmarks/findings_snapshot.py --compare tests/snapshots/findings.json.gz
    python benchmarks/findings_snapshot.py --compare OLD.json.gz --aliases   # codes renamed only?

Entries are keyed by the file's path below its data folder; each holds the report's
dict without the file system path and the standard's folder (they differ per machine).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

META = "_snapshot"  # metadata entry: versions of the inputs


def testdata_files() -> dict[str, str]:
    """Every file pydicom's test data and pydicom-data hold, keyed by a stable name."""
    from pydicom.data import get_testdata_files

    out: dict[str, str] = {}
    for f in sorted(get_testdata_files()):
        p = Path(f)
        for anchor in ("test_files", "data_store"):
            if anchor in p.parts:
                key = "/".join(p.parts[p.parts.index(anchor):])
                break
        else:
            key = p.name
        out[key] = f
    return out


def _data_roots() -> list[str]:
    """The folders holding the data sets (messages naming a folder, as DICOMDIR findings
    do, are written relative to them: the snapshot must not depend on the machine)."""
    roots = set()
    for f in testdata_files().values():
        p = Path(f)
        for anchor in ("test_files", "data_store"):
            if anchor in p.parts:
                roots.add(str(Path(*p.parts[:p.parts.index(anchor)])))
    return sorted(roots, key=len, reverse=True)


def _entry(report: Any, roots: list[str]) -> dict[str, Any]:
    d = report.to_dict()
    d.pop("path", None)
    d.pop("standard", None)
    for f in d["findings"]:
        for root in roots:
            f["message"] = f["message"].replace(root, "<data>")
    return d


def inputs_version() -> str:
    """pydicom and pydicom-data versions: other versions mean other inputs."""
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for dist in ("pydicom", "pydicom-data"):
        try:
            parts.append(f"{dist}=={version(dist)}")
        except PackageNotFoundError:
            parts.append(f"{dist} missing")
    return " ".join(parts)


def collect(files: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Findings of every test file, by name (the bundled standard, no rules)."""
    from conformance import Validator

    validator = Validator()
    files = testdata_files() if files is None else files
    out: dict[str, Any] = {}
    roots = _data_roots()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, path in files.items():
            out[name] = _entry(validator.validate(path), roots)
    return out


def write(snapshot: Mapping[str, Any], path: Path) -> None:
    snapshot = {**snapshot, META: {"inputs": inputs_version()}}
    text = json.dumps(snapshot, sort_keys=True, indent=0, separators=(",", ":"))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with gzip.GzipFile(tmp, "wb", mtime=0) as fh:
        fh.write(text.encode())
    tmp.replace(path)


def read(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(findings by file, metadata) of a stored snapshot."""
    with gzip.open(path, "rt") as fh:
        data = json.load(fh)
    meta = data.pop(META, {})
    return data, meta


def rename_codes(snapshot: Mapping[str, Any], rename: Callable[[str], str]) -> dict[str, Any]:
    """The snapshot with each finding's (and suppression's) code mapped by ``rename``."""
    out: dict[str, Any] = {}
    for name, entry in snapshot.items():
        e = dict(entry)
        e["findings"] = [{**f, "code": rename(f["code"])} for f in entry["findings"]]
        e["suppressed"] = [{**s, "code": rename(s["code"])} for s in entry["suppressed"]]
        out[name] = e
    return out


def differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Human-readable differences, one line per file (empty when identical)."""
    lines: list[str] = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        if a is None or b is None:
            lines.append(f"{name}: {'added' if a is None else 'removed'}")
            continue
        ca = Counter(f["code"] for f in a["findings"])
        cb = Counter(f["code"] for f in b["findings"])
        gone, came = ca - cb, cb - ca
        detail = []
        if gone:
            detail.append("-" + ",".join(f"{c}x{n}" for c, n in sorted(gone.items())))
        if came:
            detail.append("+" + ",".join(f"{c}x{n}" for c, n in sorted(came.items())))
        if not detail:
            keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            detail.append("changed: " + ",".join(keys))
        lines.append(f"{name}: {' '.join(detail)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", type=Path, help="write the snapshot (gzip JSON) here")
    ap.add_argument("--compare", type=Path, help="compare a fresh run with this snapshot")
    ap.add_argument("--aliases", action="store_true",
                    help="map old code names to their new names before comparing")
    args = ap.parse_args(argv)
    snap = collect()
    total = sum(len(e["findings"]) for e in snap.values())
    print(f"{len(snap)} files, {total} findings")
    if args.write:
        write(snap, args.write)
        print(f"wrote {args.write}")
    if args.compare:
        old, meta = read(args.compare)
        if meta.get("inputs") != inputs_version():
            print(f"note: snapshot inputs {meta.get('inputs')}, now {inputs_version()}")
        diff = differences(old, snap)
        print(f"raw: {len(diff)} files differ")
        for line in diff:
            print("  " + line)
        if args.aliases:
            # a split code counts as its former name: what is left is not a rename
            from conformance.catalogue import former_code

            diff = differences(old, rename_codes(snap, former_code))
            print(f"after mapping split codes to their former names: {len(diff)} files differ")
            for line in diff:
                print("  " + line)
        return 1 if diff else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
