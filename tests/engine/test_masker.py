"""The Masker: identifying values replaced in messages where they stand as whole tokens
(or quoted when short), in their own and their ``repr`` form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.engine.masker import Masker


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
