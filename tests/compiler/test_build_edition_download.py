"""``conformance build --edition`` end to end against a loopback server laid out like NEMA's."""

from __future__ import annotations

import json
from hashlib import sha256
from pathlib import Path

import pydicom
import pytest

from conformance.cli import main
from tests.compiler.test_download import Server, server  # noqa: F401 - the fixture
from tests.conftest import shared_file


def test_edition_downloads_missing_parts_and_records_them(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    part04 = shared_file("nema-docbook", "2013", "part04.xml")
    part06 = shared_file("nema-docbook", "2013", "part06.xml")
    web4 = server.put("2013", 4, part04)
    web6 = server.put("2013", 6, part06)
    monkeypatch.setenv("DICOM_CONFORMANCE_CACHE", str(tmp_path / "cache"))
    local = {3: shared_file("nema-docbook", "2016c-excerpt", "part03.xml"),
             5: shared_file("nema-docbook", "2026c", "part05.xml"),
             15: shared_file("nema-docbook", "2026c", "part15.xml")}
    out = tmp_path / "std"
    args = ["build", "--edition", "2013", "--base-url", server.base_url, "--out", str(out),
            "--quiet", *[f"--part={n}={p}" for n, p in local.items()]]
    assert main(args) == 0
    assert server.count(web4) == 1 and server.count(web6) == 1
    manifest = json.loads((out / "manifest.json").read_text())
    assert {k: v["edition"] for k, v in manifest["parts"].items()} == {
        "3": "2016c", "4": "2013", "5": "2026c", "6": "2013", "15": "2026c",
        "16": f"pydicom-{pydicom.__version__}"}
    assert manifest["parts"]["6"]["sha256"] == sha256(part06.read_bytes()).hexdigest()
    assert manifest["counts"]["sop_classes"] > 100
    # a second build is served from the cache
    assert main(args) == 0
    assert server.count(web4) == 1 and server.count(web6) == 1
    capsys.readouterr()


def test_edition_missing_part_is_a_clear_error(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DICOM_CONFORMANCE_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "std"
    code = main(["build", "--edition", "2099a", "--base-url", server.base_url,
                 "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and "not found" in err and "part03.xml" in err
    assert "Traceback" not in err
    assert not out.exists()
