"""Frozen dataclasses pickled as their constructor's arguments."""

from __future__ import annotations

import copy
import pickle
from dataclasses import dataclass, field
from typing import Any

import pytest

from conformance.engine.digest import EntityDigest, FileDigest, Identity
from conformance.engine.finding import Finding, Reference
from conformance.engine.pickling import pickled_as_arguments


@pickled_as_arguments
@dataclass(frozen=True, slots=True)
class _Point:
    x: int
    y: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class _Point3(_Point):
    z: str = "z"


@pickled_as_arguments
@dataclass(frozen=True, slots=True)
class _One:
    only: str


def test_round_trip_through_the_constructor() -> None:
    p = _Point(1, (2, 3))
    assert p.__reduce_ex__(pickle.HIGHEST_PROTOCOL) == (_Point, (1, (2, 3)))
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(p, protocol=protocol)) == p
    assert copy.copy(p) == p and copy.deepcopy(p) == p
    assert pickle.loads(pickle.dumps(_One("a"))) == _One("a")


def test_a_subclass_keeps_its_own_fields() -> None:
    p = _Point3(1, (2,), "w")
    back = pickle.loads(pickle.dumps(p))
    assert type(back) is _Point3 and back == p and back.z == "w"


@pytest.mark.parametrize("spec", [{"init": False}, {"kw_only": True}])
def test_a_field_not_passed_by_position_is_refused_at_decoration(spec: Any) -> None:
    """A field outside __init__ or keyword-only would fail only when unpickled."""
    with pytest.raises(TypeError, match="outside __init__ or keyword-only"):
        @pickled_as_arguments
        @dataclass(frozen=True)
        class _Bad:
            a: int
            b: int = field(default=0, **spec)


def test_reports_parts_travel_as_arguments() -> None:
    """What ``-j`` workers send back: findings and digests, each ``(class, values)``."""
    ref = Reference("2026c", 3, "C.7.1.1", "C.7-1")
    f = Finding("missing-type1", "error", "m", tag="(0010,0010)", reference=ref, line=3)
    ent = EntityDigest("Patient", "k", "<UI k>", ((0x00100010, "h", "<PN>"),))
    dig = FileDigest("a.dcm", "s", "<UI s>", entities=(ent,))
    ident = Identity("p", "st", "se", "so", "CT")
    for obj in (ref, f, ent, dig, ident):
        cls, args = obj.__reduce_ex__(pickle.HIGHEST_PROTOCOL)[:2]
        assert cls is type(obj) and isinstance(args, tuple)
        assert pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)) == obj
