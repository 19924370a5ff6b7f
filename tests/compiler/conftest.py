"""Fixtures of the build tests: the shared excerpt built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.standard_build import excerpt_standard


@pytest.fixture(scope="session")
def excerpt_std(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The acceptance build (2016c excerpt + PS3.4 2013 + PS3.5 2026c + PS3.6 2015b)."""
    return excerpt_standard(tmp_path_factory)
