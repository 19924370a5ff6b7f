"""A DICOMDIR (Media Storage Directory, PS3.10 Section 8; PS3.3 Annex F) checked as what
it is: record offsets, record nesting, and the files the records reference.

Records are linked by offsets measured from the first byte of the file (PS3.3 F.3.2.1:
Offset of the Next Directory Record, of the Referenced Lower-Level Directory Entity, of
the First/Last Directory Record of the Root Directory Entity); every non-zero offset
must be the start of a record. Record types nest as PS3.3 Table F.4-1 allows
(``dicomdir_records.json``). Each Referenced File ID (PS3.10 8.2, 8.5) names a file
below the DICOMDIR's folder, whose File Meta must carry the record's Referenced SOP
Class / Instance / Transfer Syntax UID in File (PS3.3 F.5). DICOM files in the folder
that no record names are listed (info).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

from conformance.checks.file_set import MEDIA_STORAGE_DIRECTORY, dicom_files, is_directory_file
from conformance.engine.context import CheckContext
from conformance.engine.conversion import plain_reading
from conformance.engine.elements import stored
from conformance.engine.finding import Finding, Reference
from conformance.engine.registry import dataset_check

REF_OFFSETS = Reference(part=3, section="F.3.2.1")
REF_NESTING = Reference(part=3, section="F.4", table="F.4-1")
REF_FILES = Reference(part=10, section="8.5")
REF_UIDS = Reference(part=3, section="F.5")
CODES = ("dicomdir-offset", "dicomdir-record-nesting", "dicomdir-file-missing",
         "dicomdir-uid-mismatch", "dicomdir-unlisted-file", "dicomdir-iod-unchecked")
# (record keyword, file meta keyword) pairs compared per referenced file.
_UID_PAIRS = (("ReferencedSOPClassUIDInFile", "MediaStorageSOPClassUID"),
              ("ReferencedSOPInstanceUIDInFile", "MediaStorageSOPInstanceUID"),
              ("ReferencedTransferSyntaxUIDInFile", "TransferSyntaxUID"))
_ROOT_OFFSETS = ("OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity",
                 "OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity")
_RECORD_OFFSETS = ("OffsetOfTheNextDirectoryRecord", "OffsetOfReferencedLowerLevelDirectoryEntity")


def _tag_vr(keyword: str) -> tuple[int, str]:
    tag = tag_for_keyword(keyword)
    if tag is None:
        raise LookupError(f"pydicom's data dictionary has no {keyword}")
    return tag, dictionary_VR(tag)


# Tag and VR of each value read here, from pydicom's data dictionary: the VR its
# conversion gives a value read implicit, which a value read from its bytes must match.
_TAG_VR = {kw: _tag_vr(kw) for kw in (*(k for pair in _UID_PAIRS for k in pair),
                                      "DirectoryRecordType", *_ROOT_OFFSETS,
                                      *_RECORD_OFFSETS)}
_LISTED_MAX = 10


@lru_cache(maxsize=1)
def record_rules() -> dict[str, Any]:
    """PS3.3 Table F.4-1 as data (``dicomdir_records.json``)."""
    from importlib import resources  # (with tempfile and random: only for a DICOMDIR)

    text = resources.files("conformance.checks").joinpath("dicomdir_records.json").read_text()
    return json.loads(text)  # type: ignore[no-any-return]


def allowed(parent: str | None, child: str) -> bool:
    """Whether a ``child`` record may sit below ``parent`` (None: the root entity)."""
    rules = record_rules()
    if parent is None:
        return child in rules["root"]
    if parent == "SERIES":
        return child not in rules["not_under_series"]
    kids = rules["children"].get(parent)
    if isinstance(kids, list):
        return child in kids
    return child == "PRIVATE"


def _raw(item: Dataset, keyword: str, vrs: tuple[str, ...]) -> Any | None:
    """The element ``keyword`` when its dictionary VR is one of ``vrs``, stored
    unconverted as that VR (or read implicit) with its bytes, and pydicom converts as by
    default; None when only the conversion can tell."""
    tag, vr = _TAG_VR[keyword]
    raw = stored(item, tag)
    if vr not in vrs or type(raw) is not RawDataElement or raw.VR not in (vr, None) \
            or type(raw.value) is not bytes or not plain_reading():
        return None
    return raw


def _int(item: Dataset, keyword: str) -> int | None:
    raw = _raw(item, keyword, ("UL",))
    if raw is not None and len(raw.value) == 4:  # one UL value, as pydicom converts it
        return int.from_bytes(raw.value, "little" if raw.is_little_endian else "big")
    try:
        v = item.get(keyword)
        return int(v) if v is not None else None
    except Exception:  # noqa: BLE001 - a bad value is the value checks' finding
        return None


# visible ASCII characters but the backslash (which separates values): a value of them
# alone converts to itself (UI and CS), and reads the same raw or converted wherever
# else it is looked at (masking included)
_VISIBLE = bytes(c for c in range(0x21, 0x7F) if c != 0x5C)


def _text(item: Dataset, keyword: str) -> str:
    raw = _raw(item, keyword, ("UI", "CS"))
    if raw is not None:
        value = raw.value.rstrip(b"\x00 ")
        if not value.translate(None, _VISIBLE):
            # What pydicom's conversion of one value gives, without making it (60 us a
            # value, most of a DICOMDIR's check): its trailing NULs and spaces dropped.
            return value.decode("ascii")
    try:
        v = item.get(keyword)
    except Exception:  # noqa: BLE001
        return ""
    return str(v).strip("\x00 ") if v is not None else ""


def is_dicomdir(ctx: CheckContext) -> bool:
    return ctx.sop_class_uid == MEDIA_STORAGE_DIRECTORY


@dataset_check(*CODES, reference="PS3.3 F.3-F.5; PS3.10 8")
def check_dicomdir(ctx: CheckContext) -> Iterator[Finding]:
    """PS3.3 F.3.2.1 record offsets, PS3.3 Table F.4-1 record nesting, PS3.10 8.5 and
    PS3.3 F.5 referenced files and their UIDs, for a Media Storage Directory."""
    if not is_dicomdir(ctx):
        return
    ds = ctx.dataset
    if ctx.requirements is None:
        yield ctx.finding(
            "dicomdir-iod-unchecked", "info",
            f"the standard ({ctx.standard.edition}) has no Basic Directory IOD tables "
            "(PS3.3 F.3): the directory's records, offsets and files were checked, its "
            "module attributes were not", reference=Reference(part=3, section="F.3"))
    try:
        records = list(ds.get("DirectoryRecordSequence") or ())
    except Exception:  # noqa: BLE001 - an unparsable sequence: the traversal reports it
        return
    by_offset: dict[int, int] = {}
    for n, item in enumerate(records):
        tell = getattr(item, "seq_item_tell", None)
        if isinstance(tell, int):
            by_offset[tell] = n
    seq_tag = 0x00041220
    if by_offset:
        yield from _offsets(ctx, ds, records, by_offset, seq_tag)
        yield from _nesting(ctx, ds, records, by_offset, seq_tag)
    yield from _files(ctx, records, seq_tag)


def _where(ctx: CheckContext, seq_tag: int, n: int) -> Any:
    from conformance.engine.path import ElementPath

    return ElementPath(None, seq_tag).item(n)


def _offsets(ctx: CheckContext, ds: Dataset, records: list[Dataset],
             by_offset: dict[int, int], seq_tag: int) -> Iterator[Finding]:
    holders = [(ds, None, _ROOT_OFFSETS)]
    holders += [(item, _where(ctx, seq_tag, n), _RECORD_OFFSETS)
                for n, item in enumerate(records)]
    for holder, where, offsets in holders:
        for kw in offsets:
            off = _int(holder, kw)
            if off and off not in by_offset:
                yield ctx.finding("dicomdir-offset", "error",
                                  f"{kw} {off} is not the offset of a directory record",
                                  where=where, tag=_TAG_VR[kw][0], reference=REF_OFFSETS)


def _nesting(ctx: CheckContext, ds: Dataset, records: list[Dataset],
             by_offset: dict[int, int], seq_tag: int) -> Iterator[Finding]:
    """Follow the linked lists from the root; each record's type must be allowed under
    its parent's. Visited records are remembered, so a cycle of offsets ends the walk."""
    first = _int(ds, "OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity")
    todo: list[tuple[int | None, str | None]] = [(first, None)]
    seen: set[int] = set()
    while todo:
        off, parent = todo.pop()
        while off and off in by_offset and off not in seen:
            seen.add(off)
            n = by_offset[off]
            item = records[n]
            rtype = _text(item, "DirectoryRecordType")
            if rtype and not allowed(parent, rtype):
                under = f"{parent} record" if parent else "the root directory entity"
                yield ctx.finding(
                    "dicomdir-record-nesting", "error",
                    f"record type {rtype} may not be under {under} (PS3.3 Table F.4-1)",
                    where=_where(ctx, seq_tag, n), tag=0x00041430, reference=REF_NESTING)
            lower = _int(item, "OffsetOfReferencedLowerLevelDirectoryEntity")
            if lower:
                todo.append((lower, rtype or parent))
            off = _int(item, "OffsetOfTheNextDirectoryRecord")


def _resolve(root: str, parts: list[str],
             listings: dict[str, dict[str, str] | None]) -> str | None:
    """The file a Referenced File ID names below ``root`` (components matched exactly,
    else ignoring case: media written on case-insensitive systems). ``listings`` keeps
    the folders listed for one DICOMDIR (upper-case name -> name; None: unreadable)."""
    path = root
    for part in parts:
        exact = os.path.join(path, part)
        if os.path.exists(exact):
            path = exact
            continue
        if path not in listings:
            try:
                listings[path] = {n.upper(): n for n in os.listdir(path)}
            except OSError:
                listings[path] = None
        names = listings[path]
        if names is None:
            return None
        hit = names.get(part.upper())
        if hit is None:
            return None
        path = os.path.join(path, hit)
    return path if os.path.isfile(path) else None


def _files(ctx: CheckContext, records: list[Dataset], seq_tag: int) -> Iterator[Finding]:
    from pydicom.filereader import read_file_meta_info

    if not ctx.path or not os.path.isfile(ctx.path):
        return  # in memory: no file-set folder to look in
    root = os.path.dirname(os.path.abspath(ctx.path))
    named: set[str] = set()
    listings: dict[str, dict[str, str] | None] = {}
    for n, item in enumerate(records):
        try:
            fid = item.get(0x00041500)
        except Exception:  # noqa: BLE001
            continue
        if fid is None or not fid.value:
            continue
        parts = [str(p).strip() for p in (fid.value if not isinstance(fid.value, str)
                                          else [fid.value])]
        where = _where(ctx, seq_tag, n)
        path = _resolve(root, parts, listings)
        shown = "\\".join(parts)
        if path is None:
            yield ctx.finding("dicomdir-file-missing", "error",
                              f"Referenced File ID {shown} names no file of the file-set "
                              "(the DICOMDIR's folder)",
                              where=where, tag=0x00041500, reference=REF_FILES)
            continue
        named.add(os.path.realpath(path))
        try:
            meta = read_file_meta_info(path)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is one finding
            yield ctx.finding("dicomdir-file-missing", "error",
                              f"Referenced File ID {shown}: the file has no readable File "
                              f"Meta Information ({type(exc).__name__})",
                              where=where, tag=0x00041500, reference=REF_FILES)
            continue
        for rec_kw, meta_kw in _UID_PAIRS:
            want = _text(item, rec_kw)
            got = _text(meta, meta_kw)
            if want and want != got:
                yield ctx.finding(
                    "dicomdir-uid-mismatch", "error",
                    # The file's value is not in this dataset, so the masking of
                    # identifying values could not hide it: it is not quoted.
                    f"{rec_kw} is {want} but {shown} has another {meta_kw}"
                    + ("" if got else " (none)"),
                    where=where, tag=_TAG_VR[rec_kw][0], reference=REF_UIDS)
    yield from _unlisted(ctx, root, named)


def _unlisted(ctx: CheckContext, root: str, named: set[str]) -> Iterator[Finding]:
    me = os.path.realpath(ctx.path or "")
    unlisted = [e[1] for e in dicom_files(root)
                if e[2] not in named and e[2] != me and not is_directory_file(e)]
    if unlisted:
        shown = ", ".join(unlisted[:_LISTED_MAX])
        more = f" and {len(unlisted) - _LISTED_MAX} more" if len(unlisted) > _LISTED_MAX else ""
        yield ctx.finding("dicomdir-unlisted-file", "info",
                          f"{len(unlisted)} DICOM file(s) in the DICOMDIR's folder are "
                          f"named by no directory record: {shown}{more}", reference=REF_FILES)
