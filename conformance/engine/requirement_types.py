"""The compiled requirements of an IOD as the checks read them: immutable trees of
attribute rows (``AttrReq``) under the IOD's modules and functional groups.

``conformance.engine.requirements.requirements_for`` makes and caches them;
``conformance.engine.iod_compiler`` builds them from the standard's tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# PS3.3 C.7.6.16: the two sequences whose items hold the functional group macros.
SHARED_FG = 0x52009229
PER_FRAME_FG = 0x52009230
FG_CONTAINERS = (SHARED_FG, PER_FRAME_FG)


@dataclass(frozen=True, slots=True)
class EnumSpec:
    """Enumerated values or defined terms for one value index (None: every value)."""

    kind: str  # "enumerated" | "defined"
    index: int | None
    values: frozenset[str]
    numbers: frozenset[float]
    listed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CidReq:
    """A PS3.16 context group that constrains a code sequence's items (PS3.3 8.6)."""

    cid: int
    strength: str | None  # "baseline" | "defined" | "enumerated" | None (mentioned only)
    qualified: bool  # limited to a case the tables do not encode ("for pediatric patients")
    text: str
    where: str  # "Table C.8-3" or "Section A.47.4.1.1": where PS3.3 says it


@dataclass(frozen=True, slots=True, eq=False)
class AttrReq:
    """One attribute row with its includes expanded below it."""

    tag: int
    mask: int  # 0xFFFFFFFF unless the table tag has x digits (repeating groups)
    tag_text: str
    name: str
    type: str
    condition: Mapping[str, Any] | None
    enums: tuple[EnumSpec, ...]
    items: tuple[int, int | None] | None
    children: tuple[AttrReq, ...]
    table_kind: str
    table_id: str
    table_name: str
    reference: Mapping[str, Any] | None
    via: tuple[str, ...] = ()
    guards: tuple[Mapping[str, Any], ...] = ()
    fg_macro: str | None = None  # set on the top attributes of a functional group macro
    exact: bool = True  # False for repeating-group tags (x digits)
    optional: bool = False  # Type 3 without condition or include guard: nothing to require
    context_groups: tuple[CidReq, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class TableUse:
    """A table as an IOD uses it: its usage (M, C or U), the condition of a C, and its
    compiled attribute rows."""

    name: str
    usage: str
    condition: Mapping[str, Any] | None
    reference: Mapping[str, Any] | None
    attrs: tuple[AttrReq, ...]


@dataclass(frozen=True, slots=True, eq=False)
class ModuleReq(TableUse):
    """A module of an IOD with its usage and compiled attributes."""

    id: str
    ie: str
    presence_tags: frozenset[int]
    presence_masks: tuple[tuple[int, int], ...]
    # Every exact top-level tag, shared ones included (includes expanded).
    all_tags: frozenset[int] = frozenset()
    # Top-level rows of unconditional Type 1/2 (outside guarded includes): only a
    # module that has one can be seen to be missing from a dataset.
    evident: bool = True


@dataclass(frozen=True, slots=True, eq=False)
class FunctionalGroupReq(TableUse):
    """A functional group macro of a multi-frame IOD (PS3.3 C.7.6.16)."""

    macro: str
    tags: frozenset[int]


@dataclass(frozen=True, slots=True, eq=False)
class IodReq:
    """Everything the checks need about one IOD."""

    id: str
    name: str
    reference: Mapping[str, Any] | None
    modules: tuple[ModuleReq, ...]
    functional_groups: tuple[FunctionalGroupReq, ...]
    top_tags: frozenset[int]
    top_masks: tuple[tuple[int, int], ...]
    anomalies: tuple[str, ...]
    # id(condition expr) -> one key per distinct expression: rows that repeat a condition
    # sentence share its result within an item (see ItemScope.decided).
    expr_keys: Mapping[int, int] = field(default_factory=dict)
    # top_masks by mask: a tag is tested once per distinct mask, not once per pair
    top_mask_groups: tuple[tuple[int, frozenset[int]], ...] = ()

    def module(self, module_id: str) -> ModuleReq | None:
        for m in self.modules:
            if m.id == module_id:
                return m
        return None


def matches_masks(tag: int, masks: tuple[tuple[int, int], ...]) -> bool:
    """Whether ``tag`` matches one of ``(value, mask)``."""
    return any(tag & mask == value for value, mask in masks)


def mask_groups(masks: tuple[tuple[int, int], ...]) -> tuple[tuple[int, frozenset[int]], ...]:
    """``(value, mask)`` pairs as ``(mask, values)``: the repeating groups of a table
    share one or two masks (``FF00FFFF``), so a tag needs one set lookup per mask."""
    values: dict[int, set[int]] = {}
    for value, mask in masks:
        values.setdefault(mask, set()).add(value)
    return tuple((mask, frozenset(v)) for mask, v in sorted(values.items()))


def matches_groups(tag: int, groups: tuple[tuple[int, frozenset[int]], ...]) -> bool:
    """``matches_masks`` over ``mask_groups``."""
    return any(tag & mask in values for mask, values in groups)
