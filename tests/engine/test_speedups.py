"""The engine's caches give the same answers as computing afresh."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from pydicom.dataset import Dataset

from conformance.engine import standard_access
from conformance.engine.input import load
from conformance.engine.path import ElementPath, keyword_of
from conformance.engine.requirement_types import mask_groups, matches_groups, matches_masks
from conformance.engine.requirements import requirements_for
from conformance.engine.walk import bound_attributes
from tests.engine.datasets import MINI, ct_dataset, mini_validator, with_file_meta

_steps = st.lists(st.tuples(st.integers(0, 0xFFFFFFFF), st.none() | st.integers(0, 9)),
                  min_size=1, max_size=5)


def _path(steps: list[tuple[int, int | None]]) -> ElementPath:
    p: ElementPath | None = None
    for tag, index in steps:
        p = ElementPath(p, tag, index)
    assert p is not None
    return p


@given(_steps)
def test_memoised_render_matches_the_steps(steps: list[tuple[int, int | None]]) -> None:
    p = _path(steps)
    want = ".".join(f"({t >> 16:04X},{t & 0xFFFF:04X})" + ("" if i is None else f"[{i}]")
                    for t, i in steps)
    assert p.render() == want
    assert p.render() == want  # second call: memo
    kws = ".".join(keyword_of(t) + ("" if i is None else f"[{i}]") for t, i in steps)
    assert p.render_keywords() == kws


def test_keyword_memo_follows_the_lookup() -> None:
    p = ElementPath(ElementPath(None, 0x00400275, 0), 0x00400007)
    assert p.render_keywords() == (
        "RequestAttributesSequence[0].ScheduledProcedureStepDescription")
    assert p.render_keywords(lambda t: f"T{t:X}") == "T400275[0].T400007"
    assert p.render_keywords().startswith("RequestAttributesSequence[0]")


def test_keyword_cache_is_shared_per_standard_and_correct() -> None:
    v = mini_validator()
    a = v.context(load(ct_dataset()))
    b = v.context(load(Dataset()))
    assert a.keyword(0x00100010) == "PatientName" == b.keyword(0x00100010)
    assert a._keywords is b._keywords
    assert a.keyword(0x00091001) == "(0009,1001)"  # private: no dictionary keyword


def test_equal_condition_expressions_share_a_key() -> None:
    req = requirements_for(standard_access.load(MINI), "enhanced-ct-image")
    exprs: dict[int, dict] = {}

    def visit(attrs) -> None:  # type: ignore[no-untyped-def]
        for a in attrs:
            for cond in (a.condition, *a.guards):
                if cond and isinstance(cond.get("expr"), dict):
                    exprs[id(cond["expr"])] = cond["expr"]
            visit(a.children)

    for m in req.modules:
        visit(m.attrs)
    assert exprs and set(exprs) <= set(req.expr_keys)
    for i, x in exprs.items():
        for j, y in exprs.items():
            assert (req.expr_keys[i] == req.expr_keys[j]) == (x == y)


def test_bound_presence_uses_plain_int_keys() -> None:
    ctx = mini_validator().context(load(ct_dataset()))
    bound = bound_attributes(ctx)
    assert bound and all(b.present == (b.tag in b.item) for b in bound)


_pairs = st.lists(st.tuples(st.integers(0, 0xFFFFFFFF), st.sampled_from(
    [0xFF00FFFF, 0xFFFF0000, 0xFFFFFF00, 0xFFFFFFFF])), max_size=12)


@given(_pairs, st.lists(st.integers(0, 0xFFFFFFFF), max_size=20))
def test_mask_groups_match_as_the_pairs(pairs: list[tuple[int, int]], tags: list[int]) -> None:
    """Grouping (value, mask) pairs by mask answers as testing every pair."""
    masks = tuple(sorted((v & m, m) for v, m in pairs))
    groups = mask_groups(masks)
    for tag in [*tags, *(v for v, _ in masks)]:
        assert matches_groups(tag, groups) == matches_masks(tag, masks)


def test_repeated_values_give_the_same_syntax_findings() -> None:
    """A stored value met again (another element, another file) gets the findings it got
    the first time, at its own place; the memo stays bounded."""
    import io

    from conformance.checks.values import vr_syntax
    from conformance.checks.values._lookup import cache_of

    ds = with_file_meta(ct_dataset())
    ds.StudyDate = "2020130"  # 7 characters: not a date, odd length
    ds.SeriesDate = "2020130"
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    data = buf.getvalue()
    v = mini_validator()
    memo = cache_of(v.standard).syntax
    memo.clear()
    first = [f for f in v.validate(data).findings if f.code == "vr-invalid"]
    assert [f.keyword for f in first] == ["StudyDate", "SeriesDate"]
    assert ("DA", b"2020130 ") in memo  # as stored: padded to even length
    again = [f for f in v.validate(data).findings if f.code == "vr-invalid"]
    assert again == first
    for i in range(vr_syntax._MEMO_ENTRIES):
        memo[("LO", str(i).encode())] = ()
    v.validate(data.replace(b"2020130 ", b"2020131 "))  # a new value: full, so cleared
    assert 0 < len(memo) < 100
