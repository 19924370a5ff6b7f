"""tables.marshal: the same tables as the JSON, trusted only for its own build and
versions, remade when missing or stale."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conformance import precompiled
from conformance.standard import bundled_path
from conformance.standard.files import read_json
from conformance.standard.loader import Standard

BUNDLE = bundled_path()
pytestmark = pytest.mark.skipif(BUNDLE is None, reason="no bundled standard")


@pytest.fixture
def build(tmp_path: Path) -> Path:
    """A copy of the bundle without tables.marshal."""
    assert BUNDLE is not None
    out = tmp_path / "std"
    shutil.copytree(BUNDLE, out)
    (out / precompiled.NAME).unlink(missing_ok=True)
    return out


def test_same_tables_as_the_json(build: Path) -> None:
    doc = read_json(build, "modules")
    docs = {n: read_json(build, n) for n in precompiled.DOCS}
    precompiled.write(build, doc, docs)
    tables = precompiled.read(build)
    assert tables is not None
    for group in ("modules", "macros"):
        for table_id, table in doc[group].items():
            assert tables.get(group, table_id) == table
    assert tables.get("modules", "no-such-module") is None
    for iod_id, iod in docs["iods"]["iods"].items():  # each IOD on its own as well
        assert tables.get("iod", iod_id) == iod
    for name, expected in docs.items():
        if name != "dictionary":
            assert tables.doc(name) == expected
    # the dictionary's element rows are stored as tuples; the same rows come back
    stored = tables.doc("dictionary")
    assert "elements" not in stored and stored["uids"] == docs["dictionary"]["uids"]
    assert all(type(r) is tuple for r in stored["element_rows"].values())
    fresh = Standard(build)
    assert fresh.iods == docs["iods"]["iods"]  # read from tables.marshal
    assert "modules" not in fresh._data
    expected_elements = docs["dictionary"]["elements"]
    assert list(fresh.dictionary.elements.items()) == list(expected_elements.items())
    from_json = Standard(build)
    from_json._copies._pre, from_json._copies._pre_checked = None, True
    for tag in (0x00100010, 0x60003000, 0x50001010, 0x00280010, 0x7FE00010, 0x00090010):
        assert fresh.dictionary.get(tag) == from_json.dictionary.get(tag)
    assert fresh.dictionary.by_keyword("PatientName") == from_json.dictionary.by_keyword(
        "PatientName")
    assert len(fresh.dictionary) == len(from_json.dictionary) == len(expected_elements)


def test_dictionary_rows_with_other_fields_are_kept_whole() -> None:
    doc = {"elements": {"00100010": {"tag": "00100010", "name": "Patient's Name",
                                     "keyword": "PatientName", "vr": "PN", "vm": "1",
                                     "retired": False, "note": "kept"}}, "uids": {}}
    assert precompiled._stored("dictionary", doc) is doc
    plain = {"elements": {"00100010": {k: v for k, v in doc["elements"]["00100010"].items()
                                       if k != "note"}}, "uids": {}}
    assert precompiled._stored("dictionary", plain)["element_rows"] == {
        "00100010": ("00100010", "Patient's Name", "PatientName", "PN", "1", False)}
    assert precompiled._stored("iods", plain) is plain


def test_remade_when_missing_and_used(build: Path) -> None:
    std = Standard(build)
    table = std.module("patient")
    assert (build / precompiled.NAME).is_file()
    assert table == read_json(build, "modules")["modules"]["patient"]
    fresh = Standard(build)
    assert fresh._copies.precompiled() is not None
    assert fresh.module("patient") == table


@pytest.mark.parametrize("change", ["manifest", "modules", "version", "format", "damage",
                                    "same-size-edit"])
def test_stale_or_foreign_is_not_trusted(build: Path, change: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    precompiled.write(build, read_json(build, "modules"))
    assert precompiled.read(build) is not None
    if change == "manifest":
        (build / "manifest.json").write_bytes((build / "manifest.json").read_bytes() + b"\n")
    elif change == "modules":
        modules = next(build.glob("modules.json*"))
        modules.write_bytes(modules.read_bytes() + b"\0")
    elif change == "version":
        import conformance

        monkeypatch.setattr(conformance, "__version__", "99.0")
    elif change == "format":
        monkeypatch.setattr(precompiled, "FORMAT", precompiled.FORMAT + 1)
    elif change == "same-size-edit":  # a document edited by hand, its size kept
        deid = next(build.glob("deidentification.json*"))
        data = bytearray(deid.read_bytes())
        data[-1] ^= 0xFF
        deid.write_bytes(bytes(data))
    else:
        data = bytearray((build / precompiled.NAME).read_bytes())
        data[20:40] = b"\xff" * 20
        (build / precompiled.NAME).write_bytes(bytes(data))
    assert precompiled.read(build) is None


def test_a_stale_file_is_remade(build: Path) -> None:
    precompiled.write(build, read_json(build, "modules"))
    (build / "manifest.json").write_bytes((build / "manifest.json").read_bytes() + b"\n")
    std = Standard(build)
    assert std._copies.precompiled() is not None  # remade for the new manifest
    assert precompiled.read(build) is not None


def test_the_bundle_has_a_current_one() -> None:
    """Shipped with the bundle, or remade on first use when a rebuilt bundle left it
    stale (a source checkout is writable)."""
    assert BUNDLE is not None
    assert Standard(BUNDLE)._copies.precompiled() is not None
    assert precompiled.read(BUNDLE) is not None


def test_marshal_bytes_do_not_depend_on_what_the_process_imported() -> None:
    """A build's tables.marshal is the same file from the program (numpy left out) and
    from a library call in a process that imported much more: marshal flags interned
    strings, and which one-character strings are interned depends on loaded code."""
    import marshal
    import subprocess
    import sys

    from conformance import precompiled

    code = ("import marshal, sys; from conformance import precompiled; "
            "precompiled._intern_single_characters(); "
            "data = [chr(i) for i in range(256)]; "
            "sys.stdout.write(marshal.dumps(data).hex())")
    fresh = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                           text=True).stdout
    precompiled._intern_single_characters()
    data = [chr(i) for i in range(256)]
    ours = marshal.dumps(data).hex()
    assert ours == fresh


def test_made_for_a_build_without_the_optional_documents(build: Path) -> None:
    """A build without a de-identification table still gets tables.marshal (made from
    what it has), and the document stays absent."""
    import json

    for f in build.glob("deidentification.json*"):
        f.unlink()
    manifest = json.loads((build / "manifest.json").read_text())
    manifest["files"] = {k: v for k, v in manifest["files"].items()
                         if not str(v).startswith("deidentification")}
    (build / "manifest.json").write_text(json.dumps(manifest))
    std = Standard(build)
    assert std._copies.precompiled() is not None
    assert std.deidentification is None
    assert precompiled.read(build) is not None
    assert precompiled.read(build).doc("deidentification") is None  # type: ignore[union-attr]


def test_the_deidentification_table_comes_from_it(build: Path) -> None:
    std = Standard(build)
    assert std.deidentification == read_json(build, "deidentification")["attributes"]
    assert "deidentification" in std._data  # served by tables.marshal ...
    assert precompiled.read(build).doc("deidentification") == std._data["deidentification"]  # type: ignore[union-attr]


def test_element_fields_are_the_schemas() -> None:
    """The compact rows hold exactly the fields dictionary.schema.json requires of an
    element: a field added to the schema leaves the rows unpacked, never lost."""
    from conformance.schemas import load_schema

    element = load_schema("dictionary")["$defs"]["element"]
    assert set(precompiled.ELEMENT_FIELDS) == set(element["required"]) == set(
        element["properties"])


def test_a_damaged_entry_is_read_from_the_json(build: Path) -> None:
    """An entry whose bytes do not decode (the header still trusted) is answered from
    the JSON, for an IOD, a module and a document alike."""
    docs = {n: read_json(build, n) for n in precompiled.DOCS}
    precompiled.write(build, read_json(build, "modules"), docs)
    tables = precompiled.read(build)
    assert tables is not None
    iod_id = next(iter(docs["iods"]["iods"]))
    module_id = next(iter(read_json(build, "modules")["modules"]))
    data = bytearray((build / precompiled.NAME).read_bytes())
    for key in (f"iod/{iod_id}", f"modules/{module_id}", "doc/vrs"):
        data[tables.start + tables.index[key][0]] = 0xFF  # no marshal type code
    tables.data.close()
    (build / precompiled.NAME).write_bytes(bytes(data))
    damaged = precompiled.read(build)
    assert damaged is not None
    with pytest.raises(ValueError):
        damaged.get("iod", iod_id)
    damaged.data.close()
    std = Standard(build)
    assert std.iod(iod_id) == docs["iods"]["iods"][iod_id]
    assert std.module(module_id) == read_json(build, "modules")["modules"][module_id]
    assert std._file("vrs") == docs["vrs"]
