"""DICOM JSON input (PS3.18 F.2, what DICOMweb returns), through pydicom's
``Dataset.from_json``.

A document is one dataset object, or an array holding exactly one (a QIDO/WADO metadata
response for one instance). Values given by ``BulkDataURI`` are not fetched: those
elements are present with no value (PS3.18 F.2.6 leaves their retrieval to the caller),
so checks of their values do not see them (Pixel Data given by URI reads as empty).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydicom.dataset import Dataset

MAX_JSON_BYTES = 256 * 1024 * 1024  # a metadata document; larger is a mistake


class NotDicomJson(ValueError):
    """The document is not one DICOM JSON dataset; the message says why."""


def _no_fetch(tag: str, vr: str, uri: str) -> None:
    return None


def dataset_from_bytes(data: bytes) -> Dataset:
    """The dataset of a DICOM JSON document's bytes; NotDicomJson with the reason."""
    if len(data) > MAX_JSON_BYTES:
        raise NotDicomJson(f"DICOM JSON larger than {MAX_JSON_BYTES} bytes")
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise NotDicomJson(f"not valid JSON: {exc}") from None
    if isinstance(doc, list):
        if len(doc) != 1:
            raise NotDicomJson(f"DICOM JSON array of {len(doc)} datasets: validate one "
                               f"dataset per document")
        doc = doc[0]
    if not isinstance(doc, Mapping):
        raise NotDicomJson(f"DICOM JSON must be an object, got {type(doc).__name__}")
    return dataset_from_object(doc)


def dataset_from_object(obj: Mapping[str, Any]) -> Dataset:
    """The dataset of a parsed DICOM JSON object (``{"00100010": {"vr": "PN", ...}}``)."""
    try:
        ds = Dataset.from_json(dict(obj), bulk_data_uri_handler=_no_fetch)
    except Exception as exc:  # noqa: BLE001 - pydicom raises many types for bad JSON
        raise NotDicomJson(f"not a DICOM JSON dataset (PS3.18 F.2): "
                           f"{str(exc) or type(exc).__name__}") from None
    if len(ds) == 0:
        raise NotDicomJson("DICOM JSON object with no data elements")
    return ds
