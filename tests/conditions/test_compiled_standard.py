"""Every condition of the bundled standard: the compiled evaluator gives the reference's
result on pydicom's test files, at the top level, per frame and in sequence items."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterator
from typing import Any

import pydicom
import pytest
from pydicom.data import get_testdata_files
from pydicom.dataset import Dataset

from conformance.conditions import EvalContext
from conformance.conditions.compiled import compile_expr
from conformance.conditions.reference import evaluate
from conformance.errors import StandardDataError
from conformance.standard import load_standard

ITEMS_PER_FILE = 6  # sequence items per file used as contexts (depth first)


def _exprs_of(node: dict[str, Any]) -> Iterator[Any]:
    cond = node.get("condition")
    if cond:
        for key in ("expr", "may_if", "forbidden_if"):
            if cond.get(key) is not None:
                yield cond[key]
    for child in node.get("children") or ():
        yield from _exprs_of(child)


@pytest.fixture(scope="module")
def expressions() -> list[Any]:
    """The distinct expressions of the bundled standard (IOD usages, rows, includes)."""
    try:
        std = load_standard()
    except StandardDataError as exc:
        pytest.skip(f"no bundled standard: {exc}")
    found: dict[str, Any] = {}
    for table in (*std.modules.values(), *std.macros.values()):
        for node in table["attributes"]:
            for e in _exprs_of(node):
                found.setdefault(json.dumps(e, sort_keys=True), e)
    for iod in std.iods.values():
        for usage in (*iod["modules"], *iod["functional_groups"]):
            for e in _exprs_of(usage):
                found.setdefault(json.dumps(e, sort_keys=True), e)
    assert len(found) > 500  # the standard's conditions, not an empty build
    return list(found.values())


def _module_present(module: str, kind: str) -> bool | None:
    return (True, False, None)[len(module) % 3]


def _contexts(root: Dataset) -> Iterator[EvalContext]:
    yield EvalContext.at_root(root, module_present=_module_present)
    if "PerFrameFunctionalGroupsSequence" in root:
        yield EvalContext.at_frame(root, 0, module_present=_module_present)
    n = 0
    stack: list[tuple[Dataset, tuple[Dataset, ...]]] = [(root, ())]
    while stack and n < ITEMS_PER_FILE:
        ds, parents = stack.pop()
        for elem in ds:
            if elem.VR != "SQ" or not elem.value:
                continue
            seq = elem.value
            for i, item in enumerate(seq):
                if n >= ITEMS_PER_FILE:
                    break
                n += 1
                yield EvalContext(item=item, root=parents[0] if parents else ds,
                                  parents=(*parents, ds), item_index=i, sequence=seq,
                                  module_present=_module_present)
                stack.append((item, (*parents, ds)))


def _read(path: str) -> Dataset | None:
    try:
        ds = pydicom.dcmread(path, force=True, stop_before_pixels=True)
    except Exception:  # noqa: BLE001 - not every test file is a dataset
        return None
    return ds if len(ds) else None


def _files() -> list[str]:
    return sorted(f for f in get_testdata_files() if not f.endswith((".json", ".txt")))


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.rsplit("/", 1)[-1])
def test_every_condition_on_pydicom_files(path: str, expressions: list[Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("pydicom").disabled = True
        try:
            compiled_root = _read(path)
            reference_root = _read(path)
            if compiled_root is None or reference_root is None:
                pytest.skip("not readable as a dataset")
            # The same contexts over two reads: the reference converts what it reads,
            # the compiled evaluator must be tried on elements as read.
            mine = list(_contexts(compiled_root))
            theirs = list(_contexts(reference_root))
            assert len(mine) == len(theirs)
            diffs = []
            for e in expressions:
                fn = compile_expr(e)
                for a, b in zip(mine, theirs, strict=True):
                    got, want = fn(a), evaluate(e, b)
                    if got is not want:
                        diffs.append((e, got, want))
        finally:
            logging.getLogger("pydicom").disabled = False
    assert not diffs, diffs[:3]
