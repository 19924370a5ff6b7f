"""The facts table (conditions/facts.json): every fact decides true on one dataset and
false on another; presumptions decide only while presumptions are on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from conformance.conditions import EvalContext, evaluate, facts
from conformance.conditions.reference import evaluate as reference


def _fact(name: str) -> dict[str, Any]:
    return {"op": "fact", "name": name}


def _iod(listing: dict[tuple[str, str], str]) -> Callable[[str, str], bool | None]:
    """A module_present callback for an IOD table: {(kind, id): usage}."""
    def present(module: str, kind: str) -> bool | None:
        usage = listing.get((kind, module))
        if usage is None:
            return False
        return True if usage == "M" else None

    return present


def _decide(name: str, ds: Dataset, *, iod: dict[tuple[str, str], str] | None = None,
            presumptions: bool = True) -> bool | None:
    ctx = EvalContext.at_root(ds, module_present=_iod(iod or {}))
    token = facts.PRESUMPTIONS.set(presumptions)
    try:
        got = evaluate(_fact(name), ctx)
        assert reference(_fact(name), ctx) == got  # both evaluators share the logic
        return got
    finally:
        facts.PRESUMPTIONS.reset(token)


def test_every_fact_is_cited_and_tested() -> None:
    assert set(facts.table()) == set(CASES) | {"extended-character-set-used"}
    for f in facts.table().values():
        assert f["citation"]["text"] and f["citation"]["part"] in (3, 5)


def _animal() -> Dataset:
    ds = Dataset()
    ds.PatientSpeciesDescription = "Canis lupus familiaris"
    return ds


def _mect() -> Dataset:
    ds = Dataset()
    ds.MultienergyCTAcquisitionSequence = Sequence([Dataset()])
    return ds


def _spacing() -> Dataset:
    ds = Dataset()
    ds.PixelSpacing = [0.5, 0.5]
    return ds


CT = {("iod", "image-plane"): "M"}
US: dict[tuple[str, str], str] = {}
ENHANCED = {("iod_functional_group", "plane-orientation-patient"): "M"}
SLIDE = {("iod", "whole-slide-microscopy-image"): "M"}

# name -> (dataset and IOD where true, where false, where unknown or None)
CASES: dict[str, tuple[Any, Any, Any]] = {
    "patient-is-animal": ((_animal, US), (Dataset, US), None),
    "image-orientation-not-required": ((Dataset, US), (Dataset, CT), (Dataset, {
        ("iod", "image-plane"): "U"})),
    "attribute-in-multi-energy-ct-acquisition-sequence": (None, (Dataset, CT), (_mect, CT)),
    "pixel-spacing-absent": ((Dataset, CT), (_spacing, CT), None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fact_decides(name: str) -> None:
    true, false, unknown = CASES[name]
    if true is not None:
        assert _decide(name, true[0](), iod=true[1]) is True
    assert _decide(name, false[0](), iod=false[1]) is False
    if unknown is not None:
        assert _decide(name, unknown[0](), iod=unknown[1]) is None


def test_enhanced_and_slide_iods_require_orientation() -> None:
    assert _decide("image-orientation-not-required", Dataset(), iod=ENHANCED) is False
    assert _decide("image-orientation-not-required", Dataset(), iod=SLIDE) is False


def test_animal_presumption_is_flagged_and_can_be_turned_off() -> None:
    assert facts.is_presumption("patient-is-animal")
    assert not facts.is_presumption("pixel-spacing-absent")
    human = Dataset()
    human.PatientName = "Doe^John"
    assert _decide("patient-is-animal", human) is False            # presumed
    assert _decide("patient-is-animal", human, presumptions=False) is None
    # evidence is no presumption: it decides with presumptions off too
    assert _decide("patient-is-animal", _animal(), presumptions=False) is True


def _text(value: bytes | str, charset: str | None = None) -> Dataset:
    ds = Dataset()
    if charset is not None:
        ds.SpecificCharacterSet = charset
    ds.add_new(0x00100010, "PN", value)
    return ds


def test_extended_character_set_from_the_bytes() -> None:
    name = "extended-character-set-used"
    assert _decide(name, _text("Buc^J\u00e9r\u00f4me")) is True
    assert _decide(name, _text(b"\x1b$B;3ED\x1b(B^Taro")) is True      # ISO 2022 escape
    assert _decide(name, _text("Doe^John")) is False
    assert _decide(name, _text("Doe^John", "ISO_IR 100")) is True     # declared set in use
    assert _decide(name, _text("Doe^John", "ISO_IR 6")) is False
    nested = Dataset()
    nested.add_new(0x00081111, "SQ", Sequence([_text("M\u00fcller^Hans")]))
    assert _decide(name, nested) is True                               # inside a sequence



def _beyond_by_character(value: Any) -> bool:
    """PS3.5 6.1.2 read literally: a byte or character above 7FH, or ESC."""
    if isinstance(value, bytes | bytearray):
        return any(b > 0x7F or b == 0x1B for b in value)
    if isinstance(value, list | tuple):
        return any(_beyond_by_character(v) for v in value)
    return any(ord(c) > 0x7F or c == "\x1b" for c in str(value))


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.binary(max_size=40), st.text(max_size=40),
                 st.lists(st.one_of(st.binary(max_size=8), st.text(max_size=8)), max_size=4)))
@example(b"\x1b$B;3ED\x1b(B")
@example("Doe\x1bJohn")
@example([b"ok", "\x1b"])
@example(b"\x7f")
@example("\x7f\x80")
@example(bytearray(b"\xc3\xa9"))
def test_text_beyond_the_default_repertoire_is_told_as_by_each_character(value: Any) -> None:
    assert facts._beyond_default(value) is _beyond_by_character(value)


def test_real_files_use_an_extended_character_set_as_their_bytes_say() -> None:
    """Read as stored (implicit VR files too): the charset files use one, CT_small not."""
    import pydicom
    from pydicom.data import get_charset_files, get_testdata_file

    for path in [*(f for f in get_charset_files() if f.endswith(".dcm")),
                 get_testdata_file("CT_small.dcm"), get_testdata_file("MR_small.dcm")]:
        ds = pydicom.dcmread(path, force=True)
        want = any(_beyond_by_character(e.value) for e in ds.iterall()
                   if e.VR in ("SH", "LO", "ST", "LT", "UC", "UT", "PN"))
        got = facts._text_beyond_default(EvalContext.at_root(pydicom.dcmread(path, force=True)))
        assert got is want, path

def test_phrases_map_unknown_parts_to_facts() -> None:
    split = {"op": "or", "args": [{"op": "unknown", "text": "an expanded"},
                                  {"op": "unknown", "text": "replacement character set is used"}]}
    assert facts.resolve(split) == _fact("extended-character-set-used")
    animal = {"op": "and", "args": [{"op": "unknown", "text": "the Patient is an animal"},
                                    {"op": "absent", "attr": {"tag": "00102202"}}]}
    got = facts.resolve(animal)
    assert got["args"][0] == _fact("patient-is-animal") and got is not animal
    assert animal["args"][0]["op"] == "unknown"  # never changed in place
    process = {"op": "unknown", "text": "contrast media was used in this image"}
    assert facts.resolve(process) is process
    assert facts.open_unknowns(animal) == []
    assert facts.open_unknowns(process) == ["contrast media was used in this image"]


def test_short_circuit_through_facts() -> None:
    """unknown AND false = false; unknown OR true = true, with a fact deciding the
    known side (the Multi-energy CT rows of every CT file)."""
    forbidden = {"op": "and", "args": [
        {"op": "unknown", "text": "this Attribute is present in Multi-energy CT Acquisition "
                                  "Sequence (0018,9362)"},
        {"op": "unknown", "text": "the value is not the same in all Items"}]}
    ctx = EvalContext.at_root(Dataset())
    assert evaluate(forbidden, ctx) is False
    assert evaluate(forbidden, EvalContext.at_root(_mect())) is None
    either = {"op": "or", "args": [{"op": "unknown", "text": "it is a Tuesday"},
                                   {"op": "unknown", "text": "the Patient is an animal"}]}
    assert evaluate(either, EvalContext.at_root(_animal())) is True
    assert evaluate(either, ctx) is None


def test_validator_presumptions_switch() -> None:
    """The engine: with presumptions (default) the animal rows of a human CT are decided;
    with ``presumptions=False`` they are data conditions the file leaves open."""
    from pydicom.data import get_testdata_file

    from conformance.engine.api import Validator, validate

    path = get_testdata_file("CT_small.dcm")
    if path is None:
        pytest.skip("pydicom test file CT_small.dcm not available")

    def animal_notes(report: Any) -> list[str]:
        return [f.keyword for f in report.findings if f.code == "condition-not-checked"
                and "animal" in f.message]

    assert animal_notes(validate(path)) == []
    off = Validator(presumptions=False).validate(path)
    assert "PatientSpeciesDescription" in animal_notes(off)
    assert all("is absent" in f.message or "are absent" in f.message
               for f in off.findings if f.code == "condition-not-checked")
    assert animal_notes(validate(path, presumptions=False)) == animal_notes(off)


def test_presumption_note_says_when_a_presumption_decided() -> None:
    from types import SimpleNamespace

    from conformance.engine.undecided import presumption_note

    ctx = SimpleNamespace(evaluate=evaluate)
    human = EvalContext.at_root(Dataset())
    note = presumption_note(ctx, _fact("patient-is-animal"), human)
    assert "decided by a presumption" in note and "--no-presumptions" in note
    assert presumption_note(ctx, _fact("patient-is-animal"),
                            EvalContext.at_root(_animal())) == ""      # evidence decided
    assert presumption_note(ctx, _fact("pixel-spacing-absent"), human) == ""  # no presumption
