"""The two tables of a results dataset: one row per finding, one row per file.

``FINDINGS`` and ``FILES`` are the schema (column, type, meaning); the Parquet schema,
the JSONL keys and the README's table all come from them. Rows are plain dicts, so the
tables can be read back into ``Report`` objects (incremental runs reuse them).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from conformance.distributed.consistency import digest_from_json, digest_to_json
from conformance.distributed.task import IDENTITY, FileResult
from conformance.engine.digest import Identity
from conformance.engine.finding import Finding, Reference
from conformance.engine.result import Report, Suppression

FORMAT_VERSION = 1

# (column, type, meaning); types: string, int32, int64, float64, bool (all nullable).
FINDINGS: tuple[tuple[str, str, str], ...] = (
    ("file", "string", "path of the file as given to the run"),
    ("seq", "int32", "position of the finding in the file's report (0, 1, ...)"),
    ("sop_instance_uid", "string", "SOP Instance UID (0008,0018) of the file, as in files"),
    ("series_instance_uid", "string", "Series Instance UID (0020,000E), as in files"),
    ("study_instance_uid", "string", "Study Instance UID (0020,000D), as in files"),
    ("code", "string", "stable finding code, or the rule id of a YAML rule"),
    ("severity", "string", "error, warning or info"),
    ("message", "string", "the finding's message"),
    ("tag", "string", "tag as 8 hex digits (00100020), when about one element"),
    ("keyword", "string", "the element's keyword"),
    ("path", "string", "path through sequences: (0040,0275)[0].(0040,0007)"),
    ("keyword_path", "string", "the same path in keywords"),
    ("module", "string", "module id (PS3.3), when known"),
    ("iod", "string", "IOD id the file was checked against"),
    ("reference_edition", "string", "edition of the standard cited"),
    ("reference_part", "int32", "part of the standard cited (3, 5, 6, ...)"),
    ("reference_section", "string", "section cited"),
    ("reference_table", "string", "table cited"),
    ("source", "string", "standard, or rules/FILE.yaml#rule-id"),
    ("line", "int32", "line of the rule in its file (rule findings)"),
)

FILES: tuple[tuple[str, str, str], ...] = (
    ("file", "string", "path of the file as given to the run"),
    ("status", "string", "ok, warning, error (worst finding) or unreadable"),
    ("errors", "int32", "number of error findings"),
    ("warnings", "int32", "number of warning findings"),
    ("infos", "int32", "number of info findings"),
    ("sop_class_uid", "string", "SOP Class UID used to pick the IOD"),
    ("iod", "string", "IOD id (null when none was found)"),
    ("iod_name", "string", "IOD name"),
    ("sop_instance_uid", "string", "SOP Instance UID (0008,0018); a pseudonym "
                                   "(<UI hash>) unless --show-values"),
    ("series_instance_uid", "string", "Series Instance UID (0020,000E); likewise"),
    ("study_instance_uid", "string", "Study Instance UID (0020,000D); likewise"),
    ("patient_id", "string", "Patient ID (0010,0020), masked unless --show-values"),
    ("modality", "string", "Modality (0008,0060)"),
    ("size", "int64", "file size in bytes when validated"),
    ("mtime_ns", "int64", "modification time (ns since the epoch) when validated"),
    ("sha256", "string", "content hash (only with --hash)"),
    ("seconds", "float64", "time spent validating the file"),
    ("worker", "string", "the Dask worker (or host:pid) that validated it"),
    ("standard_edition", "string", "edition of the standard used"),
    ("standard_id", "string", "content id of the standard (sha256 over its sources' checksums)"),
    ("standard_bundled", "bool", "whether the standard used is the bundled one"),
    ("standard_fingerprint", "string", "engine version, edition, dictionary, VRs, SOP Classes"),
    ("iod_fingerprint", "string", "the IOD's tables (modules, macros it reaches)"),
    ("rules_fingerprint", "string", "the rules that apply to this file, and the disables"),
    ("suppressed", "string", "JSON list of {code, reason, count} hidden by disable:"),
    ("undecidable", "int32", "conditions of the IOD no dataset can decide (counted)"),
    ("digest", "string", "cross-file consistency digest (JSON: value hashes per entity, "
                         "identifying values masked); null without the consistency unit"),
    ("reused", "bool", "true when an incremental run reused the findings of an earlier run"),
    ("run_id", "string", "the run that validated the file (UTC time stamp)"),
)

UNREADABLE = "unreadable"


def status(report: Report) -> str:
    """The file's status: unreadable, else the worst severity found, else ok."""
    codes = report.codes()
    if UNREADABLE in codes:
        return UNREADABLE
    for sev in ("error", "warning"):
        if any(f.severity == sev for f in report.findings):
            return sev
    return "ok"


def finding_rows(result: FileResult) -> Iterator[dict[str, Any]]:
    if result.rows is not None:  # reused: the earlier run's rows, in their order
        return iter(sorted(result.rows[1], key=lambda r: r["seq"]))
    return rows_of(result.path, result.report.findings, result.uids)


def rows_of(path: str, findings: list[Finding], uids: dict[str, str | None]
            ) -> Iterator[dict[str, Any]]:
    """Finding rows of one file (also the cross_file table's rows, without UIDs)."""
    for i, f in enumerate(findings):
        ref = f.reference
        yield {
            "file": path, "seq": i,
            "sop_instance_uid": uids.get("sop_instance_uid"),
            "series_instance_uid": uids.get("series_instance_uid"),
            "study_instance_uid": uids.get("study_instance_uid"),
            "code": f.code, "severity": f.severity, "message": f.message, "tag": f.tag,
            "keyword": f.keyword, "path": f.path, "keyword_path": f.keyword_path,
            "module": f.module, "iod": f.iod,
            "reference_edition": ref.edition if ref else None,
            "reference_part": ref.part if ref else None,
            "reference_section": ref.section if ref else None,
            "reference_table": ref.table if ref else None,
            "source": f.source, "line": f.line,
        }


def file_row(result: FileResult, run_id: str) -> dict[str, Any]:
    if result.rows is not None:  # reused: the earlier row, marked reused
        return {**result.rows[0], "reused": True}
    r = result.report
    uids = result.uids
    return {
        "file": result.path, "status": status(r), "errors": len(r.errors),
        "warnings": len(r.warnings), "infos": len(r.infos),
        "sop_class_uid": r.sop_class_uid, "iod": r.iod, "iod_name": r.iod_name,
        "sop_instance_uid": uids.get("sop_instance_uid"),
        "series_instance_uid": uids.get("series_instance_uid"),
        "study_instance_uid": uids.get("study_instance_uid"),
        "patient_id": uids.get("patient_id"),
        "modality": result.modality, "size": result.size, "mtime_ns": result.mtime_ns,
        "sha256": result.sha256, "seconds": result.seconds, "worker": result.worker,
        "standard_edition": r.standard.get("edition"), "standard_id": r.standard.get("id"),
        "standard_bundled": r.standard.get("bundled"),
        "standard_fingerprint": result.standard_fp, "iod_fingerprint": result.iod_fp,
        "rules_fingerprint": result.rules_fp,
        "suppressed": json.dumps([s.to_dict() for s in r.suppressed], sort_keys=True),
        "undecidable": r.undecidable,
        "digest": digest_to_json(result.digest),
        "reused": result.reused, "run_id": result.run_id or run_id,
    }


def finding_from_row(row: dict[str, Any]) -> Finding:
    ref = None
    if any(row.get(k) is not None for k in ("reference_edition", "reference_part",
                                              "reference_section", "reference_table")):
        ref = Reference(row.get("reference_edition"), row.get("reference_part"),
                        row.get("reference_section"), row.get("reference_table"))
    return Finding(code=row["code"], severity=row["severity"], message=row["message"],
                   tag=row.get("tag"), keyword=row.get("keyword"), path=row.get("path") or "",
                   keyword_path=row.get("keyword_path") or "", module=row.get("module"),
                   iod=row.get("iod"), reference=ref, source=row.get("source") or "standard",
                   line=row.get("line"))


def result_from_rows(file: dict[str, Any], findings: list[dict[str, Any]], *,
                     digest: bool = True) -> FileResult:
    """A FileResult rebuilt from an earlier run's rows (findings in their ``seq`` order);
    ``digest=False`` leaves the digest unparsed (it stays in the file row)."""
    found = [finding_from_row(r) for r in sorted(findings, key=lambda r: r["seq"])]
    suppressed = [Suppression(s["code"], s["reason"], s["count"])
                  for s in json.loads(file.get("suppressed") or "[]")]
    uids = {k: file.get(k) for k in IDENTITY}
    unread = file.get("status") == UNREADABLE
    report = Report(path=file["file"], sop_class_uid=file.get("sop_class_uid"),
                    iod=file.get("iod"), iod_name=file.get("iod_name"), findings=found,
                    standard={"edition": file.get("standard_edition"),
                              "id": file.get("standard_id"),
                              "bundled": file.get("standard_bundled")},
                    suppressed=suppressed, undecidable=file.get("undecidable") or 0,
                    identity=None if unread else Identity(**uids, modality=file.get("modality")))
    return FileResult(
        path=file["file"], report=report, size=file.get("size"), mtime_ns=file.get("mtime_ns"),
        sha256=file.get("sha256"), seconds=file.get("seconds") or 0.0,
        worker=file.get("worker") or "", uids=uids, modality=file.get("modality"),
        standard_fp=file.get("standard_fingerprint") or "",
        iod_fp=file.get("iod_fingerprint") or "", rules_fp=file.get("rules_fingerprint") or "",
        reused=True, run_id=file.get("run_id"),
        digest=digest_from_json(file.get("digest")) if digest else None,
        rows=(file, findings))
