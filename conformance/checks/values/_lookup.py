"""Per-standard lookups of the value checks: the VR table, dictionary and UID registry
entries, and the per-standard caches keyed by int tag (names, VRs, VMs)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydicom.datadict import keyword_for_tag

from conformance.engine.finding import Reference
from conformance.tags import tag_display

T = TypeVar("T")

# PS3.5 Table 6.2-1, the VR table: the reference of the VR syntax and dictionary-VR checks.
REF_VR_TABLE = Reference(part=5, section="6.2", table="6.2-1")
# PS3.6 Table A-1, the UID registry: retired UIDs and the UIDs it names.
REF_UID_REGISTRY = Reference(part=6, section="A", table="A-1")

# VRs whose value is binary (no text); SQ and UN are handled apart.
BINARY_VRS = frozenset(
    {"AT", "FL", "FD", "SL", "SS", "SV", "UL", "US", "UV", "OB", "OD", "OF", "OL", "OV", "OW"}
)
# Text VRs that PS3.5 6.2 allows to be multi-valued is taken from the VR table; this
# fallback is only for a build without vrs.json.
_SINGLE_VALUED_FALLBACK = frozenset({"LT", "ST", "UT", "UR"})
SPECIFIC_CHARACTER_SET = 0x00080005

_CACHE: dict[tuple[int, str], tuple[Any, Any]] = {}


def per_standard(std: Any, name: str, build: Callable[[Any], T]) -> T:
    """``build(std)`` once per standard object (the standard is kept alive by the cache)."""
    key = (id(std), name)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is std:
        return hit[1]  # type: ignore[no-any-return]
    value = build(std)
    _CACHE[key] = (std, value)
    return value


def vr_table(std: Any) -> dict[str, dict[str, Any]]:
    """The PS3.5 Table 6.2-1 of the build, or ``{}`` when the build has none."""
    try:
        vrs = std.vrs
    except Exception:  # noqa: BLE001 - a build without vrs.json raises StandardDataError
        return {}
    return vrs if isinstance(vrs, dict) else {}


def dict_entry(std: Any, tag: int) -> Any | None:
    """The dictionary entry of ``tag`` in the standard in use (None if unknown)."""
    try:
        return std.dictionary.get(tag)
    except Exception:  # noqa: BLE001 - a broken build must not stop the traversal
        return None


def uid_entry(std: Any, uid: str) -> dict[str, Any] | None:
    """The UID registry entry of ``uid`` (None if unknown or no registry)."""
    try:
        entry = std.dictionary.uid(uid)
    except Exception:  # noqa: BLE001
        return None
    return entry if isinstance(entry, dict) else None


# -- per-standard caches keyed by int tag ------------------------------------------------
@dataclass(frozen=True, slots=True)
class TagInfo:
    """What the data dictionary of the standard says about one tag (PS3.6 Section 6)."""

    entry: Any  # DictEntry
    what: str  # "Patient's Name (0010,0010)", for messages
    vr: str  # verbatim dictionary VR ("US or SS" ...; "" for items/delimiters)
    alternatives: frozenset[str]
    vm: str
    retired: bool
    vm_range: tuple[int, int | None, int] | None  # parsed vm: (min, max or None, step)


_VM = re.compile(r"(\d+)(?:-(\d*)(n)?)?")


def parse_vm(vm: str) -> tuple[int, int | None, int] | None:
    """``(minimum, maximum or None, step)`` of PS3.6 VM notation; None if not understood."""
    m = _VM.fullmatch(vm.strip())
    if not m:
        return None
    low = int(m.group(1))
    if m.group(2) is None:
        return low, low, 1
    if m.group(3):  # "A-n" or "A-Bn"
        step = int(m.group(2)) if m.group(2) else 1
        return low, None, step
    return low, int(m.group(2)), 1


class StandardCache:
    """Lookups of one standard, each computed once (dicts keyed by int tag)."""

    __slots__ = ("std", "infos", "names", "vr_specs", "_retired_uids", "syntax")

    def __init__(self, std: Any) -> None:
        self.std = std
        self.infos: dict[int, TagInfo | None] = {}
        self.names: dict[int, str] = {}
        self.vr_specs: Mapping[str, Any] | None = None
        self._retired_uids: dict[str, dict[str, Any]] | None = None
        # (VR, stored bytes) -> the value syntax problems of such a value (vr_syntax.py)
        self.syntax: dict[tuple[str, bytes], tuple[tuple[str, str], ...]] = {}

    def retired_uid(self, uid: str) -> dict[str, Any] | None:
        """The UID registry entry (else the SOP Class) of ``uid`` when it is retired."""
        table = self._retired_uids
        if table is None:
            table = self._retired_uids = self._retired_table()
        if table:
            return table.get(uid)
        return _retired_lookup(self.std, uid)  # no registry to list: ask per UID

    def _retired_table(self) -> dict[str, dict[str, Any]]:
        """Every retired UID: registry rows, then retired SOP Classes it lacks ({} when
        the dictionary cannot list its UIDs)."""
        try:
            registry = self.std.dictionary.uids
            sops = self.std.sop_classes
        except Exception:  # noqa: BLE001 - a stand-in or broken standard: per-UID lookups
            return {}
        if not isinstance(registry, dict) or not isinstance(sops, dict):
            return {}
        out = {u: e for u, e in sops.items()
               if isinstance(e, dict) and e.get("retired") and u not in registry}
        out.update((u, e) for u, e in registry.items() if isinstance(e, dict) and e.get("retired"))
        return out

    def info(self, tag: int) -> TagInfo | None:
        """The dictionary facts of ``tag``; None when the dictionary does not know it."""
        if type(tag) is not int:
            # pydicom's BaseTag: every probe of the int-keyed dict would run its Python
            # __eq__ (about 50k calls per corpus pass)
            tag = int(tag)
        try:
            return self.infos[tag]
        except KeyError:
            pass
        entry = dict_entry(self.std, tag)
        info = None
        if entry is not None:
            vr = str(getattr(entry, "vr", "") or "")
            vm = str(getattr(entry, "vm", "") or "")
            info = TagInfo(entry, self.name(tag), vr,
                           frozenset(a.strip() for a in vr.split(" or ")), vm,
                           bool(getattr(entry, "retired", False)), parse_vm(vm) if vm else None)
        self.infos[tag] = info
        return info

    def name(self, tag: int) -> str:
        """A readable name for messages: ``Patient's Name (0010,0010)``."""
        if type(tag) is not int:
            tag = int(tag)  # a BaseTag: see info()
        got = self.names.get(tag)
        if got is None:
            entry = dict_entry(self.std, tag)
            name = getattr(entry, "name", "") if entry is not None else ""
            got = self.names[tag] = f"{name} {tag_display(tag)}" if name else tag_display(tag)
        return got


def _retired_lookup(std: Any, uid: str) -> dict[str, Any] | None:
    entry = uid_entry(std, uid)
    if entry is not None:
        return entry if entry.get("retired") else None
    try:
        sop = std.sop_classes.get(uid)
    except Exception:  # noqa: BLE001
        sop = None
    return sop if isinstance(sop, dict) and sop.get("retired") else None


# The last standard's cache, read without a lock: one tuple, replaced atomically.
_last: tuple[Any, StandardCache] | None = None


def cache_of(std: Any) -> StandardCache:
    """The StandardCache of ``std`` (one per standard object)."""
    global _last
    hit = _last
    if hit is not None and hit[0] is std:
        return hit[1]
    cache = per_standard(std, "values.cache", StandardCache)
    _last = (std, cache)
    return cache


def name_of(std: Any, tag: int) -> str:
    """A readable name for messages: ``Patient's Name (0010,0010)``."""
    return cache_of(std).name(tag)


def keyword_of(tag: int) -> str:
    """The dictionary keyword of ``tag`` or ``""`` (private/unknown)."""
    try:
        return keyword_for_tag(tag) or ""
    except Exception:  # noqa: BLE001
        return ""
