"""Structure-aware mutations of DICOM files (PS3.10 files, PS3.5 element encoding).

``scan`` finds the element headers of a file (File Meta, data set, nested items) without
pydicom, so mutations can hit what parsers trip on: byte flips in headers, truncation at
element boundaries, hostile lengths, VR swaps, deep nesting, stray delimiters, many
values, Transfer Syntax swaps and deflate. Every mutation takes a ``random.Random`` so a
campaign is reproducible from its seed.
"""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

VRS = (b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FD", b"FL", b"IS", b"LO", b"LT",
       b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"PN", b"SH", b"SL", b"SQ", b"SS", b"ST",
       b"SV", b"TM", b"UC", b"UI", b"UL", b"UN", b"UR", b"US", b"UT", b"UV")
LONG_VRS = frozenset((b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"UC", b"UN", b"UR",
                      b"UT", b"SV", b"UV"))
UNDEFINED = 0xFFFFFFFF
HOSTILE_LENGTHS = (0, 1, 3, 0xFFFE, 0xFFFF, 0x7FFFFFFF, UNDEFINED, 0xFFFFFFFE, 0x10000)
TRANSFER_SYNTAXES = (b"1.2.840.10008.1.2", b"1.2.840.10008.1.2.1", b"1.2.840.10008.1.2.2",
                     b"1.2.840.10008.1.2.1.99", b"1.2.840.10008.1.2.4.50",
                     b"1.2.840.10008.1.2.5", b"1.2.3.4", b"")
HOSTILE_VALUES = (b"\\" * 64, b"\x1b$B\x1b(B\x1b-A", b"\xff\xfe\x00\x00", b"=^^^^==",
                  b"1.2..3.", b"\x00" * 16, b"-0.5e999", b"99999999999999999999",
                  "\u00e9\u4e2d".encode(), b"%s%n{0}{x:>99}", b"\r\n\x1b[31m", b"A" * 300)


@dataclass(frozen=True, slots=True)
class Element:
    """An element header found by ``scan``; ``vr_at`` is None for implicit VR and items."""

    at: int  # offset of the tag
    tag: int
    vr_at: int | None
    length_at: int
    length_size: int  # 2 or 4 bytes
    length: int
    value_at: int


def dataset_start(data: bytes) -> tuple[int, bool, bool]:
    """(offset of the data set after the File Meta, explicit VR?, little endian?)."""
    p = 132 if data[128:132] == b"DICM" else 0
    ts = b""
    while p + 8 <= len(data) and data[p:p + 2] == b"\x02\x00":
        vr = data[p + 4:p + 6]
        if vr in LONG_VRS:
            if p + 12 > len(data):
                break
            length = struct.unpack_from("<L", data, p + 8)[0]
            value_at = p + 12
        else:
            length = struct.unpack_from("<H", data, p + 6)[0]
            value_at = p + 8
        if data[p + 2:p + 4] == b"\x10\x00":
            ts = data[value_at:value_at + length].rstrip(b"\0 ")
        p = value_at + (length if length != UNDEFINED else 0)
    implicit = ts == b"1.2.840.10008.1.2" or (not ts and p == 0 and data[4:6] not in VRS)
    return p, not implicit, ts != b"1.2.840.10008.1.2.2"


def scan(data: bytes, limit: int = 4096) -> list[Element]:
    """Element headers in file order, nested ones included (sequence values are entered,
    not skipped); File Meta elements first. Stops at the first header that does not fit."""
    out: list[Element] = []
    start, explicit, little = dataset_start(data)
    p = 132 if data[128:132] == b"DICM" else 0
    end = len(data)
    while p + 8 <= end and len(out) < limit:
        in_meta = p < start
        le = little or in_meta
        ex = explicit or in_meta
        fmt = "<" if le else ">"
        group, elem = struct.unpack_from(fmt + "HH", data, p)
        tag = group << 16 | elem
        if group == 0xFFFE:  # items and delimiters: always 8 bytes, implicit
            length = struct.unpack_from(fmt + "L", data, p + 4)[0]
            out.append(Element(p, tag, None, p + 4, 4, length, p + 8))
            p += 8
            continue
        vr = data[p + 4:p + 6]
        if ex and vr in VRS:
            if vr in LONG_VRS:
                if p + 12 > end:
                    break
                length = struct.unpack_from(fmt + "L", data, p + 8)[0]
                el = Element(p, tag, p + 4, p + 8, 4, length, p + 12)
            else:
                length = struct.unpack_from(fmt + "H", data, p + 6)[0]
                el = Element(p, tag, p + 4, p + 6, 2, length, p + 8)
        else:
            length = struct.unpack_from(fmt + "L", data, p + 4)[0]
            el = Element(p, tag, None, p + 4, 4, length, p + 8)
        out.append(el)
        # enter a sequence or an undefined-length value; skip any other value
        p = el.value_at if length == UNDEFINED or vr == b"SQ" else el.value_at + length
    return out


def _with_length(data: bytes, el: Element, length: int) -> bytes:
    size = el.length_size
    length &= 0xFFFF if size == 2 else 0xFFFFFFFF
    packed = struct.pack("<H" if size == 2 else "<L", length)
    return data[:el.length_at] + packed + data[el.length_at + size:]


def flip(data: bytes, rng: random.Random, els: list[Element]) -> bytes:
    """Flip 1-8 bytes, mostly inside element headers."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if els and rng.random() < 0.7:
            el = rng.choice(els)
            i = rng.randrange(el.at, min(el.value_at + 2, len(buf)))
        else:
            i = rng.randrange(len(buf))
        buf[i] = rng.choice((0x00, 0xFF, 0x7F, 0x80, buf[i] ^ (1 << rng.randrange(8))))
    return bytes(buf)


def truncate(data: bytes, rng: random.Random, els: list[Element]) -> bytes:
    """Cut at an element boundary, inside a header or inside a value."""
    if not els:
        return data[:rng.randrange(len(data) + 1)]
    el = rng.choice(els)
    return data[:rng.choice((el.at, el.at + rng.randint(1, 7), el.value_at + 1))]


def hostile_length(data: bytes, rng: random.Random, els: list[Element]) -> bytes:
    """Give an element a length that does not fit: huge, odd, undefined, off by one."""
    if not els:
        return data
    el = rng.choice(els)
    choice = rng.choice((*HOSTILE_LENGTHS, el.length + 1, el.length - 1, el.length * 2,
                         len(data) - el.value_at + 1))
    return _with_length(data, el, max(choice, 0))


def swap_vr(data: bytes, rng: random.Random, els: list[Element]) -> bytes:
    """Replace an explicit VR with another VR or two random letters."""
    explicit = [e for e in els if e.vr_at is not None]
    if not explicit:
        return data
    el = rng.choice(explicit)
    vr = rng.choice(VRS) if rng.random() < 0.8 else bytes(rng.randint(0x41, 0x5A)
                                                          for _ in range(2))
    assert el.vr_at is not None
    return data[:el.vr_at] + vr + data[el.vr_at + 2:]


def nest(data: bytes, rng: random.Random, els: list[Element]) -> bytes:
    """Wrap the data set's tail in 1-1500 nested sequences (defined or undefined length)."""
    start, explicit, little = dataset_start(data)
    if not explicit or not little or start >= len(data):
        return data
    cut = rng.choice([e.at for e in els if e.at >= start] or [len(data)])
    inner = data[cut:]
    defined = rng.random() < 0.5
    for _ in range(rng.choice((1, 3, 40, 65, 300, 1500))):
        if defined and len(inner) + 20 < UNDEFINED:
            inner = (struct.pack("<HH", 0x0040, 0xA730) + b"SQ\0\0"
                     + struct.pack("<L", len(inner) + 8)
                     + struct.pack("<HHL", 0xFFFE, 0xE000, len(inner)) + inner)
        else:
            inner = (struct.pack("<HH", 0x0040, 0xA730) + b"SQ\0\0" + b"\xff\xff\xff\xff"
                     + struct.pack("<HHL", 0xFFFE, 0xE000, UNDEFINED) + inner
                     + struct.pack("<HHL", 0xFFFE, 0xE00D, 0)
                     + struct.pack("<HHL", 0xFFFE, 0xE0DD, 0))
    return data[:cut] + inner


def delimiter(data: bytes, rng: random.Random, els: list[Element]) -> bytes:
    """Insert a stray Item, Item Delimitation or Sequence Delimitation Item."""
    at = rng.choice([e.at for e in els] + [len(data)])
    tag = rng.choice((0xE000, 0xE00D, 0xE0DD))
    length = rng.choice((0, 4, UNDEFINED, 0x7FFFFFFF))
    return data[:at] + struct.pack("<HHL", 0xFFFE, tag, length) + data[at:]


def value(data: bytes, rng: random.Random, els: list[Element]) -> bytes:
    """Replace a value with a hostile one (its length field updated)."""
    simple = [e for e in els if e.length != UNDEFINED and e.tag >> 16 != 0xFFFE
              and e.value_at + e.length <= len(data)]
    if not simple:
        return data
    el = rng.choice(simple)
    new = rng.choice(HOSTILE_VALUES)
    if rng.random() < 0.2:
        new = new * rng.randint(2, 2000)
    if el.length_size == 2:
        new = new[:0xFFFE]
    new += b"\0" * (len(new) & 1)
    data = _with_length(data, el, len(new))
    return data[:el.value_at] + new + data[el.value_at + el.length:]


def many_values(data: bytes, rng: random.Random, els: list[Element]) -> bytes:
    """Repeat a short value thousands of times (a VM 1 attribute with many values)."""
    short = [e for e in els if e.length_size == 4 and 0 < e.length <= 8
             and e.tag >> 16 != 0xFFFE and e.value_at + e.length <= len(data)]
    if not short:
        return data
    el = rng.choice(short)
    val = data[el.value_at:el.value_at + el.length]
    sep = b"\\" if rng.random() < 0.5 else b""
    new = (val + sep) * rng.choice((100, 5000, 60000))
    new += b"\0" * (len(new) & 1)
    data = _with_length(data, el, len(new))
    return data[:el.value_at] + new + data[el.value_at + el.length:]


def transfer_syntax(data: bytes, rng: random.Random, els: list[Element]) -> bytes:
    """Swap the Transfer Syntax UID in the File Meta (the data set stays as it is)."""
    for el in els:
        if el.tag == 0x00020010 and el.value_at + el.length <= len(data):
            new = rng.choice(TRANSFER_SYNTAXES)
            new += b"\0" * (len(new) & 1)
            data = _with_length(data, el, len(new))
            return data[:el.value_at] + new + data[el.value_at + el.length:]
    return data


def deflate(data: bytes, rng: random.Random, els: list[Element]) -> bytes:
    """Deflate the data set (and name Deflated Explicit VR Little Endian), maybe with
    garbage or a truncated stream."""
    start, explicit, little = dataset_start(data)
    if start == 0 or start >= len(data):
        return data
    body = zlib.compress(data[start:], 9)[2:-4]  # raw deflate
    if rng.random() < 0.3:
        body = body[:rng.randrange(len(body) + 1)]
    head = data[:start]
    for el in scan(head):
        if el.tag == 0x00020010:
            ts = b"1.2.840.10008.1.2.1.99\0"
            head = _with_length(head, el, len(ts))
            head = head[:el.value_at] + ts + head[el.value_at + el.length:]
            break
    return head + body


def splice(data: bytes, rng: random.Random, els: list[Element], other: bytes) -> bytes:
    """The head of this file up to an element, then the tail of another file."""
    theirs = scan(other)
    if not els or not theirs:
        return data
    return data[:rng.choice(els).at] + other[rng.choice(theirs).at:]


MUTATIONS: tuple[Callable[[bytes, random.Random, list[Element]], bytes], ...] = (
    flip, flip, truncate, hostile_length, hostile_length, swap_vr, swap_vr, nest, delimiter,
    value, value, many_values, transfer_syntax, deflate)


def mutate(data: bytes, rng: random.Random, corpus: list[bytes] | None = None,
           max_size: int = 1 << 22) -> bytes:
    """One to three structure-aware mutations of ``data`` (at most ``max_size`` bytes)."""
    if not data:
        return rng.choice(corpus)[:max_size] if corpus else b"\0" * 8
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        if not data:
            break
        els = scan(data)
        if corpus and rng.random() < 0.08:
            data = splice(data, rng, els, rng.choice(corpus))
        else:
            data = rng.choice(MUTATIONS)(data, rng, els)
    return data[:max_size]
