"""SARIF 2.1.0 (OASIS): one run; a rule per finding code; one result per finding.

Written for GitHub code scanning as well as the OASIS schema:

- every result has ``partialFingerprints`` that stay the same across runs (SHA-256 of the
  SOP Instance UID, or the file's URI when it has none, the code and the attribute path),
  so GitHub de-duplicates alerts instead of opening new ones on each upload;
- every result has a ``region``: DICOM files are binary, GitHub places an alert on a
  line, so ``startLine: 1`` stands for the file; the attribute path is in the result's
  ``logicalLocations``;
- at most ``max_results`` results (GitHub keeps the top 5,000 of a run by severity and
  rejects runs over 25,000): errors first, then warnings, then notes, each in input
  order; when results are left out, the last result says how many, by level.

Results are spooled to temporary files (one per level) while the rules are collected, so
a folder of thousands of files is not held in memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import PurePath
from typing import IO, Any
from urllib.parse import quote

from conformance import __version__
from conformance.report import GITHUB_SHOWN
from conformance.report.codes import describe, help_uri
from conformance.report.summary import Summary

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
LEVEL_ORDER = ("error", "warning", "note")
CAPPED_RULE = "sarif-results-capped"
FINGERPRINT_KEY = "dicomFindingHash/v1"
# GitHub rejects a run of more than 25,000 results.
GITHUB_MAX_RESULTS = 25_000
FILE_REGION = {"startLine": 1}


def artifact_uri(path: str | None) -> str:
    """A relative or absolute file path as a URI reference (RFC 3986, SARIF 3.10)."""
    if not path:
        return "dataset"
    # surrogateescape: a file name that is not UTF-8 keeps its bytes (%FF), it does not
    # stop the report
    if path == "-" or path.startswith("<"):
        return quote(path.strip("<>"), safe="", errors="surrogateescape")
    p = PurePath(path)
    if p.is_absolute():
        return "file://" + quote(p.as_posix(), safe="/", errors="surrogateescape")
    return quote(p.as_posix().replace(os.sep, "/"), safe="/", errors="surrogateescape")


def _short(text: str) -> str:
    first = text.split(". ", 1)[0].strip()
    return first if first.endswith(".") else first + "."


def rule_name(code: str) -> str:
    """``type1-missing`` -> ``Type1Missing`` (SARIF 3.49.7: a short, readable name)."""
    return "".join(p[:1].upper() + p[1:] for p in code.replace("_", "-").split("-") if p)


def _rule(code: str, source: str, severity: str) -> dict[str, Any]:
    info = describe(code, source)
    rule: dict[str, Any] = {
        "id": code,
        "name": rule_name(code),
        "shortDescription": {"text": _short(info["title"])},
        "fullDescription": {"text": info["description"]},
        "help": {"text": info["help"]},
        "defaultConfiguration": {"level": _LEVEL.get(severity, "note")},
        "properties": {"reference": info["reference"],
                       "tags": ["dicom", "standard" if source == "standard" else "site-rule"]},
    }
    if info["severity"]:
        rule["defaultConfiguration"] = {"level": _LEVEL.get(info["severity"], "note")}
    if info["help_uri"]:
        rule["helpUri"] = info["help_uri"]
    return rule


def fingerprint(report: Any, f: Any, uri: str) -> str:
    """SHA-256 of (SOP Instance UID, or the file's URI without one; code; attribute path)."""
    ident = getattr(report, "identity", None)
    instance = getattr(ident, "sop_instance_uid", None) or uri
    where = f.path or f.keyword_path or f.module or ""
    return hashlib.sha256(f"{instance}\0{f.code}\0{where}".encode()).hexdigest()


def _result(f: Any, rule_index: int, uri: str, print_: str) -> dict[str, Any]:
    location: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": uri},
                                                     "region": dict(FILE_REGION)}}
    logical: list[dict[str, Any]] = []
    if f.path:
        logical.append({"name": f.keyword or f.path, "fullyQualifiedName": f.path,
                        "decoratedName": f.keyword_path or f.path, "kind": "element"})
    elif f.module:
        logical.append({"name": f.module, "fullyQualifiedName": f.module, "kind": "module"})
    if logical:
        location["logicalLocations"] = logical
    props: dict[str, Any] = {"severity": f.severity, "source": f.source}
    if f.module:
        props["module"] = f.module
    if f.iod:
        props["iod"] = f.iod
    ref = f.reference
    if ref is not None:
        props["reference"] = str(ref)
        url = help_uri(ref.part, ref.section, ref.table, ref.edition)
        if url:
            props["helpUri"] = url
    result: dict[str, Any] = {
        "ruleId": f.code, "ruleIndex": rule_index, "level": _LEVEL.get(f.severity, "note"),
        "message": {"text": f.message}, "locations": [location], "properties": props,
        # primaryLocationLineHash too: GitHub's upload would otherwise hash "lines" of
        # the binary file itself
        "partialFingerprints": {FINGERPRINT_KEY: print_, "primaryLocationLineHash": print_},
    }
    if f.line is not None and f.line > 0:
        # Rule findings may carry the line of their rule file: a related location.
        result["relatedLocations"] = [{"id": 0, "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(f.source.split("#")[0])},
            "region": {"startLine": f.line}}}]
    return result


def _capped_result(omitted: dict[str, int], cap: int, rule_index: int, uri: str
                   ) -> dict[str, Any]:
    counts = ", ".join(f"{n} {lvl}" for lvl, n in omitted.items() if n)
    text = (f"{sum(omitted.values())} more results not included ({counts}): this log keeps "
            f"at most {cap} results, errors first. Raise --min-severity, or use --format "
            f"json for every finding.")
    digest = hashlib.sha256(f"{CAPPED_RULE}\0{uri}".encode()).hexdigest()
    return {"ruleId": CAPPED_RULE, "ruleIndex": rule_index, "level": "note",
            "message": {"text": text},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri},
                                                "region": dict(FILE_REGION)}}],
            "partialFingerprints": {FINGERPRINT_KEY: digest, "primaryLocationLineHash": digest},
            "properties": {"omitted": dict(omitted)}}


def _capped_rule() -> dict[str, Any]:
    text = ("The log holds fewer results than the validation found: the run was capped "
            "(GitHub code scanning shows at most 5,000 results of a run and rejects more "
            "than 25,000).")
    return {"id": CAPPED_RULE, "name": rule_name(CAPPED_RULE),
            "shortDescription": {"text": "Results were left out of this log."},
            "fullDescription": {"text": text}, "help": {"text": text},
            "defaultConfiguration": {"level": "note"},
            "properties": {"reference": "", "tags": ["dicom", "report"]}}


def write(reports: Iterable[Any], *, standard_info: dict[str, Any], stream: IO[str],
          color: bool = False, max_results: int = GITHUB_SHOWN, **_: Any) -> Summary:
    """Write one SARIF log for ``reports`` (at most ``max_results`` results, the last of
    them a summary of what was left out); returns the totals."""
    if max_results < 1:
        raise ValueError("max_results must be at least 1")
    summary = Summary()
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    artifacts: list[dict[str, Any]] = []
    seen: set[str] = set()  # SARIF 3.14.15: one artifact object per artifact
    counts = dict.fromkeys(LEVEL_ORDER, 0)
    first_uri: dict[str, str] = {}
    with ExitStack() as stack:
        spools = {lvl: stack.enter_context(tempfile.TemporaryFile(
                      "w+", encoding="utf-8", errors="backslashreplace"))
                  for lvl in LEVEL_ORDER}
        for report in reports:
            summary.add(report)
            uri = artifact_uri(report.path)
            if uri not in seen:
                seen.add(uri)
                artifacts.append({"location": {"uri": uri}})
            for f in report.findings:
                if f.code not in index:
                    index[f.code] = len(rules)
                    rules.append(_rule(f.code, f.source, f.severity))
                level = _LEVEL.get(f.severity, "note")
                res = _result(f, index[f.code], uri, fingerprint(report, f, uri))
                spools[level].write(json.dumps(res, sort_keys=True) + "\n")
                counts[level] += 1
                first_uri.setdefault(level, uri)
        total = sum(counts.values())
        room = max_results if total <= max_results else max_results - 1
        keep = {}
        for lvl in LEVEL_ORDER:
            keep[lvl] = min(counts[lvl], room)
            room -= keep[lvl]
        omitted = {lvl: counts[lvl] - keep[lvl] for lvl in LEVEL_ORDER}
        if any(omitted.values()):
            index[CAPPED_RULE] = len(rules)
            rules.append(_capped_rule())
        run_head = {
            "tool": {"driver": {"name": "dicom-conformance", "version": __version__,
                                "semanticVersion": __version__,
                                "informationUri": "https://dicom.nema.org/medical/dicom/current/",
                                "rules": rules}},
            "artifacts": artifacts,
            "columnKind": "unicodeCodePoints",
            "invocations": [{"executionSuccessful": True}],
            "properties": {"standard": standard_info, "summary": summary.to_dict(),
                           "results": {"found": total, "written": min(total, max_results),
                                       "omitted": omitted}},
        }
        head = json.dumps(run_head, sort_keys=True)
        stream.write('{"$schema": ' + json.dumps(SCHEMA_URI) + ', "version": "2.1.0", '
                     '"runs": [' + head[:-1] + ', "results": [\n')
        sep = ""
        for lvl in LEVEL_ORDER:
            spool = spools[lvl]
            spool.seek(0)
            for _n, line in zip(range(keep[lvl]), spool, strict=False):
                stream.write(sep + line.rstrip("\n"))
                sep = ",\n"
        if any(omitted.values()):
            lvl = next(lv for lv in LEVEL_ORDER if omitted[lv])
            stream.write(sep + json.dumps(_capped_result(
                omitted, max_results, index[CAPPED_RULE], first_uri[lvl]), sort_keys=True))
        stream.write("\n]}]}\n")
    return summary
