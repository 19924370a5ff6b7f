"""Cell and text helpers of the PS3.3 reader: markers, tags, types, usages, sentences."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from conformance.compiler.readers.part03_cells import (
    parse_tag_cell,
    parse_type,
    parse_usage,
    split_markers,
)
from conformance.compiler.readers.part03_render import cell_blocks, normalise_sentence
from conformance.compiler.readers.part03_text import (
    condition_text,
    enums_of,
    is_condition_sentence,
    item_counts,
    prose_of,
    split_sentences,
)

HEX = st.text(alphabet="0123456789ABCDEFabcdef", min_size=4, max_size=4)
NAME = st.text(alphabet=string.ascii_letters + " '()-/", min_size=1, max_size=40).filter(
    lambda s: s.strip() != "")
DB = 'xmlns="http://docbook.org/ns/docbook"'


def td(inner: str) -> etree._Element:
    return etree.fromstring(f"<td {DB}>{inner}</td>")


@given(st.integers(min_value=0, max_value=6), NAME)
def test_split_markers_counts_levels(level, name):
    assert split_markers(">" * level + name) == (level, " ".join(name.split()))


@given(st.integers(min_value=0, max_value=4), NAME)
def test_split_markers_tolerates_spaces_between_markers(level, name):
    assert split_markers(" > " * level + name)[0] == level


@given(HEX, HEX)
def test_parse_tag_cell_canonical(group, element):
    expected = (group + element).upper()
    assert parse_tag_cell(f"({group},{element})") == expected
    assert parse_tag_cell(f"( {group} , {element} )") == expected
    assert parse_tag_cell(f"{group},{element})") == expected  # missing "("
    assert parse_tag_cell(f"({group}.{element})") == expected  # dot for comma


def test_parse_tag_cell_masks_and_rejects():
    assert parse_tag_cell("(60xx,3000)") == "60xx3000"
    assert parse_tag_cell("(50XX,xxxx)") == "50xxxxxx"
    assert parse_tag_cell("see note") is None
    assert parse_tag_cell("") is None
    assert parse_tag_cell("(0008,0016) or (0008,0018)") is None


@given(st.text(max_size=30))
def test_parsers_never_raise(text):
    parse_tag_cell(text)
    parse_type(text)
    parse_usage(text)
    split_markers(text)
    split_sentences(text)
    is_condition_sentence(text)
    item_counts([text])
    normalise_sentence(text)


@given(st.sampled_from(["1", "1C", "2", "2C", "3"]), st.booleans(), st.text(" ", max_size=2))
def test_parse_type_normalises(kind, lower, pad):
    text = pad + (kind.lower() if lower else kind) + pad
    assert parse_type(text) == (kind, True)


@given(st.text(alphabet=string.ascii_letters + string.digits + "-", min_size=1, max_size=5))
def test_parse_type_keeps_unknown_text(text):
    value, ok = parse_type(text)
    assert ok == (text.upper() in {"1", "1C", "2", "2C", "3"})
    if not ok:
        assert value == text


def test_parse_usage_forms():
    assert parse_usage("M") == ("M", "")
    assert parse_usage("U") == ("U", "")
    assert parse_usage("C - Required if contrast media was used") == \
        ("C", "Required if contrast media was used")
    assert parse_usage("C \u2013 Required if X.") == ("C", "Required if X.")
    assert parse_usage("M - May not be used as a Shared Functional Group.") == \
        ("M", "May not be used as a Shared Functional Group.")


def test_split_sentences_keeps_labels_and_abbreviations():
    text = ("See Section C.7.6.1.1. Required if Image Type (0008,0008) Value 1 is ORIGINAL, "
            "e.g. Foo. May be present otherwise.")
    assert split_sentences(text) == [
        "See Section C.7.6.1.1.",
        "Required if Image Type (0008,0008) Value 1 is ORIGINAL, e.g. Foo.",
        "May be present otherwise."]


def test_condition_sentences():
    assert is_condition_sentence("Required if X is present.")
    assert is_condition_sentence("Shall not be present if X is NO.")
    assert is_condition_sentence("May be present otherwise.")
    assert is_condition_sentence("If X is present, this Attribute shall be present.")
    assert is_condition_sentence("Mutually exclusive with Y (0008,0001).")
    assert is_condition_sentence("This Attribute is required if the image is ORIGINAL.")
    assert not is_condition_sentence("One or more Items shall be included in this Sequence if X.")
    assert not is_condition_sentence("If X is Y, Z shall be 2.")
    assert not is_condition_sentence("Sex of the named patient.")


def test_condition_skips_notes_and_enum_lists():
    cell = td("<para>Kind.</para><variablelist><title>Enumerated Values:</title>"
              "<varlistentry><term>YES</term><listitem><para>Required if x</para></listitem>"
              "</varlistentry></variablelist><para>Required when Z (0008,0002) is YES.</para>"
              "<note><para>Required if nothing.</para></note>")
    blocks = cell_blocks(cell)
    prose = prose_of(blocks)
    assert condition_text(prose) == "Required when Z (0008,0002) is YES."
    assert enums_of(prose, blocks) == [{"kind": "enumerated", "value_index": None,
                                        "values": ["YES"]}]


def test_paragraph_list_enums():
    cell = td("<para>Flag.</para><para>Defined Terms for Value 2:</para>"
              "<para>ALPHA</para><para>BETA_2</para><para>Something else follows.</para>")
    blocks = cell_blocks(cell)
    assert enums_of(prose_of(blocks), blocks) == [
        {"kind": "defined", "value_index": 2, "values": ["ALPHA", "BETA_2"]}]


def test_item_counts_forms():
    assert item_counts(["Only a single Item shall be included in this Sequence."]) == \
        {"min": 1, "max": 1}
    assert item_counts(["Only a single item is permitted in this Sequence."]) == \
        {"min": 1, "max": 1}
    assert item_counts(["One or more Items shall be included in this Sequence."]) == \
        {"min": 1, "max": None}
    assert item_counts(["Zero or more Items shall be included in this Sequence."]) == \
        {"min": 0, "max": None}
    assert item_counts(["Zero or one Item shall be included in this Sequence."]) == \
        {"min": 0, "max": 1}
    assert item_counts(["One or two Items shall be included in this Sequence."]) == \
        {"min": 1, "max": 2}
    assert item_counts(["Sequence of Items."]) is None


def test_normalise_sentence():
    assert normalise_sentence("Is \u201cA\u201d ,  or  B ; ( C ) .") == 'Is "A", or B; (C).'
