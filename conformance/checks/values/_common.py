"""Shared helpers of the value checks: findings, stored-value access, character sets
(per-standard lookups and caches: ``_lookup``).

The element checks get ``elem`` as pydicom stored it: a ``RawDataElement`` (bytes as
read) or, for values converted earlier or built in memory, a ``DataElement``; and
``where.scope``, the ``ReadScope`` of the enclosing dataset (its Dataset, per-dataset
facts, the VR pydicom gives the element). Raw bytes are preferred because a value pydicom
cannot convert must become a finding, not an exception, and because converting every
element only to look at it costs more than the checks.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from pydicom import charset as pd_charset
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from conformance.checks.values._lookup import SPECIFIC_CHARACTER_SET
from conformance.engine.deferred import value_length
from conformance.engine.finding import Finding, Reference, Severity
from conformance.engine.frame_reuse import frame_reuse
from conformance.engine.path import ElementPath
from conformance.engine.read_scope import AsRead, ReadScope


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


def scope_of(where: Any, ctx: Any) -> ReadScope | None:
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


def vr_of(elem: Any, scope: ReadScope | None) -> str | None:
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


def value_text(elem: Any, scope: ReadScope | None, raw: bytes | None, *,
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
def charsets(scope: ReadScope | None) -> list[str]:
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


def _encodings(scope: ReadScope | None) -> tuple[list[str], bool, bool]:
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


def decode(value: bytes, scope: ReadScope | None) -> tuple[str, bool]:
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


def per_item(ctx: Any, check: Callable[[Dataset, ElementPath | None], Iterable[Finding]]
             ) -> Iterator[Finding]:
    """``check(dataset, path of the item)`` for the root and every sequence item as read,
    in order. A functional group that repeats an earlier frame's byte for byte
    (``AsRead.repeats``) gets that frame's findings for it, moved: ``check`` must look
    only at the item (and the root, the same for every frame)."""
    read = as_read(ctx)
    if read is None:
        return
    items, repeats = read.items, read.repeats
    if not repeats:
        for ds, path in items:
            yield from check(ds, path)
        return
    reuse = frame_reuse(ctx)
    assert reuse is not None  # repeats come from the reader's copies, as FrameReuse does
    found: list[list[Finding]] = []
    pending = iter(repeats)
    nxt = next(pending, None)
    for i in range(len(items) + 1):
        while nxt is not None and nxt.at == i:
            for kept in found[nxt.first:nxt.last]:
                for f in kept:
                    yield reuse.moved(f, nxt.source, nxt.frame)
            nxt = next(pending, None)
        if i < len(items):
            ds, path = items[i]
            got: list[Finding] = []
            found.append(got)
            for f in check(ds, path):  # each as it comes, as without repeats
                got.append(f)
                yield f


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
