"""What invalidates a stored result: here, the content hash's algorithm."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from conformance.distributed.fingerprint import standard_fingerprint
from conformance.engine import input as reader


def test_content_hash_algorithm_is_in_the_fingerprint(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # A digest stored by a run that hashed content another way must never be compared
    # with a new one (false "same SOP Instance, other content"): the files are re-validated.
    std = SimpleNamespace(path=tmp_path, edition="2026c")
    before = standard_fingerprint(std)
    assert standard_fingerprint(std) == before
    monkeypatch.setattr(reader, "CONTENT_HASH", "blake2b/8")
    assert standard_fingerprint(std) != before
