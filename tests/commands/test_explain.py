"""``conformance explain``: an IOD's modules and a module's expanded attribute tree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cli import main
from tests.helpers.standard_build import excerpt_standard, tiny_documents, write_tiny_standard


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write_tiny_standard(tmp_path / "std")


@pytest.mark.parametrize("name", ["Tiny Image", "tiny-image", "1.2.3.4", "Tiny Image IOD"])
def test_iod_by_name_id_or_uid(tiny: Path, capsys: pytest.CaptureFixture[str],
                               name: str) -> None:
    code, out, _ = _run(capsys, "explain", name, "--standard", str(tiny), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["iod"]["id"] == "tiny-image"
    assert [(m["ie"], m["module"], m["usage"]) for m in data["modules"]] == [
        ("Patient", "tiny-patient", "M"), ("Image", "tiny-image", "C")]
    cond = data["modules"][1]["condition"]
    assert cond["text"] == "Required if SOP Class UID is present."
    assert cond["expr"]["op"] == "present"


def test_text_lists_modules_with_conditions(tiny: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "explain", "Tiny Image", "--standard", str(tiny))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Tiny Image IOD (tiny-image), PS3.3 A.99 table A.99-1"
    assert "SOP classes: 1.2.3.4" in lines
    assert "Patient  M  Tiny Patient" in lines
    assert "Image    C  Tiny Image" in lines
    assert lines[lines.index("Image    C  Tiny Image") + 1].strip() == \
        "Required if SOP Class UID is present."


def test_module_tree_expands_includes_with_provenance(tiny: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "explain", "tiny-image", "--standard", str(tiny), "--module",
                        "Tiny Image", "--format", "json")
    assert code == 0
    rows = json.loads(out)["rows"]
    assert [(r["kind"], r["depth"], r.get("tag"), r["from"]) for r in rows] == [
        ("attribute", 0, "00080008", "module:tiny-image"),
        ("attribute", 0, "00081140", "module:tiny-image"),
        ("include", 1, None, "module:tiny-image"),
        ("attribute", 1, "00081150", "macro:tiny-sop-instance"),
        ("attribute", 1, "00081155", "macro:tiny-sop-instance"),
        ("attribute", 0, "60xx3000", "module:tiny-image")]
    assert rows[2]["include"] == "macro:tiny-sop-instance"
    assert rows[2]["name"] == "Tiny SOP Instance"
    code, out, _ = _run(capsys, "explain", "tiny-image", "--standard", str(tiny), "--module",
                        "tiny-image")
    assert ">Include Tiny SOP Instance" in out
    assert ">Referenced SOP Class UID  (0008,1150)  type 1  [macro:tiny-sop-instance]" in out
    assert "Overlay Data  (60xx,3000)  type 1C" in out


def test_include_cycle_and_missing_table_are_marked(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    docs = tiny_documents()
    macro = docs["modules"]["macros"]["tiny-sop-instance"]
    macro["attributes"].append({"kind": "include", "condition": None, "text": "self",
                                "include": {"kind": "macro", "id": "tiny-sop-instance"}})
    macro["attributes"].append({"kind": "include", "condition": None, "text": "gone",
                                "include": {"kind": "macro", "id": "not-built"}})
    std = write_tiny_standard(tmp_path / "std", documents=docs)
    code, out, _ = _run(capsys, "explain", "tiny-image", "--standard", str(std), "--module",
                        "tiny-image", "--format", "json")
    assert code == 0
    errors = [(r["include"], r["error"]) for r in json.loads(out)["rows"] if r.get("error")]
    assert errors == [("macro:tiny-sop-instance", "include cycle"),
                      ("macro:not-built", "not in this build")]


def test_unknown_iod_or_module_exit_2(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "explain", "MR Image", "--standard", str(tiny))
    assert code == 2 and err.startswith("error: no IOD matches 'MR Image'")
    code, _, err = _run(capsys, "explain", "tiny-image", "--standard", str(tiny), "--module",
                        "Frame of Reference")
    assert code == 2 and "no module or macro 'Frame of Reference'" in err


def test_missing_standard_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "explain", "CT Image", "--standard", str(tmp_path / "none"))
    assert code == 2 and "no such standard folder" in err


def test_excerpt_enhanced_ct(tmp_path_factory: pytest.TempPathFactory,
                             capsys: pytest.CaptureFixture[str]) -> None:
    std = excerpt_standard(tmp_path_factory)
    code, out, _ = _run(capsys, "explain", "Enhanced CT Image", "--standard", str(std),
                        "--format", "json")
    assert code == 0
    data = json.loads(out)
    groups = {g["macro"]: g["usage"] for g in data["functional_groups"]}
    assert groups["pixel-measures"] == "M" and groups["ct-acquisition-type"] == "C"
    assert all(g["name"] for g in data["functional_groups"])
    code, out, _ = _run(capsys, "explain", "CT Image", "--standard", str(std), "--module",
                        "Contrast/Bolus", "--format", "json")
    rows = json.loads(out)["rows"]
    coded = [r for r in rows if r.get("tag") == "00080100"]
    assert coded and all(r["from"] == "macro:basic-code-sequence" for r in coded)


def test_recursive_include_is_named_not_called_a_cycle(
        capsys: pytest.CaptureFixture[str]) -> None:
    # PS3.3 Table C.17-6 includes itself inside Content Sequence items (the bundled
    # standard restores that row): recursion, listed once, not a defect.
    code, out, _ = _run(capsys, "explain", "Comprehensive SR", "--module",
                        "SR Document Content", "--format", "json")
    assert code == 0
    rows = json.loads(out)["rows"]
    again = [r for r in rows if r["kind"] == "include"
             and r["include"] == "macro:document-relationship" and r.get("note")]
    assert again and all(r["note"].startswith("recursive include") for r in again)
    assert all(r["depth"] > 0 for r in again)
    assert not [r for r in rows if r.get("error") == "include cycle"]


@pytest.mark.shared
def test_context_groups_shown_on_rows_and_iods(tmp_path_factory: pytest.TempPathFactory,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    std = str(excerpt_standard(tmp_path_factory))
    assert main(["explain", "CT Image", "--standard", std, "--module", "CT Image"]) == 0
    text = capsys.readouterr().out
    # the include row of Table C.8-3, then the sequence it constrains in the macro
    assert "Include General Anatomy Optional\n    Defined CID 4030 " in text
    assert "on (0008,2218)" in text
    assert main(["explain", "enhanced-x-ray-angiographic-image", "--standard", std,
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(g["cid"], g["macro"], g["strength"]) for g in data["context_groups"]] == [
        (4042, "frame-anatomy", "defined")]
