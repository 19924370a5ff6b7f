"""The element traversal: order, paths, nested items, guarded check calls."""

from __future__ import annotations

from collections.abc import Iterator

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from conformance.engine.context import CheckContext
from conformance.engine.finding import Finding
from conformance.engine.path import ElementPath
from conformance.engine.registry import CheckInfo
from conformance.engine.traversal import traverse
from tests.engine.datasets import ct_dataset, mini_validator


def _ctx(ds: Dataset) -> CheckContext:
    from conformance.engine.input import load

    return mini_validator().context(load(ds))


def test_visits_every_element_with_paths() -> None:
    ds = ct_dataset()
    item = Dataset()
    item.ScheduledProcedureStepDescription = "x"
    ds.RequestAttributesSequence = Sequence([Dataset(), item])
    seen: list[tuple[str, str]] = []

    def record(elem: DataElement, where: ElementPath, ctx: CheckContext) -> Iterator[Finding]:
        seen.append((where.render(), where.render_keywords(ctx.keyword)))
        return iter(())

    traverse(_ctx(ds), [CheckInfo("t", "element", (), record)], [])
    assert ("(0040,0275)[1].(0040,0007)",
            "RequestAttributesSequence[1].ScheduledProcedureStepDescription") in seen
    assert len(seen) == len(ds) + 1
    top = [s for s, _ in seen if "." not in s]
    assert top == sorted(top)  # document (tag) order


def test_a_failing_check_becomes_an_internal_error() -> None:
    def broken(elem: DataElement, where: ElementPath, ctx: CheckContext) -> Iterator[Finding]:
        if elem.tag == 0x00100010:
            raise ValueError("bad check")
        return iter(())

    calls: list[int] = []

    def counter(elem: DataElement, where: ElementPath, ctx: CheckContext) -> Iterator[Finding]:
        calls.append(elem.tag)
        return iter(())

    sink: list[Finding] = []
    ds = ct_dataset()
    traverse(_ctx(ds), [CheckInfo("broken", "element", (), broken),
                        CheckInfo("counter", "element", (), counter)], sink)
    assert [f.code for f in sink] == ["internal-error"]
    assert sink[0].path == "(0010,0010)" and "bad check" in sink[0].message
    assert len(calls) == len(ds)  # the other check still saw every element


def test_element_path_rendering() -> None:
    p = ElementPath(None, 0x00400275).item(0).child(0x00400007)
    assert p.render() == "(0040,0275)[0].(0040,0007)"
    assert p.render_keywords() == "RequestAttributesSequence[0].ScheduledProcedureStepDescription"
    assert ElementPath(None, 0x00091001).render_keywords() == "(0009,1001)"
    assert p == ElementPath(ElementPath(None, 0x00400275, 0), 0x00400007)
    assert p.depth == 1
