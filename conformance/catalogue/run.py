"""Run a catalogue example: a spec (``examples.py``) -> the findings it produces.

Besides one dataset or file (``examples.build``), a spec may describe what some codes
need to appear at all; the keys combine:

- ``files: [spec, ...]``: a batch, written as Part 10 files to a folder validated with
  ``validate_folder``: the files' findings and the cross-file ones (``inconsistent-*``,
  ``duplicate-*``). Two equal specs give byte-identical files.
- ``dicomdir: {files: [spec, ...], ...}``: a File-set written by pydicom's ``FileSet``
  (its DICOMDIR validated), then damaged: ``offset: N`` (the first record's Offset of the
  Next Directory Record), ``record_type: TYPE`` (the first record's type),
  ``remove: I`` (delete file I, counted from 0 in path order), ``reuid: I`` (give
  file I another SOP Instance UID), ``unlisted: spec`` (a file in the folder the DICOMDIR does
  not list).
- ``rules: TEXT``: a rule file the validator uses.
- ``standard: {...}``: a variation of the bundled standard (a copy in a temporary
  folder, the derived ``tables.*`` dropped so the JSON is read): ``vrs: {}`` (a build
  without the VR table), ``anomaly: {module, include}`` (an include row in ``module``
  that names a macro the build lacks: a structural defect of the tables of the IODs that
  use it), ``drop_uids: [UID]`` (an
  edition whose UID registry lacks them), ``strength: {module, tag, strength}`` (the
  context group constraint of a module row).
"""

from __future__ import annotations

import gzip
import json
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from conformance.catalogue.examples import ROOT, build, describe

KINDS = ("files", "dicomdir", "rules", "standard")


def run(spec: dict[str, Any]) -> list[Any]:
    """Every finding the example ``spec`` produces (with the bundled standard unless
    it varies it)."""
    from conformance.engine.api import Validator

    with tempfile.TemporaryDirectory(prefix="conformance-example-") as tmp, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        folder = Path(tmp)
        rules = []
        if "rules" in spec:
            (folder / "rules.yaml").write_text(spec["rules"], encoding="utf-8")
            rules.append(str(folder / "rules.yaml"))
        standard = _standard(spec["standard"], folder / "standard") if "standard" in spec \
            else None
        v = Validator(standard, rules)
        if "files" in spec:
            return _batch(v, spec["files"], folder / "batch")
        if "dicomdir" in spec:
            return list(v.validate(_dicomdir(spec["dicomdir"], folder / "fileset")).findings)
        return list(v.validate(build(spec)).findings)


def _batch(v: Any, specs: list[dict[str, Any]], folder: Path) -> list[Any]:
    from conformance.batch.report import validate_folder

    folder.mkdir()
    for i, one in enumerate(specs):
        (folder / f"IM{i:04d}.dcm").write_bytes(_file_bytes(one))
    report = validate_folder(folder, validator=v)
    return [f for r in report.files for f in r.findings] + [f for _, f in report.cross_file]


def _file_bytes(spec: dict[str, Any]) -> bytes:
    data = build({**spec, "file": True})
    assert isinstance(data, bytes)
    return data


def _dicomdir(spec: dict[str, Any], folder: Path) -> Path:
    """The DICOMDIR of a File-set of ``spec["files"]``, damaged as the spec says."""
    from io import BytesIO

    import pydicom
    from pydicom.fileset import FileSet

    fs = FileSet()
    for one in spec["files"]:
        fs.add(pydicom.dcmread(BytesIO(_file_bytes(one))))
    fs.write(folder)
    dicomdir = folder / "DICOMDIR"
    images = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "DICOMDIR")
    if "remove" in spec:
        images[spec["remove"]].unlink()
    if "reuid" in spec:
        ds = pydicom.dcmread(images[spec["reuid"]])
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = f"{ROOT}.999"
        ds.save_as(images[spec["reuid"]])
    if "unlisted" in spec:
        (folder / "EXTRA.dcm").write_bytes(_file_bytes(spec["unlisted"]))
    if "offset" in spec or "record_type" in spec:
        ds = pydicom.dcmread(dicomdir)
        first = ds.DirectoryRecordSequence[0]
        if "offset" in spec:
            first.OffsetOfTheNextDirectoryRecord = spec["offset"]
        if "record_type" in spec:
            first.DirectoryRecordType = spec["record_type"]
        ds.save_as(dicomdir)
    return dicomdir


def _standard(spec: dict[str, Any], folder: Path) -> Path:
    """A copy of the bundled standard with the spec's changes."""
    from conformance.standard import load_standard

    shutil.copytree(load_standard().path, folder)
    for derived in ("tables.marshal", "tables.zip"):
        (folder / derived).unlink(missing_ok=True)
    if "vrs" in spec:
        with _edit(folder, "vrs") as doc:
            doc["vrs"] = spec["vrs"]
    if "drop_uids" in spec:
        with _edit(folder, "dictionary") as doc:
            for uid in spec["drop_uids"]:
                doc["uids"].pop(uid, None)
    if "anomaly" in spec:
        with _edit(folder, "modules") as doc:
            _module(doc, spec["anomaly"]["module"])["attributes"].append(
                {"kind": "include", "condition": None, "text": "Include a missing table",
                 "include": {"kind": "macro", "id": spec["anomaly"]["include"]}})
    if "strength" in spec:
        want = spec["strength"]
        with _edit(folder, "modules") as doc:
            for row in _rows(_module(doc, want["module"])["attributes"]):
                if row.get("tag") == want["tag"]:
                    for group in row.get("context_groups") or ():
                        group["strength"] = want["strength"]
    return folder


def _module(doc: dict[str, Any], module_id: str) -> dict[str, Any]:
    found: dict[str, Any] = doc["modules"][module_id]
    return found


def _rows(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        yield row
        yield from _rows(row.get("children") or [])


@contextmanager
def _edit(folder: Path, name: str) -> Iterator[dict[str, Any]]:
    path = folder / f"{name}.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        doc: dict[str, Any] = json.load(fh)
    yield doc
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        json.dump(doc, fh)


def describe_run(spec: dict[str, Any]) -> list[str]:
    """The spec as short lines for people, the kinds above included."""
    lines: list[str] = []
    if "standard" in spec:
        s = spec["standard"]
        what = {"vrs": "without the VR table (vrs.json has no VRs)",
                "drop_uids": f"whose UID registry lacks {', '.join(s.get('drop_uids', []))}",
                "anomaly": "where module {module} includes the missing macro {include}"
                           .format(**s["anomaly"]) if "anomaly" in s else "",
                "strength": "where ({tag}) of module {module} names an {strength} context group"
                            .format(**s["strength"]) if "strength" in s else ""}
        lines += [f"validated with a standard build {what[k]}" for k in s if k in what]
    if "rules" in spec:
        lines.append("with the rule file: " + " ".join(spec["rules"].split()))
    if "files" in spec:
        lines.append(f"a folder of {len(spec['files'])} files, validated as one batch:")
        for i, one in enumerate(spec["files"]):
            lines.append(f"file {i + 1}: " + "; ".join(describe(one)))
        return lines
    if "dicomdir" in spec:
        d = spec["dicomdir"]
        lines.append(f"a File-set (pydicom FileSet) of {len(d['files'])} files; its DICOMDIR "
                     "validated")
        damage = {"offset": "the first record's Offset of the Next Directory Record = {}",
                  "record_type": "the first record's type = {!r}",
                  "remove": "referenced file {} deleted", "reuid": "file {} given another "
                  "SOP Instance UID", "unlisted": "one more file in the folder, not listed"}
        lines += [damage[k].format(d[k] + 1 if k in ("remove", "reuid") else d[k])
                  for k in damage if k in d]
        return lines
    return lines + describe(spec)
