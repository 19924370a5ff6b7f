"""Builds of the standard for tests: the shared excerpt (once per session) and a tiny one.

``excerpt_standard(tmp_path_factory)`` runs the issue's acceptance build (PS3.3 2016c
excerpt + PS3.4 2013 + PS3.5 2026c + PS3.6 2015b) once per test session and returns the
folder; it skips when ../shared is absent. ``write_tiny_standard(folder)`` writes a small
hand-made build (no ../shared needed) through the real writer.
"""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCBOOK = REPO.parent / "shared" / "nema-docbook"

EXCERPT_PARTS = {
    3: DOCBOOK / "2016c-excerpt" / "part03.xml",
    4: DOCBOOK / "2013" / "part04.xml",
    5: DOCBOOK / "2026c" / "part05.xml",
    6: DOCBOOK / "2015b" / "part06.xml",
}

_lock = threading.Lock()
_built: dict[str, Path] = {}


def excerpt_parts() -> dict[int, Path]:
    """``EXCERPT_PARTS``, or skip the test when ../shared does not hold them."""
    missing = [str(p) for p in EXCERPT_PARTS.values() if not p.is_file()]
    if missing:
        pytest.skip(f"../shared not available ({missing[0]})")
    return EXCERPT_PARTS


def excerpt_standard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The acceptance build of the shared excerpt, built once per session."""
    with _lock:
        if "excerpt" not in _built:
            excerpt_parts()
            from conformance.compiler.pipeline import build

            out = tmp_path_factory.mktemp("excerpt-standard") / "std"
            build({4: EXCERPT_PARTS[4], 6: EXCERPT_PARTS[6], 5: EXCERPT_PARTS[5]},
                  source_dir=DOCBOOK / "2016c-excerpt", out=out, progress=False, report=None)
            _built["excerpt"] = out
        return _built["excerpt"]


def _cond(text: str, expr: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"text": text, "expr": expr, "otherwise": "may" if expr else None,
            "error": None if expr else "not parsed"}


def _attr(name: str, tag: str, type_: str, *, condition: dict[str, Any] | None = None,
          children: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"kind": "attribute", "name": name, "tag": tag, "type": type_, "description": "",
            "condition": condition, "enums": [], "items": None, "children": children or []}


def _include(kind: str, table_id: str) -> dict[str, Any]:
    return {"kind": "include", "include": {"kind": kind, "id": table_id}, "condition": None,
            "text": f"Include Table {table_id}"}


def tiny_documents() -> dict[str, dict[str, Any]]:
    """A hand-made build: one IOD, two modules, one macro, a small dictionary."""
    ref = {"part": 3, "section": "A.99", "table": "A.99-1"}
    mod_ref = {"part": 3, "section": "C.99.1", "table": "C.99-1"}
    present = {"op": "present", "attr": {"tag": "00080016", "scope": "item", "index": None,
                                         "path": None}}
    iods = {"tiny-image": {
        "id": "tiny-image", "name": "Tiny Image", "reference": ref,
        "modules": [
            {"ie": "Patient", "module": "tiny-patient", "usage": "M", "condition": None},
            {"ie": "Image", "module": "tiny-image", "usage": "C",
             "condition": _cond("Required if SOP Class UID is present.", present)}],
        "functional_groups": []}}
    modules = {
        "tiny-patient": {"id": "tiny-patient", "name": "Tiny Patient", "kind": "module",
                         "reference": mod_ref, "attributes": [
                             _attr("Patient's Name", "00100010", "2"),
                             _attr("Patient ID", "00100020", "2")]},
        "tiny-image": {"id": "tiny-image", "name": "Tiny Image", "kind": "module",
                       "reference": mod_ref, "attributes": [
                           _attr("Image Type", "00080008", "1"),
                           _attr("Referenced Image Sequence", "00081140", "3",
                                 children=[_include("macro", "tiny-sop-instance")]),
                           _attr("Overlay Data", "60xx3000", "1C",
                                 condition=_cond("Required if an overlay is present."))]},
    }
    macros = {"tiny-sop-instance": {
        "id": "tiny-sop-instance", "name": "Tiny SOP Instance", "kind": "macro",
        "reference": None, "attributes": [
            _attr("Referenced SOP Class UID", "00081150", "1"),
            _attr("Referenced SOP Instance UID", "00081155", "1")]}}
    elements = {}
    for tag, name, keyword, vr, vm, retired in (
            ("00080008", "Image Type", "ImageType", "CS", "2-n", False),
            ("00080016", "SOP Class UID", "SOPClassUID", "UI", "1", False),
            ("00081140", "Referenced Image Sequence", "ReferencedImageSequence", "SQ", "1", False),
            ("00081150", "Referenced SOP Class UID", "ReferencedSOPClassUID", "UI", "1", False),
            ("00081155", "Referenced SOP Instance UID", "ReferencedSOPInstanceUID", "UI", "1",
             False),
            ("00100010", "Patient's Name", "PatientName", "PN", "1", False),
            ("00100020", "Patient ID", "PatientID", "LO", "1", False),
            ("60xx3000", "Overlay Data", "OverlayData", "OB or OW", "1", False),
            ("60003000", "Exact Overlay Data Row", "ExactOverlayDataRow", "OW", "1", False),
            ("60xx0010", "Overlay Rows", "OverlayRows", "US", "1", False),
            ("xxxx0010", "Catch All", "CatchAll", "UN", "1", True)):
        elements[tag] = {"tag": tag, "name": name, "keyword": keyword, "vr": vr, "vm": vm,
                         "retired": retired}
    uids = {"1.2.3.4": {"uid": "1.2.3.4", "name": "Tiny Image Storage", "keyword": None,
                        "type": "SOP Class", "retired": False}}
    sops = {"1.2.3.4": {"uid": "1.2.3.4", "name": "Tiny Image Storage", "iod": "tiny-image",
                        "iod_name": "Tiny Image", "reference": ref, "retired": False}}
    manifest = {"format": 1, "edition": "tiny", "source": "docbook",
                "parts": {"3": {"edition": "tiny", "sha256": "0" * 64, "file": "part03.xml"}},
                "counts": {"iods": 1, "modules": 2, "macros": 1, "attributes": 8,
                           "sop_classes": 1, "dictionary": len(elements), "uids": 1, "vrs": 0,
                           "conditions": 2, "conditions_parsed": 1},
                "anomalies": 0, "built_with": "test"}
    return {"iods": {"iods": iods}, "modules": {"modules": modules, "macros": macros},
            "sop_classes": {"sop_classes": sops},
            "dictionary": {"elements": elements, "uids": uids}, "vrs": {"vrs": {}},
            "anomalies": {"anomalies": []}, "manifest": manifest}


def write_tiny_standard(folder: Path, *, compress: bool = False, tables_zip: bool = True,
                        documents: dict[str, dict[str, Any]] | None = None) -> Path:
    """Write ``tiny_documents()`` (or ``documents``) as a build folder through the writer."""
    from conformance.compiler.writer import write_build

    docs = copy.deepcopy(documents if documents is not None else tiny_documents())
    write_build(folder, docs, compress=compress, tables_zip=tables_zip)
    return folder


def docbook_part(folder: Path, part: int, edition: str = "2099a", body: str = "",
                 *, name: str | None = None) -> Path:
    """A minimal DocBook part file whose subtitle names ``part`` and ``edition``."""
    path = folder / (name or f"part{part:02d}.xml")
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<book xmlns="http://docbook.org/ns/docbook" version="5.0">\n'
        f"<title>PS3.{part}</title>\n<subtitle>DICOM PS3.{part} {edition} - Test</subtitle>\n"
        f"{body}\n</book>\n", encoding="utf-8")
    return path
