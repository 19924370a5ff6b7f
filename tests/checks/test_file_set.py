"""A file-set's listing: kept while its folders are unchanged, each file looked at anew."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydicom.data import get_testdata_file

from conformance.checks import file_set

CT = get_testdata_file("CT_small.dcm")
MR = get_testdata_file("MR_small.dcm")


@pytest.fixture
def listings(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Each folder listing made (the root), with empty caches."""
    made: list[str] = []
    real = file_set._list

    def counted(root: str) -> tuple[file_set.Signature, list[file_set.Name]]:
        made.append(root)
        return real(root)

    monkeypatch.setattr(file_set, "_list", counted)
    monkeypatch.setattr(file_set, "_LISTINGS", {})
    monkeypatch.setattr(file_set, "_KNOWN", {})
    # every folder counts as settled (a test's folders are seconds old; their ctime
    # cannot be set back)
    monkeypatch.setattr(file_set, "_SETTLED_NS", -(10**18))
    yield made


def _rels(root: Path) -> list[str]:
    return [e[1] for e in file_set.dicom_files(str(root))]


def test_a_settled_folder_is_listed_once(tmp_path: Path, listings: list[str]) -> None:
    (tmp_path / "sub").mkdir()
    shutil.copy(CT, tmp_path / "a.dcm")
    shutil.copy(MR, tmp_path / "sub" / "b.dcm")
    (tmp_path / "notes.txt").write_text("not DICOM")
    assert _rels(tmp_path) == ["a.dcm", os.path.join("sub", "b.dcm")]
    assert _rels(tmp_path) == ["a.dcm", os.path.join("sub", "b.dcm")]
    assert len(listings) == 1
    shutil.copy(CT, tmp_path / "sub" / "c.dcm")  # the sub-folder changes
    assert _rels(tmp_path) == ["a.dcm", os.path.join("sub", "b.dcm"),
                               os.path.join("sub", "c.dcm")]
    assert len(listings) == 2


def test_a_file_rewritten_under_its_name_is_read_again(tmp_path: Path,
                                                       listings: list[str]) -> None:
    shutil.copy(CT, tmp_path / "a.dcm")
    (tmp_path / "notes.txt").write_text("not DICOM")
    assert _rels(tmp_path) == ["a.dcm"]
    shutil.copyfile(MR, tmp_path / "notes.txt")  # same name: the folder is unchanged
    assert _rels(tmp_path) == ["a.dcm", "notes.txt"]
    assert len(listings) == 1


def test_a_folder_that_just_changed_is_not_kept(tmp_path: Path, listings: list[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_set, "_SETTLED_NS", 2_000_000_000)
    shutil.copy(CT, tmp_path / "a.dcm")  # the folder's mtime is now
    assert _rels(tmp_path) == _rels(tmp_path) == ["a.dcm"]
    assert len(listings) == 2


def test_a_folder_with_its_own_dicomdir_is_another_file_set(tmp_path: Path,
                                                            listings: list[str]) -> None:
    (tmp_path / "other").mkdir()
    shutil.copy(CT, tmp_path / "a.dcm")
    shutil.copy(MR, tmp_path / "other" / "b.dcm")
    assert _rels(tmp_path) == ["a.dcm", os.path.join("other", "b.dcm")]
    (tmp_path / "other" / "DICOMDIR").write_bytes(b"")  # now a file-set of its own
    assert _rels(tmp_path) == ["a.dcm"]
    assert len(listings) == 2


def test_a_folder_whose_old_mtime_was_put_back_is_listed_again(
        tmp_path: Path, listings: list[str]) -> None:
    """rsync -a, tar and cp -a restore a folder's mtime after adding to it; its ctime
    still changes."""
    (tmp_path / "sub").mkdir()
    shutil.copy(CT, tmp_path / "sub" / "a.dcm")
    before = os.stat(tmp_path / "sub").st_mtime_ns
    assert _rels(tmp_path) == [os.path.join("sub", "a.dcm")]
    time.sleep(0.01)
    shutil.copy(MR, tmp_path / "sub" / "b.dcm")
    os.utime(tmp_path / "sub", ns=(before, before))
    assert _rels(tmp_path) == [os.path.join("sub", "a.dcm"), os.path.join("sub", "b.dcm")]
    assert len(listings) == 2


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges")
def test_a_links_real_path_is_found_at_each_use(tmp_path: Path, listings: list[str]) -> None:
    """A link through a link that is switched (current -> v1, then v2) has another real
    path; the listing does not change."""
    data = tmp_path / "data"
    for v in ("v1", "v2"):
        (data / v).mkdir(parents=True)
        shutil.copy(CT, data / v / "c.dcm")
    (data / "current").symlink_to(data / "v1")
    root = tmp_path / "set"
    root.mkdir()
    (root / "c.dcm").symlink_to(data / "current" / "c.dcm")
    assert file_set.dicom_files(str(root))[0][2] == str((data / "v1" / "c.dcm").resolve())
    (data / "current").unlink()
    (data / "current").symlink_to(data / "v2")
    assert file_set.dicom_files(str(root))[0][2] == str((data / "v2" / "c.dcm").resolve())
    assert len(listings) == 1



def test_the_listing_read_tells_directory_files_too(tmp_path: Path, listings: list[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The head read to tell DICOM files also tells a DICOMDIR under another name: the
    file is opened once; rewritten under its name, it is read again."""
    shutil.copy(get_testdata_file("DICOMDIR"), tmp_path / "set.dcm")  # type: ignore[arg-type]
    shutil.copy(CT, tmp_path / "a.dcm")
    opened: list[str] = []
    real = file_set._is_directory_file

    def counted(path: str) -> bool:
        opened.append(path)
        return real(path)

    monkeypatch.setattr(file_set, "_is_directory_file", counted)
    entries = file_set.dicom_files(str(tmp_path))
    assert [(e[1], file_set.is_directory_file(e)) for e in entries] == [
        ("a.dcm", False), ("set.dcm", True)]
    assert opened == []
    shutil.copyfile(CT, tmp_path / "set.dcm")  # now an image: asked anew
    entries = file_set.dicom_files(str(tmp_path))
    assert [(e[1], file_set.is_directory_file(e)) for e in entries] == [
        ("a.dcm", False), ("set.dcm", False)]
    assert opened == [] and len(listings) == 1

# -- directory files told by the head of the file ----------------------------------------

def _meta_file(sop_class: str, *, implicit: bool = False, extra: bytes = b"",
               pad: str = "") -> bytes:
    """A preamble, ``DICM`` and a File Meta group written by pydicom (``extra``: raw
    elements put before (0002,0002); ``pad``: appended to the UID value)."""
    import io
    import warnings

    from pydicom.dataset import FileMetaDataset
    from pydicom.filewriter import write_file_meta_info

    meta = FileMetaDataset()
    with warnings.catch_warnings():  # a padded UID on purpose
        warnings.simplefilter("ignore")
        meta.MediaStorageSOPClassUID = sop_class + pad
    meta.MediaStorageSOPInstanceUID = "1.2.3.4"
    meta.TransferSyntaxUID = "1.2.840.10008.1.2.1"
    meta.ImplementationClassUID = "1.2.3.5"
    buf = io.BytesIO()
    write_file_meta_info(buf, meta, enforce_standard=True)
    group = buf.getvalue()
    if extra:  # after (0002,0000) and (0002,0001): 12 + 14 bytes
        group = group[:26] + extra + group[26:]
    if implicit:
        group = b"".join(_implicit(group))
    return b"\0" * 128 + b"DICM" + group + b"\x08\x00\x16\x00UI\x04\x001.2\x00"


def _implicit(group: bytes) -> Iterator[bytes]:
    import struct

    pos = 0
    while pos < len(group):
        tag, vr = group[pos:pos + 4], group[pos + 4:pos + 6]
        if vr in (b"OB", b"OW", b"UN", b"SQ", b"UT"):
            length = struct.unpack_from("<I", group, pos + 8)[0]
            start = pos + 12
        else:
            length = struct.unpack_from("<H", group, pos + 6)[0]
            start = pos + 8
        yield tag + struct.pack("<I", length) + group[start:start + length]
        pos = start + length


def _pydicom_says(data: bytes, tmp: Path) -> bool:
    import warnings

    from pydicom.filereader import read_file_meta_info

    path = tmp / "f.dcm"
    path.write_bytes(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            uid = read_file_meta_info(path).get("MediaStorageSOPClassUID", "")
    except Exception:  # noqa: BLE001
        return False
    return str(uid).strip("\x00 ") == file_set.MEDIA_STORAGE_DIRECTORY


@pytest.mark.parametrize("uid, expected", [
    (file_set.MEDIA_STORAGE_DIRECTORY, True), ("1.2.840.10008.5.1.4.1.1.2", False),
    ("1.2.840.10008.1.3.1", False), ("1.2.840.10008.1.3.100", False)])
def test_the_head_tells_a_directory_file(uid: str, expected: bool, tmp_path: Path) -> None:
    data = _meta_file(uid)
    assert file_set.directory_by_head(data) is expected
    assert _pydicom_says(data, tmp_path) is expected


def test_real_files_are_told_as_pydicom_tells_them(tmp_path: Path) -> None:
    for name in ("DICOMDIR", "CT_small.dcm", "MR_small.dcm", "rtplan.dcm"):
        data = Path(get_testdata_file(name)).read_bytes()  # type: ignore[arg-type]
        fast = file_set.directory_by_head(data[:4096])
        assert fast is not None, name
        assert fast is _pydicom_says(data, tmp_path), name
    assert file_set.directory_by_head(
        Path(get_testdata_file("DICOMDIR")).read_bytes()[:4096]) is True  # type: ignore[arg-type]


def test_what_the_head_cannot_say_is_left_to_pydicom() -> None:
    directory = file_set.MEDIA_STORAGE_DIRECTORY
    assert file_set.directory_by_head(_meta_file(directory, implicit=True)) is None
    assert file_set.directory_by_head(_meta_file(directory)[4:]) is None  # no preamble
    assert file_set.directory_by_head(_meta_file(directory)[:150]) is None  # cut short
    # a 5,000-byte private meta element before (0002,0002): beyond the head
    big = b"\x02\x00\x01\x00OB\x00\x00" + (5000).to_bytes(4, "little") + b"\0" * 5000
    assert file_set.directory_by_head(_meta_file(directory, extra=big)[:4096]) is None


@settings(max_examples=150, deadline=None)
@given(uid=st.sampled_from([file_set.MEDIA_STORAGE_DIRECTORY, "1.2.840.10008.1.3.10.1",
                            "1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.1.3"]),
       pad=st.sampled_from(["", " ", "\x00"]), implicit=st.booleans(),
       cut=st.integers(min_value=0, max_value=400), flip=st.integers(0, 399),
       byte=st.integers(0, 255))
def test_the_head_never_disagrees_with_pydicom(uid: str, pad: str, implicit: bool,
                                               cut: int, flip: int, byte: int) -> None:
    """Whatever the damage (cut short, one byte changed), the head says what pydicom
    says, or nothing."""
    import tempfile

    data = bytearray(_meta_file(uid, implicit=implicit, pad=pad))
    if flip < len(data):
        data[flip] = byte
    data = data[:len(data) - cut] if cut else data
    fast = file_set.directory_by_head(bytes(data[:4096]))
    if fast is not None:
        with tempfile.TemporaryDirectory() as tmp:
            assert fast is _pydicom_says(bytes(data), Path(tmp))


def _uid_element(uid: str) -> bytes:
    value = uid.encode() + (b"\0" if len(uid) % 2 else b"")
    return b"\x02\x00\x02\x00UI" + len(value).to_bytes(2, "little") + value


def _first_element(data: bytes, vr: bytes, value: bytes) -> bytes:
    """``data`` with its (0002,0000) rewritten: ``vr`` (2-byte length) and ``value``."""
    return (data[:132] + b"\x02\x00\x00\x00" + vr + len(value).to_bytes(2, "little")
            + value + data[144:])


@pytest.mark.parametrize("vr, value", [(b"UL", b"\0\0"), (b"XX", b"\0\0\0\0"),
                                       (b"FD", b"\0\0\0\0"), (b"US", b"\0\0\0\0")])
def test_a_malformed_first_element_is_left_to_pydicom(vr: bytes, value: bytes,
                                                      tmp_path: Path) -> None:
    """pydicom checks its reading on the group's first element (and fails or reads the
    group again as implicit VR): the head says nothing then."""
    data = _first_element(_meta_file(file_set.MEDIA_STORAGE_DIRECTORY), vr, value)
    assert file_set.directory_by_head(data) is None
    assert file_set._is_directory_file(str(_written(tmp_path, data))) is _pydicom_says(
        data, tmp_path)


@pytest.mark.parametrize("first, second", [
    (file_set.MEDIA_STORAGE_DIRECTORY, "1.2.840.10008.5.1.4.1.1.2"),
    ("1.2.840.10008.5.1.4.1.1.2", file_set.MEDIA_STORAGE_DIRECTORY)])
def test_a_repeated_sop_class_is_left_to_pydicom(first: str, second: str,
                                                 tmp_path: Path) -> None:
    data = _meta_file(second, extra=_uid_element(first))
    assert file_set.directory_by_head(data) is None
    assert file_set._is_directory_file(str(_written(tmp_path, data))) is _pydicom_says(
        data, tmp_path)


def _written(tmp: Path, data: bytes) -> Path:
    path = tmp / "w.dcm"
    path.write_bytes(data)
    return path


@settings(max_examples=200, deadline=None)
@given(uid=st.sampled_from([file_set.MEDIA_STORAGE_DIRECTORY, "1.2.840.10008.5.1.4.1.1.2"]),
       vr=st.one_of(st.sampled_from([b"UL", b"US", b"FD", b"OB", b"UN", b"SQ", b"UI"]),
                    st.binary(min_size=2, max_size=2)),
       value=st.binary(max_size=8), extra=st.one_of(
           st.just(b""), st.sampled_from([file_set.MEDIA_STORAGE_DIRECTORY, "1.2.3"]).map(
               _uid_element)))
def test_the_head_and_pydicom_agree_on_odd_groups(uid: str, vr: bytes, value: bytes,
                                                  extra: bytes) -> None:
    """Odd first elements (any VR bytes, any short value) and repeated (0002,0002): the
    head says what pydicom says, or nothing."""
    import tempfile

    data = _first_element(_meta_file(uid, extra=extra), vr, value)
    fast = file_set.directory_by_head(data)
    if fast is not None:
        with tempfile.TemporaryDirectory() as tmp:
            assert fast is _pydicom_says(data, Path(tmp))


def test_a_file_gone_since_the_listing_is_left_out(tmp_path: Path, listings: list[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A file removed (or made unreadable) between its stat and its read is none of the
    file-set's: no OSError escapes to the DICOMDIR check (it was an internal-error)."""
    shutil.copy(CT, tmp_path / "a.dcm")
    shutil.copy(MR, tmp_path / "b.dcm")
    real = file_set._sniffed

    def racing(path: str) -> list[bool | None]:
        if path.endswith("a.dcm"):
            raise FileNotFoundError(2, "No such file or directory", path)
        return real(path)

    monkeypatch.setattr(file_set, "_sniffed", racing)
    entries = file_set.dicom_files(str(tmp_path))
    assert [e[1] for e in entries] == ["b.dcm"]
    assert [file_set.is_directory_file(e) for e in entries] == [False]
