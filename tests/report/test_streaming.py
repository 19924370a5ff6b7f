"""Every format writes as it goes (text/json/jsonl) and consumes the reports lazily."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from conformance.report import FORMATS, writer

from .conftest import STANDARD, fake_reports


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl"])
def test_first_file_is_written_before_the_second_is_made(fmt: str) -> None:
    stream = io.StringIO()
    seen_before_second: list[str] = []

    def gen() -> Iterator[Any]:
        reports = fake_reports()
        yield reports[0]
        seen_before_second.append(stream.getvalue())
        yield from reports[1:]

    writer(fmt)(gen(), standard_info=STANDARD, stream=stream, color=False)
    assert "ct 1.dcm" in seen_before_second[0]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_reports_are_pulled_one_at_a_time(fmt: str) -> None:
    """A generator is consumed once, in order (no list() of a whole folder up front)."""
    pulled: list[int] = []

    def gen() -> Iterator[Any]:
        for i, r in enumerate(fake_reports()):
            pulled.append(i)
            yield r

    summary = writer(fmt)(gen(), standard_info=STANDARD, stream=io.StringIO(), color=False)
    assert pulled == [0, 1, 2, 3]
    assert summary.files == 4


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_no_reports(fmt: str) -> None:
    out = io.StringIO()
    summary = writer(fmt)(iter(()), standard_info=STANDARD, stream=out, color=False)
    assert summary.files == 0
    # JSON Lines has nothing to say about no files; the others still write a document.
    assert bool(out.getvalue()) is (fmt != "jsonl")
