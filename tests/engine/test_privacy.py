"""No patient data in reports by default (PS3.15 Table E.1-1 values masked in every
format, rule-pack messages included); ``show_values`` opts in."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pydicom
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydicom.data import get_charset_files

from conformance.batch.collect import Batch
from conformance.engine.api import Validator
from conformance.engine.privacy import mask
from conformance.report import FORMATS, writer
from tests.helpers.testdata import pydicom_testdata

# Values chosen to be unmistakable in any output, each also provoking a finding that
# quotes it (bad formats, too long, not an enumerated value).
IDENTIFYING = {
    "PatientName": "Zzyzx^Quentin^Marlowe^Dr^Jr^Extra",     # 6 components: pn-format
    "PatientID": "PIDQ" + "7" * 70,                          # LO longer than 64
    "PatientBirthDate": "19691331",                          # no 13th month
    "OtherPatientIDs": "OPIDQ\\OPIDR",
    "ReferringPhysicianName": "Wexford^Hyacinth",
    "InstitutionName": "Saint Quillon Infirmary",
    "AccessionNumber": "ACCQ9988776655443322110",            # SH longer than 16
    "PatientAddress": "12 Quarry Lane, Snodsbury",
    "StudyDate": "2023021",                                  # 7 characters
}
RULES = """version: 1
rules:
  - id: site-name-check
    severity: warning
    message: "{keyword} is {value}, should be empty"
    check: {absent: PatientAddress}
"""


@pytest.fixture
def leaky(tmp_path: Path) -> Path:
    ds = pydicom.dcmread(pydicom_testdata("CT_small.dcm"))
    for kw, v in IDENTIFYING.items():
        setattr(ds, kw, v)
    p = tmp_path / "leaky.dcm"
    ds.save_as(p)
    return p


def _needles() -> list[str]:
    out = []
    for v in IDENTIFYING.values():
        out.extend(x for x in v.split("\\") if len(x) >= 5)
        out.extend(x for x in v.split("^") if len(x) >= 5)
    return sorted(set(out))


def _write_all(validator: Validator, paths: list[Path]) -> dict[str, str]:
    out = {}
    for fmt in FORMATS:
        batch = Batch(standard=validator.standard)
        stream = io.StringIO()
        reports = batch.stream(validator.validate(p) for p in paths)
        writer(fmt)(reports, standard_info={"edition": "x"}, stream=stream, batch=batch,
                    show_info=True, group_by="file")
        out[fmt] = stream.getvalue()
    return out


def test_no_identifying_value_in_any_format(leaky: Path, tmp_path: Path) -> None:
    rules = tmp_path / "site.yaml"
    rules.write_text(RULES)
    v = Validator(rules=[rules])
    # A second file of the same study with another Patient ID: the cross-file finding
    # must not quote either ID.
    ds = pydicom.dcmread(leaky)
    ds.PatientID = "PIDOTHERQ55"
    ds.SOPInstanceUID = ds.SOPInstanceUID + ".9"
    other = tmp_path / "other.dcm"
    ds.save_as(other)
    texts = _write_all(v, [leaky, other])
    report = v.validate(leaky)
    codes = set(report.codes())
    # The findings that quote values were made (the masking had something to mask).
    assert {"vr-invalid", "pn-format", "site-name-check"} <= codes, codes
    assert any("<PN," in f.message or "<LO," in f.message for f in report.findings)
    for fmt, text in texts.items():
        for needle in _needles() + ["PIDOTHERQ55", "19691331", "2023021"]:
            assert needle not in text, (fmt, needle)
    assert "inconsistent-patient" in texts["json"]
    # The UIDs that would link the report to the patient are not shown either.
    assert str(pydicom.dcmread(leaky).StudyInstanceUID) not in texts["json"]


def test_show_values_opts_in(leaky: Path) -> None:
    r = Validator(show_values=True).validate(leaky)
    text = json.dumps(r.to_dict())
    assert "Marlowe" in text or "PIDQ7777" in text
    assert r.identity is not None and r.identity.patient_id == IDENTIFYING["PatientID"]
    masked = Validator().validate(leaky)
    assert masked.identity is not None
    assert masked.identity.patient_id == mask(IDENTIFYING["PatientID"], "LO")
    # Show values survives pickling (process pools re-create the Validator).
    import pickle

    assert pickle.loads(pickle.dumps(Validator(show_values=True))).show_values


def test_values_looked_for_within_a_text_are_those_it_holds() -> None:
    """``identifying_values(within=...)`` is the full list cut to the values that occur
    in the text as they are or in their ``repr`` form (a control character)."""
    from conformance.engine.privacy import identifying_values
    from conformance.standard.loader import load_standard

    ds = pydicom.Dataset()
    for keyword, value in IDENTIFYING.items():
        setattr(ds, keyword, value)
    ds.PatientComments = "line one\nline two"  # repr form: 'line one\\nline two'
    buf = io.BytesIO()
    ds.save_as(buf, implicit_vr=False, little_endian=True)
    raw = pydicom.dcmread(io.BytesIO(buf.getvalue()), force=True)  # values as read
    std = load_standard()
    full = identifying_values(raw, std)
    assert "Zzyzx" in full and "OPIDR" in full and "line one\nline two" in full
    text = "'Zzyzx' and OPIDR, then 'line one\\nline two' but not Wexford either"
    within = identifying_values(raw, std, within=text)
    assert within == {t: m for t, m in full.items()
                      if t in text or repr(t)[1:-1] in text}
    assert {"Zzyzx", "OPIDR", "line one\nline two"} <= set(within)
    assert "Wexford^Hyacinth" not in within and "Wexford" in within  # its PN component


def _shown_and_masked(ds: pydicom.Dataset, path: Path) -> tuple[str, str]:
    """The messages of ``ds`` saved at ``path``, with values shown and masked."""
    ds.save_as(path, enforce_file_format=True)
    shown = " ".join(f.message for f in Validator(show_values=True).validate(path).findings)
    return shown, " ".join(f.message for f in Validator().validate(path).findings)


def test_words_of_a_name_written_with_spaces_are_masked(tmp_path: Path) -> None:
    """pn-separator suggests the words of such a name in another order ('Quillonby
    Hargreave' -> e.g. 'Hargreave^Quillonby'): each word is masked, not only the value."""
    ds = pydicom.dcmread(pydicom_testdata("CT_small.dcm"))
    ds.PatientName = "Quillonby Hargreave"
    shown, masked = _shown_and_masked(ds, tmp_path / "spaced.dcm")
    assert "Hargreave^Quillonby" in shown  # the suggestion that quotes the words
    assert "Hargreave" not in masked and "Quillonby" not in masked


def test_a_name_stored_as_un_is_masked_as_a_name(tmp_path: Path) -> None:
    """The checks read Patient's Name stored as UN as PN (the dictionary's VR), so the
    form pn-separator suggests is masked too (found by review)."""
    from pydicom.dataelem import RawDataElement
    from pydicom.tag import BaseTag

    ds = pydicom.dcmread(pydicom_testdata("CT_small.dcm"))
    value = b"Quillonby Hargreave "
    ds._dict[BaseTag(0x00100010)] = RawDataElement(BaseTag(0x00100010), "UN", len(value),
                                                   value, 0, False, True)
    shown, masked = _shown_and_masked(ds, tmp_path / "un.dcm")
    assert "Hargreave^Quillonby" in shown
    assert "Hargreave" not in masked and "Quillonby" not in masked


def test_a_name_in_another_character_set_is_masked_as_decoded(tmp_path: Path) -> None:
    """Messages quote text decoded with the data set's character set: "Jürgen" under
    ISO_IR 192 is masked as such, not only as its bytes read as Latin-1 (found by review;
    older than the change that found it)."""
    ds = pydicom.dcmread(pydicom_testdata("CT_small.dcm"))
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.PatientName = "Jürgen Müllerström"
    shown, masked = _shown_and_masked(ds, tmp_path / "utf8.dcm")
    assert "Müllerström" in shown
    assert "Müllerström" not in masked and "Jürgen" not in masked


@pytest.mark.parametrize("name", ["chrSQEncoding.dcm", "chrSQEncoding1.dcm", "chrH31.dcm",
                                  "chrX1.dcm", "chrFrenMulti.dcm", "CT_small.dcm", "names"])
def test_character_sets_read_once_per_data_set_change_nothing(
        name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each data set's character sets are made once per reading (each value beyond ASCII
    asked for them): the values found are those of asking for every value, items with
    a character set of their own included."""
    from conformance.engine import privacy
    from conformance.standard.loader import load_standard

    std = load_standard()
    charsets = {Path(f).name: f for f in get_charset_files()}
    if name == "names":  # three names beyond ASCII in one data set
        ds = pydicom.dcmread(pydicom_testdata("CT_small.dcm"))
        ds.SpecificCharacterSet = "ISO_IR 192"
        for tag in (0x00100010, 0x00080090, 0x00081050):
            ds.add_new(tag, "PN", "Jürgen^Müller".encode())
        path = str(tmp_path / "names.dcm")
        ds.save_as(path)
    else:
        path = charsets[name] if name in charsets else pydicom_testdata(name)
    once = privacy.identifying_values(pydicom.dcmread(path, force=True), std)
    asked: list[int] = []
    real = privacy._encodings

    def each_time(items: list[pydicom.Dataset], known: object) -> list[list[str]]:
        asked.append(id(items[-1]))
        return real(items[-1], items[0])

    monkeypatch.setattr(privacy, "_held_encodings", each_time)
    every = privacy.identifying_values(pydicom.dcmread(path, force=True), std)
    assert once == every and once
    if name == "names":
        assert "Müller" in once
        assert len(asked) > len(set(asked))  # the same data set asked again: memo used


@pytest.mark.parametrize("vr, value", [("IS", "0"), ("US", 0), ("DS", "0")])
def test_a_character_set_stored_as_a_number_is_no_crash(vr: str, value: object,
                                                        tmp_path: Path) -> None:
    """Specific Character Set stored with a numeric VR (a hostile file; found by review):
    masking read its converted value as a list of terms and the whole validation
    stopped with a TypeError. It names no character set; the names are still masked."""
    from pydicom.sequence import Sequence

    item = pydicom.Dataset()
    item.add_new(0x00080005, vr, value)
    item.add_new(0x00080090, "PN", "Müller Jürgen".encode())
    item.add_new(0x00081070, "PN", "Ström Örjan".encode())
    ds = pydicom.dcmread(pydicom_testdata("CT_small.dcm"))
    ds.add_new(0x00081111, "SQ", Sequence([item]))
    ds.add_new(0x00080005, vr, value)
    ds.PatientName = "Öberg Åsa".encode()
    shown, masked = _shown_and_masked(ds, tmp_path / f"cs_{vr}.dcm")
    assert "internal-error" not in shown + masked and "stopped" not in shown + masked
    # no character set named: the names read as Latin-1 ('Ã\\x96berg'); quoted when shown
    assert "berg" in shown
    for part in ("ller", "rgen", "rjan", "berg", "sa^"):  # their ASCII letters
        assert part not in masked, part


_TERMS = ["", "ISO_IR 100", "ISO_IR 192", "ISO 2022 IR 87", "ISO 2022 IR 149", "GB18030",
          "ISO 2022 IR 100", "ISO_IR 13", "NOT A SET"]


@settings(max_examples=60, deadline=None)
@given(root_terms=st.lists(st.sampled_from(_TERMS), max_size=3),
       item_terms=st.none() | st.lists(st.sampled_from(_TERMS), max_size=3),
       noise=st.lists(st.binary(min_size=1, max_size=3), min_size=2, max_size=2),
       in_item=st.booleans())
def test_a_name_quoted_as_the_checks_decode_it_is_masked(
        root_terms: list[str], item_terms: list[str] | None, noise: list[bytes],
        in_item: bool) -> None:
    """Whatever the character sets (a leading empty value, an unknown term, bytes the
    set cannot decode), a name's letters quoted in a message with values shown are
    masked by default (found by review: a name under '\\ISO 2022 IR 87' was quoted as
    the checks decode it, with the set first, and masking had read it with the default
    repertoire first)."""
    import tempfile

    from pydicom.sequence import Sequence

    name = b"Qxzvbw " + noise[0] + b" Kjqpfy" + noise[1]  # no '^': pn-separator quotes it
    ds = pydicom.dcmread(pydicom_testdata("CT_small.dcm"))
    if root_terms:
        ds.add_new(0x00080005, "CS", "\\".join(root_terms))
    elif "SpecificCharacterSet" in ds:
        del ds.SpecificCharacterSet
    target = ds
    if in_item:
        target = pydicom.Dataset()
        if item_terms is not None:
            target.add_new(0x00080005, "CS", "\\".join(item_terms))
        ds.add_new(0x00081111, "SQ", Sequence([target]))
    target.add_new(0x00081050, "PN", name)
    with tempfile.TemporaryDirectory() as tmp:
        shown, masked = _shown_and_masked(ds, Path(tmp) / "n.dcm")
    for word in ("Qxzvbw", "Kjqpfy"):
        assert word not in masked, (word, masked)


def test_values_decoded_for_masking_are_those_the_checks_decode() -> None:
    """The VRs masking reads as stored bytes only are those whose repertoire PS3.5 Table
    6.2-1 does not extend with (0008,0005), as ``VRSpec.extended`` reads the same rows;
    a build without the table decodes every value."""
    from conformance.checks.values._vrspec import specs
    from conformance.engine.privacy import _plain_vrs
    from conformance.standard.loader import load_standard

    std = load_standard()
    plain = _plain_vrs(std)
    table = specs(std)
    assert plain == {vr for vr in std.vrs if not table[vr].extended}
    assert {"OB", "UN", "US", "CS", "UI"} <= plain and not plain & {"PN", "LO", "SH", "UT"}

    class NoTable:
        @property
        def vrs(self) -> dict[str, object]:
            raise KeyError("vrs")

    assert _plain_vrs(NoTable()) == frozenset()
