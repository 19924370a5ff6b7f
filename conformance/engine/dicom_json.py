"""DICOM JSON input (PS3.18 F.2, what DICOMweb returns), through pydicom's
``Dataset.from_json``.

A document is one dataset object, or an array holding exactly one (a QIDO/WADO metadata
response for one instance). Values given by ``BulkDataURI`` are not fetched: those
elements are present with no value (PS3.18 F.2.6 leaves their retrieval to the caller),
so checks of their values do not see them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydicom.dataset import Dataset

from conformance.engine.input import Loaded, ReadFacts, unreadable

MAX_JSON_BYTES = 256 * 1024 * 1024  # a metadata document; larger is a mistake


def looks_like_json(data: bytes) -> bool:
    """True when ``data`` starts (after white space) like a JSON object or array."""
    head = data[:64].lstrip()
    return head[:1] in (b"{", b"[")


def _no_fetch(tag: str, vr: str, uri: str) -> None:
    return None


def from_json_bytes(data: bytes, path: str | None) -> Loaded:
    """A Loaded from the bytes of a DICOM JSON document."""
    if len(data) > MAX_JSON_BYTES:
        return unreadable(path, f"DICOM JSON larger than {MAX_JSON_BYTES} bytes")
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        return unreadable(path, f"not valid JSON: {exc}")
    if isinstance(doc, list):
        if len(doc) != 1:
            return unreadable(path, f"DICOM JSON array of {len(doc)} datasets: validate "
                                    f"one dataset per document")
        doc = doc[0]
    if not isinstance(doc, Mapping):
        return unreadable(path, f"DICOM JSON must be an object, got {type(doc).__name__}")
    return from_json_object(doc, path)


def from_json_object(obj: Mapping[str, Any], path: str | None) -> Loaded:
    """A Loaded from a parsed DICOM JSON object (``{"00100010": {"vr": "PN", ...}}``)."""
    try:
        ds = Dataset.from_json(dict(obj), bulk_data_uri_handler=_no_fetch)
    except Exception as exc:  # noqa: BLE001 - pydicom raises many types for bad JSON
        return unreadable(path, f"not a DICOM JSON dataset (PS3.18 F.2): "
                                f"{str(exc) or type(exc).__name__}")
    if len(ds) == 0:
        return unreadable(path, "DICOM JSON object with no data elements")
    return Loaded(ds, None, ReadFacts(), path)
