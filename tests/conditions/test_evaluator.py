"""Evaluation of parsed conditions on real (pydicom test) datasets and odd data."""

from __future__ import annotations

import copy
import io
import struct

import pydicom
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from conformance.conditions import EvalContext, NameIndex, evaluate, parse_condition
from conformance.conditions import expr as E


def _read(name: str) -> Dataset:
    path = get_testdata_file(name)
    if path is None:
        pytest.skip(f"pydicom test file {name} not available")
    return pydicom.dcmread(path)


@pytest.fixture(scope="module")
def ct() -> Dataset:
    return _read("CT_small.dcm")


@pytest.fixture(scope="module")
def mr() -> Dataset:
    return _read("MR_small.dcm")


def _eval(text: str, names: NameIndex, ctx: EvalContext, kind: str = "attribute_1C") -> object:
    parsed = parse_condition(text, kind=kind, names=names)
    assert parsed["expr"] is not None, parsed["error"]
    return evaluate(parsed["expr"], ctx)


def test_ct_true_false_unknown(ct: Dataset, names: NameIndex) -> None:
    ctx = EvalContext.at_root(ct)
    assert list(ct.ImageType)[0] == "ORIGINAL"
    assert _eval("Required if Image Type (0008,0008) Value 1 is ORIGINAL or MIXED. "
                 "May be present otherwise.", names, ctx) is True
    assert _eval("Required if Image Type (0008,0008) Value 1 equals DERIVED.", names,
                 ctx) is False
    assert _eval("Required if Pixel Data (7FE0,0010) is present.", names, ctx) is True
    assert _eval("Required if Samples per Pixel (0028,0002) has a value greater than 1.",
                 names, ctx) is (ct.SamplesPerPixel > 1)
    assert _eval('Required if SOP Class UID is not "1.2.840.10008.5.1.4.1.1.4.4" '
                 "(Legacy Converted). May be present otherwise.", names, ctx) is True
    # no module callback: module presence cannot be told
    assert _eval("Required if the Enhanced Contrast/Bolus Module is present.", names, ctx,
                 kind="fg_macro_usage") is None
    # facts the dataset does not carry
    assert _eval("Required if contrast media was applied.", names, ctx,
                 kind="module_usage") is None
    # "X is not Y" says nothing when X is absent
    assert "ShadowStyle" not in ct
    assert _eval("Required if Shadow Style (0070,0244) value is not OFF.", names, ctx) is None


def test_module_callback(ct: Dataset, names: NameIndex) -> None:
    seen: list[tuple[str, str]] = []

    def present(module: str, kind: str) -> bool | None:
        seen.append((module, kind))
        return module == "enhanced-contrast-bolus"

    ctx = EvalContext.at_root(ct, module_present=present)
    assert _eval("Required if the Enhanced Contrast/Bolus Module is present.", names, ctx,
                 kind="fg_macro_usage") is True
    assert _eval("Required if the Bitmap Display Shutter Module is not present.", names,
                 ctx) is True
    assert seen == [("enhanced-contrast-bolus", "module"), ("bitmap-display-shutter", "module")]


def test_mr_values_and_numbers(mr: Dataset, names: NameIndex) -> None:
    ctx = EvalContext.at_root(mr)
    expected = mr.PhotometricInterpretation == "MONOCHROME2" and mr.BitsStored > 1
    assert _eval("Required if Photometric Interpretation (0028,0004) is MONOCHROME2, and "
                 "Bits Stored (0028,0101) is greater than 1.", names, ctx) is expected
    assert _eval("Required if Number of Frames is greater than 1", names, ctx,
                 kind="module_usage") is False          # absent: single frame


def test_nearest_scope_reads_enclosing_items(names: NameIndex) -> None:
    ds = _read("rtplan.dcm")
    beam = ds.BeamSequence[0]
    cps = beam.ControlPointSequence
    ctx = EvalContext(item=cps[0], root=ds, parents=(beam,), item_index=0, sequence=cps)
    # Radiation Type lives in the beam item, not in the control point item
    assert _eval("Required if Radiation Type (300A,00C6) is ION", names, ctx) is (
        beam.RadiationType == "ION")
    expr = parse_condition("Required if Radiation Type (300A,00C6) is PHOTON",
                           names=names)["expr"]
    assert evaluate(expr, ctx) is (beam.RadiationType == "PHOTON")
    item_only = copy.deepcopy(expr)
    item_only["attr"]["scope"] = "item"
    assert evaluate(item_only, ctx) is False          # not in the control point item


def test_item_position_and_changed(names: NameIndex) -> None:
    ds = _read("rtplan.dcm")
    beam = ds.BeamSequence[0]
    cps = copy.deepcopy(beam.ControlPointSequence)
    beam = copy.deepcopy(beam)
    beam.ControlPointSequence = cps
    text = "Required for first Item of Control Point Sequence, or if Gantry Angle changes " \
           "during Beam."
    expr = parse_condition(text, names=names)["expr"]
    ctx0 = EvalContext(item=cps[0], root=ds, parents=(beam,), item_index=0,
                       sequence=beam.ControlPointSequence)
    assert evaluate(expr, ctx0) is True
    ctx1 = EvalContext(item=cps[1], root=ds, parents=(beam,), item_index=1,
                       sequence=beam.ControlPointSequence)
    # the second control point has no Gantry Angle: whether it changed cannot be told
    assert "GantryAngle" not in cps[1]
    assert evaluate(expr, ctx1) is None
    cps[1].GantryAngle = cps[0].GantryAngle
    assert evaluate(expr, ctx1) is False
    cps[1].GantryAngle = "90"
    assert evaluate(expr, ctx1) is True
    last = parse_condition("Required for all but the last Item in this Sequence and for the "
                           "last Item if Depth Value Averaging Flag (300A,0093) has a value "
                           "of NO.", names=names)["expr"]
    assert evaluate(last, ctx0) is True
    assert evaluate(last, ctx1) is False               # last item, flag absent


def test_frame_scope_multiframe(names: NameIndex) -> None:
    ds = _read("eCT_Supplemental.dcm")
    shared = ds.SharedFunctionalGroupsSequence[0]
    frame_type = list(shared.CTImageFrameTypeSequence[0].FrameType)
    text = "Required if Frame Type (0008,9007) Value 1 of this frame is ORIGINAL. " \
           "May be present otherwise."
    expr = parse_condition(text, names=names)["expr"]
    ctx = EvalContext.at_frame(ds, 0)
    assert evaluate(expr, ctx) is (frame_type[0] == "ORIGINAL")
    changed = copy.deepcopy(ds)
    sh = changed.SharedFunctionalGroupsSequence[0].CTImageFrameTypeSequence[0]
    sh.FrameType = ["ORIGINAL", "PRIMARY", "AXIAL", "NONE"]
    assert evaluate(expr, EvalContext.at_frame(changed, 1)) is True
    sh.FrameType = ["DERIVED", "PRIMARY", "AXIAL", "NONE"]
    assert evaluate(expr, EvalContext.at_frame(changed, 1)) is False
    anyf = parse_condition("Required if Plane Position (Patient) Sequence (0020,9113) is "
                           "present within a Functional Group Sequence.", names=names)["expr"]
    assert evaluate(anyf, EvalContext.at_root(ds)) is True


def test_codes_pointers_and_private_tags(names: NameIndex) -> None:
    ds = Dataset()
    item = Dataset()
    item.CodeValue = "392012008"
    item.CodingSchemeDesignator = "SCT"
    item.CodeMeaning = "whatever the case"
    ds.AcquisitionDeviceTypeCodeSequence = Sequence([item])
    ds.FrameIncrementPointer = [0x00181065]
    ds.SelectorAttribute = 0x00091001
    ctx = EvalContext.at_root(ds)
    assert _eval('Required if Acquisition Device Type Code Sequence (0022,0015) contains an '
                 'Item with the value (392012008, SCT, "Optical Coherence Tomography '
                 'Scanner"). May be present otherwise.', names, ctx) is True
    assert _eval("Required if Frame Increment Pointer (0028,0009) is Frame Time (0018,1063) "
                 "or Frame Time Vector (0018,1065)", names, ctx, kind="module_usage") is True
    assert _eval("Required if the value of Frame Increment Pointer (0028,0009) includes the "
                 "Tag for Slice Vector (0054,0080).", names, ctx) is False
    assert _eval("Required if the Selector Attribute (0072,0026) value is the Data Element "
                 "Tag of a Private Attribute.", names, ctx) is True


def test_kleene_logic() -> None:
    ctx = EvalContext.at_root(Dataset())
    u, t, f = E.unknown("x"), E.TRUE, E.FALSE
    assert evaluate(E.and_(u, f), ctx) is False
    assert evaluate(E.and_(u, t), ctx) is None
    assert evaluate(E.or_(u, t), ctx) is True
    assert evaluate(E.or_(u, f), ctx) is None
    assert evaluate(E.not_(u), ctx) is None
    assert evaluate({"op": "no-such-op"}, ctx) is None
    assert evaluate(None, ctx) is None


def _raw_dataset(elements: list[tuple[int, bytes]]) -> Dataset:
    """A dataset read (implicit VR little endian) from raw element bytes, bad values kept."""
    data = b""
    for tag, value in sorted(elements):
        if len(value) % 2:
            value += b" "
        data += struct.pack("<HHI", tag >> 16, tag & 0xFFFF, len(value)) + value
    return pydicom.dcmread(io.BytesIO(data), force=True)


def test_unconvertible_value_is_unknown() -> None:
    ds = _raw_dataset([(0x00280008, b"not-a-number")])     # Number of Frames, bad IS
    ctx = EvalContext.at_root(ds)
    e = E.cmp("gt", E.ref("00280008"), 1)
    assert evaluate(e, ctx) is None


_TAGS = ["00280008", "00080008", "00280002", "00180022", "0008103E", "00700244"]
_VALUES = st.one_of(st.binary(max_size=8), st.integers(-5, 5).map(lambda i: str(i).encode()),
                    st.just(b""), st.just(b"ORIGINAL\\PRIMARY"))


@st.composite
def small_datasets(draw: st.DrawFn) -> Dataset:
    elements = []
    for tag in draw(st.lists(st.sampled_from(_TAGS), max_size=4, unique=True)):
        elements.append((int(tag, 16), draw(_VALUES)))
    return _raw_dataset(elements)


_EXPRS = [
    E.cmp("gt", E.ref("00280008"), 1), E.eq(E.ref("00080008", index=1), ["ORIGINAL"]),
    E.ne(E.ref("00700244"), ["OFF"]), E.has_value(E.ref("0008103E")),
    E.empty(E.ref("00180022")), E.points_to(E.ref("00280002"), "00181065"),
    E.contains_code(E.ref("00080008"), [E.code("1", "DCM")]),
    E.changed(E.ref("00280008")), E.item_position("first", "300A0111"),
    E.mutually_exclusive([E.ref("00280008"), E.ref("00280002")]),
    E.eq(E.ref("00280008", scope="frame"), [2]), E.present(E.ref("60xx3000")),
    E.sop_class(["1.2"]), E.points_to_private(E.ref("00180022", scope="any_frame")),
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_datasets(), st.sampled_from(_EXPRS))
def test_evaluator_never_raises(ds: Dataset, expr: dict) -> None:
    ctx = EvalContext(item=ds, root=ds, item_index=0, sequence=Sequence([ds]))
    assert evaluate(expr, ctx) in (True, False, None)


def _ion_beam() -> tuple[Dataset, Dataset, Dataset, Dataset]:
    """root > Ion Beam item (Range Modulator Sequence) > control point > settings item."""
    root = Dataset()
    beam = Dataset()
    mods = []
    for number, kind in ((1, "FIXED"), (2, "WHL_MODWEIGHTS")):
        m = Dataset()
        m.RangeModulatorNumber = number
        m.RangeModulatorType = kind
        mods.append(m)
    beam.RangeModulatorSequence = Sequence(mods)
    cp = Dataset()
    setting = Dataset()
    setting.ReferencedRangeModulatorNumber = 2
    cp.RangeModulatorSettingsSequence = Sequence([setting])
    beam.IonControlPointSequence = Sequence([cp])
    root.IonBeamSequence = Sequence([beam])
    return root, beam, cp, setting


RM_TEXT = ("Required if Range Modulator Type (300A,0348) of the range modulator referenced by "
           "Referenced Range Modulator Number (300C,0104) is WHL_MODWEIGHTS or WHL_FIXEDWEIGHTS")


def test_value_read_through_a_referenced_item(names: NameIndex) -> None:
    root, beam, cp, setting = _ion_beam()
    seq = cp.RangeModulatorSettingsSequence
    ctx = EvalContext(item=setting, root=root, parents=(beam, cp), item_index=0, sequence=seq)
    assert _eval(RM_TEXT, names, ctx) is True          # number 2 is WHL_MODWEIGHTS
    setting.ReferencedRangeModulatorNumber = 1
    assert _eval(RM_TEXT, names, ctx) is False         # number 1 is FIXED
    setting.ReferencedRangeModulatorNumber = 7
    assert _eval(RM_TEXT, names, ctx) is None          # dangling reference
    del setting.ReferencedRangeModulatorNumber
    assert _eval(RM_TEXT, names, ctx) is None          # no reference at all


def test_referenced_item_in_a_named_sequence(names: NameIndex) -> None:
    text = ('Required if Contrast/Bolus Administration Route Sequence (0018,0014) for the '
            'Contrast/Bolus Agent Number (0018,9337) defined in the Contrast/Bolus Agent '
            'Sequence (0018,0012) is (47625008, SCT, "Intravenous route") or (47625008, SCT, '
            '"Intravenous route"); may be present otherwise.')
    root = Dataset()
    agents = []
    for number, route in ((1, "26643006"), (2, "47625008")):
        route_item = Dataset()
        route_item.CodeValue = route
        route_item.CodingSchemeDesignator = "SCT"
        agent = Dataset()
        agent.ContrastBolusAgentNumber = number
        agent.ContrastBolusAdministrationRouteSequence = Sequence([route_item])
        agents.append(agent)
    root.ContrastBolusAgentSequence = Sequence(agents)
    usage = Dataset()
    usage.ContrastBolusAgentNumber = 2
    usage_seq = Sequence([usage])
    ctx = EvalContext(item=usage, root=root, item_index=0, sequence=usage_seq)
    assert _eval(text, names, ctx, kind="attribute_2C") is True
    usage.ContrastBolusAgentNumber = 1                 # oral route
    assert _eval(text, names, ctx, kind="attribute_2C") is False


def test_count_of_items_and_values(names: NameIndex) -> None:
    ds = Dataset()
    ctx = EvalContext.at_root(ds)
    text = ("Required if the number of Items in Presentation State Classification Component "
            "Sequence (0070,1801) is greater than 1.")
    assert _eval(text, names, ctx) is False            # absent: no items
    ds.PresentationStateClassificationComponentSequence = Sequence([Dataset(), Dataset()])
    assert _eval(text, names, ctx) is True
    ds.PresentationStateClassificationComponentSequence = Sequence([Dataset()])
    assert _eval(text, names, ctx) is False
    mask = ("Required if Mask Frame Numbers (0028,6110) specifies more than one frame (i.e., "
            "is multi-valued).")
    ds.MaskFrameNumbers = [1, 2]
    assert _eval(mask, names, ctx) is True
    ds.MaskFrameNumbers = 3
    assert _eval(mask, names, ctx) is False
    ds.MaskFrameNumbers = None                         # present, empty
    assert _eval(mask, names, ctx) is False
    one = E.count(E.ref("00286110"), "eq", 0)
    assert evaluate(one, ctx) is True
    with pytest.raises(ValueError):
        E.count(E.ref("00286110"), "between", 1)


def test_overlay_frames_through_a_repeating_group(names: NameIndex) -> None:
    ds = Dataset()
    ctx = EvalContext.at_root(ds)
    text = "Required if Overlay Data contains multiple frames"
    assert _eval(text, names, ctx, kind="module_usage") is False
    ds.add_new(0x60020015, "IS", "4")                  # Number of Frames in Overlay, group 6002
    assert _eval(text, names, ctx, kind="module_usage") is True


def test_containing_item_scope(names: NameIndex) -> None:
    text = ("Required if Recommended Display CIELab Value List (0066,0103) is not present in "
            "this Sequence Item and Recommended Display CIELab Value (0062, 000D) is not "
            "present in the containing Track Set Sequence (0066,0101) Item.")
    root, track_set, track = Dataset(), Dataset(), Dataset()
    track_set.TrackSequence = Sequence([track])
    root.TrackSetSequence = Sequence([track_set])
    ctx = EvalContext(item=track, root=root, parents=(track_set,), item_index=0,
                      sequence=track_set.TrackSequence)
    assert _eval(text, names, ctx) is True
    track_set.RecommendedDisplayCIELabValue = [1, 2, 3]
    assert _eval(text, names, ctx) is False


def test_changed_sequence_value_of_a_hand_rule(names: NameIndex) -> None:
    text = ("Required for first Item of Control Point Sequence, or if Beam Limiting Device "
            "changes during Beam.")
    root, beam = Dataset(), Dataset()
    cps = []
    for positions in ([-10, 10], [-10, 10], [-5, 5]):
        device = Dataset()
        device.LeafJawPositions = positions
        cp = Dataset()
        cp.BeamLimitingDevicePositionSequence = Sequence([device])
        cps.append(cp)
    beam.ControlPointSequence = Sequence(cps)
    root.BeamSequence = Sequence([beam])

    def at(i: int) -> EvalContext:
        return EvalContext(item=cps[i], root=root, parents=(beam,), item_index=i,
                           sequence=beam.ControlPointSequence)

    assert _eval(text, names, at(0)) is True           # first item
    assert _eval(text, names, at(1)) is False          # same positions as before
    assert _eval(text, names, at(2)) is True           # the jaws moved


def test_sr_include_conditions_on_content_items(names: NameIndex) -> None:
    """PS3.3 Tables C.17-5 / C.17-6: which content macro applies to a content item."""
    ds = _read("test-SR.dcm")
    items = list(ds.ContentSequence)
    by_value = next(i for i in items if "ValueType" in i)
    num = parse_condition("if and only if Value Type (0040,A040) is NUM.", names=names)
    by_value_rule = parse_condition(
        "if the Target Content Item is included by-value in the Source Content Item. "
        "The Macro shall not be present if the relationship is by-reference.", names=names)
    assert num["otherwise"] == by_value_rule["otherwise"] == "not_allowed"
    ctx = EvalContext(item=by_value, root=ds, item_index=0,
                      sequence=ds.ContentSequence)
    assert evaluate(num["expr"], ctx) is (by_value.ValueType == "NUM")
    assert evaluate(by_value_rule["expr"], ctx) is True
    by_ref = Dataset()
    by_ref.RelationshipType = "INFERRED FROM"
    by_ref.ReferencedContentItemIdentifier = [1, 2]
    ref_ctx = EvalContext(item=by_ref, root=ds, item_index=0,
                          sequence=Sequence([by_ref]))
    assert evaluate(by_value_rule["expr"], ref_ctx) is False
