"""Which SOP Class a dataset claims: its SOP Class UID, else the File Meta's Media
Storage SOP Class UID (PS3.10 7.1), read the way the checks read them."""

from __future__ import annotations

from typing import Any

from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from conformance.engine.conversion import plain_reading
from conformance.engine.elements import stored


def _stored_uid(elem: Any) -> list[str] | None:
    """The values of a stored UI element as pydicom converts them (trailing NULs and
    spaces dropped, split at backslashes, each value stripped), read from its bytes; None
    when only the conversion can tell (not a plain UI value, or non-default reading)."""
    if type(elem) is not RawDataElement or elem.VR not in ("UI", None) or not plain_reading():
        return None
    value = elem.value
    if value is None or b"\x1b" in value:
        return None
    return [p.strip() for p in value.decode("latin-1").rstrip("\0 ").split("\\")]


def sop_class(ds: Dataset, meta: Dataset | None) -> tuple[str | None, str | None]:
    """SOP Class UID from the dataset, else the File Meta's Media Storage SOP Class UID;
    with where it was found (``"dataset"`` or ``"file_meta"``)."""
    for holder, tag, source in ((ds, 0x00080016, "dataset"), (meta, 0x00020002, "file_meta")):
        if holder is None:
            continue
        values = _stored_uid(stored(holder, tag))
        if values is not None:  # read without converting (the checks read it raw too)
            if len(values) > 1 or values[0]:
                return values[0].strip(" \x00"), source
            continue
        try:
            elem = holder.get(tag)
        except Exception:  # unparsable value: the value checks report it
            continue
        text = _uid_text(elem.value) if elem is not None and elem.value else None
        if text is not None:  # a value of another VR (PN, US, AT ...) is no UID
            return text, source
    return None, None


def _uid_text(value: Any) -> str | None:
    """The first value of a UI element's converted value, when it is text."""
    if isinstance(value, list | tuple | MultiValue):
        value = value[0] if len(value) else None
    if isinstance(value, str):  # str or UID; a PersonName, number or tag is no UID
        return value.strip(" \x00")
    return None
