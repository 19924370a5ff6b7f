"""Partitions keep a folder's files together and are stable."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.distributed.partition import by_folder, flatten


def test_folders_stay_together_small_ones_share() -> None:
    paths = ["a/1", "a/2", "b/1", "c/1", "c/2", "c/3"]
    assert by_folder(paths, 3) == [["a/1", "a/2", "b/1"], ["c/1", "c/2", "c/3"]]
    assert by_folder(paths, 2) == [["a/1", "a/2"], ["b/1"], ["c/1", "c/2"], ["c/3"]]


def test_bad_size() -> None:
    with pytest.raises(ValueError):
        by_folder(["a"], 0)


@given(st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 30)), unique=True),
       st.integers(1, 8))
def test_every_file_once_and_folders_split_only_when_too_big(
        files: list[tuple[str, int]], size: int) -> None:
    paths = [f"{d}/{n}" for d, n in files]
    parts = by_folder(paths, size)
    assert sorted(flatten(parts)) == sorted(paths)
    assert all(0 < len(p) <= size for p in parts)
    for folder in "abcd":
        mine = [p for p in paths if p.startswith(folder + "/")]
        holding = [i for i, part in enumerate(parts) if any(p in mine for p in part)]
        if 0 < len(mine) <= size:
            assert len(holding) == 1
        # files keep their order within the folder
        assert [p for p in flatten(parts) if p in mine] == mine


def test_the_cli_default_is_the_library_default() -> None:
    import argparse

    from conformance.commands.validate import add_parser
    from conformance.distributed.partition import DEFAULT_PARTITION_SIZE

    parser = add_parser(argparse.ArgumentParser().add_subparsers())
    assert parser.get_default("partition_size") == DEFAULT_PARTITION_SIZE
