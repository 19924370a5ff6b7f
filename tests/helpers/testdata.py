"""pydicom's test files, by name, for tests that need a particular one."""

from __future__ import annotations

import warnings

import pytest


def pydicom_testdata(name: str) -> str:
    """The path of pydicom's test file ``name``; the test is skipped when it is not
    installed (files of pydicom-data are never downloaded here)."""
    from pydicom.data import get_testdata_file

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = get_testdata_file(name, download=False)  # type: ignore[call-arg]
    if path is None:
        pytest.skip(f"pydicom test file {name} not installed (pydicom-data)")
    return str(path)
