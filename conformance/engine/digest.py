"""Per-file identity and consistency digest: the *map* step of cross-file checks.

PS3.3 Annex A assigns each module of an IOD to an Information Entity (the IE column
of the IOD module table, ``iods.json``). A file's digest holds, per entity, the key
that names the entity instance (Study, Series, Frame of Reference UID) and a hash of
each attribute value of that entity's modules, never the dataset; the reduce step
(``conformance.batch.consistency``) compares digests across files. Digests are small,
frozen and picklable, so they travel from worker processes (or Dask workers) cheaply.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from conformance.engine.elements import stored
from conformance.engine.pickling import pickled_as_arguments
from conformance.engine.privacy import identifying, is_identifying, mask, pseudonym

PATIENT_ID, STUDY_UID, SERIES_UID, SOP_UID = 0x00100020, 0x0020000D, 0x0020000E, 0x00080018
MODALITY, FOR_UID = 0x00080060, 0x00200052
# Entity -> the attribute whose value names the entity instance the others must agree in.
# PS3.3 A.1.2: the Patient IE is the subject of the study, so its attributes agree within
# a study; Equipment is described per series (A.1.2.4, C.7.5.1).
ENTITY_KEYS: dict[str, int] = {
    "Patient": STUDY_UID,
    "Study": STUDY_UID,
    "Series": SERIES_UID,
    "Frame of Reference": FOR_UID,
    "Equipment": SERIES_UID,
}


@pickled_as_arguments
@dataclass(frozen=True, slots=True)
class Identity:
    """Who and what a file is; identifying values masked unless values are shown."""

    patient_id: str | None = None
    study_instance_uid: str | None = None
    series_instance_uid: str | None = None
    sop_instance_uid: str | None = None
    modality: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"patient_id": self.patient_id, "study_instance_uid": self.study_instance_uid,
                "series_instance_uid": self.series_instance_uid,
                "sop_instance_uid": self.sop_instance_uid, "modality": self.modality}


@pickled_as_arguments
@dataclass(frozen=True, slots=True)
class EntityDigest:
    """One entity of one file: its key and ``(tag, value hash, value as shown)`` rows."""

    entity: str
    key: str  # hash of the key value
    key_shown: str
    values: tuple[tuple[int, str, str], ...]


@pickled_as_arguments
@dataclass(frozen=True, slots=True)
class FileDigest:
    """What the consistency reduce needs of one file."""

    path: str | None
    sop_instance: str | None = None  # 128-bit hash: files are matched on it alone
    sop_shown: str | None = None
    series: str | None = None  # hash of the Series Instance UID
    content: str | None = None  # hash of the file's bytes (None for in-memory datasets)
    entities: tuple[EntityDigest, ...] = field(default=())


def value_hash(data: bytes, size: int = 8) -> str:
    return hashlib.blake2b(data, digest_size=size).hexdigest()


def _text(ds: Dataset, tag: int) -> str | None:
    """The stored value as text (padding stripped), or None when absent or binary."""
    elem = stored(ds, tag)
    if elem is None:
        return None
    if type(elem) is RawDataElement:
        raw = elem.value
        return raw.decode("latin-1", "replace").strip(" \x00") if isinstance(raw, bytes) else None
    v = elem.value
    if v is None:
        return ""
    if isinstance(v, MultiValue | list | tuple):
        return "\\".join(str(x) for x in v).strip(" \x00")
    if isinstance(v, bytes | bytearray | Dataset) or elem.VR == "SQ":
        return None
    return str(v).strip(" \x00")


def _shown(text: str, tag: int, vr: str | None, table: Any, show_values: bool) -> str:
    if show_values or not is_identifying(tag, table, vr):
        return text if len(text) <= 64 else text[:61] + "..."
    return mask(text, vr)


def identity(ds: Dataset, standard: Any, show_values: bool) -> Identity:
    """The file's patient, study, series, instance and modality (masked by default)."""
    pid, study, series, sop, modality = (_text(ds, t) for t in
                                         (PATIENT_ID, STUDY_UID, SERIES_UID, SOP_UID, MODALITY))
    if not show_values:
        pid = mask(pid, "LO") if pid else pid
        study, series, sop = (pseudonym(u) if u else u for u in (study, series, sop))
    return Identity(pid or None, study or None, series or None, sop or None, modality or None)


_IE_TAGS: dict[tuple[int, str], tuple[Any, dict[str, frozenset[int]]]] = {}


def entity_tags(requirements: Any) -> dict[str, frozenset[int]]:
    """Entity -> top-level tags of the IOD's modules of that entity (cached per IOD)."""
    key = (id(requirements), requirements.id if hasattr(requirements, "id") else "")
    hit = _IE_TAGS.get(key)
    if hit is not None and hit[0] is requirements:
        return hit[1]
    out: dict[str, set[int]] = {}
    for m in requirements.modules:
        if m.ie in ENTITY_KEYS:
            out.setdefault(m.ie, set()).update(m.all_tags)
    frozen = {ie: frozenset(tags - {ENTITY_KEYS[ie]}) for ie, tags in out.items()}
    _IE_TAGS[key] = (requirements, frozen)
    return frozen


def _vr(ds: Dataset, tag: int, standard: Any) -> str | None:
    elem = stored(ds, tag)
    vr = getattr(elem, "VR", None)
    if vr is None:
        entry = standard.dictionary.get(tag)
        vr = entry.vr if entry is not None else None
    return vr


def file_digest(ds: Dataset, standard: Any, requirements: Any, path: str | None,
                content: str | None, show_values: bool) -> FileDigest:
    """The digest of one dataset (``requirements``: its compiled IOD, or None;
    ``content``: a hash of the bytes it was read from, None for in-memory datasets)."""
    table = identifying(standard)
    sop = _text(ds, SOP_UID)
    series = _text(ds, SERIES_UID)
    entities: list[EntityDigest] = []
    if requirements is not None:
        keys = ds.keys()
        for ie, tags in entity_tags(requirements).items():
            key_tag = ENTITY_KEYS[ie]
            key = _text(ds, key_tag)
            if not key:
                continue
            rows = []
            for tag in sorted(tags.intersection(keys)):
                text = _text(ds, tag)
                # Sequences and binary values are not compared; nor empty values (a Type 2
                # attribute may be empty in one instance: dcentvfy warns, it is not a
                # disagreement about the entity).
                if not text:
                    continue
                vr = _vr(ds, tag, standard)
                if vr == "SQ":
                    continue
                # a plain int: pydicom's BaseTag pickles through copyreg, 9,000 a batch
                rows.append((int(tag), value_hash(text.encode("utf-8", "surrogateescape")),
                             _shown(text, tag, vr, table, show_values)))
            shown = key if show_values else pseudonym(key)
            entities.append(EntityDigest(ie, value_hash(key.encode()), shown, tuple(rows)))
    return FileDigest(
        path=path,
        sop_instance=value_hash(sop.encode(), 16) if sop else None,
        sop_shown=(sop if show_values else pseudonym(sop)) if sop else None,
        series=value_hash(series.encode()) if series else None,
        content=content,
        entities=tuple(entities))
