"""Text output lists info findings only on request, and always counts them."""

from __future__ import annotations

import pytest
from pydicom.data import get_testdata_file

from conformance.cli import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    main(["validate", "--no-progress", *args])
    return capsys.readouterr().out


def test_infos_are_counted_not_listed_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    path = get_testdata_file("CT_small.dcm")
    quiet = _run(capsys, path)
    loud = _run(capsys, "--show-info", path)
    listed = [ln for ln in loud.splitlines() if ln.strip().startswith("info ")]
    assert listed, "CT_small has conditions it cannot decide; --show-info must list them"
    assert not [ln for ln in quiet.splitlines() if ln.strip().startswith("info ")]
    assert f"{len(listed)} info findings not listed" in quiet
    # the totals are the same either way
    assert quiet.splitlines()[-1] == loud.splitlines()[-1]
