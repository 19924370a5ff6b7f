"""PS3.3 reader on the real NEMA 2016c excerpt (skipped when ../shared is absent)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from conformance.compiler.readers.part03 import read_part03
from conformance.ids import slug
from tests.conftest import shared_file

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def excerpt() -> tuple[dict, list[dict], list[dict]]:
    path = shared_file("nema-docbook", "2016c-excerpt", "part03.xml")
    anomalies: list[dict] = []
    tables: list[dict] = []
    return read_part03(path, anomalies, tables=tables), anomalies, tables


# Table A.3-1 of PS3.3 2016c, read by eye from the DocBook source.
CT_IMAGE = [
    ("Patient", "patient", "M"), ("Patient", "clinical-trial-subject", "U"),
    ("Study", "general-study", "M"), ("Study", "patient-study", "U"),
    ("Study", "clinical-trial-study", "U"),
    ("Series", "general-series", "M"), ("Series", "clinical-trial-series", "U"),
    ("Frame of Reference", "frame-of-reference", "M"),
    ("Equipment", "general-equipment", "M"),
    ("Image", "general-image", "M"), ("Image", "image-plane", "M"),
    ("Image", "image-pixel", "M"), ("Image", "contrast-bolus", "C"), ("Image", "device", "U"),
    ("Image", "specimen", "U"), ("Image", "ct-image", "M"), ("Image", "overlay-plane", "U"),
    ("Image", "voi-lut", "U"), ("Image", "sop-common", "M"),
    ("Image", "common-instance-reference", "U"),
]

# Table A.38-2 of PS3.3 2016c, read by eye.
ENHANCED_CT_FG = [
    ("pixel-measures", "M"), ("frame-content", "M"), ("plane-position-patient", "M"),
    ("plane-orientation-patient", "M"), ("referenced-image", "C"), ("derivation-image", "C"),
    ("cardiac-synchronization", "C"), ("frame-anatomy", "M"), ("frame-voi-lut", "U"),
    ("real-world-value-mapping", "U"), ("contrast-bolus-usage", "C"),
    ("respiratory-synchronization", "C"), ("irradiation-event-identification", "M"),
    ("ct-image-frame-type", "M"), ("ct-acquisition-type", "C"), ("ct-acquisition-details", "C"),
    ("ct-table-dynamics", "C"), ("ct-position", "C"), ("ct-geometry", "C"),
    ("ct-reconstruction", "C"), ("ct-exposure", "C"), ("ct-x-ray-details-sequence", "C"),
    ("ct-pixel-value-transformation", "M"), ("ct-additional-x-ray-source", "C"),
]


def test_iods(excerpt):
    iods = excerpt[0]["iods"]
    assert sorted(iods) == ["ct-image", "enhanced-ct-image", "enhanced-x-ray-angiographic-image",
                            "rt-dose"]
    ct = iods["ct-image"]
    assert [(m["ie"], m["module"], m["usage"]) for m in ct["modules"]] == CT_IMAGE
    assert ct["modules"][12]["condition"]["text"] == \
        "Required if contrast media was used in this image"
    assert ct["functional_groups"] == []
    assert ct["reference"] == {"part": 3, "section": "A.3.3", "table": "A.3-1"}


def test_every_iod_module_is_defined(excerpt):
    result, anomalies, _ = excerpt
    for iod in result["iods"].values():
        for m in iod["modules"]:
            assert m["module"] in result["modules"], (iod["id"], m["module"])
        for f in iod["functional_groups"]:
            assert f["macro"] in result["macros"], (iod["id"], f["macro"])
    assert not [a for a in anomalies if a["kind"] == "unresolved-module-reference"]


def test_enhanced_ct_functional_groups(excerpt):
    fgs = excerpt[0]["iods"]["enhanced-ct-image"]["functional_groups"]
    assert [(f["macro"], f["usage"]) for f in fgs] == ENHANCED_CT_FG
    assert fgs[6]["condition"]["text"] == (
        "Required if Cardiac Synchronization Technique (0018,9037) equals other than NONE and "
        "if Image Type (0008,0008) Value 1 is ORIGINAL or MIXED. May be present otherwise.")
    supplemental = excerpt[0]["iods"]["enhanced-ct-image"]["modules"][18]
    assert supplemental["module"] == "supplemental-palette-color-lookup-table"
    assert supplemental["condition"]["text"] == (  # xref "select: title" resolved
        "Required if Pixel Presentation (0008,9205) in the Enhanced CT Image Module equals "
        "COLOR or MIXED.")


def test_anomaly_report(excerpt):
    anomalies = excerpt[1]
    counts = Counter(a["kind"] for a in anomalies)
    assert counts["duplicate-id"] == 102
    empty_sq = {(a["table"], a["detail"].split(" 0008")[0]) for a in anomalies
                if a["kind"] == "sequence-without-items"}
    assert ("C.12-1", "Context Group Identification Sequence") in empty_sq
    assert ("C.12-1", "Mapping Resource Identification Sequence") in empty_sq
    unresolved = sorted(a["detail"] for a in anomalies if a["kind"] == "include-unresolved")
    assert unresolved == ["Include of Table 10-15, not in this file",
                          "Include of Table 10.41-1, not in this file",
                          "Include of Table C.8-71b, not in this file"]


def test_all_168_tables_accounted_for(excerpt):
    result, _, tables = excerpt
    assert len(tables) == 168
    roles = Counter(t["role"] for t in tables)
    assert roles == {"iod": 4, "functional-groups": 2, "module": 52, "macro": 88,
                     "skipped": 22}
    assert all(t["reason"] for t in tables if t["role"] == "skipped")
    assert len(result["modules"]) == 52 and len(result["macros"]) == 88


def test_tables_content(excerpt):
    result = excerpt[0]
    patient = result["modules"]["patient"]
    assert patient["reference"] == {"part": 3, "section": "C.7.1.1", "table": "C.7-1"}
    sex = next(n for n in patient["attributes"] if n.get("tag") == "00100040")
    assert sex["enums"] == [{"kind": "enumerated", "value_index": None,
                             "values": ["M", "F", "O"]}]
    photo = next(n for n in patient["attributes"] if n.get("tag") == "00101100")
    assert photo["items"] == {"min": 1, "max": 1}
    assert photo["children"][0]["include"]["kind"] == "macro"
    code = result["macros"]["code-sequence"]["attributes"]
    assert [n["include"]["id"] for n in code if n["kind"] == "include"] == \
        ["basic-code-sequence", "enhanced-code-sequence"]
    overlay = result["modules"]["overlay-plane"]["attributes"]
    assert overlay[0]["tag"].startswith("60xx")


def _my_conditions(result: dict, tables: list[dict]) -> dict[str, str]:
    """Condition texts keyed like the corpus ``contexts`` (see conditions/README.md)."""
    mine: dict[str, str] = {}

    def walk(nodes: list[dict], prefix: str) -> None:
        for n in nodes:
            if n["kind"] != "attribute":
                continue
            ctx = f"{prefix}:{n['tag'].lower()}"
            if n["condition"]:
                mine[ctx] = n["condition"]["text"]
            walk(n["children"], ctx)

    for ns in ("modules", "macros"):
        for tid, table in result[ns].items():
            walk(table["attributes"], tid)
    # the corpus names functional groups after their own table's caption
    fg_alias = {t["table"].split("-")[0]: slug(t["caption"].replace(" Functional Group Macros", ""))
                for t in tables if t["role"] == "functional-groups"}
    for iid, iod in result["iods"].items():
        for m in iod["modules"]:
            if m["condition"]:
                mine[f"{iid}/{m['module']}"] = m["condition"]["text"]
        alias = fg_alias.get(iod["reference"]["table"].split("-")[0], iid)
        for f in iod["functional_groups"]:
            if f["condition"]:
                # the corpus aliases this one caption rename (see its README)
                macro = f["macro"].replace("ct-x-ray-details-sequence", "ct-x-ray-details")
                mine[f"FG {alias}/{macro}"] = f["condition"]["text"]
    return mine


def test_condition_text_agrees_with_corpus(excerpt):
    result, _, tables = excerpt
    corpus = shared_file("conditions", "conditions_docbook_2016c.jsonl")
    mine = _my_conditions(result, tables)
    rows = same = 0
    for line in corpus.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        for ctx in rec["contexts"]:
            key = f"FG {ctx}" if rec["kind"] == "fg_macro_usage" else ctx
            rows += 1
            same += mine.get(key) == rec["text"]
    assert rows == 325
    # measured: 323 of 325 identical; the 2 others are an olink whose text the corpus
    # replaced by its target id (DCM_113097) where the reader keeps the code triplet
    assert same / rows >= 0.99, f"{same}/{rows}"
