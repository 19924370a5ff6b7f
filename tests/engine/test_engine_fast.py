"""The engine's precomputed shortcuts answer as the plain computations they replace.

Binding plans (rows picked from an item's keys), module evidence (repeating-group masks
matched once per dataset), finding paths (steps shared per standard), the not-in-iod
index: each is compared with the straightforward version on the bundled standard.
"""

from __future__ import annotations

from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom.dataset import Dataset

from conformance.checks.not_in_iod import _index, _nested
from conformance.engine import standard_access
from conformance.engine.api import Validator
from conformance.engine.context import CheckContext
from conformance.engine.input import load
from conformance.engine.path import ElementPath
from conformance.engine.presence import _evidence
from conformance.engine.requirement_types import AttrReq, IodReq, matches_masks
from conformance.engine.requirements import requirements_for
from conformance.engine.walk import _plan

IODS = ("ct-image", "enhanced-ct-image", "rt-plan", "comprehensive-sr", "rt-dose")


@lru_cache(maxsize=1)
def _std() -> object:
    return standard_access.load(None)


@lru_cache(maxsize=8)
def _req(iod: str) -> IodReq:
    return requirements_for(_std(), iod)


def _row_lists(req: IodReq) -> list[tuple[AttrReq, ...]]:
    """Every row list of the IOD's modules, sequence items included (cycles cut)."""
    out: list[tuple[AttrReq, ...]] = []
    seen: set[int] = set()
    todo = [m.attrs for m in req.modules]
    while todo:
        attrs = todo.pop()
        if id(attrs) in seen:
            continue
        seen.add(id(attrs))
        out.append(attrs)
        todo.extend(a.children for a in attrs if a.children)
    return out


def _tags_of(req: IodReq) -> list[int]:
    return sorted({a.tag for attrs in _row_lists(req) for a in attrs if a.exact})


def _naive_rows(attrs: tuple[AttrReq, ...], keys: set[int]) -> list[AttrReq]:
    """Rows a binding looks at, in table order: every required or conditional row and
    repeating-group row, plus the optional rows the item holds."""
    return [a for a in attrs
            if (a.exact and (not a.optional or a.tag in keys))
            or (not a.exact and a.mask & 0xFFFF == 0xFFFF)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(IODS), st.data())
def test_binding_plan_picks_the_rows_a_plain_filter_picks(iod: str, data: st.DataObject
                                                           ) -> None:
    req = _req(iod)
    lists = _row_lists(req)
    attrs = data.draw(st.sampled_from(lists))
    own = sorted({a.tag for a in attrs})
    keys = set(data.draw(st.lists(st.sampled_from(own + [0x00091010, 0x60003000]))))
    assert list(_plan(attrs).rows(attrs, keys)) == _naive_rows(attrs, keys)


# Repeating-group tags: Overlay Plane (60xx,3000), (60xx,0010) and Multi-frame Overlay
# (60xx,0015), (60xx,0051), which RT Dose has both of.
_OVERLAY = st.builds(lambda g, e: (0x6000 + 2 * g) << 16 | e, st.integers(0, 0x0F),
                     st.sampled_from([0x3000, 0x0010, 0x0015, 0x0051]))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(IODS), st.data())
def test_module_evidence_matches_masks_like_each_module(iod: str, data: st.DataObject
                                                         ) -> None:
    req = _req(iod)
    tags = _tags_of(req)
    keys = data.draw(st.lists(st.sampled_from(tags) | _OVERLAY
                              | st.integers(0, 0xFFFFFFFF), max_size=12))
    ds = Dataset()
    for t in keys:
        ds.add_new(t, "UN", b"")
    v = Validator()
    ctx = v.context(load(ds))
    object.__setattr__(ctx, "requirements", req)
    got = _evidence(ctx)
    keyset = set(keys)
    for m in req.modules:
        want = (not m.presence_tags.isdisjoint(keyset)
                or any(matches_masks(k, m.presence_masks)
                       for k in keyset if k not in req.top_tags))
        assert got[m.id] is want, m.id


_STEPS = st.lists(st.tuples(st.sampled_from([0x00081115, 0x00400275, 0x0040A730,
                                             0x00091010, 0x52009230]),
                            st.integers(0, 3)), max_size=3)


@given(_STEPS, st.sampled_from([0x00081150, 0x00100010, 0x00291010, 0x60003000,
                                0x00080016]))
def test_finding_paths_are_the_element_paths_rendered(steps: list[tuple[int, int]],
                                                      tag: int) -> None:
    ctx = _ctx()
    where: ElementPath | None = None
    for t, i in steps:
        where = ElementPath(where, t, i)
    full = ElementPath(where, tag)
    assert ctx.path_of(where, tag) == (full.render(), full.render_keywords(ctx.keyword))
    f = ctx.finding("x", "info", "m", where=where, tag=tag)
    assert (f.path, f.keyword_path, f.tag, f.keyword) == (
        full.render(), full.render_keywords(ctx.keyword), f"{tag:08X}", ctx.keyword(tag))
    if where is not None:  # an element's own path, no tag
        g = ctx.finding("x", "info", "m", where=where)
        assert (g.path, g.tag, g.keyword) == (where.render(), f"{where.tag:08X}",
                                               ctx.keyword(where.tag))
    assert ctx.finding("x", "info", "m").path == ""


@lru_cache(maxsize=1)
def _ctx() -> CheckContext:
    return Validator().context(load(Dataset()))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(IODS), st.data())
def test_not_in_iod_index_is_the_rows_by_tag(iod: str, data: st.DataObject) -> None:
    req = _req(iod)
    lists = [a for a in _row_lists(req) if a]
    picked = tuple(data.draw(st.lists(st.sampled_from(lists), min_size=1, max_size=3)))
    index = _index(picked)
    rows = [a for attrs in picked for a in attrs]
    for a in rows:
        if a.exact:
            defs = [b for b in rows if b.exact and b.tag == a.tag]
            assert index.exact[a.tag] == defs
            assert (a.tag in index.guarded) is any(b.guards for b in defs)
            assert index.nested.get(a.tag) == _nested(defs)
            if all(b.children for b in defs):
                assert index.nested[a.tag] == tuple(b.children for b in defs)
    assert list(index.masked) == [a for a in rows if not a.exact]
    assert index.exact_tags == {a.tag for a in rows if a.exact}
    assert index.looked_at == index.guarded | set(index.nested)


_UID_BYTES = st.lists(st.sampled_from([b"1.2", b".840", b" ", b"\x00", b"\\", b"\t", b"\xa0",
                                       b"a", b"\x1b"]), max_size=5).map(b"".join)


@settings(max_examples=300, deadline=None)
@given(_UID_BYTES, st.sampled_from(["UI", None]), st.booleans())
def test_sop_class_read_from_bytes_is_the_converted_one(value: bytes, vr: str | None,
                                                       in_meta: bool) -> None:
    from pydicom.dataelem import RawDataElement
    from pydicom.tag import Tag

    from conformance.engine.sop_class import sop_class

    def holder(tag: int) -> Dataset:
        ds = Dataset()
        ds._dict[Tag(tag)] = RawDataElement(Tag(tag), vr, len(value), value, 0, vr is None,
                                            True)
        return ds

    ds, meta = (Dataset(), holder(0x00020002)) if in_meta else (holder(0x00080016), None)
    got = sop_class(ds, meta)
    # the same elements, converted first: the path that reads the converted value
    ds2, meta2 = (Dataset(), holder(0x00020002)) if in_meta else (holder(0x00080016), None)
    for d in (ds2, meta2):
        if d is not None:
            for t in list(d._dict):
                d._dict[t] = d[t]
    assert got == sop_class(ds2, meta2)
