"""The reader's content hash: one value for one content, however the input was read."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydicom.data import get_testdata_file

from conformance.engine.deferred import DEFER_SIZE
from conformance.engine.input import CONTENT_HASH, hash_content, load


def _hash(obj: object) -> str | None:
    loaded = load(obj)
    assert loaded.error is None
    return loaded.facts.content_hash


def _named_hash(data: bytes) -> str:
    """The hash ``CONTENT_HASH`` names ("algorithm/characters"): the mark the distributed
    fingerprint holds must say what the reader computes."""
    algorithm, chars = CONTENT_HASH.split("/")
    return hashlib.new(algorithm, data).hexdigest()[:int(chars)]


def test_small_and_large_files_and_bytes_hash_alike(tmp_path: Path) -> None:
    small = Path(get_testdata_file("CT_small.dcm")).read_bytes()
    big = Path(get_testdata_file("emri_small.dcm")).read_bytes()
    assert len(small) <= DEFER_SIZE < len(big)  # read whole / in chunks
    for data in (small, big):
        f = tmp_path / "f.dcm"
        f.write_bytes(data)
        want = _named_hash(data)
        assert hash_content(data) == want
        assert _hash(f) == want  # from the file
        assert _hash(data) == want  # from bytes in memory


def test_one_byte_changes_the_hash(tmp_path: Path) -> None:
    data = bytearray(Path(get_testdata_file("emri_small.dcm")).read_bytes())
    a, b = tmp_path / "a.dcm", tmp_path / "b.dcm"
    a.write_bytes(data)
    data[-1] ^= 0xFF  # the last pixel byte: a value the reader leaves in the file
    b.write_bytes(data)
    assert _hash(a) != _hash(b)


def test_a_file_of_several_chunks_hashes_whole(tmp_path: Path) -> None:
    """A file hashed in chunks through one buffer: every chunk counts, the short last
    one only as far as it was read (not the rest of the previous chunk's bytes)."""
    from pydicom import dcmread

    from conformance.engine.input import _HASH_CHUNK

    ds = dcmread(get_testdata_file("emri_small.dcm"))
    ds.PixelData = bytes(range(256)) * ((2 * _HASH_CHUNK + 1000) // 256)
    f = tmp_path / "f.dcm"
    ds.save_as(f)
    data = f.read_bytes()
    assert len(data) > 2 * _HASH_CHUNK and len(data) % _HASH_CHUNK
    assert _hash(f) == _named_hash(data)
