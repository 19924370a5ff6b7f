"""``import conformance; conformance.validate(path)`` imports only what validation uses:
no build-time or optional module (the cold-start budget of issue 16)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

# Top-level packages, and conformance modules, that validating a file must not import.
FORBIDDEN_PACKAGES = ("yaml", "jsonschema", "rich", "lxml", "platformdirs", "re2", "dask",
                      "distributed", "pyarrow", "concurrent.futures.process", "difflib")
FORBIDDEN_MODULES = ("conformance.conditions.parser", "conformance.conditions.grammar",
                     "conformance.conditions.hand_rules", "conformance.conditions.reference",
                     "conformance.build", "conformance.compiler", "conformance.rules",
                     "conformance.commands", "conformance.catalogue",
                     "conformance.report", "conformance.schemas", "conformance.cli")

CODE = """
import json, sys
import conformance
report = conformance.validate(sys.argv[1])
assert report.findings is not None
print(json.dumps(sorted(sys.modules)))
"""


def _imported(path: str) -> list[str]:
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", CODE, path], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def _forbidden(mods: list[str]) -> list[str]:
    return [m for m in mods
            if any(m == p or m.startswith(p + ".") for p in FORBIDDEN_PACKAGES
                   + FORBIDDEN_MODULES)]


def test_validate_imports_nothing_forbidden() -> None:
    mods = _imported(get_testdata_file("CT_small.dcm"))
    assert "conformance.engine.api" in mods  # it did validate
    assert _forbidden(mods) == []


def test_the_list_catches_a_forbidden_import() -> None:
    """The check itself can fail: the condition parser is caught when imported."""
    assert _forbidden(["conformance.conditions.parser", "yaml.loader", "pydicom"]) == [
        "conformance.conditions.parser", "yaml.loader"]


CLI_CODE = """
import json, os, sys
from conformance.cli import main
try:
    main(["validate", sys.argv[1], "--format", sys.argv[2], "-o", os.devnull])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""
# The CLI has its own modules (commands, report) but no other command's, and no rules,
# schema or build machinery when no --rules is given.
CLI_FORBIDDEN_MODULES = tuple(m for m in FORBIDDEN_MODULES if m not in (
    "conformance.commands", "conformance.report", "conformance.cli"))


def test_cli_validate_imports_nothing_forbidden() -> None:
    for fmt in ("text", "jsonl"):
        out = subprocess.run([sys.executable, "-W", "ignore", "-c", CLI_CODE,
                              get_testdata_file("CT_small.dcm"), fmt],
                             check=True, capture_output=True, text=True).stdout
        mods = json.loads(out)
        assert "conformance.commands.validate" in mods and "conformance.engine.api" in mods
        bad = [m for m in mods
               if any(m == p or m.startswith(p + ".") for p in FORBIDDEN_PACKAGES
                      + CLI_FORBIDDEN_MODULES)]
        # nor the other commands (build's DocBook readers, explain, rules ...)
        bad += [m for m in mods if m.startswith("conformance.commands.")
                and m not in ("conformance.commands.validate", "conformance.commands.output")]
        assert bad == [], fmt


PROGRAM_CODE = """
import json, os, sys
from conformance.cli import main
code = main(sys.argv[2:], program=sys.argv[1] == "program")
from conformance.cli import PIXEL_LIBRARIES
loaded = sorted(m for m in PIXEL_LIBRARIES if sys.modules.get(m) is not None)
print(json.dumps([code, loaded]))
"""


def _program(mode: str, *argv: str) -> tuple[int, list[str]]:
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", PROGRAM_CODE, mode, *argv],
                         check=True, capture_output=True, text=True).stdout
    code, loaded = json.loads(out.splitlines()[-1])
    return code, loaded


def test_the_program_leaves_the_pixel_libraries_out() -> None:
    """``conformance validate`` as a program never imports numpy or PIL (pydicom's pixel
    handlers, unused by every check); the same call as a library call leaves the
    process as it is (numpy is installed here, so pydicom imports it)."""
    ct = get_testdata_file("CT_small.dcm")
    args = ("validate", ct, "--format", "jsonl", "-o", os.devnull)
    assert _program("program", *args) == (0, [])
    code, loaded = _program("library", *args)
    assert code == 0
    if importlib.util.find_spec("numpy") is not None:
        assert "numpy" in loaded  # the library call changed nothing


def test_a_dataset_run_keeps_the_pixel_libraries(tmp_path: Path) -> None:
    """--out-dataset writes through pyarrow, which needs numpy: not left out there."""
    pytest.importorskip("pyarrow")
    ct = get_testdata_file("CT_small.dcm")
    code, loaded = _program("program", "validate", ct, "--format", "jsonl", "-o", os.devnull,
                            "--out-dataset", str(tmp_path / "ds"))
    assert code == 0 and "numpy" in loaded


EXIT_CODE = """
import atexit, gc, os, sys
from conformance.cli import main
# registered first, so run last (atexit is last in, first out): what the exit leaves
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0, flush=True))
main(sys.argv[2:], program=sys.argv[1] == "program")
"""


def test_the_program_skips_the_collection_at_exit() -> None:
    """The program freezes the collector's objects at exit (its last passes would walk
    them all); a library call leaves the process's exit as it is."""
    ct = get_testdata_file("CT_small.dcm")
    args = ("validate", ct, "--format", "jsonl", "-o", os.devnull)
    for mode, frozen in (("program", True), ("library", False)):
        out = subprocess.run([sys.executable, "-W", "ignore", "-c", EXIT_CODE, mode, *args],
                             check=False, capture_output=True, text=True).stdout
        assert out.splitlines()[-1] == f"frozen at exit: {frozen}", mode
