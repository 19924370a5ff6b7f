"""``conformance rules``: lint rule files, print their schema, generate the de-id pack."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from conformance.errors import RuleFileError, UsageError


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("rules", help="YAML custom rules: check, schema, generate-deid",
                       description="Work with YAML rule files (site and project policies).")
    rsub = p.add_subparsers(dest="rules_command", metavar="ACTION")
    rsub.required = True
    c = rsub.add_parser("check", help="lint rule files (exit 1 on errors)")
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("--standard", metavar="DIR", help="build folder to resolve keywords/IODs")
    rsub.add_parser("schema", help="print the rule file JSON Schema")
    g = rsub.add_parser("generate-deid",
                        help="write the Basic Profile de-identification pack from PS3.15")
    src = g.add_mutually_exclusive_group(required=True)
    src.add_argument("--part15", metavar="PATH", help="PS3.15 DocBook XML (Table E.1-1)")
    src.add_argument("--standard", metavar="DIR", help="build folder with deidentification.json")
    g.add_argument("--out", required=True, metavar="FILE")
    return p


def run(args: argparse.Namespace) -> int:
    if args.rules_command == "schema":
        from conformance.rules import schema_text

        sys.stdout.write(schema_text())
        if not schema_text().endswith("\n"):
            sys.stdout.write("\n")
        return 0
    if args.rules_command == "check":
        return _check(args.files, args.standard)
    if args.rules_command == "generate-deid":
        return _generate(args)
    raise UsageError(f"unknown rules action {args.rules_command!r}")


def _check(files: list[str], standard: str | None) -> int:
    from conformance.rules import load_pack

    bad = 0
    for f in files:
        try:
            pack = load_pack(f, standard)
        except RuleFileError as exc:
            bad += 1
            for problem in getattr(exc, "problems", [exc]):
                print(problem, file=sys.stderr)
            continue
        print(f"{f}: ok ({len(pack.rules)} rules, {len(pack.disables)} disabled codes, "
              f"{len(pack.files)} files)")
    return 1 if bad else 0


def _generate(args: argparse.Namespace) -> int:
    from conformance.compiler.deid_pack import generate

    src = ["--part15", args.part15] if args.part15 else ["--standard", args.standard]
    # the header records a reproducible command: relative paths as given, not this machine's
    shown = [src[0], Path(src[1]).name if Path(src[1]).is_absolute() else src[1]]
    command = shlex.join(["conformance", "rules", "generate-deid", *shown, "--out", args.out])
    n = generate(Path(args.out), part15=Path(args.part15) if args.part15 else None,
                 standard=Path(args.standard) if args.standard else None, command=command)
    print(f"{args.out}: {n} rules")
    return 0
