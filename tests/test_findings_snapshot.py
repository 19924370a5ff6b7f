"""Guard for behaviour-preserving changes: the findings over every pydicom test file and
pydicom-data file equal the stored snapshot.

A change that means to alter findings regenerates the snapshot in the same commit
(``python benchmarks/findings_snapshot.py --write tests/snapshots/findings.json.gz``)
and says in its message what changed (``--compare`` prints it per file first).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "tests" / "snapshots" / "findings.json.gz"


def _tool():
    spec = importlib.util.spec_from_file_location(
        "findings_snapshot", ROOT / "benchmarks" / "findings_snapshot.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_findings_equal_the_snapshot() -> None:
    tool = _tool()
    old, meta = tool.read(SNAPSHOT)
    if meta.get("inputs") != tool.inputs_version():
        pytest.skip(f"snapshot taken over {meta.get('inputs')}, installed: "
                    f"{tool.inputs_version()}")
    new = tool.collect()
    assert len(new) > 200  # pydicom's test files plus pydicom-data
    diff = tool.differences(old, new)
    assert not diff, "findings changed (regenerate the snapshot if intended):\n" + "\n".join(
        diff[:40])


def test_differences_sees_a_changed_finding() -> None:
    tool = _tool()
    old, _ = tool.read(SNAPSHOT)
    name = next(n for n, e in sorted(old.items()) if e["findings"])
    changed = {**old, name: {**old[name], "findings": [
        {**old[name]["findings"][0], "message": "other"}] + old[name]["findings"][1:]}}
    assert tool.differences(old, changed) == [f"{name}: changed: findings"]
    renamed = {**old, name: {**old[name], "findings": [
        {**old[name]["findings"][0], "code": "x-new"}] + old[name]["findings"][1:]}}
    assert tool.differences(old, renamed)[0].startswith(f"{name}: -")
