"""Shared helpers of the value checks: findings, stored-value access, per-standard caches.

The element checks get ``elem`` as pydicom stored it: a ``RawDataElement`` (bytes as
read) or, for values converted earlier or built in memory, a ``DataElement``; and
``where.scope``, the ``ItemScope`` of the enclosing dataset (its Dataset, per-dataset
facts, the VR pydicom gives the element). Raw bytes are preferred because a value pydicom
cannot convert must become a finding, not an exception, and because converting every
element only to look at it costs more than the checks.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from pydicom import charset as pd_charset
from pydicom.datadict import keyword_for_tag
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from conformance.engine.deferred import value_length
from conformance.engine.finding import Finding, Reference, Severity
from conformance.engine.path import ElementPath
from conformance.engine.values import AsRead, ItemScope
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

    __slots__ = ("std", "infos", "names", "vr_specs", "_retired_uids")

    def __init__(self, std: Any) -> None:
        self.std = std
        self.infos: dict[int, TagInfo | None] = {}
        self.names: dict[int, str] = {}
        self.vr_specs: dict[str, Any] | None = None
        self._retired_uids: dict[str, dict[str, Any]] | None = None

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


def make(ctx: Any, code: str, severity: Severity, message: str, where: Any,
         reference: Reference | None) -> Finding:
    """A Finding at ``where`` (an ElementPath or None), stamped with the standard's edition."""
    if reference is not None and reference.edition is None:
        edition = getattr(getattr(ctx, "standard", None), "edition", None)
        if edition:
            reference = Reference(edition, reference.part, reference.section, reference.table)
    return ctx.finding(code, severity, message, where=where, reference=reference)  # type: ignore[no-any-return]


_SEVERITIES: tuple[Severity, ...] = ("error", "warning")


def by_severity(problems: list[tuple[str, str]]) -> Iterator[tuple[Severity, list[str]]]:
    """The reasons of ``(severity, reason)`` problems grouped by severity: errors, then
    warnings (a severity without reasons left out); one finding per group."""
    for severity in _SEVERITIES:
        reasons = [r for s, r in problems if s == severity]
        if reasons:
            yield severity, reasons


# -- the enclosing dataset and stored values -----------------------------------------------
def as_read(ctx: Any) -> AsRead | None:
    """The datasets of the validation as read (recorded by the CheckContext)."""
    got = getattr(ctx, "as_read", None)
    if got is None:
        root = getattr(ctx, "dataset", None)
        if not isinstance(root, Dataset):
            return None
        got = AsRead(root, getattr(ctx, "facts", None), getattr(ctx, "file_meta", None))
        with contextlib.suppress(AttributeError):  # a read-only stand-in context
            ctx.as_read = got
    return got


def scope_of(where: Any, ctx: Any) -> ItemScope | None:
    """The scope of the dataset holding the element at ``where``.

    Set by the traversal; for a path built elsewhere (direct calls, File Meta) the
    recorded item with the same path, else the root.
    """
    scope = getattr(where, "scope", None)
    if scope is not None:
        return scope  # type: ignore[no-any-return]
    read = as_read(ctx)
    if read is None:
        return None
    parent = getattr(where, "parent", None)
    if parent is not None:
        for ds, path in read.items:
            if path == parent:
                return read.scopes.get(id(ds))
    return read.root


def vr_of(elem: Any, scope: ItemScope | None) -> str | None:
    """The VR of ``elem`` as pydicom converts it (``elem.VR`` without a scope)."""
    return scope.vr(elem) if scope is not None else getattr(elem, "VR", None)


def element_vr(elem: Any, where: Any, ctx: Any) -> str | None:
    """The VR of ``elem`` as pydicom converts it: the traversal's, else resolved here."""
    vr = getattr(where, "vr", None)
    return vr if vr is not None else vr_of(elem, scope_of(where, ctx))


def raw_bytes(elem: Any) -> bytes | None:
    """The value bytes as read from the file, or None for a converted element."""
    if type(elem) is RawDataElement:
        return elem.value if isinstance(elem.value, bytes) else b""
    return None


def raw_length(elem: Any, where: Any, ctx: Any) -> int | None:
    """Length of the value bytes as read (also of a value left in the file: see
    ``conformance.engine.deferred``), or None for a converted element."""
    if type(elem) is not RawDataElement:
        return None
    if elem.value is not None:
        return len(elem.value) if isinstance(elem.value, bytes) else 0
    scope = scope_of(where, ctx)
    return value_length(scope.dataset if scope is not None else None, elem)


def _single_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode("latin-1")
    orig = getattr(v, "original_string", None)  # DSfloat / IS / PersonName keep the text
    if isinstance(orig, str):
        return orig
    return str(v)


def converted_text(elem: Any) -> str:
    """Text of a converted string element, values joined by backslash."""
    value = getattr(elem, "value", None)
    if value is None:
        return ""
    if isinstance(value, (list, tuple, MultiValue)):
        return "\\".join(_single_text(v) for v in value)
    return _single_text(value)


def stored_text(elem: Any) -> str:
    """The value as text without decoding (latin-1 for raw bytes), values joined by '\\'."""
    raw = raw_bytes(elem)
    return raw.decode("latin-1") if raw is not None else converted_text(elem)


def value_text(elem: Any, scope: ItemScope | None, raw: bytes | None, *,
               decoded: bool = True) -> str:
    """The text of a string element: ``raw`` (its bytes as read) decoded with the character
    set in force (as Latin-1 when not ``decoded``), else its converted value's text."""
    if raw is None:
        return converted_text(elem)
    if not decoded:
        return raw.decode("latin-1")
    text, _ok = decode(raw, scope)
    return text


# -- character sets --------------------------------------------------------------------------
def charsets(scope: ItemScope | None) -> list[str]:
    """Specific Character Set values in force for the dataset (its own, else the root's)."""
    if scope is None:
        return []
    got = scope.memo.get("charsets")
    if got is None:
        elem = scope.own_or_root(SPECIFIC_CHARACTER_SET)
        got = [v.strip() for v in stored_text(elem).split("\\")] if elem is not None else []
        scope.memo["charsets"] = got
    return got  # type: ignore[no-any-return]


def charsets_of(ds: Dataset | None, ctx: Any) -> list[str]:
    """Specific Character Set values of ``ds`` itself (dataset checks)."""
    read = as_read(ctx) if ctx is not None else None
    scope = read.scopes.get(id(ds)) if read is not None and ds is not None else None
    if scope is not None and scope.dataset is ds:
        elem = scope.elements.get(SPECIFIC_CHARACTER_SET)
    else:
        try:
            elem = ds.get_item(SPECIFIC_CHARACTER_SET) if ds is not None else None
        except Exception:  # noqa: BLE001
            elem = None
    return [v.strip() for v in stored_text(elem).split("\\")] if elem is not None else []


def _encodings(scope: ItemScope | None) -> tuple[list[str], bool, bool]:
    """(Python encodings, pydicom warned about a term, repertoire extended) per dataset."""
    got = scope.memo.get("encodings") if scope is not None else None
    if got is None:
        terms = charsets(scope)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                encodings = pd_charset.convert_encodings([t for t in terms if t] or [""])
            except Exception:  # noqa: BLE001
                encodings = None
        extended = any(t not in ("", "ISO_IR 6") for t in terms)
        got = (encodings, bool(caught), extended)
        if scope is not None:
            scope.memo["encodings"] = got
    return got  # type: ignore[no-any-return]


def decode(value: bytes, scope: ItemScope | None) -> tuple[str, bool]:
    """Decode text bytes with the character set in force; ``(text, ok)``.

    Pure ASCII without ESC decodes the same in every DICOM character set, so the
    common case skips pydicom's decoder.
    """
    if value.isascii() and b"\x1b" not in value:
        return value.decode("ascii"), True
    encodings, warned, extended = _encodings(scope)
    if encodings is None:
        return value.decode("latin-1"), False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            text = pd_charset.decode_bytes(value, encodings, {0x5C, 0x3D, 0x5E})
        except Exception:  # noqa: BLE001
            return value.decode("latin-1"), False
    # The default repertoire is ISO-IR 6 (ASCII): any other byte needs a character set.
    return text, not caught and not warned and extended


def items_of(ctx: Any) -> list[tuple[Dataset, ElementPath | None]]:
    """``(dataset, path of the item)`` for the root and every sequence item (as read)."""
    read = as_read(ctx)
    return read.items if read is not None else []


def stored(ds: Dataset, tag: int, ctx: Any) -> Any | None:
    """The element ``tag`` of ``ds`` as it was stored before the checks ran."""
    read = as_read(ctx)
    scope = read.scopes.get(id(ds)) if read is not None else None
    if scope is not None and scope.dataset is ds:
        return scope.elements.get(tag)
    try:
        return ds.get_item(tag)
    except Exception:  # noqa: BLE001
        return None
