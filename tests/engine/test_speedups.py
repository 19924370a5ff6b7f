"""The engine's caches give the same answers as computing afresh."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from pydicom.dataset import Dataset

from conformance.engine import standard_access
from conformance.engine.input import load
from conformance.engine.path import ElementPath, keyword_of
from conformance.engine.requirements import requirements_for
from conformance.engine.walk import bound_attributes
from tests.engine.datasets import MINI, ct_dataset, mini_validator

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
