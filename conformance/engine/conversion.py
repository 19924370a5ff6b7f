"""What converting a stored element gives: the VR pydicom converts it as, and whether
the conversion surely succeeds, read from the stored bytes without converting."""

from __future__ import annotations

import re
from typing import Any

from pydicom import config
from pydicom import hooks as pydicom_hooks
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.hooks import hooks

from conformance.conditions.raw import dictionary_vr
from conformance.engine import deferred

# Numeric VRs pydicom unpacks with struct: a length that is not a multiple fails.
FIXED_SIZE = {"US": 2, "SS": 2, "UL": 4, "SL": 4, "FL": 4, "FD": 8, "SV": 8, "UV": 8}
# VRs whose conversion cannot fail on any bytes (decoding errors become replacement
# characters and warnings under pydicom's default reading validation mode, WARN; in
# its RAISE mode every element is converted, see ``strict_reading``).
SAFE_VRS = frozenset({"AE", "AS", "AT", "CS", "DA", "DS", "DT", "LO", "LT", "OB", "OD",
                       "OF", "OL", "OV", "OW", "PN", "SH", "ST", "TM", "UC", "UI", "UN",
                       "UR", "UT"})
_IS_VALUE = re.compile(rb"[\x00 ]*[+-]?[0-9]+[\x00 ]*|[\x00 ]*")


def stored_vr(raw: RawDataElement, ds: Dataset | None) -> str:
    """The VR pydicom gives ``raw`` when it converts it, before ambiguous-VR correction.

    Implicit VR (``raw.VR`` None) and explicit UN go through pydicom's own VR hook
    (dictionary, private dictionary via the Private Creator, group length); the result
    may be ambiguous (``US or SS``): only a conversion resolves that.
    """
    vr = raw.VR
    if vr is not None and vr != "UN":
        return str(vr)
    tag = raw.tag
    if not tag >> 16 & 1 and (vr is None or raw.value is None or len(raw.value) < 0xFFFF):
        found = dictionary_vr(tag)
        if found is not None:
            return found
        if vr is not None:
            return "UN"
    data: dict[str, Any] = {}
    try:
        hooks.raw_element_vr(raw, data, encoding=None, ds=ds)
    except Exception:  # noqa: BLE001 - strict reading mode raises: the conversion reports it
        return "UN"
    return str(data.get("VR") or "UN")


def strict_reading() -> bool:
    """pydicom raises on invalid values (reading validation mode RAISE)."""
    return bool(config.settings.reading_validation_mode == config.RAISE)


def convertible(raw: RawDataElement, vr: str) -> bool:
    """True when pydicom surely converts ``raw`` as VR ``vr`` without an exception.

    A cheap look at the bytes: False means "convert it to find out" (sequences,
    ambiguous VRs, numeric values of the wrong length, IS values that are not integers,
    values not read yet). See tests/engine/test_traversal_raw.py for the property.
    """
    value = raw.value
    if value is None:  # a deferred binary value is never read (engine.deferred)
        return raw.length == 0 or vr in deferred.BINARY_VRS
    size = FIXED_SIZE.get(vr)
    if size is not None:
        return len(value) % size == 0
    if vr in SAFE_VRS:
        return True
    if vr == "IS":
        return all(_IS_VALUE.fullmatch(v) for v in value.split(b"\\"))
    return False  # SQ, ambiguous or unknown VRs


def plain_reading() -> bool:
    """pydicom converts as by default: no RAISE validation, callbacks, hooks or options
    that change what a stored value converts to."""
    return (config.settings.reading_validation_mode != config.RAISE
            and config.data_element_callback is None
            and hooks.raw_element_vr is pydicom_hooks.raw_element_vr
            and hooks.raw_element_value is pydicom_hooks.raw_element_value
            and not config.datetime_conversion and not config.use_DS_decimal
            and not config.use_DS_numpy and not config.use_IS_numpy
            and not config.use_none_as_empty_text_VR_value)
