"""Functional groups that repeat an earlier frame's: the walks repeat their findings
(conformance/engine/frame_reuse.py), and the report is the one a full walk gives."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from conformance.engine import per_frame_read
from conformance.engine.api import Validator
from conformance.engine.frame_reuse import FrameReuse, moved_path, references
from conformance.engine.input import load
from conformance.engine.path import ElementPath
from conformance.engine.requirement_types import PER_FRAME_FG
from conformance.engine.walk import Replay, bound_rows

FRAMES = 2 * per_frame_read.MIN_ITEMS
NAME = "Doe Johnathan"  # no "^": a pn-separator warning quotes it


def _enhanced_ct(tmp_path: Path, seed: int) -> Path:
    """pydicom's Enhanced CT with every group in each of ``FRAMES`` Per-frame items and
    faults placed by ``seed``: some in every frame, some in chosen frames, and a Frame
    Type that changes what the CT Acquisition Type group requires (its conditions read
    Frame Type in another group of the frame: PS3.3 C.8.15.3.2)."""
    rng = random.Random(seed)
    ds = dcmread(get_testdata_file("eCT_Supplemental.dcm"))
    first = ds.PerFrameFunctionalGroupsSequence[0]
    for elem in ds.SharedFunctionalGroupsSequence[0]:
        first[elem.tag] = copy.deepcopy(elem)
    ds.SharedFunctionalGroupsSequence = Sequence([Dataset()])
    acquisition = Dataset()
    acquisition.ConstantVolumeFlag = rng.choice(["YES", "BAD"])  # enumerated: YES, NO
    first.CTAcquisitionTypeSequence = Sequence([acquisition])
    # Filter Material is required if Filter Type is not NONE: without Filter Type the
    # condition is undecided (condition-not-checked, once for the row).
    details = Dataset()
    details.KVP = "120"
    first.CTXRayDetailsSequence = Sequence([details])
    measures = first.PixelMeasuresSequence[0]
    measures.PatientName = NAME  # not in the IOD there, and identifying
    measures.add_new(0x00111001, "LO", "no creator")  # private-creator-missing
    if rng.random() < 0.7:
        spacing = rng.choice(["0.5\\0.5\\0.5", "0.50000000000000001\\0.5"])  # VM, length
        measures.add_new(0x00280030, "DS", spacing)
    items = []
    derived = set(rng.sample(range(FRAMES), rng.randrange(FRAMES)))
    broken = set(rng.sample(range(FRAMES), rng.randrange(4)))
    for i in range(FRAMES):
        item = copy.deepcopy(first)
        item.FrameContentSequence[0].InStackPositionNumber = i + 1
        item.PlanePositionSequence[0].ImagePositionPatient = [0.0, 0.0, float(i)]
        item.CTImageFrameTypeSequence[0].FrameType = [
            "DERIVED" if i in derived else "ORIGINAL", "PRIMARY", "VOLUME", "NONE"]
        if i in broken:
            del item.PlaneOrientationSequence[0].ImageOrientationPatient
        items.append(item)
    ds.PerFrameFunctionalGroupsSequence = Sequence(items)
    ds.NumberOfFrames = FRAMES
    ds.Rows = ds.Columns = 4
    ds.PixelData = bytes(4 * 4 * 2 * FRAMES)
    path = tmp_path / f"ect_{seed}.dcm"
    ds.save_as(path, enforce_file_format=True)
    return path


def _without_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    real = per_frame_read.read
    monkeypatch.setattr(per_frame_read, "read", lambda *a: (real(*a)[0], None))


def _findings(path: Path, **options: Any) -> list[dict[str, Any]]:
    return [f.to_dict() for f in Validator(**options).validate(path).findings]


@pytest.mark.parametrize("seed", range(6))
def test_findings_are_those_of_a_full_walk(tmp_path: Path, seed: int,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The same findings, in the same order, as a walk of every group of every frame;
    and groups were repeated, not walked (else the comparison proves nothing)."""
    path = _enhanced_ct(tmp_path, seed)
    ctx = Validator().context(load(path))
    assert any(type(r) is Replay for r in bound_rows(ctx))
    reused = _findings(path)
    _without_copies(monkeypatch)
    assert reused == _findings(path)
    assert {"type1c-missing", "condition-not-checked", "not-in-iod",
            "private-creator-missing"} <= {f["code"] for f in reused}


def test_item_checks_repeat_each_frames_findings(tmp_path: Path) -> None:
    """The groups that repeat an earlier frame's bytes are recorded once (AsRead), and
    the checks of every item (here: private elements) report them in each frame."""
    path = _enhanced_ct(tmp_path, 0)
    ctx = Validator().context(load(path))
    assert ctx.as_read is not None and ctx.as_read.repeats
    private = [f["path"] for f in _findings(path) if f["code"] == "private-creator-missing"]
    assert private == [f"(5200,9230)[{i}].(0028,9110)[0].(0011,1001)" for i in range(FRAMES)]


def test_a_condition_on_another_group_of_the_frame_is_followed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CT Acquisition Type group is the same bytes in every frame, but Acquisition
    Type is required only in the frames whose Frame Type (in another group) is
    ORIGINAL: repeating the first frame's findings everywhere would be wrong."""
    path = _enhanced_ct(tmp_path, 3)
    ds = dcmread(path)
    original = {i for i, item in enumerate(ds.PerFrameFunctionalGroupsSequence)
                if item.CTImageFrameTypeSequence[0].FrameType[0] == "ORIGINAL"}
    assert 0 < len(original) < FRAMES
    missing = {f["path"] for f in _findings(path) if f["code"] == "type1c-missing"
               and f["keyword"] == "AcquisitionType"}
    assert missing == {f"(5200,9230)[{i}].(0018,9301)[0].(0018,9302)" for i in original}


def test_identifying_values_in_repeated_groups_stay_masked(tmp_path: Path) -> None:
    path = _enhanced_ct(tmp_path, 1)
    shown = _findings(path, show_values=True)
    assert any(NAME in f["message"] for f in shown)
    assert not any("Johnathan" in f["message"] for f in _findings(path))


def _reuse() -> FrameReuse:
    return FrameReuse({}, "PerFrameFunctionalGroupsSequence")


def _row(condition: dict[str, Any]) -> Any:
    class Row:
        guards = ()
        children = ()

    row = Row()
    row.condition = condition  # type: ignore[attr-defined]
    return row


@pytest.mark.parametrize("expr", [
    {"op": "referenced", "by": {"tag": "00081155"}, "key": "00081155", "arg": {"op": "true"}},
    {"op": "fact", "name": "text_beyond_default"},
    {"op": "a new operator"},
    {"op": "present", "attr": {"tag": "00089007", "scope": "somewhere"}},
    {"op": "present", "attr": {"tag": "0008xx07"}},
    {"op": "mutually_exclusive", "attrs": "00089007"},
])
def test_what_cannot_be_told_is_never_repeated(expr: dict[str, Any]) -> None:
    assert references((_row({"expr": expr}),))[1] is None


def test_every_operator_of_the_language_is_placed() -> None:
    """A new operator (conditions/optable.py) is either known to read only what its
    references name, or listed as looking further: never repeated by guess."""
    from conformance.conditions.optable import REGISTRY
    from conformance.engine import frame_reuse

    known = frame_reuse._KNOWN_OPS | frame_reuse.LOOKS_FURTHER
    assert set(REGISTRY) <= known and not frame_reuse._KNOWN_OPS & frame_reuse.LOOKS_FURTHER
    for op in frame_reuse.LOOKS_FURTHER:
        assert references((_row({"expr": {"op": op}}),))[1] is None


def test_the_references_cache_does_not_grow_with_fresh_tuples() -> None:
    """not-in-IOD makes a new tuple of the same row trees for every frame: the cache
    is per set of rows, so a batch does not grow it."""
    from conformance.engine import frame_reuse

    rows = (_row({"expr": {"op": "present", "attr": {"tag": "00189302"}}}),)
    first = references(tuple(rows))
    sizes = (len(frame_reuse._BY_TUPLE), len(frame_reuse._BY_ROWS))
    for _ in range(100):
        assert references(tuple(list(rows))) == first
    assert (len(frame_reuse._BY_TUPLE), len(frame_reuse._BY_ROWS)) == sizes


def test_references_that_reach_the_frame_item_are_listed() -> None:
    expr = {"op": "and", "args": [
        {"op": "eq", "attr": {"tag": "00089007", "scope": "frame"}, "values": ["ORIGINAL"]},
        {"op": "present", "attr": {"tag": "00189302"}},
        {"op": "present", "attr": {"tag": "00280030", "scope": "item"}},
        {"op": "present", "attr": {"tag": "00100010", "scope": "root"}},
        {"op": "not", "arg": {"op": "present", "attr": {"tag": "00209111", "scope": "parent",
                                                        "path": ["00209111", "00209157"]}}},
    ]}
    assert references((_row({"expr": expr}),))[1] == (
        (False, 0x00189302), (False, 0x00209111), (True, 0x00089007))


def test_findings_and_paths_move_to_the_repeating_frame() -> None:
    from conformance.engine.finding import Finding

    f = Finding(code="x", severity="error", message="m",
                path="(5200,9230)[3].(0028,9110)[0].(0028,0030)",
                keyword_path="PerFrameFunctionalGroupsSequence[3].PixelMeasuresSequence[0]"
                             ".PixelSpacing")
    moved = _reuse().moved(f, 3, 12)
    assert moved.path == "(5200,9230)[12].(0028,9110)[0].(0028,0030)"
    assert moved.keyword_path.startswith("PerFrameFunctionalGroupsSequence[12].Pixel")
    with pytest.raises(ValueError):
        _reuse().moved(f, 4, 12)
    assert not _reuse().movable([f], 4) and _reuse().movable([f], 3)
    where = ElementPath(ElementPath(None, PER_FRAME_FG, 3), 0x00289110, 0)
    assert str(moved_path(where, 7)) == "(5200,9230)[7].(0028,9110)[0]"


def test_frame_scope_keys_follow_tag_order_not_stored_order() -> None:
    """The frame scope takes the first hit in tag order: two frames whose groups hold
    the same values in swapped groups (one stored out of order) find different values,
    so their keys differ (found by review: a stored-order key made them equal)."""
    from pydicom.dataelem import DataElement, RawDataElement

    def group(frame_type: bytes) -> DataElement:
        item = Dataset()
        item._dict[0x00089007] = RawDataElement(0x00089007, "CS", len(frame_type),
                                                frame_type, 0, False, True)
        return DataElement(0x00209111, "SQ", Sequence([item]))

    def frame(first: int, second: int, values: tuple[bytes, bytes]) -> Dataset:
        ds = Dataset()
        for tag, v in ((first, values[0]), (second, values[1])):
            elem = group(v)
            elem.tag = tag  # type: ignore[misc]
            ds._dict[tag] = elem
        ds._dict[0x00189301] = DataElement(0x00189301, "SQ", Sequence([Dataset()]))
        return ds

    content, position = 0x00209111, 0x00209113
    a = frame(content, position, (b"ORIGINAL", b"DERIVED "))
    b = frame(position, content, (b"ORIGINAL", b"DERIVED "))  # stored out of tag order
    reuse = FrameReuse({(id(a), 0x00189301): 1, (id(b), 0x00189301): 1},
                       "PerFrameFunctionalGroupsSequence")
    rows = (_row({"expr": {"op": "eq", "attr": {"tag": "00089007", "scope": "frame"},
                           "values": ["ORIGINAL"]}}),)
    key_a, key_b = reuse.key(a, 0x00189301, rows), reuse.key(b, 0x00189301, rows)
    assert key_a is not None and key_b is not None and key_a != key_b
    c = frame(content, position, (b"ORIGINAL", b"DERIVED "))
    reuse.same[(id(c), 0x00189301)] = 1  # type: ignore[index]
    assert reuse.key(c, 0x00189301, rows) == key_a  # the same content: the same key


def test_absent_functional_group_rows_are_not_bound(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Each frame's item has a row per functional group macro; absent ones (no include
    condition) say nothing to the bound-row checks, and binding them changes no finding."""
    from conformance.engine import walk

    path = _enhanced_ct(tmp_path, 2)
    ctx = Validator().context(load(path))
    rows = [b for b in bound_rows(ctx) if type(b) is not Replay]
    assert any(b.attr.fg_macro for b in rows)
    assert not [b for b in rows if b.attr.fg_macro and not b.present and not b.attr.guards]
    lean = _findings(path)

    class Every(walk._Plan):  # the plan before: absent functional group rows bound too
        def __init__(self, attrs: tuple[Any, ...]) -> None:
            super().__init__(attrs)
            self.always_idx = tuple(i for i, a in enumerate(attrs) if a.exact and not a.optional
                                    or not a.exact and a.mask & 0xFFFF == 0xFFFF)
            self.always = tuple(attrs[i] for i in self.always_idx)
            self.optional = {t: [i for i in ix if attrs[i].optional]
                             for t, ix in self.optional.items()}
            self.optional_tags = frozenset(t for t, ix in self.optional.items() if ix)

    monkeypatch.setattr(walk, "_Plan", Every)
    monkeypatch.setattr(walk, "_PLANS", {})
    ctx = Validator().context(load(path))
    assert any(b.attr.fg_macro and not b.present for b in bound_rows(ctx)
               if type(b) is not Replay)
    assert _findings(path) == lean


def test_item_check_findings_come_out_as_found(tmp_path: Path) -> None:
    """With repeats, an item check that fails halfway through an item has still given
    the findings it made before (the engine reports the failure as internal-error)."""
    from conformance.checks.values._common import per_item
    from conformance.engine.finding import Finding

    ctx = Validator().context(load(_enhanced_ct(tmp_path, 0)))
    assert ctx.as_read is not None and ctx.as_read.repeats

    def check(ds: Dataset, path: ElementPath | None) -> Any:
        yield Finding(code="x", severity="info", message="m")
        raise RuntimeError("halfway")

    given = []
    with pytest.raises(RuntimeError):
        for f in per_item(ctx, check):
            given.append(f)
    assert len(given) == 1
