"""PS3.16 context groups of a build (``cids.json``), looked up by number."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ContextGroup:
    """One context group: its codes as ``(scheme, value) -> meaning``."""

    cid: int
    keyword: str
    name: str
    extensible: bool | None
    codes: Mapping[tuple[str, str], str]

    @property
    def label(self) -> str:
        """``CID 4031 CommonAnatomicRegion``, as messages name a group."""
        return f"CID {self.cid} {self.name}"


class ContextGroups:
    """The groups of ``cids.json``; each group's code table is made on first use."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self._raw: Mapping[str, Any] = doc.get("cids") or {}
        self._srt: Mapping[str, str] = doc.get("srt_to_sct") or {}
        self._made: dict[int, ContextGroup | None] = {}

    def __len__(self) -> int:
        return len(self._raw)

    @property
    def entries(self) -> Mapping[str, Any]:
        """``cids.json``'s groups as stored (str(cid) -> group)."""
        return self._raw

    def get(self, cid: int) -> ContextGroup | None:
        if cid not in self._made:
            raw = self._raw.get(str(cid))
            self._made[cid] = None if raw is None else ContextGroup(
                cid, raw.get("keyword", ""), raw.get("name", ""), raw.get("extensible"),
                {(s, v): m for s, v, m in raw.get("codes", ())})
        return self._made[cid]

    def sct_for_srt(self, code: str) -> str | None:
        """The SNOMED CT concept id that PS3.16 Annex O gives for a SNOMED-RT code."""
        return self._srt.get(code)
