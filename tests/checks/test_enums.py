"""Enumerated values (error) and defined terms (warning), per value index."""

from __future__ import annotations

from tests.engine.datasets import codes, ct_dataset, run


def _by(report, code):  # type: ignore[no-untyped-def]
    return [f for f in report.findings if f.code == code]


def test_allowed_values_pass() -> None:
    r = run(ct_dataset())
    assert not _by(r, "enum-value") and not _by(r, "defined-term")


def test_enumerated_value_all_values() -> None:
    ds = ct_dataset()
    ds.PatientSex = "X"
    found = _by(run(ds), "enum-value")
    assert len(found) == 1 and found[0].severity == "error"
    assert found[0].message.startswith(
        "Unrecognized enumerated value <X> for value 1 of attribute <Patient's Sex>")


def test_enumerated_value_per_index() -> None:
    ds = ct_dataset()
    ds.ImageType = ["ORIGINAL", "TERTIARY", "SOMETHING"]
    r = run(ds)
    enum = _by(r, "enum-value")
    assert [f.message.split(" attribute")[0] for f in enum] == [
        "Unrecognized enumerated value <TERTIARY> for value 2 of"]
    terms = _by(r, "defined-term")
    assert len(terms) == 1 and terms[0].severity == "warning"
    assert "<SOMETHING> for value 3" in terms[0].message


def test_defined_term_warning() -> None:
    ds = ct_dataset()
    ds.Modality = "ZZ"
    r = run(ds)
    assert codes(r).count("defined-term") == 1 and r.ok


def test_empty_value_is_not_an_enum_finding() -> None:
    ds = ct_dataset()
    ds.PatientSex = ""
    assert not _by(run(ds), "enum-value")


def test_at_values_compare_as_tags() -> None:
    """PS3.3 C.8.5.6.1.4 lists Frame Increment Pointer terms as 8 hex digits ("00181063");
    pydicom gives an AT value as an int, which must not be read as decimal 181063."""
    from conformance.checks.enums import _allowed
    from conformance.engine.requirement_types import EnumSpec

    spec = EnumSpec("defined", None, frozenset({"00181063", "00181065"}),
                    frozenset({181063.0, 181065.0}), ("00181063", "00181065"))
    assert _allowed(spec, 0x00181063, "AT")
    assert not _allowed(spec, 0x00181066, "AT")
    assert not _allowed(spec, 181063, "AT")
