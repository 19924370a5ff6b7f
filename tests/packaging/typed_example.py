"""A user's script: type-checked by ``mypy --strict --disallow-any-expr`` in
tests/packaging/test_typing.py, which fails if any expression here is ``Any``."""

from __future__ import annotations

import sys
from pathlib import Path

import conformance
from conformance import Finding, Report, Validator, validate


def describe(f: Finding) -> str:
    where = f.keyword_path or f.path
    ref = str(f.reference) if f.reference is not None else "-"
    line = f.line if f.line is not None else 0
    return f"{f.severity:7} {f.code} {where} {f.message} [{ref}] {f.source}:{line}"


def check(paths: list[Path]) -> int:
    validator = Validator(rules=["builtin:pn-formatting"], iod=None)
    reports: list[Report] = [validator.validate(p) for p in paths]
    first: Report = validate(paths[0], rules=[], standard=None)
    reports.append(first)
    bad = 0
    for report in reports:
        errors: list[Finding] = report.errors
        bad += len(errors)
        ok: bool = report.ok
        codes: list[str] = report.codes()
        print(report.path, report.iod, report.iod_name, ok, len(codes))
        for f in report.findings:
            print(describe(f))
    print(conformance.__version__)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(check([Path(p) for p in sys.argv[1:]]))
