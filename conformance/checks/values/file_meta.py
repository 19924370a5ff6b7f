"""File Meta Information (PS3.10 Section 7.1; PS3.5 Section 10 and Annex A).

Preamble and ``DICM`` prefix, group 0002 present and Explicit VR Little Endian, File Meta
Information Version ``00\\01``, Media Storage SOP Class/Instance UIDs equal to the
dataset's SOP Class/Instance UIDs, a known Transfer Syntax UID (UID registry of the
standard in use, else pydicom's) that matches how the dataset is encoded. Datasets
built in memory without File Meta are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.uid import UID_dictionary

from conformance.checks.values._common import as_read, make
from conformance.checks.values._lookup import uid_entry
from conformance.checks.values.encoding import KNOWN_VRS, REF_VR
from conformance.checks.values.uid import REF as REF_UID
from conformance.checks.values.uid import uid_problems
from conformance.checks.values.vr_syntax import check_vr_syntax
from conformance.engine.finding import Finding, Reference
from conformance.engine.path import ElementPath
from conformance.engine.registry import dataset_check

REF = Reference(part=10, section="7.1")
REF_TS = Reference(part=5, section="10")
IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_BE = "1.2.840.10008.1.2.2"
# PS3.10 Table 7.1-1: the Type 1 File Meta elements (PS3.10 is not part of the build).
REQUIRED = {0x00020001: "File Meta Information Version",
            0x00020002: "Media Storage SOP Class UID",
            0x00020003: "Media Storage SOP Instance UID",
            0x00020010: "Transfer Syntax UID",
            0x00020012: "Implementation Class UID"}


def _text(ds: Dataset | dict[int, Any] | None, tag: int) -> str | None:
    """The text of ``tag`` (a Dataset, or stored elements by tag), padding removed."""
    if ds is None:
        return None
    try:
        elem = ds.get(tag) if isinstance(ds, dict) else ds.get_item(tag)
        if elem is None:
            return None
        if isinstance(elem, RawDataElement):
            return (elem.value or b"").decode("latin-1").rstrip("\x00 ")
        v = elem.value
        return str(v[0] if isinstance(v, list) else v).rstrip("\x00 ") if v else ""
    except Exception:  # noqa: BLE001
        return None


def _where(tag: int) -> ElementPath:
    return ElementPath(None, tag)


def _encoding(ctx: Any) -> tuple[bool | None, bool | None]:
    """(implicit VR?, little endian?) as the data set was actually read.

    pydicom's ``original_encoding`` follows the Transfer Syntax; the raw elements record
    what its reader found (it falls back to implicit VR when the VR bytes are not a VR).
    """
    read = as_read(ctx)
    for raw in read.root.elements.values() if read is not None else ():
        if type(raw) is RawDataElement and raw.VR != "SQ" and raw.tag >> 16 != 0x0002:
            return bool(raw.is_implicit_VR), bool(raw.is_little_endian)
    facts = getattr(ctx, "facts", None)
    return getattr(facts, "is_implicit_vr", None), getattr(facts, "is_little_endian", None)


def _ts_checks(ctx: Any, ts: str) -> Iterator[Finding]:
    entry = uid_entry(ctx.standard, ts)
    edition = getattr(ctx.standard, "edition", "?")
    where = _where(0x00020010)
    if entry is not None:
        if entry.get("type") != "Transfer Syntax":
            yield make(ctx, "file-meta", "error",
                       f"Transfer Syntax UID {ts} is a {entry.get('type')} "
                       f"({entry.get('name')}), not a Transfer Syntax", where, REF_TS)
    else:
        known = UID_dictionary.get(ts)
        if known is not None and known[1] == "Transfer Syntax":
            yield make(ctx, "file-meta-ts-unregistered", "info",
                       f"Transfer Syntax UID {ts} is not in the UID registry of {edition}; "
                       f"pydicom knows it as {known[0]}", where, REF_TS)
        else:
            yield make(ctx, "file-meta-ts-unknown", "warning",
                       f"Transfer Syntax UID {ts} is not a known Transfer Syntax (UID "
                       f"registry of {edition}, pydicom); private transfer syntaxes cannot "
                       "be read by other applications", where, REF_TS)
    implicit, little = _encoding(ctx)
    if implicit is None or little is None:
        return
    want_implicit, want_little = ts == IMPLICIT_LE, ts != EXPLICIT_BE
    if (implicit, little) != (want_implicit, want_little):
        enc = f"{'implicit' if implicit else 'explicit'} VR {'little' if little else 'big'} endian"
        yield make(ctx, "file-meta", "error",
                   f"Transfer Syntax UID {ts} does not match the dataset, which is encoded "
                   f"{enc}", where, REF_TS)


@dataset_check("file-meta", "file-meta-ts-unregistered", "file-meta-ts-unknown",
               "uid-invalid", "uid-arc", "vr-invalid", reference="PS3.10 7.1; PS3.5 10")
def check_file_meta(ctx: Any) -> Iterator[Finding]:
    """PS3.10 7.1: preamble, DICM, File Meta Information elements and their values."""
    meta = getattr(ctx, "file_meta", None)
    facts = getattr(ctx, "facts", None)
    dicm = getattr(facts, "has_dicm_prefix", None)
    from_file = dicm is not None
    if (meta is None or len(meta) == 0) and not from_file:
        return  # a Dataset built in memory: nothing was read
    if dicm is False:
        yield make(ctx, "file-meta", "error",
                   "no 128-byte preamble followed by 'DICM' (PS3.10 7.1)", None, REF)
    if meta is None or len(meta) == 0:
        yield make(ctx, "file-meta", "error",
                   "no File Meta Information (group 0002)", None, REF)
        return
    # The elements as stored, in tag order (int keys: BaseTag comparisons are slow).
    stored = {tag: meta_elem for tag, meta_elem in sorted(meta.items(), key=lambda kv: int(kv[0]))}
    for tag, raw in stored.items():
        if isinstance(raw, RawDataElement) and (raw.is_implicit_VR or not raw.is_little_endian):
            yield make(ctx, "file-meta", "error",
                       "File Meta Information is not encoded Explicit VR Little Endian",
                       _where(tag), REF)
            break
    for tag, name in REQUIRED.items():
        if tag not in stored:
            yield make(ctx, "file-meta", "error", f"{name} is missing", _where(tag), REF)
        elif tag != 0x00020001 and not _text(stored, tag):
            yield make(ctx, "file-meta", "error", f"{name} is empty (Type 1)", _where(tag), REF)
    # The traversal covers the data set only: the File Meta UIDs are checked here.
    for tag in (0x00020002, 0x00020003, 0x00020010, 0x00020012):
        value = _text(stored, tag)
        problems = uid_problems(value) if value else []
        for sev in ("error", "warning"):
            reasons = [r for s, r in problems if s == sev]
            if reasons:
                code = "uid-invalid" if sev == "error" else "uid-arc"  # a non-ISO arc: warning
                yield make(ctx, code, sev,  # type: ignore[arg-type]
                           f"Invalid UID in {REQUIRED[tag]}: {value!r}: " + "; ".join(reasons),
                           _where(tag), REF_UID)
    # the stored element: pydicom 3's get_item converts it (and raises on an unknown VR)
    version = stored.get(0x00020001)
    if version is not None:
        value = version.value if isinstance(version.value, bytes) else None
        if value != b"\x00\x01":
            yield make(ctx, "file-meta", "error",
                       f"File Meta Information Version is {value!r}, not 00H 01H",
                       _where(0x00020001), REF)
    ds = getattr(ctx, "dataset", None)
    for mtag, dtag, name in ((0x00020002, 0x00080016, "SOP Class UID"),
                             (0x00020003, 0x00080018, "SOP Instance UID")):
        m, d = _text(stored, mtag), _text(ds, dtag)
        if m and d and m != d:
            yield make(ctx, "file-meta", "error",
                       f"Media Storage {name} {m} differs from the dataset's {name} {d}",
                       _where(mtag), REF)
    ts = _text(stored, 0x00020010)
    if ts:
        yield from _ts_checks(ctx, ts)
    # The element traversal does not visit group 0002: apply the VR syntax here.
    for tag, elem in stored.items():
        if isinstance(elem, RawDataElement) and elem.VR is not None \
                and elem.VR not in KNOWN_VRS:
            # pydicom cannot convert it; found by the fuzz campaign
            yield make(ctx, "encoding-invalid", "error",
                       f"explicit VR {elem.VR!r} is not a Value Representation of PS3.5",
                       _where(tag), REF_VR)
        elif elem.VR != "UI":
            yield from check_vr_syntax(elem, _where(tag), ctx)
