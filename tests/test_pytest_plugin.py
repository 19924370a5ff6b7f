"""The pytest plugin: registered as a ``pytest11`` entry point; its fixtures validate
with the session's options and fail with the findings listed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

from .helpers.testdata import pydicom_testdata

USER_TESTS = '''
import pytest

CT = {ct!r}

def test_clean(assert_conformant):
    report = assert_conformant(CT)
    assert report.iod == "ct-image"

def test_strict(assert_conformant):
    assert_conformant(CT, fail_on="warning")

def test_session_rules(conformance_validator):
    assert [p.path for p in conformance_validator.rules] == ["builtin:pn-formatting"]
'''


def test_entry_point_registered() -> None:
    eps = [ep for ep in entry_points(group="pytest11") if ep.name == "conformance"]
    assert [ep.value for ep in eps] == ["conformance.pytest_plugin"]


def test_fixtures_in_a_user_session(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(USER_TESTS.format(ct=pydicom_testdata("CT_small.dcm"))))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
         str(tmp_path), "--dicom-rules", "builtin:pn-formatting", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300)
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "2 passed" in out and "1 failed" in out
    # the failure names the file, the threshold and each finding on its own line
    assert "is not conformant at fail_on='warning': 1 warning" in out
    assert "warning not-in-iod" in out
