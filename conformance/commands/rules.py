"""``conformance rules``: lint rule files, print their schema, generate the de-id pack."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from conformance.errors import RuleFileError, UsageError


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("rules", help="YAML custom rules: list, check, schema, generate-deid",
                       description="Work with YAML rule files (site and project policies).")
    rsub = p.add_subparsers(dest="rules_command", metavar="ACTION")
    rsub.required = True
    c = rsub.add_parser("check", help="lint rule files (exit 1 on errors)")
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("--standard", metavar="DIR", help="build folder to resolve keywords/IODs")
    rsub.add_parser("schema", help="print the rule file JSON Schema")
    rsub.add_parser("list", help="list the built-in packs (use them as builtin:NAME)")
    g = rsub.add_parser("generate-deid",
                        help="write the Basic Profile de-identification pack from PS3.15")
    src = g.add_mutually_exclusive_group(required=True)
    src.add_argument("--part15", metavar="PATH", help="PS3.15 DocBook XML (Table E.1-1)")
    src.add_argument("--standard", metavar="DIR", help="build folder with deidentification.json")
    g.add_argument("--out", required=True, metavar="FILE")
    g.add_argument("--option", action="append", default=[], metavar="NAME",
                   help="a PS3.15 E.3 option whose Table E.1-1 column overrides the Basic "
                        "Profile (repeatable): retain-safe-private, retain-uids, "
                        "retain-device-identity, retain-institution-identity, "
                        "retain-patient-characteristics, retain-longitudinal-full-dates, "
                        "retain-longitudinal-modified-dates, clean-descriptors, "
                        "clean-structured-content, clean-graphics")
    return p


def run(args: argparse.Namespace) -> int:
    if args.rules_command == "schema":
        from conformance.rules import schema_text

        sys.stdout.write(schema_text())
        if not schema_text().endswith("\n"):
            sys.stdout.write("\n")
        return 0
    if args.rules_command == "list":
        return _list()
    if args.rules_command == "check":
        return _check(args.files, args.standard)
    if args.rules_command == "generate-deid":
        return _generate(args)
    raise UsageError(f"unknown rules action {args.rules_command!r}")


def _list() -> int:
    from conformance.rules.builtin import PREFIX, describe

    packs = describe()
    if not packs:
        raise UsageError("no built-in rule packs in this installation")
    width = max(len(PREFIX + p.name) for p in packs)
    for p in packs:
        print(f"{PREFIX + p.name:<{width}}  {p.description}")
    return 0


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
        for note in pack.notes:
            print(f"note: {note}", file=sys.stderr)
        print(f"{f}: ok ({len(pack.rules)} rules, {len(pack.disables)} disabled codes, "
              f"{len(pack.files)} files)")
    return 1 if bad else 0


def _generate(args: argparse.Namespace) -> int:
    if args.part15:
        from conformance.commands._needs import need_build_extra

        need_build_extra("conformance rules generate-deid --part15")
    from conformance.compiler.deid_pack import generate

    src = ["--part15", args.part15] if args.part15 else ["--standard", args.standard]
    # the header records a reproducible command: relative paths as given, not this machine's
    shown = [src[0], Path(src[1]).name if Path(src[1]).is_absolute() else src[1]]
    from conformance.compiler.deid_pack import option_key

    try:
        for o in args.option:
            option_key(o)
    except ValueError as exc:
        raise UsageError(f"--option: {exc}") from None
    opts = [x for o in args.option for x in ("--option", o)]
    command = shlex.join(["conformance", "rules", "generate-deid", *shown, *opts,
                          "--out", args.out])
    n = generate(Path(args.out), part15=Path(args.part15) if args.part15 else None,
                 standard=Path(args.standard) if args.standard else None, command=command,
                 options=args.option)
    print(f"{args.out}: {n} rules")
    return 0
