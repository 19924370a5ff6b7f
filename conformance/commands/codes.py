"""``conformance codes``: every finding code with its severity and title (the catalogue)."""

from __future__ import annotations

import argparse
import json
import sys

from conformance.catalogue import aliases_of, catalogue
from conformance.catalogue.render import listing


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("codes", help="list every finding code (severity, title)",
                       description="The code catalogue; `conformance explain CODE` shows one.")
    p.add_argument("--format", choices=("text", "json"), default="text")
    return p


def run(args: argparse.Namespace) -> int:
    if args.format == "json":
        data = {"codes": [e.to_dict() for e in catalogue().values()],
                "aliases": {k: list(v) for k, v in aliases_of().items()}}
        sys.stdout.write(json.dumps(data, indent=1) + "\n")
    else:
        sys.stdout.write(listing())
    return 0
