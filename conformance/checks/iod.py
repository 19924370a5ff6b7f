"""Which IOD a dataset claims to be: its SOP Class UID must name one (PS3.4 B.5, PS3.3 A)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydicom.uid import UID

from conformance.engine.context import CheckContext
from conformance.engine.finding import Finding
from conformance.engine.registry import dataset_check


def _pydicom_registry(uid: str) -> dict[str, Any] | None:
    """PS3.6 Table A-1 as pydicom ships it, for builds whose UID registry is empty."""
    u = UID(uid)
    if u.name == uid:
        return None
    return {"uid": uid, "name": u.name, "type": u.type, "retired": u.is_retired}


@dataset_check("iod-unknown", "iod-anomaly", reference="PS3.4 B.5; PS3.3 Annex A")
def iod_known(ctx: CheckContext) -> Iterator[Finding]:
    """PS3.4 Section B.5 (Standard SOP Classes) maps each SOP Class UID to its IOD in
    PS3.3 Annex A; without a known IOD no module or attribute requirement can be checked.
    The SOP Class UID comes from (0008,0016), else from the File Meta's (0002,0002)."""
    if ctx.requirements is not None:
        for note in ctx.requirements.anomalies:
            yield ctx.finding("iod-anomaly", "info",
                              f"standard tables for IOD {ctx.iod}: {note}; affected "
                              "requirements are not checked",
                              reference=ctx.reference(ctx.requirements.reference))
        return
    if ctx.iod is not None:
        return
    if ctx.sop_class_uid == "1.2.840.10008.1.3.10":
        return  # a DICOMDIR: checks/dicomdir.py checks it and says what it could not
    ref = ctx.reference({"part": 4, "section": "B.5", "table": "B.5-1"}, part=4)
    uid = ctx.sop_class_uid
    if not uid:
        yield ctx.finding(
            "iod-unknown", "error",
            "no SOP Class UID (0008,0016) in the dataset nor Media Storage SOP Class UID "
            "(0002,0002) in the File Meta: the IOD cannot be determined", tag=0x00080016,
            reference=ref)
        return
    where = "" if ctx.sop_class_source == "dataset" else " (from the File Meta)"
    entry = ctx.standard.dictionary.uid(uid) or _pydicom_registry(uid)
    sop = ctx.standard.sop_classes.get(uid)
    if sop is not None and sop.get("retired") or entry is not None and entry.get("retired"):
        name = (sop or entry or {}).get("name") or uid
        hint = (f"; the UID registry lists it as retired ({name}): retired SOP Classes "
                "have no IOD in current editions")
    elif entry is not None:
        hint = f"; the UID registry names it {entry.get('name')!r} ({entry.get('type')})"
    else:
        hint = "; it is not in the UID registry"
    yield ctx.finding(
        "iod-unknown", "error",
        f"SOP Class UID {uid}{where} is not a SOP Class with an IOD in the standard "
        f"({ctx.standard.edition}){hint}; use --iod to choose one", tag=0x00080016,
        reference=ref)
