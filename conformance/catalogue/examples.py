"""Example inputs of the catalogue: a spec (YAML mapping) -> a Dataset or file bytes.

A spec starts from a base and edits it:

- ``base``: ``sc`` (default; a small Secondary Capture Image with no error or warning
  against the bundled standard), ``ct`` (pydicom's test file ``CT_small.dcm``: an IOD
  with a Frame of Reference), ``empty`` (a Dataset with nothing in it) or ``bytes``
  (``content`` is the whole input, latin-1);
- ``delete``: keywords to remove; ``set``: ``{keyword: value}`` (pydicom converts);
- ``add``: ``[[tag, VR, value], ...]`` elements stored as read (raw bytes, latin-1), for
  values pydicom would refuse to make and private elements;
- ``nest``: ``{keyword: SEQUENCE, levels: N}``: N items nested in one another under
  that sequence keyword (built in memory);
- ``file``: write a Part 10 file (preamble, File Meta); ``meta``: ``{keyword: value}``
  overrides of the File Meta; ``as_un``: tags re-encoded as UN in the written file;
  ``tail``: bytes (hex) appended after the last element.

``run.py`` runs a spec, and adds batches, File-sets, rule files and standard
variations.
"""

from __future__ import annotations

import struct
from io import BytesIO
from typing import Any

from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.tag import Tag
from pydicom.uid import ExplicitVRLittleEndian

SC = "1.2.840.10008.5.1.4.1.1.7"
ROOT = "1.2.826.0.1.3680043.2.1125.1"

BASE_SC: dict[str, Any] = {
    "SOPClassUID": SC, "SOPInstanceUID": f"{ROOT}.1", "StudyInstanceUID": f"{ROOT}.2",
    "SeriesInstanceUID": f"{ROOT}.3", "PatientName": "Doe^Jane", "PatientID": "P1",
    "PatientBirthDate": "", "PatientSex": "F", "StudyDate": "20240101",
    "StudyTime": "120000", "ReferringPhysicianName": "", "StudyID": "S1",
    "AccessionNumber": "", "Modality": "OT", "SeriesNumber": "1", "InstanceNumber": "1",
    "PatientOrientation": "", "ConversionType": "WSD", "Manufacturer": "",
    "SamplesPerPixel": 1, "PhotometricInterpretation": "MONOCHROME2", "Rows": 2,
    "Columns": 2, "BitsAllocated": 8, "BitsStored": 8, "HighBit": 7,
    "PixelRepresentation": 0,
}


def _base_sc() -> Dataset:
    ds = Dataset()
    for keyword, value in BASE_SC.items():
        setattr(ds, keyword, value)
    ds.add_new(0x7FE00010, "OB", b"\0" * 4)
    return ds


def _value(value: Any) -> Any:
    """Lists of mappings are sequences: each mapping an item."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        items = []
        for v in value:
            item = Dataset()
            for keyword, inner in v.items():
                setattr(item, keyword, _value(inner))
            items.append(item)
        return items
    return value


def build(spec: dict[str, Any]) -> Dataset | bytes:
    """The example's input: a Dataset, or bytes for a file."""
    base = spec.get("base", "sc")
    if base == "bytes":
        return str(spec["content"]).encode("latin-1")
    ds = _base_sc() if base == "sc" else _base_ct() if base == "ct" else Dataset()
    for keyword in spec.get("delete", ()):
        delattr(ds, keyword)
    for keyword, value in (spec.get("set") or {}).items():
        setattr(ds, keyword, _value(value))
    if "nest" in spec:
        _nest(ds, spec["nest"]["keyword"], spec["nest"]["levels"])
    for tag, vr, value in spec.get("add", ()):
        t = Tag(int(tag, 16))
        data = str(value).encode("latin-1")
        ds[t] = RawDataElement(t, vr, len(data), data, 0, False, True)  # type: ignore[assignment]
    if not spec.get("file"):
        return ds
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.get("SOPClassUID", SC)
    meta.MediaStorageSOPInstanceUID = ds.get("SOPInstanceUID", f"{ROOT}.1")
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    for keyword, value in (spec.get("meta") or {}).items():
        setattr(meta, keyword, value.encode("latin-1") if keyword == "FileMetaInformationVersion"
                else value)
    ds.file_meta = meta
    out = BytesIO()
    ds.save_as(out, implicit_vr=False, little_endian=True, enforce_file_format=True)
    data = out.getvalue()
    for tag in spec.get("as_un", ()):
        data = _as_un(data, int(tag, 16))
    return data + bytes.fromhex(spec.get("tail", ""))


def _base_ct() -> Dataset:
    from pydicom import dcmread
    from pydicom.data import get_testdata_file

    path = get_testdata_file("CT_small.dcm")
    assert path is not None  # ships with pydicom
    ds = dcmread(path)
    del ds.file_meta
    return ds


def _nest(ds: Dataset, keyword: str, levels: int) -> None:
    inner = ds
    for _ in range(levels):
        child = Dataset()
        child.ValueType = "CONTAINER"
        setattr(inner, keyword, [child])
        inner = child


def _as_un(data: bytes, tag: int) -> bytes:
    """The file with the short-length explicit VR element ``tag`` re-encoded as UN (as a
    system that did not know the element would forward it): pydicom writes the VR it
    knows instead."""
    head = struct.pack("<HH", tag >> 16, tag & 0xFFFF)
    at = data.index(head, 132)
    length = struct.unpack("<H", data[at + 6:at + 8])[0]
    value = data[at + 8:at + 8 + length]
    return data[:at] + head + b"UN\0\0" + struct.pack("<I", length) + value + data[at + 8 + length:]


def describe(spec: dict[str, Any]) -> list[str]:
    """The spec as short lines for people (``conformance explain``, docs/codes.md)."""
    base = spec.get("base", "sc")
    if base == "bytes":
        return [f"the bytes {spec['content']!r}"]
    lines = [{"sc": "a Secondary Capture Image (the catalogue's base example)",
              "ct": "pydicom's CT_small.dcm"}.get(base, "an empty dataset")]
    lines += [f"without {k}" for k in spec.get("delete", ())]
    lines += [f"{k} = {v!r}" for k, v in (spec.get("set") or {}).items()]
    lines += [f"({t[:4]},{t[4:]}) {vr} {v!r} (as stored)" for t, vr, v in spec.get("add", ())]
    if "nest" in spec:
        lines.append("{levels} {keyword} items nested in one another".format(**spec["nest"]))
    if spec.get("file"):
        lines.append("written as a Part 10 file"
                     + "".join(f", File Meta {k} = {v!r}"
                               for k, v in (spec.get("meta") or {}).items())
                     + "".join(f", ({t[:4]},{t[4:]}) encoded as UN"
                               for t in spec.get("as_un", ()))
                     + (f", then the bytes {spec['tail']} (hex)" if spec.get("tail") else ""))
    return lines
