"""Compiled IOD requirements: includes, provenance, functional groups, caching."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conformance.engine import standard_access
from conformance.engine.requirement_types import PER_FRAME_FG, SHARED_FG
from conformance.engine.requirements import requirements_for
from tests.engine.datasets import MINI


def test_includes_expanded_with_provenance() -> None:
    req = requirements_for(standard_access.load(MINI), "ct-image")
    patient = req.module("patient")
    assert patient is not None and patient.usage == "M"
    seq = next(a for a in patient.attrs if a.tag == 0x00081120)
    assert [c.tag for c in seq.children] == [0x00081150, 0x00081155]
    assert seq.children[0].via == ("SOP Instance Reference",)
    assert seq.items == (1, 1)
    pixel = req.module("image-pixel")
    assert [a.keyword if hasattr(a, "keyword") else a.name for a in pixel.attrs][:3] == [
        "Rows", "Columns", "Photometric Interpretation"]


def test_enums_per_value_index_and_masks() -> None:
    req = requirements_for(standard_access.load(MINI), "ct-image")
    image_type = next(a for a in req.module("ct-image").attrs if a.tag == 0x00080008)
    assert [(e.kind, e.index) for e in image_type.enums] == [
        ("enumerated", 1), ("enumerated", 2), ("defined", 3)]
    overlay = req.module("overlay-plane")
    assert all(not a.exact for a in overlay.attrs)
    assert (0x60003000, 0xFF00FFFF) in req.top_masks


def test_functional_group_containers_hold_the_macros() -> None:
    req = requirements_for(standard_access.load(MINI), "enhanced-ct-image")
    assert [fg.macro for fg in req.functional_groups] == [
        "pixel-measures", "frame-content", "plane-orientation-patient"]
    mf = req.module("multi-frame-functional-groups")
    for tag in (SHARED_FG, PER_FRAME_FG):
        container = next(a for a in mf.attrs if a.tag == tag)
        assert {c.fg_macro for c in container.children} == {
            "pixel-measures", "frame-content", "plane-orientation-patient"}
    # The placeholder include row ("one or more Functional Group Macros") is replaced.
    assert not any("functional-group-macros" in a for a in req.anomalies)


def test_compiled_once_per_standard() -> None:
    std = standard_access.load(MINI)
    assert requirements_for(std, "ct-image") is requirements_for(std, "ct-image")


def test_include_cycle_is_an_anomaly_not_a_hang(tmp_path: Path) -> None:
    folder = tmp_path / "std"
    shutil.copytree(MINI, folder)
    mods = json.loads((folder / "modules.json").read_text())
    macro = mods["macros"]["sop-instance-reference"]
    macro["attributes"].append({"kind": "include", "include": {
        "kind": "macro", "id": "sop-instance-reference"}, "condition": None, "text": "loop"})
    (folder / "modules.json").write_text(json.dumps(mods))
    req = requirements_for(standard_access.load(folder), "ct-image")
    assert any("cycle" in a for a in req.anomalies)
