"""The fields of a table row as requirements hold them: tag and mask of a tag with
``x`` digits, enumerated values and defined terms (PS3.3 C.x.y "Enumerated Values"),
and PS3.16 context group constraints (PS3.3 8.6), including an invocation's constraint
that replaces a macro's own."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from conformance.engine.requirement_types import AttrReq, CidReq, EnumSpec

_HEX_VALUE = re.compile(r"^([0-9A-Fa-f]+)H$")


def _number(text: str) -> float | None:
    m = _HEX_VALUE.match(text)
    if m:
        return float(int(m.group(1), 16))
    try:
        return float(text)
    except ValueError:
        return None


def enum_specs(raw: list[dict[str, Any]] | None) -> tuple[EnumSpec, ...]:
    return tuple(_enum_spec(e.get("kind", "defined"), e.get("value_index"),
                            tuple(str(v).strip() for v in e.get("values", ())))
                 for e in raw or ())


@lru_cache(maxsize=16384)
def _enum_spec(kind: str, index: int | None, values: tuple[str, ...]) -> EnumSpec:
    # one frozen spec per distinct list: the same lists recur in every IOD that has the
    # module or macro (and parsing each value as a number is not free)
    numbers = frozenset(n for n in (_number(v) for v in values) if n is not None)
    return EnumSpec(kind, index, frozenset(values), numbers, values)


def cid_reqs(raw: list[dict[str, Any]] | None, ref: Mapping[str, Any] | None
             ) -> tuple[CidReq, ...]:
    if not raw:
        return ()
    ref = ref or {}
    where = (f"Table {ref['table']}" if ref.get("table") else
             f"Section {ref['section']}" if ref.get("section") else "PS3.3")
    return tuple(CidReq(int(c["cid"]), c.get("strength"), bool(c.get("qualified")),
                        str(c.get("text") or ""), where) for c in raw)


def with_cids(rows: list[Any], tag: int, groups: tuple[CidReq, ...], depth: int = 0
              ) -> list[Any]:
    """``rows`` with the context groups of attribute ``tag`` replaced by ``groups`` (an
    invocation's constraint replaces the macro's own: "Defined CID 2, unless otherwise
    defined in the macro invocation"), searched down to three sequences deep. The rows
    are shared between expansions, so changed ones are copies."""
    out: list[Any] = []
    for a in rows:
        if not isinstance(a, AttrReq):
            out.append(a)
        elif a.tag == tag:
            out.append(replace(a, context_groups=groups))
        elif a.children and depth < 3:
            kids = tuple(with_cids(list(a.children), tag, groups, depth + 1))
            changed = any(k is not c for k, c in zip(kids, a.children, strict=True))
            out.append(replace(a, children=kids) if changed else a)
        else:
            out.append(a)
    return out


@lru_cache(maxsize=16384)
def tag_mask(text: str) -> tuple[int, int]:
    mask = int("".join("0" if c in "xX" else "F" for c in text), 16)
    return int(text.replace("x", "0").replace("X", "0"), 16), mask
