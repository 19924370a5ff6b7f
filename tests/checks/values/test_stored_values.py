"""The value checks read stored bytes: they agree with pydicom where they stand in for it.

- value counts from the stored bytes equal pydicom's VM;
- the precompiled repertoire pattern accepts exactly what the rule-by-rule check accepts;
- an element converted by another check before the traversal is still seen as stored;
- an empty element encoded UN is reported like a non-empty one.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataelem import RawDataElement, convert_raw_data_element
from pydicom.dataset import Dataset
from pydicom.tag import Tag

from conformance.checks.values._vrspec import specs
from conformance.checks.values.vm import stored_count, value_count
from conformance.checks.values.vr_syntax import repertoire_reason
from conformance.engine.input import ReadFacts
from tests.checks.values.conftest import FakeStandard, codes, dataset, raw, run_checks
from tests.helpers.raw_elements import quiet_pydicom  # noqa: F401 - autouse fixture

VALUE_CHECKS = ("vr_syntax", "vr_dictionary", "vm", "pn", "uid", "retired", "charset",
                "private", "file_meta", "pixel_data")
_BYTES = st.lists(st.sampled_from([b"1", b".", b"-", b" ", b"\\", b"\x00", b"a", b"\xff",
                                   b"^", b"=", b"\x1b", b"\t"]), max_size=10).map(b"".join)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO",
                        "PN", "SH", "SL", "SS", "SV", "TM", "UC", "UI", "UL", "US", "UV"]),
       _BYTES)
def test_stored_count_is_pydicoms_vm(vr: str, value: bytes) -> None:
    elem = RawDataElement(Tag(0x00091001), vr, len(value), value, 0, False, True)
    try:
        converted = convert_raw_data_element(elem)
    except Exception:  # noqa: BLE001 - refused bytes: element-unreadable, not counted
        return
    want = value_count(converted)
    got = stored_count(value, vr)
    # A lone value pydicom strips by VR (AE keeps NUL, DS/UI drop TAB, PN "="): the
    # check asks pydicom in exactly this case (count <= 1 of a non-empty field).
    assert got == want or (got is not None and got <= 1 and want <= 1 and value)


@pytest.fixture(scope="module", params=["fake", "bundled"])
def vr_specs(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "fake":
        return specs(FakeStandard())
    from conformance.standard import load_standard

    return specs(load_standard())


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow,
                                                   HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_repertoire_pattern_equals_the_rules(vr_specs: dict[str, Any], data: Any) -> None:
    spec = data.draw(st.sampled_from(sorted(vr_specs.values(), key=lambda s: s.vr)))
    text = data.draw(st.text(alphabet=st.sampled_from(
        list("AZaz09 _.-+:^=\\\t\r\n\x00\x1b\x7féあ\"'%/")), max_size=12))
    assert (spec.clean.fullmatch(text) is not None) == (repertoire_reason(text, spec) is None)


def test_findings_do_not_depend_on_earlier_conversions(std: Any) -> None:
    path = get_testdata_file("rtdose_rle.dcm")

    def run(convert_first: bool) -> list[tuple[str, str, str]]:
        ds = dcmread(path, force=True)
        facts = ReadFacts(is_implicit_vr=ds.original_encoding[0],
                          is_little_endian=ds.original_encoding[1],
                          transfer_syntax_uid=str(ds.file_meta.TransferSyntaxUID))
        if not convert_first:
            return _found(ds, std, facts)
        from conformance.engine.context import CheckContext

        # Convert every value after the context is made, as a dataset check would.
        ctx = CheckContext(dataset=ds, standard=std, file_meta=ds.file_meta, facts=facts)
        for elem in ds.iterall():
            _ = elem.value
        return _found(ds, std, facts, ctx)

    assert run(convert_first=True) == run(convert_first=False)
    assert any(code == "vr-mismatch" for code, _s, _p in run(False))


def _found(ds: Dataset, std: Any, facts: ReadFacts, ctx: Any = None
           ) -> list[tuple[str, str, str]]:
    if ctx is None:
        found = run_checks(ds, std, *VALUE_CHECKS, file_meta=ds.file_meta, facts=facts)
    else:
        from conformance.engine.registry import discover
        from conformance.engine.traversal import traverse

        wanted = tuple(f"conformance.checks.values.{m}." for m in VALUE_CHECKS)
        checks = [c for c in discover().values() if c.name.startswith(wanted)]
        found = [f for c in checks if c.kind == "dataset" for f in c.fn(ctx)]
        traverse(ctx, [c for c in checks if c.kind == "element"], found)
    return [(f.code, f.severity, f.path or "") for f in found]


def test_empty_element_encoded_un_is_reported(std: Any) -> None:
    # pydicom stores a zero-length value as None; its VR as encoded (UN) still counts.
    empty = RawDataElement(Tag(0x00080050), "UN", 0, None, 0, False, True)
    ds = dataset(empty, raw(0x00080060, "UN", b"CT"))
    found = run_checks(ds, std, "vr_dictionary", facts=ReadFacts(is_implicit_vr=False))
    assert codes(found) == [("vr-un", "warning"), ("vr-un", "warning")]
