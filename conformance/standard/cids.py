"""PS3.16 context groups of a build (``cids.json``), looked up by number."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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


Member = Callable[[str], Any]


class ContextGroups:
    """The groups of a build; each group's code table is made on first use.

    Read from ``cids.json`` (``doc``) or, cheaper, one group at a time through
    ``member(name)`` (``cids.zip``: ``cids/<cid>.json``, ``srt_to_sct.json``; None for a
    missing member) with ``whole()`` giving the full document when all is asked for.
    """

    def __init__(self, doc: Mapping[str, Any] | None = None, *,
                 member: Member | None = None, whole: Callable[[], Any] | None = None
                 ) -> None:
        self._doc = doc
        self._member = member
        self._whole = whole
        self._srt: Mapping[str, str] | None = None
        self._made: dict[int, ContextGroup | None] = {}

    def _all(self) -> Mapping[str, Any]:
        if self._doc is None:
            self._doc = (self._whole() if self._whole is not None else None) or {}
        return self._doc

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def entries(self) -> Mapping[str, Any]:
        """``cids.json``'s groups as stored (str(cid) -> group)."""
        return self._all().get("cids") or {}

    def _raw(self, cid: int) -> Any:
        if self._doc is None and self._member is not None:
            return self._member(f"cids/{cid}.json")
        return self.entries.get(str(cid))

    def get(self, cid: int) -> ContextGroup | None:
        if cid not in self._made:
            raw = self._raw(cid)
            self._made[cid] = None if raw is None else ContextGroup(
                cid, raw.get("keyword", ""), raw.get("name", ""), raw.get("extensible"),
                {(s, v): m for s, v, m in raw.get("codes", ())})
        return self._made[cid]

    def sct_for_srt(self, code: str) -> str | None:
        """The SNOMED CT concept id that PS3.16 Annex O gives for a SNOMED-RT code."""
        if self._srt is None:
            srt = (self._member("srt_to_sct.json") if self._doc is None and self._member
                   else self._all().get("srt_to_sct"))
            self._srt = srt or {}
        return self._srt.get(code)
