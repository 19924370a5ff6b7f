"""SARIF 2.1.0 (OASIS): one run; a rule per finding code; one result per finding.

Results are spooled to a temporary file while the rules are collected, so a folder of
thousands of files is not held in memory.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import PurePath
from typing import IO, Any
from urllib.parse import quote

from conformance import __version__
from conformance.report.codes import describe, help_uri
from conformance.report.summary import Summary

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


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


def _rule(code: str, source: str) -> dict[str, Any]:
    info = describe(code, source)
    rule: dict[str, Any] = {
        "id": code,
        "shortDescription": {"text": _short(info["title"])},
        "fullDescription": {"text": info["description"]},
        "help": {"text": info["help"]},
        "properties": {"reference": info["reference"]},
    }
    if info["severity"]:
        rule["defaultConfiguration"] = {"level": _LEVEL.get(info["severity"], "note")}
    if info["help_uri"]:
        rule["helpUri"] = info["help_uri"]
    return rule


def _result(f: Any, rule_index: int, uri: str) -> dict[str, Any]:
    location: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": uri}}}
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
    }
    if f.line is not None and f.line > 0:
        # Rule findings may carry the line of their rule file: a related location.
        result["relatedLocations"] = [{"id": 0, "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(f.source.split("#")[0])},
            "region": {"startLine": f.line}}}]
    return result


def write(reports: Iterable[Any], *, standard_info: dict[str, Any], stream: IO[str],
          color: bool = False, **_: Any) -> Summary:
    """Write one SARIF log for ``reports``; returns the totals."""
    summary = Summary()
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    artifacts: list[dict[str, Any]] = []
    seen: set[str] = set()  # SARIF 3.14.15: one artifact object per artifact
    with tempfile.TemporaryFile("w+", encoding="utf-8",
                                errors="backslashreplace") as spool:
        first = True
        for report in reports:
            summary.add(report)
            uri = artifact_uri(report.path)
            if uri not in seen:
                seen.add(uri)
                artifacts.append({"location": {"uri": uri}})
            for f in report.findings:
                if f.code not in index:
                    index[f.code] = len(rules)
                    rules.append(_rule(f.code, f.source))
                spool.write(("" if first else ",\n")
                            + json.dumps(_result(f, index[f.code], uri), sort_keys=True))
                first = False
        spool.seek(0)
        run_head = {
            "tool": {"driver": {"name": "dicom-conformance", "version": __version__,
                                "semanticVersion": __version__,
                                "informationUri": "https://dicom.nema.org/medical/dicom/current/",
                                "rules": rules}},
            "artifacts": artifacts,
            "columnKind": "unicodeCodePoints",
            "invocations": [{"executionSuccessful": True}],
            "properties": {"standard": standard_info, "summary": summary.to_dict()},
        }
        head = json.dumps(run_head, sort_keys=True)
        stream.write('{"$schema": ' + json.dumps(SCHEMA_URI) + ', "version": "2.1.0", '
                     '"runs": [' + head[:-1] + ', "results": [\n')
        while chunk := spool.read(1 << 16):
            stream.write(chunk)
        stream.write("\n]}]}\n")
    return summary
