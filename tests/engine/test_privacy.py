"""No patient data in reports by default (PS3.15 Table E.1-1 values masked in every
format, rule-pack messages included); ``show_values`` opts in."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pydicom
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.batch.collect import Batch
from conformance.engine.api import Validator
from conformance.engine.privacy import Masker, mask
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


def test_masker_leaves_unrelated_words_alone() -> None:
    m = Masker({"M": "<CS, 1 characters>", "Smith^John": "<PN, 10 characters>",
                "Smith": "<PN, 5 characters>"})
    assert m("Module usage M; value 'M' is not allowed") == \
        "Module usage M; value '<CS, 1 characters>' is not allowed"
    assert m("name 'Smith^John' has Smith") == \
        "name '<PN, 10 characters>' has <PN, 5 characters>"
    assert m("Smithsonian") == "Smithsonian"
    uid = Masker({"1.2": "<UI, 3 characters>"})
    assert uid("1.2 is not under 1.2.840; 3.1.2 neither") == \
        "<UI, 3 characters> is not under 1.2.840; 3.1.2 neither"
    assert m("it was Smith.") == "it was <PN, 5 characters>."


def test_masker_masks_a_value_after_a_repr_escape() -> None:
    """A message quoting a stored value as Python shows it ('\\t1.2.3': a tab, then the
    UID) holds the value right after a letter or digit of the escape: still masked."""
    uid = Masker({"1.2.840.99": "<UI>"})
    assert uid("bad UID '\\t1.2.840.99'") == "bad UID '\\t<UI>'"
    assert uid("'\\n1.2.840.99', '\\x851.2.840.99', '\\u00a01.2.840.99'") == \
        "'\\n<UI>', '\\x85<UI>', '\\u00a0<UI>'"
    assert uid("t1.2.840.99 and x851.2.840.99") == "t1.2.840.99 and x851.2.840.99"


def test_masker_masks_no_empty_value() -> None:
    # an empty alternative would match between any two quotes
    assert not Masker({"": "<e>"})
    assert Masker({"": "<e>", "M": "<m>"})("x = '' and 'M'") == "x = '' and '<m>'"


def _regex_masker(values: dict[str, str]) -> Any:
    """The alternation the Masker replaced (one compiled pattern, longest value first):
    the oracle its matching must agree with."""
    forms: dict[str, str] = {}
    for text, m in values.items():
        if text:
            forms.setdefault(text, m)
            forms.setdefault(repr(text)[1:-1], m)
    parts = []
    for text in sorted(forms, key=len, reverse=True):
        e = re.escape(text)
        # a whole token: after no letter, digit or dotted number, or after a repr escape
        start = (r"(?:(?<![A-Za-z0-9])(?<![A-Za-z0-9]\.)|(?<=\\[tnr])|(?<=\\x[0-9a-f]{2})"
                 r"|(?<=\\u[0-9a-f]{4})|(?<=\\U[0-9a-f]{8}))")
        parts.append(rf"{start}{e}(?![A-Za-z0-9]|\.[A-Za-z0-9])"
                     if len(text) >= 3 else rf"(?<=['\"]){e}(?=['\"])")
    pattern = re.compile("|".join(parts)) if parts else None
    return lambda msg: pattern.sub(lambda mt: forms[mt.group(0)], msg) if pattern else msg


_PIECES = st.sampled_from(["1.2", "1.2.3", ".", "'", '"', " ", "M", "Sm", "Smith",
                           "Smith^J", "a", "9", "\n", "\t", "x.y", "é", "^", "\\t",
                           "\\x85", "\\u00e9", "\\", "x", "t"])


@settings(max_examples=500, deadline=None)
@given(values=st.lists(st.lists(_PIECES, min_size=1, max_size=4).map("".join), min_size=1,
                       max_size=5), data=st.data())
def test_masker_matches_as_the_regular_expression_did(values: list[str],
                                                      data: st.DataObject) -> None:
    # messages made of the values themselves and of what borders them
    pieces = st.sampled_from(values) | _PIECES
    message = data.draw(st.lists(pieces, max_size=20).map("".join))
    table = {v: f"<{i}>" for i, v in enumerate(values)}
    assert Masker(table)(message) == _regex_masker(table)(message)


@pytest.mark.parametrize(("values", "message"), [
    ({"a" * 1000: "<m>"}, "a" * 100_000),
    ({"a" * i: f"<{i}>" for i in range(3, 303)}, "a" * 20_000 + " aaa."),
    ({"- " * i + "-": f"<{i}>" for i in range(1, 301)}, "- " * 10_000),
    ({"M": "<m>"}, "'M'" * 50_000),
])
def test_values_met_too_often_go_to_the_alternation(values: dict[str, str],
                                                    message: str) -> None:
    """A hostile message (values inside runs of themselves) is not looked at occurrence
    by occurrence (seconds: found by review); the compiled alternation answers alike."""
    m = Masker(values)
    assert m(message) == _regex_masker(values)(message)
    assert m._re is not None  # noqa: SLF001 - the fallback was taken
    # an ordinary message with the same values stays on str.find
    plain, ordinary = Masker(values), "a value 'M' and aaaaa"
    assert plain(ordinary) == _regex_masker(values)(ordinary)
    assert plain._re is None  # noqa: SLF001


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
