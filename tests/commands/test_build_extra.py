"""A validate-only install (no ``[build]`` extra) validates; ``conformance build`` then
says which extra to install instead of failing with an ImportError."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ..helpers.testdata import pydicom_testdata

# Run the CLI with the build-only libraries made unimportable.
_BLOCKED = """
import sys
for name in ("lxml", "platformdirs", "jsonschema_rs"):
    sys.modules[name] = None
from conformance.cli import main
code = main(sys.argv[1:])
assert not any(m.startswith("conformance.compiler") for m in sys.modules), "build code imported"
sys.exit(code)
"""


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _BLOCKED, *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_validate_without_build_extra(tmp_path: Path) -> None:
    ct = pydicom_testdata("CT_small.dcm")
    done = _cli("validate", "--no-progress", "--rules", "builtin:pn-formatting", ct,
                cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr
    assert "total: 1 file" in done.stdout
    assert done.stderr == ""


def test_build_names_the_extra(tmp_path: Path) -> None:
    done = _cli("build", "--source", str(tmp_path), "--out", str(tmp_path / "out"),
                cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("error: conformance build needs the build extra (lxml, "
                                  "platformdirs not installed)")
    assert "pip install 'dicom-conformance[build]'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_generate_deid_from_docbook_names_the_extra(tmp_path: Path) -> None:
    done = _cli("rules", "generate-deid", "--part15", str(tmp_path / "p15.xml"), "--out",
                str(tmp_path / "d.yaml"), cwd=tmp_path)
    assert done.returncode == 2
    assert "dicom-conformance[build]" in done.stderr
