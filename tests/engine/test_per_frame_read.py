"""The Per-frame sequence reader gives exactly the dataset pydicom's ``dcmread`` gives.

Every comparison is of the whole structure: element order, every RawDataElement field
(offsets included), every attribute pydicom sets on a Dataset, DataElement and Sequence.
Files are encoded here byte by byte (Explicit VR Little Endian), so defined and undefined
lengths, nesting, private groups and character sets can all be chosen.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from conformance.engine import per_frame_read
from conformance.engine.deferred import DEFER_SIZE
from conformance.engine.input import load
from tests.helpers.raw_elements import quiet_pydicom  # noqa: F401 - autouse fixture

UNDEFINED = 0xFFFFFFFF
_LONG = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"}
_SKIP = {"_dict", "buffer"}  # buffer: each read has its own BytesIO


# -- an Explicit VR Little Endian encoder -------------------------------------------

def el(tag: int, vr: str, value: bytes) -> bytes:
    if len(value) % 2:
        value += b"\x00" if vr in ("UI", "OB") else b" "
    head = struct.pack("<HH", tag >> 16, tag & 0xFFFF) + vr.encode()
    if vr in _LONG:
        return head + b"\x00\x00" + struct.pack("<L", len(value)) + value
    return head + struct.pack("<H", len(value)) + value


def item(body: bytes, defined: bool) -> bytes:
    if defined:
        return b"\xfe\xff\x00\xe0" + struct.pack("<L", len(body)) + body
    return b"\xfe\xff\x00\xe0" + struct.pack("<L", UNDEFINED) + body + b"\xfe\xff\x0d\xe0\0\0\0\0"


def sq(tag: int, items: list[bytes], defined: bool) -> bytes:
    body = b"".join(items)
    head = struct.pack("<HH", tag >> 16, tag & 0xFFFF) + b"SQ\x00\x00"
    if defined:
        return head + struct.pack("<L", len(body)) + body
    return head + struct.pack("<L", UNDEFINED) + body + b"\xfe\xff\xdd\xe0\0\0\0\0"


def dicom_file(body: bytes, syntax: str = "1.2.840.10008.1.2.1") -> bytes:
    meta = (el(0x00020001, "OB", b"\x00\x01") + el(0x00020002, "UI", b"1.2.840.10008.5.1.4.1.1.2.1")
            + el(0x00020003, "UI", b"1.2.3.4") + el(0x00020010, "UI", syntax.encode()))
    return b"\0" * 128 + b"DICM" + el(0x00020000, "UL", struct.pack("<L", len(meta))) + meta + body


PER_FRAME = 0x52009230


def group(seq_tag: int, inner: bytes, *, defined_seq: bool = False,
          defined_item: bool = False) -> bytes:
    """One functional group: a sequence of one item."""
    return sq(seq_tag, [item(inner, defined_item)], defined_seq)


def enhanced(frames: int, *, charset: bytes | None = None, defined_items: bool = False,
             vary_all: bool = False, after: bytes = b"", nested_charset: bool = False,
             defined_mapping: bool = True) -> bytes:
    """An Enhanced-CT-shaped file: per frame a varying Frame Content group, an identical
    Pixel Measures group, and a nested identical group (Real World Value Mapping, with
    a code sequence inside)."""
    top = b""
    if charset is not None:
        top += el(0x00080005, "CS", charset)
    top += el(0x00080016, "UI", b"1.2.840.10008.5.1.4.1.1.2.1") + el(0x00080018, "UI", b"1.2.3.4")
    top += el(0x00100010, "PN", b"Doe^J\xe9r\xf4me" if charset else b"Doe^J")
    items = []
    for i in range(frames):
        content = group(0x00209111, el(0x00209057, "UL", struct.pack("<L", i + 1)),
                        defined_item=i % 3 == 0)
        pixel = group(0x00289110, el(0x00280030, "DS", b"0.5\\0.5" if not vary_all else
                                     f"0.{i}\\0.5".encode()) + el(0x00180050, "DS", b"1"))
        code = sq(0x0040A043, [item(el(0x00080100, "SH", b"CODE") + el(0x00080102, "SH", b"DCM")
                                    + el(0x00080104, "LO", b"Caf\xe9"), False)], True)
        mapping = group(0x00409096, el(0x00409211, "US", b"\x00\x00") + code
                        + el(0x00409216, "US", b"\xff\x0f"), defined_seq=defined_mapping)
        private = el(0x00290010, "LO", b"ACME") + el(0x00291001, "OB", b"\x01\x02\x03\x04")
        if nested_charset:  # an item's own character set, differing from frame to frame
            own = b"ISO_IR 100" if i % 2 else b"ISO_IR 101"
            code = sq(0x0040A043, [item(el(0x00080104, "LO", b"\xe9"), False)], False)
            text = el(0x00080005, "CS", own) + el(0x0040A160, "UT", b"\xe9t\xe9") + code
            inner = sq(0x0040A730, [item(text, False)], False)
            private += group(0x00189118, inner)
        items.append(item(content + pixel + mapping + private, defined_items))
    shared = sq(0x52009229, [item(el(0x00209071, "SH", b"x"), False)], False)
    per_frame = sq(PER_FRAME, items, False)
    pixels = el(0x00280008, "IS", str(frames).encode()) + el(0x7FE00010, "OW", b"\0" * 8)
    return dicom_file(top + shared + per_frame + after + pixels)


# -- the comparison ---------------------------------------------------------------

def diff(a: Any, b: Any, path: str = "") -> str | None:
    """The first difference between two read datasets (None: none)."""
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, Dataset):
        sa = {k: v for k, v in a.__dict__.items() if k not in _SKIP}
        sb = {k: v for k, v in b.__dict__.items() if k not in _SKIP}
        if sa.keys() != sb.keys():
            return f"{path}: attributes {sa.keys() ^ sb.keys()}"
        for k, v in sa.items():
            d = diff(v, sb[k], f"{path}.{k}") if isinstance(v, Dataset) else (
                None if v == sb[k] else f"{path}.{k}: {v!r} != {sb[k]!r}")
            if d:
                return d
        if list(a._dict) != list(b._dict):
            return f"{path}: tags {list(a._dict)} != {list(b._dict)}"
        for tag in a._dict:
            d = diff(a._dict[tag], b._dict[tag], f"{path}/{tag}")
            if d:
                return d
        return None
    if isinstance(a, RawDataElement):
        return None if tuple(a) == tuple(b) else f"{path}: {a} != {b}"
    if isinstance(a, DataElement):
        sa, sb = dict(a.__dict__), dict(b.__dict__)
        va, vb = sa.pop("_value"), sb.pop("_value")
        return f"{path}: {sa} != {sb}" if sa != sb else diff(va, vb, path)
    if isinstance(a, Sequence):
        if a.__dict__.keys() != b.__dict__.keys() or len(a) != len(b) or (
                a.is_undefined_length != b.is_undefined_length):
            return f"{path}: sequences differ"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            d = diff(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


def reference(data: bytes) -> Dataset:
    return dcmread(io.BytesIO(data), force=True, defer_size=DEFER_SIZE)


@pytest.fixture
def fast_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader may not hand the file to pydicom's own ``dcmread``."""
    def refuse(*_: Any, **__: Any) -> Dataset:
        raise AssertionError("fell back to dcmread")
    monkeypatch.setattr(per_frame_read, "pydicom_dcmread", refuse)


def _outcome(read: Any) -> Any:
    try:
        return read()
    except Exception as exc:  # noqa: BLE001 - the comparison is of what each raises
        return type(exc)


def assert_reads_alike(source: str | None, data: bytes = b"") -> None:
    """This reader and ``dcmread`` give the same dataset, or raise the same type."""
    mine = _outcome(lambda: per_frame_read.dcmread(source, data, DEFER_SIZE))
    ref = _outcome(lambda: dcmread(source if source is not None else io.BytesIO(data),
                                   force=True, defer_size=DEFER_SIZE))
    if isinstance(ref, type):
        assert mine is ref, source
    else:
        assert diff(mine, ref) is None, source


# -- the tests --------------------------------------------------------------------

@pytest.mark.parametrize("shape", [
    {}, {"charset": b"ISO_IR 100"}, {"defined_items": True}, {"vary_all": True},
    {"after": el(0x60003000, "OW", b"\0" * 4)}, {"nested_charset": True}])
def test_same_dataset_as_dcmread_without_falling_back(
        shape: dict[str, Any], fast_only: None, tmp_path: Path) -> None:
    data = enhanced(40, **shape)
    path = tmp_path / "f.dcm"
    path.write_bytes(data)
    for mine, ref in ((per_frame_read.dcmread(None, data, DEFER_SIZE), reference(data)),
                      (per_frame_read.dcmread(str(path), b"", DEFER_SIZE),
                       dcmread(path, force=True, defer_size=DEFER_SIZE))):
        assert diff(mine, ref) is None
        assert len(mine.PerFrameFunctionalGroupsSequence) == 40


def test_copies_are_distinct_objects(fast_only: None) -> None:
    """Checks record items by identity: no two frames may share an object."""
    # every group of undefined length: all three are copies made by the reader (a
    # defined-length sequence is bytes that pydicom parses when it is used)
    ds = per_frame_read.dcmread(None, enhanced(20, defined_mapping=False), DEFER_SIZE)
    frames = ds.PerFrameFunctionalGroupsSequence
    seen: set[int] = set()
    for f in frames:
        for tag in list(f.keys()):
            e = f[tag]  # converts the defined-length sequence (stored as bytes) too
            if e.VR == "SQ":
                for it in e.value:
                    assert id(it) not in seen
                    seen.add(id(it))
                    # pydicom fills these per dataset later: never shared between frames
                    for name in ("_private_blocks", "_pixel_id", "_pixel_array_opts"):
                        mutable = it.__dict__[name]
                        assert id(mutable) not in seen
                        seen.add(id(mutable))
    assert len(seen) == 4 * 3 * 20


@pytest.mark.parametrize("make", [
    lambda: enhanced(per_frame_read.MIN_ITEMS - 1),  # too few items
    lambda: enhanced(30)[:-200],  # truncated in the pixel data
    lambda: enhanced(30).replace(b"\xfe\xff\xdd\xe0", b"\xfe\xff\xdd\xe1", 1),
    lambda: dicom_file(sq(PER_FRAME, [item(el(0x00209111, "ZZ", b"ab"), False)] * 20, False)),
    lambda: dicom_file(sq(PER_FRAME, [item(b"", False)] * 20, False)),  # empty items
    lambda: dicom_file(sq(PER_FRAME, [item(el(0x00209111, "SQ", b""), True)] * 20, True)),
    lambda: dicom_file(b"\x08\x00\x18\x00\x04\x00\x00\x001.2\x00", "1.2.840.10008.1.2"),
    lambda: b"not dicom at all",
    # found by review: pydicom adds a command set (group 0000) after the data set, and
    # takes the character set from the whole data set
    lambda: dicom_file(struct.pack("<HHL", 0, 2, 6) + b"1.2.3\x00"
                       + enhanced(20)[len(dicom_file(b"")):]),
    lambda: enhanced(20, after=el(0x00080005, "CS", b"ISO_IR 192")),
    # an element after the sequence pydicom reads as Implicit VR
    lambda: enhanced(20, after=struct.pack("<HHL", 0x0009, 0x0010, 4) + b"ACME"),
    # a per-frame item with its own character set
    lambda: dicom_file(sq(PER_FRAME, [item(el(0x00080005, "CS", b"ISO_IR 100")
                                           + group(0x00209111, el(0x00209057, "UL", b"\1\0\0\0")),
                                           False)] * 20, False)),
])
def test_anything_else_reads_as_dcmread_reads_it(make: Any) -> None:
    data = make()
    assert_reads_alike(None, data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames=st.integers(16, 24), charset=st.sampled_from([None, b"ISO_IR 100", b"ISO_IR 192"]),
       defined_items=st.booleans(), vary_all=st.booleans(),
       cut=st.one_of(st.none(), st.integers(0, 6000)),
       flips=st.lists(st.tuples(st.integers(132, 6000), st.integers(0, 255)), max_size=3))
def test_broken_and_varied_files_read_as_dcmread_reads_them(
        frames: int, charset: bytes | None, defined_items: bool, vary_all: bool,
        cut: int | None, flips: list[tuple[int, int]]) -> None:
    data = bytearray(enhanced(frames, charset=charset, defined_items=defined_items,
                              vary_all=vary_all))
    for at, byte in flips:
        if at < len(data):
            data[at] = byte
    if cut is not None:
        del data[cut:]
    raw = bytes(data)
    assert_reads_alike(None, raw)


def test_real_multiframe_files_read_the_same(fast_only: None, tmp_path: Path) -> None:
    """pydicom's Enhanced CT with its one Per-frame item repeated (as the benchmark
    does): a real file's groups, private ones included."""
    ds = dcmread(get_testdata_file("eCT_Supplemental.dcm"))
    first = ds.PerFrameFunctionalGroupsSequence[0]
    ds.PerFrameFunctionalGroupsSequence = Sequence([first] * 2 * per_frame_read.MIN_ITEMS)
    path = tmp_path / "ect.dcm"
    ds.save_as(path, enforce_file_format=True)
    assert diff(per_frame_read.dcmread(str(path), b"", DEFER_SIZE),
                dcmread(path, force=True, defer_size=DEFER_SIZE)) is None


def test_the_engine_reads_through_it(fast_only: None, tmp_path: Path) -> None:
    """From the bytes (small files) and from the file (large ones: values deferred)."""
    small, large = tmp_path / "small.dcm", tmp_path / "large.dcm"
    small.write_bytes(enhanced(30))
    large.write_bytes(enhanced(30, after=el(0x60003000, "OW", bytes(2 * DEFER_SIZE))))
    for path, ref in ((small, reference(small.read_bytes())),
                      (large, dcmread(large, force=True, defer_size=DEFER_SIZE))):
        loaded = load(path)
        assert loaded.error is None
        assert diff(loaded.dataset, ref) is None
    assert ref._dict[0x60003000].value is None  # deferred: left in the file


def test_findings_are_those_of_dcmread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole validation of a multi-frame file (pydicom's Enhanced CT, 11 groups in
    each of 20 Per-frame items) finds the same with either reader."""
    from conformance.engine.api import Validator

    ds = dcmread(get_testdata_file("eCT_Supplemental.dcm"))
    first = ds.PerFrameFunctionalGroupsSequence[0]
    for elem in ds.SharedFunctionalGroupsSequence[0]:
        first[elem.tag] = elem
    ds.PerFrameFunctionalGroupsSequence = Sequence([first] * 20)
    path = tmp_path / "ect.dcm"
    ds.save_as(path, enforce_file_format=True)
    validator = Validator()
    real, used = per_frame_read._rest, []
    monkeypatch.setattr(per_frame_read, "_rest", lambda *a: used.append(real(*a)) or used[-1])
    fast = [f.to_dict() for f in validator.validate(path).findings]
    assert len(used) == 1 and used[0] is not None  # read the fast way
    monkeypatch.setattr(per_frame_read, "_rest", lambda *_: None)  # pydicom reads all
    assert fast == [f.to_dict() for f in validator.validate(path).findings]
    assert fast  # the file is not clean: the comparison is of real findings


def test_every_pydicom_test_file_reads_as_dcmread_reads_it() -> None:
    """Files without a long Per-frame sequence are read by pydicom alone, stopped by
    nothing: the same datasets (or the same exception)."""
    folder = Path(get_testdata_file("CT_small.dcm")).parent  # pydicom's own, on disk
    files = [str(f) for f in sorted(folder.iterdir()) if f.suffix.lower() == ".dcm"]
    assert len(files) > 50
    for f in files:
        assert_reads_alike(f)


def test_the_vrs_scanned_are_pydicoms() -> None:
    """The header scan knows the VRs pydicom reads explicitly, and which have a 4-byte
    length; a pydicom with another VR makes this fail rather than the scan guess."""
    from pydicom.filereader import ENCODED_VR
    from pydicom.valuerep import EXPLICIT_VR_LENGTH_32

    two_bytes = {vr for vr in ENCODED_VR if len(vr) == 2}
    assert two_bytes == per_frame_read._LONG | per_frame_read._SHORT
    assert {vr.decode() for vr in per_frame_read._LONG} == set(EXPLICIT_VR_LENGTH_32)
