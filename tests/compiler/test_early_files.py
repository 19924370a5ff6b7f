"""Files written early by a forked child: moved in their turn, errors raised here, and
nothing left behind when the build stops."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest

from conformance.compiler import early_files as early_mod
from conformance.compiler import forked
from conformance.compiler.early_files import EarlyFiles, early_files
from conformance.compiler.writer import write_document
from conformance.errors import SourceError

pytestmark = pytest.mark.skipif(not forked.can_fork(), reason="needs fork and two CPUs")



@pytest.fixture(scope="module")
def cids() -> dict[str, Any]:
    """Three context groups as a build reads them (pydicom's tables)."""
    from conformance.compiler.readers.pydicom_tables import read_cids

    data = read_cids([])
    return {"cids": {k: data["cids"][k] for k in sorted(data["cids"])[:3]},
            "srt_to_sct": data["srt_to_sct"]}


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir())


def test_the_files_are_those_written_here(tmp_path: Path, cids: dict[str, Any]) -> None:
    here = tmp_path / "here"
    here.mkdir()
    write_document(here, "cids", cids, compress=False)
    (tmp_path / "out").mkdir()
    early = early_files(tmp_path / "out" / "std", {"cids": cids}, compress=False)
    assert early is not None and early.names == {"cids"}
    moved = tmp_path / "moved"
    moved.mkdir()
    early.move_into(moved)
    early.move_into(moved)  # once only
    assert _leftovers(moved) == _leftovers(here) == ["cids.json", "cids.zip"]
    for name in _leftovers(here):
        assert (moved / name).read_bytes() == (here / name).read_bytes()
    assert _leftovers(tmp_path / "out") == []  # the scratch folder is gone


def test_an_error_in_the_child_is_raised_here(tmp_path: Path) -> None:
    early = EarlyFiles(tmp_path / "std", {"cids": {"cids": "not a mapping"}}, compress=False)
    with pytest.raises(Exception, match="cids"):
        early.move_into(tmp_path)
    assert _leftovers(tmp_path) == []


def test_a_child_that_dies_leaves_the_writing_to_this_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cids: dict[str, Any]) -> None:
    here = os.getpid()
    real = early_mod.write_document

    def killed_in_the_child(*args: Any, **kwargs: Any) -> None:
        if os.getpid() != here:
            os.kill(os.getpid(), signal.SIGKILL)
        real(*args, **kwargs)

    monkeypatch.setattr(early_mod, "write_document", killed_in_the_child)
    early = EarlyFiles(tmp_path / "std", {"cids": cids}, compress=False)
    moved = tmp_path / "moved"
    moved.mkdir()
    early.move_into(moved)
    assert _leftovers(moved) == ["cids.json", "cids.zip"]
    assert _leftovers(tmp_path) == ["moved"]


def test_no_child_no_scratch_folder_when_forking_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cids: dict[str, Any]) -> None:
    def refused(*_: Any, **__: Any) -> None:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(forked, "Forked", refused)
    assert early_files(tmp_path / "std", {"cids": cids}, compress=False) is None
    assert _leftovers(tmp_path) == []


def test_an_output_folder_not_there_yet_is_not_made_early(tmp_path: Path,
                                                          cids: dict[str, Any]) -> None:
    """Made by write_build once the build succeeded, as without early files."""
    assert early_files(tmp_path / "new" / "std", {"cids": cids}, compress=False) is None
    assert _leftovers(tmp_path) == []


def test_a_build_that_stops_leaves_nothing(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A compile error after the child started: the child is stopped and its folder
    removed; the build's error is the one raised."""
    from conformance.compiler import pipeline
    from tests.helpers.standard_build import DOCBOOK, excerpt_parts

    parts = excerpt_parts()  # skips without ../shared

    def broken(*_: Any, **__: Any) -> Any:
        raise SourceError("compile failed")

    monkeypatch.setattr(pipeline, "compile_tables", broken)
    with pytest.raises(SourceError, match="compile failed"):
        pipeline.build({4: parts[4], 6: parts[6], 5: parts[5]},
                       source_dir=DOCBOOK / "2016c-excerpt", out=tmp_path / "std",
                       progress=False, report=None)
    assert _leftovers(tmp_path) == []
