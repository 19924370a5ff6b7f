"""The dciodvfy message parser (no dciodvfy needed): known lines map, nothing raises."""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
import dciodvfy_map as dm  # noqa: E402

CASES = [
    ("Error - Missing attribute Type 1 Required Element=<Manufacturer> "
     "Module=<EnhancedGeneralEquipment>", "type1-missing", "00080070"),
    ("Error - Missing attribute Type 2 Required Element=<PositionReferenceIndicator> "
     "Module=<FrameOfReference>", "type2-missing", "00201040"),
    ("Error - Missing attribute Type 1C Conditional Element=<DimensionIndexSequence> "
     "Module=<MultiFrameDimension>", "type1c-missing", "00209222"),
    ("Error - Missing attribute Type 2C Conditional Element=<Laterality> "
     "Module=<GeneralSeries>", "type2c-missing", "00200060"),
    ("Error - Attribute present when condition unsatisfied (which may not be present "
     "otherwise) Type 2C Conditional Element=<Laterality> Module=<GeneralSeries>",
     "not-allowed", "00200060"),
    ("Error - Empty attribute (no value) Type 1 Required Element=<DeviceSerialNumber> "
     "Module=<EnhancedGeneralEquipment>", "type1-empty", "00181000"),
    ("Error - Unrecognized enumerated value <US> for value 1 of attribute <Rescale Type>",
     "enum-value", "00281054"),
    ("Warning - Unrecognized defined term <WHOLE BODY> for value 1 of attribute "
     "<Body Part Examined>", "defined-term", "00180015"),
    ("Warning - Attribute is not present in standard DICOM IOD - (0x0018,0x0088) DS "
     "Spacing Between Slices ", "not-in-iod", "00180088"),
    ("Error - Value invalid for this VR - (0x0008,0x0020) DA Study Date  DA [1] = "
     "<1994.11.05> - Character invalid for this VR = '.' (0x2e)", "vr-invalid", "00080020"),
    ("Warning - Value dubious for this VR - (0x0008,0x1070) PN Operators' Name  PN [1] = "
     "<dmason> - Retired Person Name form", "vr-dubious", "00081070"),
    ("Error - Bad attribute Value Multiplicity Type 3 Optional "
     "Element=<RequestAttributesSequence> Module=<GeneralSeries>", "vm-invalid", "00400275"),
    ("Error - Bad Sequence number of Items 0 (1-n Required by Module definition) "
     "Element=<RequestAttributesSequence> Module=<GeneralSeries>", "item-count", "00400275"),
    ("Warning - Retired attribute - (0x0010,0x1000) LO Other Patient IDs ", "retired",
     "00101000"),
    ("Error - Information Object Not found", "iod-unknown", None),
]


def test_known_lines_map_to_codes_and_tags() -> None:
    for line, code, tag in CASES:
        msg = dm.parse_line(line)
        assert msg is not None, line
        assert (msg.code, msg.tag) == (code, tag), line


def test_unmapped_and_non_messages() -> None:
    msg = dm.parse_line("Warning - Value is zero for value 1 of attribute <Patient's Weight>")
    assert msg is not None and msg.code is None and msg.severity == "warning"
    assert dm.parse_line("CTImage") is None
    iod, messages = dm.parse("Warning - Retired attribute - (0x0010,0x1000) LO X\nCTImage\n"
                             "Error - Information Object Not found\n")
    assert iod == "CTImage"
    assert [m.code for m in messages] == ["retired", "iod-unknown"]


def test_module_folding() -> None:
    _, messages = dm.parse(
        "XImage\nError - Missing attribute Type 1 Required Element=<Manufacturer> "
        "Module=<EnhancedGeneralEquipment>\nError - Missing attribute Type 1 Required "
        "Element=<ContourImageSequence> Module=<StructureSet>\n")
    keys, folded = dm.reconcile_modules(messages, ["enhanced-general-equipment"])
    assert folded == {("module-missing", "enhancedgeneralequipment")}
    assert keys == folded | {("type1-missing", "30060016")}


def test_agreement_counts() -> None:
    table = dm.agreement({("a", "1"), ("a", "2")}, {("a", "2"), ("a", "3")}, codes=("a",))
    assert table == {"a": {"both": 1, "dciodvfy_only": 1, "ours_only": 1}}
    assert "50%" not in dm.format_table(table) and "33%" in dm.format_table(table)


@given(st.text(max_size=300))
def test_parser_never_raises(text: str) -> None:
    iod, messages = dm.parse(text)
    for m in messages:
        assert m.code is None or m.code in dm.COMPARED
