"""``conformance codes`` and ``conformance explain CODE|ATTRIBUTE`` (bundled standard)."""

from __future__ import annotations

import json

import pytest

from conformance.catalogue import catalogue
from conformance.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_codes_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "codes")
    assert code == 0
    assert all(c in out for c in catalogue())
    code, out, _ = _run(capsys, "codes", "--format", "json")
    data = json.loads(out)
    assert [c["code"] for c in data["codes"]] == list(catalogue())
    assert data["aliases"]["file-meta"][0] == "file-meta"


def test_explain_code_prints_its_own_entry(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "explain", "vr-invalid")
    assert code == 0
    assert out.startswith("vr-invalid (error): value invalid for its VR")
    assert "Reference: PS3.5 6.2 Table 6.2-1" in out and "StudyDate = '2024-01-01'" in out
    code, out, _ = _run(capsys, "explain", "vr-invalid", "--format", "json")
    assert json.loads(out)["severity"] == "error"


def test_explain_former_name_lists_its_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "explain", "private-creator-invalid")
    assert code == 0 and "former name of: private-creator-invalid, private-creator-un" in out
    assert "private-creator-un (warning)" in out


def test_explain_attribute_by_keyword_and_tag(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "explain", "PatientName")
    assert code == 0 and out.startswith("PatientName (0010,0010): in ")
    assert "CT Image / patient (module usage M, type 2)" in out
    code, by_tag, _ = _run(capsys, "explain", "(0010,0010)")
    assert by_tag == out
    code, out, _ = _run(capsys, "explain", "00280006", "--format", "json")
    data = json.loads(out)
    assert data["attribute"]["keyword"] == "PlanarConfiguration"
    rows = [u for u in data["usage"] if u["iod"] == "ct-image" and not u["path"]]
    assert rows and rows[0]["type"] == "1C" and "Samples per Pixel" in rows[0]["condition"]


def test_unknown_name_gets_suggestions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "vr-invalud"]) == 2
    err = capsys.readouterr().err
    assert "did you mean vr-invalid" in err and "Traceback" not in err
    assert main(["explain", "PatientNme"]) == 2
    assert "PatientName" in capsys.readouterr().err


def test_severity_override_per_code(capsys: pytest.CaptureFixture[str]) -> None:
    from pydicom.data import get_testdata_file

    path = get_testdata_file("badVR.dcm")
    assert main(["validate", "--format", "json", path]) == 1
    before = json.loads(capsys.readouterr().out)
    assert main(["validate", "--format", "json", "--severity", "vr-invalid=warning",
                 "--severity", "uid-invalid=info", path]) == 1
    after = json.loads(capsys.readouterr().out)

    def by_code(doc: dict) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for report in doc["files"]:
            for f in report["findings"]:
                out.setdefault(f["code"], set()).add(f["severity"])
        return out

    b, a = by_code(before), by_code(after)
    assert b["vr-invalid"] == {"error"} and a["vr-invalid"] == {"warning"}
    assert a["uid-invalid"] == {"info"}
    assert {k: v for k, v in a.items() if k not in ("vr-invalid", "uid-invalid")} == {
        k: v for k, v in b.items() if k not in ("vr-invalid", "uid-invalid")}
    assert main(["validate", "--severity", "vr-invalud=warning", path]) == 2
    assert "did you mean vr-invalid" in capsys.readouterr().err
    assert main(["validate", "--severity", "vr-invalid=fatal", path]) == 2
