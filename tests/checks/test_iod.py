"""IOD resolution: iod-unknown and the --iod override."""

from __future__ import annotations

import pytest

from conformance.engine.api import Validator
from conformance.errors import UsageError
from tests.engine.datasets import CT, MINI, codes, ct_dataset, run, with_file_meta


def test_known_sop_class_resolves_iod() -> None:
    r = run(ct_dataset())
    assert r.iod == "ct-image" and r.iod_name == "CT Image" and r.sop_class_uid == CT
    assert "iod-unknown" not in codes(r)


def test_unknown_sop_class() -> None:
    ds = ct_dataset()
    ds.SOPClassUID = "1.2.3.999"
    r = run(ds)
    assert codes(r) == ["iod-unknown"]
    assert "not in the UID registry" in r.findings[0].message
    assert r.findings[0].reference.part == 4


def test_retired_sop_class_hint() -> None:
    ds = ct_dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.5"
    r = run(ds)
    assert codes(r) == ["iod-unknown"]
    assert "retired" in r.findings[0].message


def test_missing_sop_class_falls_back_to_file_meta() -> None:
    ds = with_file_meta(ct_dataset())
    del ds.SOPClassUID
    r = run(ds)
    assert r.iod == "ct-image"
    assert "type1-missing" in codes(r)  # SOP Class UID itself is still required


def test_no_sop_class_at_all() -> None:
    ds = ct_dataset()
    del ds.SOPClassUID
    r = run(ds)
    assert codes(r) == ["iod-unknown"]
    assert "cannot be determined" in r.findings[0].message


@pytest.mark.parametrize("key", ["ct-image", "CT Image", CT])
def test_override_by_id_name_or_uid(key: str) -> None:
    ds = ct_dataset()
    ds.SOPClassUID = "1.2.3.999"
    r = Validator(MINI, iod=key).validate(ds)
    assert r.iod == "ct-image"
    assert "iod-unknown" not in codes(r)


def test_override_unknown_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no IOD"):
        Validator(MINI, iod="no such thing")
