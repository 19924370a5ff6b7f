"""The CLI's error contract (one ``error:`` line naming the path, exit 2, no traceback)
and what the program defers at start-up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

from conformance.cli import main
from tests.helpers.standard_build import write_tiny_standard


def test_output_folder_that_cannot_be_created(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = blocker / "std"  # its parent is a file: the OS refuses
    code = main(["build", "--source", str(tmp_path), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and "Traceback" not in err
    assert err.count("\n") == 1


def test_report_output_into_a_missing_folder(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    std = write_tiny_standard(tmp_path / "std")
    target = tmp_path / "no" / "such" / "report.json"
    code = main(["validate", "--standard", str(std), "--no-progress", "--format", "json",
                 "-o", str(target), str(std / "manifest.json")])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"error: --output {target}: No such file or directory\n"


DEFERRED_CODE = """
import json, os, sys
from conformance.cli import main
code = main(["validate", sys.argv[1], "-o", os.devnull], program=sys.argv[2] == "program")
early = ["http.client" in sys.modules,
         type(sys.modules["pydicom.examples"]).__name__ == "module",
         type(sys.modules["uuid"]).__name__ == "module"]
import importlib.util
specs = [importlib.util.find_spec(m).name for m in ("urllib.request", "pydicom.examples",
                                                     "uuid")]
assert specs == ["urllib.request", "pydicom.examples", "uuid"], specs
import uuid
assert uuid.uuid4().version == 4 and isinstance(uuid.UUID(int=5), uuid.UUID)
import urllib.request
from pydicom.data import download  # pydicom's own use: urllib.request.urlretrieve
fetch = download.urllib.request.urlretrieve
import pydicom
ct = pydicom.examples.get_path("ct").name
from pydicom import examples
real = [type(sys.modules[m]).__name__ for m in ("urllib.request", "pydicom.examples",
                                                 "uuid")]
print(json.dumps([code, early, callable(fetch), ct, examples.mr.Modality, real,
                  "http.client" in sys.modules]))
"""


@pytest.mark.parametrize("mode", ["program", "library"])
def test_the_program_imports_unused_modules_on_first_use(mode: str) -> None:
    """pydicom imports urllib.request (http.client, email, ssl) for its test-data
    downloads, pydicom.examples (which looks up its files at import) and uuid (which
    imports platform) for new UIDs; the program
    loads them only when they are used, and then they are the real modules, reached as
    pydicom reaches them. A library call leaves the imports as they are."""
    ct = get_testdata_file("CT_small.dcm")
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", DEFERRED_CODE, ct, mode],
                         check=True, capture_output=True, text=True).stdout
    code, early, fetch, name, modality, real, late = json.loads(out.splitlines()[-1])
    assert code == 0 and fetch and name == "CT_small.dcm" and modality == "MR"
    assert real == ["module", "module", "module"] and late
    assert early == ([True, True, True] if mode == "library" else [False, False, False])
