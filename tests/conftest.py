"""Shared test fixtures: the ../shared material (skipped cleanly when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DOCBOOK = SHARED / "nema-docbook"
CONDITIONS = SHARED / "conditions"


def shared_file(*parts: str) -> Path:
    """A file under ../shared, or skip the test when it is not there."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"../shared not available ({p})")
    return p


@pytest.fixture
def docbook_dir() -> Path:
    if not DOCBOOK.is_dir():
        pytest.skip("../shared/nema-docbook not available")
    return DOCBOOK
