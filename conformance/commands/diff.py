"""``conformance diff A B``: what changed between two builds of the standard."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "diff", help="compare two builds of the standard",
        description="Added, removed and changed IODs, modules, macros, attributes (type, "
                    "condition), dictionary elements, UIDs and SOP classes from A to B.")
    p.add_argument("a", metavar="A", type=Path, help="old build folder")
    p.add_argument("b", metavar="B", type=Path, help="new build folder")
    p.add_argument("--format", choices=("text", "json"), default="text")
    return p


def run(args: argparse.Namespace) -> int:
    from conformance.compiler.diff import diff_standards, format_text, summary
    from conformance.standard import load_standard

    diff = diff_standards(load_standard(args.a), load_standard(args.b))
    if args.format == "json":
        diff["summary"] = summary(diff)
        sys.stdout.write(json.dumps(diff, indent=1, sort_keys=True) + "\n")
    else:
        sys.stdout.write(format_text(diff))
    return 0
