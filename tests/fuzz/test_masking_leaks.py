"""The masking campaign (``fuzz/masking_leaks.py``), short and with a fixed seed."""

from __future__ import annotations

from fuzz.masking_leaks import campaign


def test_no_marker_word_is_quoted_unmasked() -> None:
    assert campaign(seed=1, files=60) == []
