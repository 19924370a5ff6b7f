"""The collector is paused during a validation and restored after, also on errors."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import threading
from typing import Any

import pytest
from pydicom.data import get_testdata_file

from conformance.engine import api
from conformance.engine.api import Validator
from conformance.engine.gcpause import gc_paused


def test_paused_inside_and_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    real = api.load

    def spy(*args: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args)

    monkeypatch.setattr(api, "load", spy)
    assert gc.isenabled()
    Validator().validate(get_testdata_file("CT_small.dcm"))
    assert seen == [False]
    assert gc.isenabled()


def test_restored_when_validation_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "load", boom)
    with pytest.raises(RuntimeError):
        Validator().validate(b"x")
    assert gc.isenabled()


def test_left_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_blocks_re_enable_at_the_last() -> None:
    entered, leave = threading.Event(), threading.Event()

    def other() -> None:
        with gc_paused():
            entered.set()
            leave.wait(5)

    t = threading.Thread(target=other)
    t.start()
    entered.wait(5)
    with gc_paused():
        pass
    assert not gc.isenabled()  # the other validation is still running
    leave.set()
    t.join()
    assert gc.isenabled()


_GARBAGE = """
import gc, json, sys, warnings
warnings.simplefilter("ignore")
from conformance.engine.api import Validator
v = Validator()
v.validate(sys.argv[1])  # standard and requirements loaded
gc.collect()
gc.set_debug(gc.DEBUG_SAVEALL)
v.validate(sys.argv[1])
gc.collect()
left = list(gc.garbage)
gc.set_debug(0)
print(json.dumps([len(left), sorted({type(o).__module__.split(".")[0] for o in left})]))
"""


@pytest.mark.parametrize("name", ["CT_small.dcm", "eCT_Supplemental.dcm", "rtplan.dcm",
                                  "test-SR.dcm"])
def test_a_validation_leaves_no_cyclic_garbage(name: str) -> None:
    """The per-dataset caches are released: refcounting frees the dataset, so the
    collector (paused during the validation) has nothing to do afterwards. Measured in a
    fresh interpreter: the background threads other tests leave (dask's event loop)
    make garbage of their own."""
    out = subprocess.run([sys.executable, "-c", _GARBAGE, get_testdata_file(name)],
                         check=True, capture_output=True, text=True).stdout
    count, kinds = json.loads(out.strip().splitlines()[-1])
    # Nothing of the dataset or the engine's per-dataset state; a recursive closure (a
    # function, its cells) is a few objects and costs the collector nothing.
    assert not set(kinds) & {"pydicom", "conformance"}, kinds
    assert count < 20
