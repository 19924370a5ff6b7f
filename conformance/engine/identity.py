"""Which study, series and instance a report is about (for grouping and fingerprints).

The UIDs and Modality are not identifying (PS3.15 E.1-1 replaces UIDs, but they are
not patient data in a report); no patient attribute is read here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydicom.dataset import Dataset

_TAGS = {"study_instance_uid": 0x0020000D, "series_instance_uid": 0x0020000E,
         "sop_instance_uid": 0x00080018, "modality": 0x00080060}


@dataclass(frozen=True, slots=True)
class Identity:
    """Who and what a file is (patient fields stay None: reports carry no patient data)."""

    patient_id: str | None = None
    study_instance_uid: str | None = None
    series_instance_uid: str | None = None
    sop_instance_uid: str | None = None
    modality: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"patient_id": self.patient_id, "study_instance_uid": self.study_instance_uid,
                "series_instance_uid": self.series_instance_uid,
                "sop_instance_uid": self.sop_instance_uid, "modality": self.modality}


def _text(ds: Dataset, tag: int) -> str | None:
    try:
        elem = ds.get(tag)
        value = None if elem is None else elem.value
    except Exception:  # noqa: BLE001 - an unparsable value: the value checks report it
        return None
    if value is None or value == "":
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):  # multi-valued: the first value
        value = str(value[0]) if len(value) else ""
    return str(value).strip(" \x00") or None


def identity(ds: Dataset) -> Identity:
    """The dataset's study, series and SOP Instance UIDs and Modality (top level)."""
    return Identity(**{name: _text(ds, tag) for name, tag in _TAGS.items()})
