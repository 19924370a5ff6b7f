"""The lazy loader of a build folder (conformance.standard)."""

from __future__ import annotations

import gzip
import json
import threading
from pathlib import Path

import pytest

from conformance.errors import StandardDataError
from conformance.standard import DictEntry, Standard, bundled_path, load_standard
from conformance.standard import loader as loader_mod
from tests.helpers.standard_build import write_tiny_standard


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write_tiny_standard(tmp_path / "std")


def test_manifest_read_eagerly_tables_lazily(tiny: Path) -> None:
    std = Standard(tiny)
    assert std.edition == "tiny" and std.manifest["format"] == 1
    assert std._data == {}
    assert std.iod("tiny-image")["name"] == "Tiny Image"
    # Served from tables.marshal, one IOD: iods.json was not parsed.
    assert std._data == {}
    assert std.iod("tiny-image") == Standard(tiny).iods["tiny-image"]
    with pytest.raises(StandardDataError, match="no IOD 'no-such'"):
        std.iod("no-such")
    std.module("tiny-image")
    # Served from tables.zip: modules.json was not parsed.
    assert "modules" not in std._data
    assert std.macro("tiny-sop-instance")["kind"] == "macro"


@pytest.mark.parametrize("compress, tables_zip", [(False, False), (True, False), (True, True)])
def test_same_answers_in_every_storage_form(tmp_path: Path, compress: bool,
                                            tables_zip: bool) -> None:
    plain = Standard(write_tiny_standard(tmp_path / "plain"))
    other = Standard(write_tiny_standard(tmp_path / "other", compress=compress,
                                         tables_zip=tables_zip))
    assert other.iods == plain.iods
    assert other.module("tiny-image") == plain.module("tiny-image")
    assert other.table("macro", "tiny-sop-instance") == plain.macro("tiny-sop-instance")
    assert other.modules == plain.modules and other.macros == plain.macros
    assert other.dictionary.get(0x00100010) == plain.dictionary.get(0x00100010)


def test_unknown_things_raise_standard_data_error(tiny: Path) -> None:
    std = Standard(tiny)
    with pytest.raises(StandardDataError, match="no IOD 'mr-image'"):
        std.iod("mr-image")
    with pytest.raises(StandardDataError, match="no module 'nope'"):
        std.module("nope")
    with pytest.raises(StandardDataError, match="unknown table kind"):
        std.table("functional", "x")
    assert std.has_table("macro", "tiny-sop-instance")
    assert not std.has_table("module", "tiny-sop-instance")


def test_find_iod_by_id_name_caption_uid(tiny: Path) -> None:
    std = Standard(tiny)
    for text in ("tiny-image", "Tiny Image", "tiny image", "Tiny Image IOD", " 1.2.3.4 "):
        assert std.find_iod(text) == "tiny-image", text
    assert std.find_iod("MR Image") is None
    assert std.find_iod("1.2.3.5") is None
    assert std.iod_for_sop_class("1.2.3.4") == "tiny-image"


def test_dictionary_exact_then_mask(tiny: Path) -> None:
    d = Standard(tiny).dictionary
    assert d.get(0x00100010) == DictEntry("00100010", "Patient's Name", "PatientName", "PN",
                                          "1", False)
    # 60xx3000 matches any overlay group; the exact 60003000 row is preferred.
    assert d.get(0x60023000).tag == "60xx3000"
    assert d.get(0x601E3000).keyword == "OverlayData"
    assert d.get(0x60003000).tag == "60003000"
    # The most specific mask wins over a catch-all one.
    assert d.get(0x60040010).tag == "60xx0010"
    assert d.get(0x12340010).tag == "xxxx0010"
    assert d.get(0x00100011) is None
    assert 0x00100010 in d and "00100010" not in d
    assert d.by_keyword("PatientID").tag == "00100020"
    assert d.by_name("Overlay Data").tag == "60xx3000"
    assert d.by_keyword("Nope") is None and d.by_name("Nope") is None
    assert d.uid("1.2.3.4")["name"] == "Tiny Image Storage" and d.uid("9.9") is None


def test_optional_files(tiny: Path) -> None:
    std = Standard(tiny)
    assert std.deidentification is None
    assert std.anomalies == []
    assert std.vrs == {}


def test_cache_per_resolved_path_is_thread_safe(tiny: Path) -> None:
    results: list[Standard] = []

    def load() -> None:
        results.append(load_standard(tiny.parent / "." / tiny.name))

    threads = [threading.Thread(target=load) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(s) for s in results}) == 1
    assert load_standard(str(tiny)) is results[0]


def test_concurrent_first_use(tiny: Path) -> None:
    std = Standard(tiny)
    seen: list[object] = []

    def use() -> None:
        seen.append(std.dictionary)
        seen.append(std.module("tiny-patient")["id"])

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(x) for x in seen if not isinstance(x, str)}) == 1


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(StandardDataError, match="no such standard folder"):
        load_standard(tmp_path / "nope")


def test_folder_without_manifest(tmp_path: Path) -> None:
    with pytest.raises(StandardDataError, match="manifest.json missing"):
        load_standard(tmp_path)


@pytest.mark.parametrize("text, message", [
    ("{not json", "unreadable"),
    ("[]", "not an object"),
    ('{"format": 2, "edition": "x", "parts": {}, "counts": {}}', "format 2"),
    ('{"format": 1, "parts": {}, "counts": {}}', "'edition'"),
])
def test_broken_manifest(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "manifest.json").write_text(text)
    with pytest.raises(StandardDataError, match=message):
        Standard(tmp_path)


def test_broken_table_files(tiny: Path) -> None:
    good = (tiny / "iods.json").read_bytes()
    (tiny / "iods.json").write_text('{"iods": ')
    with pytest.raises(StandardDataError, match=r"iods.json: unreadable"):
        _ = Standard(tiny).iods
    (tiny / "iods.json").unlink()
    with pytest.raises(StandardDataError, match=r"iods.json missing"):
        Standard(tiny)  # an incomplete build is refused when opened
    (tiny / "iods.json").write_bytes(good)
    (tiny / "tables.zip").write_bytes(b"not a zip")
    # tables.zip is a derived copy: the tables come from tables.marshal, remade from
    # modules.json when missing, so a corrupt zip costs nothing (and hides nothing);
    # verify() still refuses the folder (tests/standard/test_hostile_standard.py).
    (tiny / "tables.marshal").unlink(missing_ok=True)
    assert Standard(tiny).module("tiny-image")["id"] == "tiny-image"


def test_broken_gzip(tmp_path: Path) -> None:
    folder = write_tiny_standard(tmp_path / "std", compress=True)
    (folder / "dictionary.json.gz").write_bytes(gzip.compress(b"{}")[:10])
    with pytest.raises(StandardDataError, match="dictionary.json.gz: unreadable"):
        _ = Standard(folder).dictionary


def test_wrong_top_level_key(tiny: Path) -> None:
    (tiny / "vrs.json").write_text(json.dumps({"other": {}}))
    with pytest.raises(StandardDataError, match="has no 'vrs'"):
        _ = Standard(tiny).vrs


def test_bundled_path_lookup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "site" / "conformance"
    pkg.mkdir(parents=True)
    monkeypatch.setattr(loader_mod, "PACKAGE_DIR", pkg)
    assert bundled_path() is None
    with pytest.raises(StandardDataError, match="no bundled standard"):
        loader_mod.load_standard(None)
    write_tiny_standard(tmp_path / "site" / "standard_data")
    assert bundled_path() == tmp_path / "site" / "standard_data"
    # Package data wins: it ships with the code it was built for.
    write_tiny_standard(pkg / "_bundled")
    assert bundled_path() == pkg / "_bundled"
    assert load_standard().path == (pkg / "_bundled").resolve()


def test_excerpt_loads(tmp_path_factory: pytest.TempPathFactory) -> None:
    from tests.helpers.standard_build import excerpt_standard

    std = load_standard(excerpt_standard(tmp_path_factory))
    assert std.find_iod("1.2.840.10008.5.1.4.1.1.2") == "ct-image"
    ct = std.iod("ct-image")
    for row in ct["modules"]:
        assert std.module(row["module"])["id"] == row["module"]
    assert std.dictionary.get(0x60023000).keyword == "OverlayData"
    assert std.vrs["PN"]["max_length"] == 64
