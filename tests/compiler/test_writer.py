"""The build writer: schema check, determinism, gzip, atomic swap."""

from __future__ import annotations

import gzip
import json
import os
import zipfile
from pathlib import Path

import pytest

from conformance.compiler import writer
from conformance.errors import StandardDataError, UsageError
from tests.helpers.standard_build import tiny_documents, write_tiny_standard


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _leftovers(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name != name)


def test_writes_every_file_sorted_one_entry_per_line(tmp_path: Path) -> None:
    out = write_tiny_standard(tmp_path / "std")
    names = sorted(p.name for p in out.iterdir())
    assert names == ["anomalies.json", "dictionary.json", "iods.json", "manifest.json",
                     "modules.json", "sop_classes.json", "tables.marshal", "tables.zip",
                     "vrs.json"]
    text = (out / "iods.json").read_text()
    doc = json.loads(text)
    lines = text.splitlines()
    # {, "iods": {, one line per IOD, }, }
    assert lines[:2] == ["{", ' "iods": {']
    iod_lines = lines[2:-2]
    assert len(iod_lines) == len(doc["iods"])
    ids = [json.loads(ln.strip().rstrip(",").split(": ", 1)[0]) for ln in iod_lines]
    assert ids == sorted(doc["iods"])
    for ln, ident in zip(iod_lines, ids, strict=True):
        body = ln.strip().rstrip(",").split(": ", 1)[1]
        assert json.loads(body) == doc["iods"][ident]
        assert body == json.dumps(doc["iods"][ident], sort_keys=True, separators=(",", ":"))
    assert _leftovers(tmp_path, "std") == []


def test_tables_marshal_holds_each_table_and_is_current(tmp_path: Path) -> None:
    from conformance import precompiled

    out = write_tiny_standard(tmp_path / "std")
    modules = json.loads((out / "modules.json").read_text())
    tables = precompiled.read(out)
    assert tables is not None  # stamped with the files of the build it is in
    for group in ("modules", "macros"):
        for table_id, table in modules[group].items():
            assert tables.get(group, table_id) == table
    assert tables.doc("iods") == json.loads((out / "iods.json").read_text())


def test_tables_zip_holds_each_table(tmp_path: Path) -> None:
    out = write_tiny_standard(tmp_path / "std")
    modules = json.loads((out / "modules.json").read_text())
    with zipfile.ZipFile(out / "tables.zip") as z:
        assert sorted(z.namelist()) == ["macros/tiny-sop-instance.json",
                                        "modules/tiny-image.json", "modules/tiny-patient.json"]
        assert json.loads(z.read("modules/tiny-image.json")) == modules["modules"]["tiny-image"]


def test_two_writes_are_byte_identical(tmp_path: Path) -> None:
    a = _files(write_tiny_standard(tmp_path / "a", compress=True))
    b = _files(write_tiny_standard(tmp_path / "b", compress=True))
    assert a == b
    assert "modules.json.gz" in a and "manifest.json" in a


def test_compressed_files_hold_the_same_json(tmp_path: Path) -> None:
    plain = write_tiny_standard(tmp_path / "plain")
    packed = write_tiny_standard(tmp_path / "packed", compress=True)
    for name in ("iods", "modules", "dictionary"):
        assert gzip.decompress((packed / f"{name}.json.gz").read_bytes()) == \
            (plain / f"{name}.json").read_bytes()


def test_schema_failure_leaves_old_build_and_no_temp(tmp_path: Path) -> None:
    out = write_tiny_standard(tmp_path / "std")
    before = _files(out)
    docs = tiny_documents()
    docs["modules"]["modules"]["tiny-image"]["attributes"][0]["tag"] = "(0008,0008)"
    with pytest.raises(StandardDataError, match=r"modules.json fails its schema at .*tag"):
        write_tiny_standard(out, documents=docs)
    assert _files(out) == before
    assert _leftovers(tmp_path, "std") == []


def test_failure_mid_write_leaves_old_build_and_no_temp(tmp_path: Path) -> None:
    out = write_tiny_standard(tmp_path / "std")
    before = _files(out)
    docs = tiny_documents()
    docs["manifest"]["edition"] = "new"

    def boom(name: str) -> None:
        if name == "dictionary":
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        writer.write_build(out, docs, _after_file=boom)
    assert _files(out) == before
    assert _leftovers(tmp_path, "std") == []


def test_interrupt_mid_write_also_cleans_up(tmp_path: Path) -> None:
    out = tmp_path / "std"

    def interrupt(name: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        writer.write_build(out, tiny_documents(), _after_file=interrupt)
    assert not out.exists()
    assert _leftovers(tmp_path, "std") == []


def test_successful_rewrite_replaces_old(tmp_path: Path) -> None:
    out = write_tiny_standard(tmp_path / "std", compress=True)
    docs = tiny_documents()
    docs["manifest"]["edition"] = "second"
    writer.write_build(out, docs)  # plain files now: the .gz ones of the old build go
    assert json.loads((out / "manifest.json").read_text())["edition"] == "second"
    assert not list(out.glob("*.gz"))
    assert _leftovers(tmp_path, "std") == []


def test_a_build_never_deletes_files_it_did_not_write(tmp_path: Path) -> None:
    """Issue 17 item 8: a build folder with a file of its own is not replaced."""
    out = write_tiny_standard(tmp_path / "std")
    (out / "notes.txt").write_text("mine")
    before = _files(out)
    docs = tiny_documents()
    docs["manifest"]["edition"] = "second"
    with pytest.raises(UsageError, match=r"files the build did not write \(notes.txt\)"):
        writer.write_build(out, docs)
    assert _files(out) == before


def test_a_folder_that_merely_has_a_manifest_is_not_a_build(tmp_path: Path) -> None:
    """Issue 17 item 8: a web app or browser extension has a manifest.json too."""
    app = tmp_path / "webapp"
    app.mkdir()
    (app / "manifest.json").write_text(json.dumps({"name": "my app", "version": "1.0"}))
    (app / "index.html").write_text("<html></html>")
    with pytest.raises(UsageError, match="not a build"):
        writer.write_build(app, tiny_documents())
    assert sorted(p.name for p in app.iterdir()) == ["index.html", "manifest.json"]


def test_failed_final_rename_restores_old(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    out = write_tiny_standard(tmp_path / "std")
    before = _files(out)
    real_rename = os.rename

    def rename(src: os.PathLike[str], dst: os.PathLike[str]) -> None:
        if Path(src).name.startswith("std.tmp-"):
            raise OSError("cross-device link")
        real_rename(src, dst)

    monkeypatch.setattr(writer.os, "rename", rename)
    with pytest.raises(OSError, match="cross-device"):
        write_tiny_standard(out)
    assert _files(out) == before
    assert _leftovers(tmp_path, "std") == []


def test_refuses_to_replace_a_folder_that_is_not_a_build(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "precious.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not a build"):
        write_tiny_standard(home)
    assert (home / "precious.txt").read_text() == "keep me"
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="not a folder"):
        write_tiny_standard(tmp_path / "file")


def test_empty_existing_folder_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "std").mkdir()
    out = write_tiny_standard(tmp_path / "std")
    assert (out / "manifest.json").is_file()


def test_manifest_required(tmp_path: Path) -> None:
    docs = tiny_documents()
    del docs["manifest"]
    with pytest.raises(StandardDataError, match="manifest"):
        writer.write_build(tmp_path / "std", docs)
