"""Is a file DICOM? Decided by its content (PS3.10 7.1), never by its name.

A DICOM file has a 128-byte preamble followed by ``DICM``. Old implementations wrote
datasets without preamble or File Meta; such a file is accepted when its first element
looks like the start of a dataset (a plausible group, then either a known VR or an
implicit-VR length that fits the file).
"""

from __future__ import annotations

import os
import stat
import struct

# Groups a dataset without preamble may plausibly start with (command, file meta,
# directory, identifying).
PLAUSIBLE_FIRST_GROUPS = frozenset({0x0000, 0x0002, 0x0004, 0x0008})
_VRS = frozenset(b"AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST "
                 b"SV TM UC UI UL UN UR US UT UV".split())
HEAD_SIZE = 132


def not_dicom_reason(head: bytes, size: int) -> str | None:
    """None when ``head`` (the first ``HEAD_SIZE`` bytes of a ``size``-byte file) starts a
    DICOM file or dataset; otherwise why it does not."""
    if size == 0:
        return "empty file"
    if len(head) >= 132 and head[128:132] == b"DICM":
        return None
    if len(head) < 8:
        return "too short to be DICOM"
    for endian in ("<", ">"):
        group, _elem = struct.unpack(endian + "HH", head[:4])
        if group not in PLAUSIBLE_FIRST_GROUPS:
            continue
        if head[4:6] in _VRS:
            return None
        (length,) = struct.unpack(endian + "I", head[4:8])
        if length == 0xFFFFFFFF or length <= size - 8:
            return None
    return "not DICOM (no 'DICM' prefix and no dataset start)"


def read_head(path: str, size: int = HEAD_SIZE) -> tuple[bytes, int] | None:
    """The first ``size`` bytes of the file at ``path`` and its size; None when it is not
    a regular file. OSError propagates.

    Opened non-blocking and checked to be a regular file first, so a FIFO that replaced
    the file since the walk saw it cannot hang the read.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        return f.read(size), st.st_size


def sniff(path: str) -> str | None:
    """``not_dicom_reason`` of the file at ``path`` (reads 132 bytes, ``read_head``)."""
    got = read_head(path)
    if got is None:
        return "not a regular file"
    return not_dicom_reason(*got)
