"""A minimal reader of a build folder, used only while ``conformance.standard`` is absent.

It implements the subset of the "Loaded standard" contract (docs/CONTRACTS.md) that the
engine uses. The engine prefers ``conformance.standard.load_standard`` when it exists.
"""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.errors import StandardDataError
from conformance.ids import slug
from conformance.tags import TagPattern


@dataclass(frozen=True, slots=True)
class DictEntry:
    """One data dictionary row (PS3.6 Table 6-1)."""

    tag: str
    name: str
    keyword: str
    vr: str
    vm: str
    retired: bool


class _Dictionary:
    def __init__(self, raw: dict[str, Any]) -> None:
        self._exact: dict[int, DictEntry] = {}
        self._masks: list[tuple[TagPattern, DictEntry]] = []
        self._by_kw: dict[str, DictEntry] = {}
        self._by_name: dict[str, DictEntry] = {}
        for tag, e in raw.get("elements", {}).items():
            entry = DictEntry(tag, e.get("name", ""), e.get("keyword", ""), e.get("vr", ""),
                              e.get("vm", ""), bool(e.get("retired", False)))
            if "x" in tag:
                self._masks.append((TagPattern.of(tag), entry))
            else:
                self._exact[int(tag, 16)] = entry
            if entry.keyword:
                self._by_kw[entry.keyword] = entry
            if entry.name:
                self._by_name[entry.name] = entry
        self._uids: dict[str, dict[str, Any]] = raw.get("uids", {})

    def get(self, tag: int) -> DictEntry | None:
        entry = self._exact.get(tag)
        if entry is not None:
            return entry
        for pattern, e in self._masks:
            if pattern.matches(tag):
                return e
        return None

    def by_keyword(self, kw: str) -> DictEntry | None:
        return self._by_kw.get(kw)

    def by_name(self, name: str) -> DictEntry | None:
        return self._by_name.get(name)

    def uid(self, uid: str) -> dict[str, Any] | None:
        return self._uids.get(uid)


class MiniStandard:
    """Lazy, read-only view of a build folder (thread-safe: each file loads under a lock)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not (self.path / "manifest.json").is_file() and not (
            self.path / "manifest.json.gz"
        ).is_file():
            raise StandardDataError(f"{self.path}: not a build folder (no manifest.json)")
        self._lock = threading.Lock()
        self._files: dict[str, Any] = {}
        self.manifest: dict[str, Any] = self._load("manifest")
        self.edition: str = str(self.manifest.get("edition", ""))

    def _load(self, name: str) -> Any:
        got = self._files.get(name)
        if got is not None:
            return got
        with self._lock:
            got = self._files.get(name)
            if got is not None:
                return got
            plain = self.path / f"{name}.json"
            packed = self.path / f"{name}.json.gz"
            try:
                if plain.is_file():
                    data = json.loads(plain.read_text(encoding="utf-8"))
                elif packed.is_file():
                    with gzip.open(packed, "rt", encoding="utf-8") as fh:
                        data = json.load(fh)
                else:
                    raise StandardDataError(f"{self.path}: {name}.json is missing")
            except (OSError, ValueError) as exc:
                raise StandardDataError(f"{plain}: cannot read ({exc})") from exc
            if name == "dictionary":
                data = _Dictionary(data)
            self._files[name] = data
            return data

    @property
    def iods(self) -> dict[str, dict[str, Any]]:
        return self._load("iods")["iods"]

    def iod(self, iod_id: str) -> dict[str, Any]:
        try:
            return self.iods[iod_id]
        except KeyError:
            raise StandardDataError(f"unknown IOD {iod_id!r}") from None

    def find_iod(self, key: str) -> str | None:
        if key in self.iods:
            return key
        by_uid = self.iod_for_sop_class(key)
        if by_uid:
            return by_uid
        s = slug(key)
        if s in self.iods:
            return s
        for iod_id, iod in self.iods.items():
            if slug(iod.get("name", "")) == s:
                return iod_id
        return None

    def module(self, module_id: str) -> dict[str, Any]:
        return self.table("module", module_id)

    def macro(self, macro_id: str) -> dict[str, Any]:
        return self.table("macro", macro_id)

    def table(self, kind: str, table_id: str) -> dict[str, Any]:
        data = self._load("modules")
        try:
            return data["modules" if kind == "module" else "macros"][table_id]
        except KeyError:
            raise StandardDataError(f"unknown {kind} {table_id!r}") from None

    @property
    def sop_classes(self) -> dict[str, dict[str, Any]]:
        return self._load("sop_classes")["sop_classes"]

    def iod_for_sop_class(self, uid: str) -> str | None:
        entry = self.sop_classes.get(uid)
        return entry.get("iod") if entry else None

    @property
    def dictionary(self) -> _Dictionary:
        return self._load("dictionary")

    @property
    def vrs(self) -> dict[str, dict[str, Any]]:
        return self._load("vrs")["vrs"]
