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
    for name, expected in docs.items():
        assert tables.doc(name) == expected
    fresh = Standard(build)
    assert fresh.iods == docs["iods"]["iods"]  # read from tables.marshal
    assert "modules" not in fresh._data


def test_remade_when_missing_and_used(build: Path) -> None:
    std = Standard(build)
    table = std.module("patient")
    assert (build / precompiled.NAME).is_file()
    assert table == read_json(build, "modules")["modules"]["patient"]
    fresh = Standard(build)
    assert fresh._copies.precompiled() is not None
    assert fresh.module("patient") == table


@pytest.mark.parametrize("change", ["manifest", "modules", "version", "format", "damage"])
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
