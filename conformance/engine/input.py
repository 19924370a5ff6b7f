"""Turn the caller's input (Dataset, path, bytes, file object) into a Dataset.

The input is never modified: paths and bytes are parsed into a new Dataset, a file
object is read from its current position and its position restored, and a Dataset is
used as given. Anything pydicom cannot parse becomes an ``Unreadable`` result with the
reason, never an exception (PS3.10 7.1: preamble, ``DICM`` prefix, File Meta).
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydicom import dcmread
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.uid import UID

from conformance.engine import per_frame_read
from conformance.engine.deferred import DEFER_SIZE, UNDEFINED, is_deferred
from conformance.errors import InputError
from conformance.limits import DEFAULT_LIMITS, Limits

# Groups a dataset without preamble may plausibly start with (PS3.10 7.1 allows files
# written without File Meta by old implementations; anything else is not DICOM).
_PLAUSIBLE_FIRST_GROUPS = frozenset({0x0000, 0x0002, 0x0004, 0x0008})


@dataclass(frozen=True, slots=True)
class ReadFacts:
    """What the reader saw before and while parsing (for the file-meta checks)."""

    preamble: bytes | None = None
    has_dicm_prefix: bool | None = None
    size: int | None = None
    is_little_endian: bool | None = None
    is_implicit_vr: bool | None = None
    transfer_syntax_uid: str | None = None
    content_hash: str | None = None  # of the bytes read (duplicate detection across files)
    # Which elements of the Per-frame items are exact copies (per_frame_read.FrameCopies;
    # None: not known): the checks do not redo a copy's work.
    copies: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Loaded:
    """A parsed dataset, or the reason it could not be parsed."""

    dataset: Dataset | None
    file_meta: FileMetaDataset | None
    facts: ReadFacts
    path: str | None
    error: str | None = None


def _source_name(obj: Any) -> str | None:
    if isinstance(obj, (str, os.PathLike)):
        return os.fspath(obj)
    name = getattr(obj, "name", None)
    return name if isinstance(name, str) else None


def load(obj: Any, path: str | None = None, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Parse ``obj`` without changing it; failures come back as ``Loaded.error``.

    A mapping, and a path ending in ``.json``, are DICOM JSON (PS3.18 F.2)."""
    if isinstance(obj, Dataset):
        return _from_dataset(obj, path)
    if isinstance(obj, Mapping):
        return _from_dicom_json(obj, path)
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return _parse(bytes(obj), path, limits=limits)
    if isinstance(obj, (str, os.PathLike)):
        p = Path(obj)
        name = path or os.fspath(obj)
        try:
            mode = os.stat(p).st_mode
            if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
                # A FIFO blocks, a device (/dev/zero) never ends: only regular files.
                return _unreadable(name, f"not a regular file ({_file_kind(mode)}); skipped")
            if p.suffix.lower() == ".json" and stat.S_ISREG(mode):  # DICOM JSON (PS3.18 F.2)
                return _from_dicom_json(p.read_bytes(), name)
            if stat.S_ISREG(mode):
                return _parse_file(p, name, limits)
            data = p.read_bytes()
        except IsADirectoryError:
            return _unreadable(name, "is a directory")
        except FileNotFoundError:
            return _unreadable(name, "no such file")
        except OSError as exc:
            return _unreadable(name, f"cannot read: {exc.strerror or exc}")
        return _parse(data, name, limits=limits)
    if hasattr(obj, "read"):
        name = path or _source_name(obj)
        try:
            start = obj.tell() if obj.seekable() else None
            data = obj.read()
            if start is not None:
                obj.seek(start)
        except (OSError, ValueError) as exc:
            return _unreadable(name, f"cannot read stream: {exc}")
        if isinstance(data, str):
            raise InputError("file object must be opened in binary mode")
        return _parse(bytes(data), name, limits=limits)
    raise InputError(f"cannot validate a {type(obj).__name__}: expected a pydicom Dataset, "
                     "a path, bytes, a binary file object or a DICOM JSON mapping")


def _from_dicom_json(obj: bytes | Mapping[str, Any], path: str | None) -> Loaded:
    """A DICOM JSON document (bytes) or object (PS3.18 F.2) as a Loaded."""
    from conformance.engine import dicom_json

    try:
        ds = (dicom_json.dataset_from_bytes(obj) if isinstance(obj, bytes)
              else dicom_json.dataset_from_object(obj))
    except dicom_json.NotDicomJson as exc:
        return unreadable(path, str(exc))
    return Loaded(ds, None, ReadFacts(), path)


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a file"


def unreadable(path: str | None, reason: str, facts: ReadFacts | None = None) -> Loaded:
    """The Loaded of an input that cannot be parsed, with the reason."""
    return Loaded(None, None, facts or ReadFacts(), path, reason)


_unreadable = unreadable


# SHA-256 (not BLAKE2b): OpenSSL's runs twice as fast where the CPU has SHA extensions
# (slower without them), and the whole file is hashed. CONTENT_HASH names the algorithm
# and length, and the distributed fingerprint holds it: a digest stored by an earlier run
# is never compared with one made another way.
_ALGORITHM = "sha256"
_CHARS = 16
_HASH_CHUNK = 1 << 20
CONTENT_HASH = f"{_ALGORITHM}/{_CHARS}"


def content_hasher() -> Any:
    """A new hash object of the content hash's algorithm (``update``, then
    ``content_digest``)."""
    return hashlib.new(_ALGORITHM)


def content_digest(hasher: Any) -> str:
    return str(hasher.hexdigest()[:_CHARS])


def hash_content(data: bytes) -> str:
    """The content hash of a whole input (duplicate SOP Instances with other content)."""
    h = content_hasher()
    h.update(data)
    return content_digest(h)


def _from_dataset(ds: Dataset, path: str | None) -> Loaded:
    meta = getattr(ds, "file_meta", None)
    preamble = ds.preamble if isinstance(ds, FileDataset) else None
    name = path or (ds.filename if isinstance(ds, FileDataset)
                    and isinstance(ds.filename, str) else None)
    ts = getattr(meta, "TransferSyntaxUID", None) if meta is not None else None
    facts = ReadFacts(preamble=preamble, has_dicm_prefix=None,
                      is_little_endian=ds.original_encoding[1] if ds.original_encoding[1]
                      is not None else None,
                      is_implicit_vr=ds.original_encoding[0],
                      transfer_syntax_uid=str(ts) if ts else None)
    return Loaded(ds, meta, facts, name)


def _parse_file(p: Path, path: str | None, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Parse a regular file in place: large values stay in it (``engine.deferred``), so
    memory does not grow with the pixel data."""
    with open(p, "rb") as f:
        head = f.read(4096)
        size = os.fstat(f.fileno()).st_size
        if size <= DEFER_SIZE:
            # No value of it can be left in the file: parse the bytes already read
            # (pydicom reads a buffer faster than a file, and it is opened once).
            data = head + f.read() if len(head) == 4096 else head
            if len(data) == size:
                return _parse(data, path, content_hash=hash_content(data), limits=limits)
        # the whole file's hash (duplicate detection), read in chunks: memory stays flat
        f.seek(0)
        digest = content_hasher()
        # into one buffer: a new 1 MiB bytes per read costs fresh pages each time (the
        # hashing of a mixed batch's large files took a fifth longer)
        buf = bytearray(_HASH_CHUNK)
        view = memoryview(buf)
        while n := f.readinto(buf):
            digest.update(view[:n])
    # A deflated data set is inflated in memory anyway: check its inflated size first.
    whole = p.read_bytes() if _DEFLATED in head else None
    return _parse(head[:132], path, size=size, source=os.fspath(p),
                  content_hash=content_digest(digest), limits=limits, whole=whole)


def _parse(data: bytes, path: str | None, *, size: int | None = None,
           source: str | None = None, content_hash: str | None = None,
           limits: Limits = DEFAULT_LIMITS, whole: bytes | None = None) -> Loaded:
    """Parse ``data`` (the whole input, or the first 132 bytes of the file ``source`` of
    ``size`` bytes, ``whole`` holding all of it when it is deflated)."""
    try:
        return _parse_bytes(data, path, size, source, content_hash, limits, whole)
    except Exception as exc:  # noqa: BLE001 - no input may escape as an exception
        return _unreadable(path, f"not a readable DICOM file: {type(exc).__name__}: {exc}",
                           ReadFacts(size=size if size is not None else len(data)))


def _parse_bytes(data: bytes, path: str | None, size: int | None, source: str | None,
                 content_hash: str | None, limits: Limits, whole: bytes | None) -> Loaded:
    if size is None:
        size = len(data)
    if size == 0:
        return _unreadable(path, "empty file", ReadFacts(size=0))
    dicm = data[128:132] == b"DICM" if size >= 132 else False
    preamble = data[:128] if dicm else None
    too_big = _inflates_beyond(whole if whole is not None else data, limits.inflate_cap(size))
    if too_big:
        return _unreadable(path, too_big, ReadFacts(preamble=preamble, has_dicm_prefix=dicm,
                                                    size=size))
    try:
        ds, copies = per_frame_read.read(source, data, DEFER_SIZE)
        if _deflated(ds):  # values sit in the inflated copy, not the file: read them all
            ds = dcmread(source if source is not None else io.BytesIO(data), force=True)
            copies = None
    except Exception as exc:  # pydicom raises many types for malformed input
        reason = str(exc) or type(exc).__name__
        return _unreadable(path, f"not a readable DICOM file: {reason}",
                           ReadFacts(preamble=preamble, has_dicm_prefix=dicm, size=size))
    meta = ds.file_meta if len(ds.file_meta) else None
    ts = getattr(meta, "TransferSyntaxUID", None) if meta is not None else None
    facts = ReadFacts(preamble=preamble, has_dicm_prefix=dicm, size=size,
                      is_little_endian=ds.original_encoding[1],
                      is_implicit_vr=ds.original_encoding[0],
                      transfer_syntax_uid=str(ts) if ts else None,
                      content_hash=content_hash or hash_content(data), copies=copies)
    if len(ds) == 0:
        reason = ("no data elements after the File Meta Information (truncated?)"
                  if meta is not None else "no DICOM data elements")
        return _unreadable(path, reason, facts)
    if not dicm and meta is None:
        first = next(iter(ds.keys())) >> 16
        if first not in _PLAUSIBLE_FIRST_GROUPS:
            return _unreadable(path, "not DICOM: no 'DICM' prefix and no plausible first "
                               f"element (group {first:04X})", facts)
    truncated = _truncated_tail(ds, size)
    if truncated:
        return _unreadable(path, truncated, facts)
    return Loaded(ds, meta, facts, path)


def _deflated(ds: Dataset) -> bool:
    ts = ds.file_meta.get(0x00020010) if len(ds.file_meta) else None
    try:
        return ts is not None and UID(str(ts.value).strip("\x00 ")).is_deflated
    except Exception:  # noqa: BLE001 - an unreadable UID is the file-meta check's finding
        return False


def _truncated_tail(ds: Dataset, size: int) -> str | None:
    """pydicom keeps a short read silently; the last element shows a truncated file."""
    last = next(reversed(ds.keys()), None)
    if last is None:
        return None
    raw = ds._dict.get(last)  # as stored: get_item may convert, and conversion may fail
    value = getattr(raw, "value", None)
    length = getattr(raw, "length", None)
    if is_deferred(raw) and length != UNDEFINED:
        # what a full read would have held: the bytes from the value to the end
        held = max(size - raw.value_tell, 0)
        if held < length:
            return (f"truncated: element ({last >> 16:04X},{last & 0xFFFF:04X}) declares "
                    f"{length} bytes but the file holds {held}")
        return None
    if (isinstance(value, bytes) and isinstance(length, int) and length != 0xFFFFFFFF
            and len(value) < length):
        return (f"truncated: element ({last >> 16:04X},{last & 0xFFFF:04X}) declares "
                f"{length} bytes but the file holds {len(value)}")
    tell = getattr(raw, "value_tell", None)
    if isinstance(tell, int) and isinstance(length, int) and length != UNDEFINED \
            and not _deflated(ds):  # a deflated file's offsets are in the inflated copy
        # pydicom stops silently when the file ends inside an element header: fewer bytes
        # than a header (PS3.5 7.1: 8 or 12) after the last complete element
        stray = size - (tell + length)
        if 0 < stray < _LONGEST_HEADER:
            return (f"truncated: the file ends inside the element header after "
                    f"({last >> 16:04X},{last & 0xFFFF:04X}) ({stray} stray bytes)")
    return None


_LONGEST_HEADER = 12  # explicit VR with a 4-byte length (PS3.5 7.1.2)


_DEFLATED = b"1.2.840.10008.1.2.1.99"


def _inflates_beyond(data: bytes, cap: int) -> str | None:
    """Why a Deflated Explicit VR Little Endian data set is refused (PS3.5 A.5): it
    inflates to more than ``cap`` bytes. Inflation is streamed, so at most ``cap`` bytes
    are held; None when the data set is not deflated or stays within the cap."""
    if _DEFLATED not in data[:4096]:  # the File Meta names the Transfer Syntax
        return None
    from pydicom.filereader import _read_file_meta_info, read_preamble

    fp = io.BytesIO(data)
    try:
        read_preamble(fp, True)
        meta = _read_file_meta_info(fp)
    except Exception:  # noqa: BLE001 - dcmread reports a broken File Meta
        return None
    ts = meta.get(0x00020010)
    if ts is None or str(ts.value).strip("\0 ") != _DEFLATED.decode():
        return None
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    view = memoryview(data)[fp.tell():]
    total = 0
    step = 1 << 20
    for start in range(0, len(view), step):
        chunk = view[start:start + step]
        while chunk:
            try:
                out = inflater.decompress(chunk, min(step, cap + 1 - total))
            except zlib.error:
                return None  # dcmread reports corrupt deflate data
            total += len(out)
            if total > cap:
                return (f"the Deflated data set inflates to more than {cap} bytes (limit: "
                        f"inflate_ratio x file size, at least inflate_min_bytes)")
            chunk = inflater.unconsumed_tail
            if inflater.eof:
                return None
    return None


def stream_name(fp: IO[bytes]) -> str | None:
    """Name of a file object, if it has one."""
    return _source_name(fp)
