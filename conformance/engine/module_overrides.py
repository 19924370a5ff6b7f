"""Precedence between the modules of one IOD: a row another module overrides is
judged only by the overriding row (PS3.3 C.8.6.1 row text, C.7.9 prose)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from conformance.engine.requirement_types import AttrReq
from conformance.ids import slug

# A module row that redefines an attribute of another module of the same IOD says so in
# its description (PS3.3 C.8.6.1 SC Equipment Module, Modality: "This type definition
# shall override the definition in the General Series Module").
_OVERRIDES = re.compile(r"type definition shall override the definition in the "
                        r"(?P<module>[A-Za-z0-9 /&'-]+?) Module", re.IGNORECASE)
# Precedence the standard states in a section's prose, not in a table row: (module that
# takes precedence, module it overrides, tags, where it is said).
_PROSE_OVERRIDES: tuple[tuple[str, str, frozenset[int], str], ...] = (
    ("palette-color-lookup-table", "image-pixel",
     frozenset({0x00281201, 0x00281202, 0x00281203, 0x00281221, 0x00281222, 0x00281223}),
     "PS3.3 C.7.9: when the Palette Color Lookup Table Module is present in an Image IOD, "
     "its conditional requirements for Palette Color Lookup Table Data (0028,1201-1203) "
     "and Segmented Palette Color Lookup Table Data (0028,1221-1223) take precedence over "
     "those of the Image Pixel Module"),
)

_Mod = tuple[dict[str, Any], dict[str, Any], list[AttrReq]]


def _overriding_rows(mod: dict[str, Any]) -> tuple[tuple[str, int], ...]:
    """(id of the module overridden, tag) for each row of ``mod`` whose description says
    it overrides another module's definition."""
    out = []
    for node in mod.get("attributes", ()):
        m = _OVERRIDES.search(node.get("description") or "")
        if m is None or len(node.get("tag") or "") != 8 or "x" in node["tag"]:
            continue
        out.append((slug(m.group("module")), int(node["tag"], 16)))
    return tuple(out)


def apply_overrides(mods: list[_Mod],
                    known: dict[str, tuple[tuple[str, int], ...]] | None = None
                    ) -> list[_Mod]:
    """Rows another module of the IOD overrides (row text, or ``_PROSE_OVERRIDES``)
    become Type 3 without condition: the overriding row alone carries the requirement
    (its own Type and condition), so the attribute is judged once, by the definition the
    standard says applies. ``known`` keeps each module's overriding rows (module id ->
    (id of the module it overrides, tag)) for the next IOD that has the module."""
    listed = {mod.get("id"): i for i, (_, mod, _) in enumerate(mods)}
    drop: dict[int, set[int]] = {}
    for _, mod, _ in mods:
        rows = known.get(str(mod.get("id"))) if known is not None else None
        if rows is None:
            rows = _overriding_rows(mod)
            if known is not None:
                known[str(mod.get("id"))] = rows
        for target_id, tag in rows:
            target = listed.get(target_id)
            if target is not None and mods[target][1] is not mod:
                drop.setdefault(target, set()).add(tag)
    for winner, loser, tags, _why in _PROSE_OVERRIDES:
        if winner in listed and loser in listed:
            drop.setdefault(listed[loser], set()).update(tags)
    out = list(mods)
    for i, tags in drop.items():
        use, mod, attrs = out[i]
        out[i] = (use, mod, [
            replace(a, type="3", condition=None, optional=a.fg_macro is None)
            if a.exact and a.tag in tags and a.type != "3" else a for a in attrs])
    return out
