"""The data dictionary and UID registry of a build (``dictionary.json``)."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.tags import TagPattern


@dataclass(frozen=True, slots=True)
class DictEntry:
    """One PS3.6 data element; ``tag`` is the registry form (``"60xx3000"`` for masks)."""

    tag: str
    name: str
    keyword: str
    vr: str
    vm: str
    retired: bool


class Dictionary:
    """Look-ups by tag (exact first, then repeating-group masks), keyword, name and UID."""

    def __init__(self, elements: dict[str, dict[str, Any]], uids: dict[str, dict[str, Any]],
                 rows: Mapping[str, tuple[Any, ...]] | None = None,
                 fields: Sequence[str] = ()) -> None:
        """``elements``: tag -> row; or ``rows``: tag -> tuple of ``fields``, the compact
        form of ``tables.marshal`` (``elements`` is then made from them when asked)."""
        self._rows: Mapping[str, Any] = elements if rows is None else rows
        self._elements = elements if rows is None else None
        self._fields = tuple(fields)
        self._uids = uids
        self._entries: dict[str, DictEntry] = {}
        self._lock = threading.Lock()
        self._masks: list[TagPattern] | None = None
        self._keywords: dict[str, str] | None = None
        self._names: dict[str, str] | None = None

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, tag: object) -> bool:
        return isinstance(tag, int) and self.get(tag) is not None

    @property
    def elements(self) -> dict[str, dict[str, Any]]:
        """The raw ``elements`` mapping of dictionary.json."""
        if self._elements is None:
            fields = self._fields
            self._elements = {t: dict(zip(fields, r, strict=True)) for t, r in self._rows.items()}
        return self._elements

    @property
    def uids(self) -> dict[str, dict[str, Any]]:
        """The raw ``uids`` mapping of dictionary.json."""
        return self._uids

    def get(self, tag: int) -> DictEntry | None:
        """The entry of ``tag``: the exact registry row, else the most specific mask."""
        key = f"{tag:08X}"
        if key in self._rows:
            return self._entry(key)
        for pattern in self._mask_patterns():
            if pattern.matches(tag):
                return self._entry(pattern.text)
        return None

    def by_keyword(self, keyword: str) -> DictEntry | None:
        if self._keywords is None:
            self._keywords = {e["keyword"]: t for t, e in self.elements.items()
                              if e.get("keyword")}
        key = self._keywords.get(keyword)
        return None if key is None else self._entry(key)

    def by_name(self, name: str) -> DictEntry | None:
        if self._names is None:
            names: dict[str, str] = {}
            for t, e in self.elements.items():
                # Names repeat across retired rows; the first (lowest tag) wins.
                names.setdefault(e.get("name", ""), t)
            self._names = names
        key = self._names.get(name)
        return None if key is None else self._entry(key)

    def uid(self, uid: str) -> dict[str, Any] | None:
        """The UID registry row of ``uid``, or None."""
        return self._uids.get(uid)

    def _entry(self, key: str) -> DictEntry:
        entry = self._entries.get(key)
        if entry is None:
            e = self._elements[key] if self._elements is not None else \
                dict(zip(self._fields, self._rows[key], strict=True))
            entry = DictEntry(key, e.get("name", ""), e.get("keyword", ""), e.get("vr", ""),
                              e.get("vm", ""), bool(e.get("retired", False)))
            self._entries[key] = entry
        return entry

    def _mask_patterns(self) -> list[TagPattern]:
        if self._masks is None:
            with self._lock:
                if self._masks is None:
                    pats = [TagPattern.of(t) for t in self._rows if "x" in t]
                    # Fewer wildcard digits = more specific: (0028,04x0) before (xxxx,...).
                    pats.sort(key=lambda p: (p.text.count("x"), p.text))
                    self._masks = pats
        return self._masks
