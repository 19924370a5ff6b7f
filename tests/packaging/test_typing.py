"""The public API is typed for users' mypy: a user's script type-checks under
``mypy --strict --disallow-any-expr`` (any expression of type Any is an error)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
EXAMPLE = HERE / "typed_example.py"
REPO = HERE.parents[1]


def run_mypy(python: str, target: Path, cwd: Path, cache: Path,
             source_tree: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``mypy --strict --disallow-any-expr`` on ``target`` with ``python``'s packages (and
    ``source_tree`` first: mypy cannot see through setuptools' editable-install hook)."""
    env = {k: v for k, v in os.environ.items() if k != "MYPYPATH"}
    if source_tree is not None:
        env["MYPYPATH"] = str(source_tree)
    return subprocess.run(
        [python, "-m", "mypy", "--strict", "--disallow-any-expr", "--follow-imports=silent",
         "--no-error-summary", "--cache-dir", str(cache), str(target)],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=600)


def test_example_has_no_any(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    done = run_mypy(sys.executable, EXAMPLE, tmp_path, tmp_path / "cache", REPO)
    assert done.returncode == 0, done.stdout + done.stderr


def test_any_is_caught(tmp_path: Path) -> None:
    """The control: the same flags reject a script whose names are Any."""
    pytest.importorskip("mypy")
    bad = tmp_path / "bad.py"
    bad.write_text("from typing import Any\n\n\ndef f(x: Any) -> None:\n    print(x.code)\n")
    done = run_mypy(sys.executable, bad, tmp_path, tmp_path / "cache")
    assert done.returncode == 1
    assert 'Expression has type "Any"' in done.stdout
