"""``import conformance; conformance.validate(path)`` imports only what validation uses:
no build-time or optional module (the cold-start budget of issue 16)."""

from __future__ import annotations

import json
import subprocess
import sys

from pydicom.data import get_testdata_file

# Top-level packages, and conformance modules, that validating a file must not import.
FORBIDDEN_PACKAGES = ("yaml", "jsonschema", "rich", "lxml", "platformdirs", "re2", "dask",
                      "distributed", "pyarrow", "concurrent.futures.process")
FORBIDDEN_MODULES = ("conformance.conditions.parser", "conformance.conditions.grammar",
                     "conformance.conditions.hand_rules", "conformance.conditions.reference",
                     "conformance.build", "conformance.compiler", "conformance.rules",
                     "conformance.commands",
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
