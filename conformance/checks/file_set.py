"""The DICOM files of a DICOMDIR's folder (its file-set, PS3.10 8.5), listed once for
all the DICOMDIRs of that folder.

A batch of a folder validates each of its directory files, and each lists the folder
for the files no record names. The names are kept, with the state of every folder that
was read, and read again when any of them changed (a file added, removed or renamed
there). Each file is looked at again on every use, and its answers (DICOM by content,
a DICOMDIR under another name) are kept per file state: a file rewritten under its own
name is read again.
"""

from __future__ import annotations

import os
import stat
import struct
import threading
import time

from pydicom.filereader import read_file_meta_info
from pydicom.valuerep import EXPLICIT_VR_LENGTH_32, STANDARD_VR

MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"

# (path, path relative to the root, real path, stat)
Entry = tuple[str, str, str, os.stat_result]
# (path, path relative to the root, real path when not a link (None: a link, whose
# target may change))
Name = tuple[str, str, str | None]
# (folder, device, inode, mtime, ctime) of every folder a listing read: ctime too, as
# rsync -a, tar and cp -a put a folder's old mtime back after adding to it
Signature = tuple[tuple[str, int, int, int, int], ...]

# root -> (signature, names); a few roots, and no listing beyond _LISTING_MAX files:
# memory stays bounded whatever the folders
_LISTINGS: dict[str, tuple[Signature, list[Name]]] = {}
_LOCK = threading.Lock()
_LISTINGS_MAX = 4
_LISTING_MAX = 50_000
# A folder changed this recently may change again within its mtime's resolution (a
# second or two on some file systems) unseen: its listing is not kept.
_SETTLED_NS = 2_000_000_000

# (path, device, inode, size, mtime) -> [DICOM by content, a DICOMDIR (None: not read)]:
# one entry per file, as a listing holds up to _LISTING_MAX files
_KNOWN: dict[tuple[str, int, int, int, int], list[bool | None]] = {}
_KNOWN_MAX = 1 << 16


def dicom_files(root: str) -> list[Entry]:
    """The DICOM files below ``root`` (by content), leaving out folders that hold a
    DICOMDIR of their own (another file-set) and hidden names, in name order."""
    kept = _LISTINGS.get(root)
    if kept is not None and _signature(kept[0]) == kept[0]:
        names = kept[1]
    else:
        signature, names = _list(root)
        settled = time.time_ns() - _SETTLED_NS
        if len(names) <= _LISTING_MAX and all(0 <= t < settled
                                              for *_, m, c in signature for t in (m, c)):
            with _LOCK:  # batches may validate in threads
                while len(_LISTINGS) >= _LISTINGS_MAX:
                    _LISTINGS.pop(next(iter(_LISTINGS)))
                _LISTINGS[root] = (signature, names)
    out: list[Entry] = []
    for p, rel, real in names:
        try:
            st = os.lstat(p) if real is not None else os.stat(p)
            if real is None:
                real = os.path.realpath(p)
            # a file gone or unreadable since the listing: none of the file-set's
            dicom = stat.S_ISREG(st.st_mode) and _answers(p, st)[0]
        except OSError:
            continue
        if dicom:
            out.append((p, rel, real, st))
    return out


def is_directory_file(entry: Entry) -> bool:
    """Whether the file is a DICOMDIR under another name (its File Meta says Media
    Storage Directory)."""
    try:
        got = _answers(entry[0], entry[3])
    except OSError:
        return False
    if got[1] is None:  # the head could not tell: pydicom reads the group (once)
        got[1] = _is_directory_file(entry[0])
    return bool(got[1])


def _folder_state(folder: str) -> tuple[str, int, int, int, int]:
    try:
        st = os.stat(folder)
    except OSError:
        return (folder, -1, -1, -1, -1)
    return (folder, st.st_dev, st.st_ino, st.st_mtime_ns, st.st_ctime_ns)


def _signature(kept: Signature) -> Signature:
    return tuple(_folder_state(folder) for folder, *_ in kept)


def _list(root: str) -> tuple[Signature, list[Name]]:
    """The names of the files below ``root`` that may be part of its file-set."""
    real_root = os.path.realpath(root)
    # os.walk joins every path onto ``root`` as given: the relative path is the rest
    cut = len(os.path.join(root, ""))
    # each folder's state is taken before it is read: a change while listing shows
    folders = [_folder_state(root)]
    out: list[Name] = []
    for here, dirs, files in os.walk(root):
        keep = []
        for d in sorted(dirs):
            if d.startswith("."):
                continue
            sub = os.path.join(here, d)
            folders.append(_folder_state(sub))
            if not any(n.upper() == "DICOMDIR" for n in _names(sub)):
                keep.append(d)
        dirs[:] = keep
        for name in sorted(files):
            p = os.path.join(here, name)
            if name.startswith(".") or name.upper() == "DICOMDIR":
                continue
            rel = p[cut:]
            try:
                link = stat.S_ISLNK(os.lstat(p).st_mode)
            except OSError:
                continue
            # os.walk follows no link to a folder: below the real root, a path that is
            # not a link itself is its own real path; a link's is found at each use
            out.append((p, rel, None if link else os.path.join(real_root, rel)))
    return tuple(folders), out


def _answers(path: str, st: os.stat_result) -> list[bool | None]:
    """The kept answers for the file at ``path`` in the state ``st`` (read now when the
    file is new or changed); OSError propagates."""
    key = (path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    got = _KNOWN.get(key)
    if got is None:
        got = _sniffed(path)
        if len(_KNOWN) >= _KNOWN_MAX:
            _KNOWN.clear()
        _KNOWN[key] = got
    return got


def _sniffed(path: str) -> list[bool | None]:
    """[DICOM by content (PS3.10 7.1), a DICOMDIR]. The head read for the first also
    answers the second when the File Meta group is plain (``directory_by_head``), else
    None: ``is_directory_file`` asks pydicom when it needs the answer."""
    # checks import no input layer at load
    from conformance.inputs.detect import HEAD_SIZE, not_dicom_reason, read_head

    got = read_head(path, _HEAD)  # as the walk sniffs; an OSError propagates
    if got is None or not_dicom_reason(got[0][:HEAD_SIZE], got[1]) is not None:
        return [False, False]
    return [True, directory_by_head(got[0])]


def _is_directory_file(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(_HEAD)
    except OSError:
        return False
    fast = directory_by_head(head)
    if fast is not None:
        return fast
    try:
        uid = read_file_meta_info(path).get("MediaStorageSOPClassUID", "")
    except Exception:  # noqa: BLE001 - unreadable: listed like any other file
        return False
    return str(uid).strip("\x00 ") == MEDIA_STORAGE_DIRECTORY


# A folder of a file-set is read file by file: File Meta groups are a few hundred bytes
_HEAD = 4096
# the VRs pydicom reads as such in an explicit VR group, and those with a 4-byte length
_KNOWN_VRS = frozenset(vr.encode() for vr in STANDARD_VR)
_LONG_VRS = frozenset(vr.encode() for vr in EXPLICIT_VR_LENGTH_32)
_DIRECTORY_UID = MEDIA_STORAGE_DIRECTORY.encode()
_GROUP_LENGTH = b"\x02\x00\x00\x00UL\x04\x00"  # (0002,0000) UL, 4 bytes


def directory_by_head(head: bytes) -> bool | None:
    """Whether the Media Storage SOP Class UID (0002,0002) of the File Meta group at the
    start of ``head`` is the Media Storage Directory's, when the head says so plainly:
    a preamble and ``DICM``, the group's length (0002,0000) first (pydicom checks its
    reading on the first element), every element of the group within the head with a
    VR pydicom knows, (0002,0002) once, as UI. Otherwise None: pydicom then reads the
    group. PS3.10 7.1: the group is Explicit VR Little Endian."""
    if len(head) < 144 or head[128:132] != b"DICM" or head[132:140] != _GROUP_LENGTH:
        return None
    pos, end = 144, len(head)
    found: bool | None = None
    while pos + 8 <= end:
        group, element = struct.unpack_from("<HH", head, pos)
        if group != 2:
            return found  # the group ended inside the head
        vr = head[pos + 4:pos + 6]
        if vr not in _KNOWN_VRS:
            return None
        if vr in _LONG_VRS:
            if pos + 12 > end:
                return None
            length = struct.unpack_from("<I", head, pos + 8)[0]
            start = pos + 12
        else:
            length = struct.unpack_from("<H", head, pos + 6)[0]
            start = pos + 8
        if start + length > end:
            return None
        if element == 2:
            if vr != b"UI" or found is not None:  # another VR, or twice: pydicom decides
                return None
            found = head[start:start + length].strip(b"\x00 ") == _DIRECTORY_UID
        pos = start + length
    return None


def _names(folder: str) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []
