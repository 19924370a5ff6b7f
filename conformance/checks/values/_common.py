"""Shared helpers of the value checks: findings, raw value access, per-standard caches.

The checks get ``elem`` as the engine hands it over: a pydicom ``RawDataElement``
(bytes as read) or a converted ``DataElement``. Raw bytes are preferred because a value
pydicom cannot convert must become a finding, not an exception.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from pydicom import charset as pd_charset
from pydicom.datadict import keyword_for_tag
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from conformance.engine.finding import Finding, Reference, Severity
from conformance.engine.path import ElementPath
from conformance.tags import tag_display

T = TypeVar("T")

# PS3.5 Table 6.2-1, the VR table: the reference of the VR syntax and dictionary-VR checks.
REF_VR_TABLE = Reference(part=5, section="6.2", table="6.2-1")

# VRs whose value is binary (no text); SQ and UN are handled apart.
BINARY_VRS = frozenset(
    {"AT", "FL", "FD", "SL", "SS", "SV", "UL", "US", "UV", "OB", "OD", "OF", "OL", "OV", "OW"}
)
# Text VRs that PS3.5 6.2 allows to be multi-valued is taken from the VR table; this
# fallback is only for a build without vrs.json.
_SINGLE_VALUED_FALLBACK = frozenset({"LT", "ST", "UT", "UR"})

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


def enclosing(where: Any, ctx: Any) -> Dataset | None:
    """The dataset that holds the element at ``where`` (an engine ``ElementPath``).

    Resolved from the root along the path; siblings share their parent path object, so
    the last answer is cached in ``ctx.cache``.
    """
    root = getattr(ctx, "dataset", None)
    parent = getattr(where, "parent", None)
    if parent is None or not isinstance(root, Dataset):
        return root if isinstance(root, Dataset) else None
    cache = getattr(ctx, "cache", None)
    if cache is not None:
        hit = cache.get("values.enclosing")
        if hit is not None and hit[0] is parent:
            return hit[1]  # type: ignore[no-any-return]
    ds: Dataset | None = root
    for tag, index in parent.steps():
        try:
            ds = ds[tag].value[index] if ds is not None and index is not None else None
        except Exception:  # noqa: BLE001
            ds = None
        if not isinstance(ds, Dataset):
            ds = None
            break
    if cache is not None:
        cache["values.enclosing"] = (parent, ds)
    return ds


def keyword_of(tag: int) -> str:
    """The dictionary keyword of ``tag`` or ``""`` (private/unknown)."""
    try:
        return keyword_for_tag(tag) or ""
    except Exception:  # noqa: BLE001
        return ""


def name_of(std: Any, tag: int) -> str:
    """A readable name for messages: ``Patient's Name (0010,0010)``."""
    entry = dict_entry(std, tag)
    name = getattr(entry, "name", "") if entry is not None else ""
    return f"{name} {tag_display(tag)}" if name else tag_display(tag)


def make(ctx: Any, code: str, severity: Severity, message: str, where: Any,
         reference: Reference | None) -> Finding:
    """A Finding at ``where`` (an ElementPath or None), stamped with the standard's edition."""
    if reference is not None and reference.edition is None:
        edition = getattr(getattr(ctx, "standard", None), "edition", None)
        if edition:
            reference = Reference(edition, reference.part, reference.section, reference.table)
    return ctx.finding(code, severity, message, where=where, reference=reference)  # type: ignore[no-any-return]


_SNAPSHOT = "values.raw"


def steps_key(where: Any) -> tuple[tuple[int, int | None], ...]:
    """Hashable form of an ElementPath: ((tag, item index), ...)."""
    return tuple(where.steps()) if where is not None else ()


def snapshot_raw(ctx: Any) -> None:
    """Record the raw elements of the dataset before the traversal converts them.

    The engine hands element checks converted ``DataElement``s; the bytes as read are
    kept here (references, no copies) so that padding, odd lengths and binary lengths
    can be checked. Elements already converted by earlier checks are simply absent.
    """
    cache = getattr(ctx, "cache", None)
    root = getattr(ctx, "dataset", None)
    if cache is None or not isinstance(root, Dataset) or _SNAPSHOT in cache:
        return
    out: dict[tuple[tuple[int, int | None], ...], RawDataElement] = {}
    stack: list[tuple[Dataset, tuple[tuple[int, int | None], ...]]] = [(root, ())]
    while stack:
        ds, prefix = stack.pop()
        for tag in list(ds.keys()):
            try:
                raw = ds.get_item(tag)
            except Exception:  # noqa: BLE001
                continue
            if isinstance(raw, RawDataElement) and raw.VR != "SQ":
                out[(*prefix, (tag, None))] = raw
                continue
            if raw is None or raw.VR != "SQ":
                continue
            try:
                items = ds[tag].value
            except Exception:  # noqa: BLE001 - the traversal reports unreadable sequences
                continue
            for i, item in enumerate(items or ()):
                if isinstance(item, Dataset):
                    stack.append((item, (*prefix, (tag, i))))
    cache[_SNAPSHOT] = out


def raw_bytes(elem: Any, where: Any, ctx: Any) -> bytes | None:
    """The value bytes as read from the file, or None when only a converted value exists."""
    if isinstance(elem, RawDataElement):
        return elem.value if isinstance(elem.value, bytes) else b""
    cache = getattr(ctx, "cache", None)
    if cache is None:
        return None
    if _SNAPSHOT not in cache:
        snapshot_raw(ctx)  # normally done before the traversal by raw_snapshot.py
    snap = cache.get(_SNAPSHOT)
    if not snap:
        return None
    raw = snap.get(steps_key(where))
    if raw is None or raw.tag != elem.tag:
        return None
    return raw.value if isinstance(raw.value, bytes) else b""


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


def value_text(elem: Any, where: Any, ctx: Any, raw: bytes | None, *,
               decoded: bool = True) -> str:
    """The text of a string element: ``raw`` (its bytes as read) decoded with the character
    set in force (as Latin-1 when not ``decoded``), else its converted value's text."""
    if raw is None:
        return converted_text(elem)
    if not decoded:
        return raw.decode("latin-1")
    text, _ok = decode(raw, enclosing(where, ctx), ctx)
    return text


def charsets_of(ds: Dataset | None, ctx: Any) -> list[str]:
    """Specific Character Set values in force for ``ds`` (its own, else the root's)."""
    for d in (ds, getattr(ctx, "dataset", None)):
        if not isinstance(d, Dataset):
            continue
        try:
            raw = d.get_item(0x00080005)
        except Exception:  # noqa: BLE001
            raw = None
        if raw is None:
            continue
        if isinstance(raw, RawDataElement):
            text = (raw.value or b"").decode("latin-1")
        else:
            text = converted_text(raw)
        return [v.strip() for v in text.split("\\")]
    return []


def decode(value: bytes, ds: Dataset | None, ctx: Any) -> tuple[str, bool]:
    """Decode text bytes with the character set in force; ``(text, ok)``.

    Pure ASCII without ESC decodes the same in every DICOM character set, so the
    common case skips pydicom's decoder.
    """
    if value.isascii() and b"\x1b" not in value:
        return value.decode("ascii"), True
    terms = charsets_of(ds, ctx)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            encodings = pd_charset.convert_encodings([t for t in terms if t] or [""])
            text = pd_charset.decode_bytes(value, encodings, {0x5C, 0x3D, 0x5E})
        except Exception:  # noqa: BLE001
            return value.decode("latin-1"), False
    extended = any(t not in ("", "ISO_IR 6") for t in terms)
    # The default repertoire is ISO-IR 6 (ASCII): any other byte needs a character set.
    return text, not caught and extended


def walk(ds: Dataset, parent: ElementPath | None = None
         ) -> Iterator[tuple[Dataset, ElementPath | None]]:
    """Yield ``(dataset, path of the item)`` for ``ds`` and every sequence item below it."""
    yield ds, parent
    for tag in list(ds.keys()):
        try:
            raw = ds.get_item(tag)
        except Exception:  # noqa: BLE001
            continue
        if raw is None or raw.VR != "SQ":
            continue
        try:
            items = ds[tag].value
        except Exception:  # noqa: BLE001 - an undecodable sequence is another check's finding
            continue
        seq = ElementPath(parent, tag)
        for i, item in enumerate(items or ()):
            if isinstance(item, Dataset):
                yield from walk(item, seq.item(i))


def items_of(ctx: Any) -> list[tuple[Dataset, ElementPath | None]]:
    """``walk(ctx.dataset)`` as a list, computed once per validation (``ctx.cache``)."""
    cache = getattr(ctx, "cache", None)
    hit = cache.get("values.items") if cache is not None else None
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    root = getattr(ctx, "dataset", None)
    items = list(walk(root)) if isinstance(root, Dataset) else []
    if cache is not None:
        cache["values.items"] = items
    return items
