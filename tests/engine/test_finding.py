"""Finding.to_dict: every field, in field order, as dataclasses.asdict gives it."""

from __future__ import annotations

from dataclasses import asdict

from conformance.engine.finding import Finding, Reference


def test_to_dict_is_asdict() -> None:
    full = Finding(code="type1-missing", severity="error", message="m", tag="(0010,0010)",
                   keyword="PatientName", path="(0010,0010)", keyword_path="PatientName",
                   module="patient", iod="ct-image",
                   reference=Reference(edition="2020", part=3, section="C.7.1.1",
                                       table="C.7-1"),
                   source="rules", line=3)
    bare = Finding(code="unreadable", severity="error", message="m")
    for f in (full, bare):
        d = f.to_dict()
        assert d == asdict(f) and list(d) == list(asdict(f))
        assert Finding.from_dict(d) == f
    assert bare.to_dict()["reference"] is None
