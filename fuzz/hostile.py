"""Hostile inputs of issue 17, built at run time from pydicom's ``CT_small.dcm``.

Each builder returns the bytes of one file (or the text of one rule file). The
regression tests, the fuzz harness's seed corpus and the acceptance run
(``python fuzz/acceptance.py``) all use these, so every case is made the same way.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

DEFLATED = "1.2.840.10008.1.2.1.99"
IMPLICIT = "1.2.840.10008.1.2"


@lru_cache(maxsize=1)
def ct_small() -> bytes:
    """The bytes of pydicom's CT_small.dcm (Explicit VR Little Endian, 39 KB)."""
    from pydicom.data import get_testdata_file

    return Path(str(get_testdata_file("CT_small.dcm"))).read_bytes()


def explicit(tag: int, vr: str, value: bytes) -> bytes:
    """One Explicit VR Little Endian element (PS3.5 7.1.2)."""
    head = struct.pack("<HH", tag >> 16, tag & 0xFFFF) + vr.encode("ascii")
    if vr in ("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "UC", "UN", "UR", "UT", "SV", "UV"):
        return head + b"\0\0" + struct.pack("<L", len(value)) + value
    return head + struct.pack("<H", len(value)) + value


def item(body: bytes, length: int | None = None) -> bytes:
    """An Item (FFFE,E000) of defined length (``length`` overrides the true one)."""
    return struct.pack("<HHL", 0xFFFE, 0xE000, len(body) if length is None else length) + body


def _dataset_end(data: bytes) -> tuple[bytes, bytes]:
    """(File Meta with preamble, data set) of a Part 10 file."""
    from pydicom.filereader import _read_file_meta_info, read_preamble

    fp = io.BytesIO(data)
    read_preamble(fp, False)
    _read_file_meta_info(fp)
    return data[:fp.tell()], data[fp.tell():]


def _with_meta(ts: str, dataset: bytes, template: bytes | None = None) -> bytes:
    """A Part 10 file: CT_small's File Meta with Transfer Syntax ``ts``, then ``dataset``."""
    from pydicom import dcmread
    from pydicom.filewriter import write_file_meta_info
    from pydicom.uid import UID

    meta = dcmread(io.BytesIO(template or ct_small()), stop_before_pixels=True).file_meta
    meta.TransferSyntaxUID = UID(ts)
    out = io.BytesIO()
    out.write(b"\0" * 128 + b"DICM")
    write_file_meta_info(out, meta, enforce_standard=True)
    return out.getvalue() + dataset


# -- items 1-3: crashes ----------------------------------------------------------------

def unknown_vr_tail() -> bytes:
    """Item 1: the last element has the unknown explicit VR ``TT`` and length 0."""
    return ct_small() + struct.pack("<HH", 0x7FE1, 0x0010) + b"TT\0\0"


def stray_sequence_delimiter() -> bytes:
    """Item 1: a top-level Sequence Delimitation Item (FFFE,E0DD) at the end."""
    return ct_small() + struct.pack("<HHL", 0xFFFE, 0xE0DD, 0)


def sop_class_as(vr: str) -> bytes:
    """Item 2: SOP Class UID (0008,0016) stored with explicit VR ``vr``."""
    values = {"PN": b"1.2.840.10008.5.1.4.1.1.2\0", "US": b"\x01\x00", "FD": b"\0" * 8,
              "SL": b"\0" * 4, "AT": b"\x08\x00\x16\x00"}
    meta, body = _dataset_end(ct_small())
    old = explicit(0x00080016, "UI", b"1.2.840.10008.5.1.4.1.1.2\0")
    assert old in body
    return meta + body.replace(old, explicit(0x00080016, vr, values[vr]), 1)


def deep_nesting(levels: int = 500, valid: bool = False) -> bytes:
    """Item 3: ``levels`` nested defined-length Content Sequences, a bad value at the
    bottom (Value Type ``bad value``; ``valid``: ``TEXT``)."""
    inner = explicit(0x0040A040, "CS", b"TEXT" if valid else b"bad value!")
    for _ in range(levels):
        inner = explicit(0x0040A730, "SQ", item(inner))
    return ct_small() + inner


# -- items 12, 13, 19: amplification, inflation, lengths -------------------------------

def many_values(count: int = 1_000_000) -> bytes:
    """Item 12: Pixel Representation (VM 1) with ``count`` values (Implicit VR, so the
    32-bit length holds them)."""
    from pydicom import dcmread
    from pydicom.dataelem import DataElement
    from pydicom.uid import ImplicitVRLittleEndian

    ds = dcmread(io.BytesIO(ct_small()))
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    ds._dict[0x00280103] = DataElement(0x00280103, "US", [2] * count)
    out = io.BytesIO()
    ds.save_as(out, implicit_vr=True, little_endian=True)
    return out.getvalue()


def deflate_bomb(inflated: int = 2 << 30) -> bytes:
    """Item 13: Deflated Explicit VR Little Endian whose data set inflates to about
    ``inflated`` bytes (mostly one Pixel Data value of zeros)."""
    _, body = _dataset_end(ct_small())
    pixel = body.index(struct.pack("<HH", 0x7FE0, 0x0010))
    head = body[:pixel]
    size = max(0, inflated - len(head) - 12) & ~1
    comp = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    out = [comp.compress(head + struct.pack("<HH", 0x7FE0, 0x0010) + b"OW\0\0"
                         + struct.pack("<L", size))]
    zeros = b"\0" * (1 << 24)
    left = size
    while left:
        n = min(left, len(zeros))
        out.append(comp.compress(zeros[:n]))
        left -= n
    out.append(comp.flush())
    return _with_meta(DEFLATED, b"".join(out))


def item_longer_than_sequence() -> bytes:
    """Item 19: an Item declaring 0x7FFFFFFF bytes inside a 42-byte defined-length
    Sequence (Referenced Image Sequence)."""
    body = explicit(0x00081150, "UI", b"1.2.840.10008.5.1.4.1.1.2\0")  # 34 bytes
    seq = explicit(0x00081140, "SQ", item(body, length=0x7FFFFFFF))  # 8 + 34 = 42
    meta, rest = _dataset_end(ct_small())
    at = rest.index(struct.pack("<HH", 0x0008, 0x0090))  # before Referring Physician
    return meta + rest[:at] + seq + rest[at:]


# -- rule files (items 11, 14, 15, 16) ----------------------------------------------------

def rule_exponential_regex() -> str:
    """Item 14: ``(?:x|a{0,16}a{0,16}...c)`` backtracks exponentially on 17 ``a``s (the
    static guard lets it through: no repeat is unbounded or nested)."""
    alts = "a{0,16}" * 16
    return ("version: 1\nrules:\n  - id: slow\n    severity: error\n"
            "    message: \"{keyword} does not match\"\n"
            f"    check: {{matches: {{target: PatientID, pattern: '(?:x|{alts}c)'}}}}\n")


def rule_polynomial_regex() -> str:
    """Item 14: ``.*a.*a.*a.*c`` (polynomial backtracking)."""
    return ("version: 1\nrules:\n  - id: slow\n    severity: error\n"
            "    message: \"{keyword} does not match\"\n"
            "    check: {matches: {target: PatientID, pattern: '.*a.*a.*a.*c'}}\n")


def rule_format_spec() -> str:
    """Item 15: a message with a format spec that would allocate 1 GB per finding."""
    return ("version: 1\nrules:\n  - id: big\n    severity: error\n"
            "    message: \"{keyword:>1000000000}\"\n    check: {present: PatientID}\n")


def rule_extends(target: str) -> str:
    """Items 11 and 16: a rule file that extends ``target`` (e.g. /dev/zero)."""
    return f"version: 1\nextends: ['{target}']\nrules: []\n"


FILES: dict[str, Callable[[], bytes]] = {
    "01-unknown-vr-tail.dcm": unknown_vr_tail,
    "01-stray-sequence-delimiter.dcm": stray_sequence_delimiter,
    **{f"02-sop-class-{vr}.dcm": (lambda vr=vr: sop_class_as(vr))  # type: ignore[misc]
       for vr in ("PN", "US", "FD", "SL", "AT")},
    "03-nested-500-invalid.dcm": deep_nesting,
    "03-nested-1000-valid.dcm": lambda: deep_nesting(1000, valid=True),
    "12-million-values.dcm": many_values,
    "13-deflate-bomb.dcm": deflate_bomb,
    "19-item-longer-than-sequence.dcm": item_longer_than_sequence,
}
