"""``conformance validate PATH...``: validate files, folders or stdin; write a report.

Exit status: 0 when no finding is at or above ``--fail-on``, 1 when one is, 2 for usage
errors (printed as ``error: ...`` by the CLI).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from typing import IO, Any

from conformance.commands.output import atomic_text, refuse_input_as_output, same_file
from conformance.errors import UsageError
from conformance.inputs.items import Item, expand
from conformance.inputs.walk import DEFAULT_WALK, SkipLog, WalkOptions
from conformance.limits import DEFAULT_LIMITS, Limits
from conformance.progress import progress
from conformance.report import FORMATS, writer
from conformance.report.summary import Summary

STDIN_NAME = "<stdin>"
FAIL_ON = ("error", "warning", "never")
GROUP_BY = ("file", "series", "study")

__all__ = ["Item", "collect", "run"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "validate", help="validate DICOM files against the standard",
        description="Validate DICOM files, folders (recursive, hidden files skipped; files "
                    "are recognised as DICOM by their content, anything else is skipped and "
                    "counted) or '-' (stdin) against the standard's IOD tables.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="file, folder, or - for stdin")
    p.add_argument("--standard", metavar="DIR", help="build folder (default: bundled)")
    p.add_argument("--rules", metavar="FILE", action="append", default=[],
                   help="YAML rule file (repeat the option for several)")
    p.add_argument("--format", choices=tuple(FORMATS), default="text")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report here")
    p.add_argument("--fail-on", choices=FAIL_ON, default="error",
                   help="lowest severity that makes the exit status 1 (default: error)")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                   help="validate with N processes (output order is unchanged)")
    p.add_argument("--iod", metavar="NAME",
                   help="validate against this IOD (name, id or SOP Class UID)")
    p.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE",
                   help="change a resource limit (repeatable): "
                        + ", ".join(f"{n}={getattr(DEFAULT_LIMITS, n)}"
                                    for n in Limits.names())
                        + " (README: Robustness)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--severity", metavar="CODE=LEVEL", action="append", default=[],
                   help="report CODE at LEVEL (error|warning|info); a former code name "
                        "sets all its codes (repeatable)")
    p.add_argument("--show-info", action="store_true",
                   help="list info findings in text output (they are counted either way)")
    p.add_argument("--no-presumptions", action="store_true",
                   help="presumptions of the facts table (no species attribute: not an "
                        "animal) decide nothing; their conditions stay undecided")
    p.add_argument("--include", metavar="GLOB", action="append", default=[],
                   help="in folders, only files whose name or relative path matches "
                        "(repeatable)")
    p.add_argument("--exclude", metavar="GLOB", action="append", default=[],
                   help="in folders, leave out files and folders whose name or relative path "
                        "matches (repeatable)")
    p.add_argument("--show-skipped", action="store_true",
                   help="list what folder walks skipped (not DICOM, loops, FIFOs, ...)")
    p.add_argument("--strict-inputs", action="store_true",
                   help="what a folder walk skips (except --include/--exclude and hidden "
                        "names) is an 'unreadable' error")
    p.add_argument("--show-values", action="store_true",
                   help="show identifying values (PS3.15 E.1-1) in messages; masked by default")
    p.add_argument("--group-by", choices=GROUP_BY, default="file",
                   help="text layout: each file, or one summary per series or study")
    return p


# -- inputs ----------------------------------------------------------------------------
def collect(paths: Sequence[str], stdin: IO[bytes] | None = None,
            options: WalkOptions = DEFAULT_WALK, skipped: SkipLog | None = None,
            strict: bool = False) -> tuple[Iterator[Item], bool]:
    """The inputs in command-line order, folders walked lazily; and whether a folder was
    given. Every path is checked to exist before anything is validated, so a typo fails
    fast."""
    missing = [p for p in paths if p != "-" and not os.path.lexists(p)]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    if list(paths).count("-") > 1:
        raise UsageError("'-' (stdin) can be given only once")
    folder = any(p != "-" and os.path.isdir(p) for p in paths)

    def items() -> Iterator[Item]:
        for p in paths:
            if p == "-":
                src = stdin if stdin is not None else sys.stdin.buffer
                yield Item(STDIN_NAME, src.read())
            else:
                yield from expand((p,), options, skipped, strict)

    return items(), folder


# -- validators ------------------------------------------------------------------------
def check_rule_files(paths: Sequence[str]) -> tuple[str, ...]:
    """The rule file paths, checked to exist (the Validator loads and validates them)."""
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        raise UsageError(f"--rules: no such file: {', '.join(missing)}")
    return tuple(paths)


def quiet_pydicom() -> None:
    """pydicom warns about bad values on stderr; the report already has them as findings."""
    warnings.filterwarnings("ignore", module=r"pydicom(\.|$)")


def make_validator(standard: str | None, rules: Sequence[str], iod: str | None,
                   presumptions: bool = True, show_values: bool = False,
                   severity: Sequence[str] = (), limits: Limits = DEFAULT_LIMITS) -> Any:
    """A Validator for the command-line options (errors are ConformanceErrors)."""
    from conformance.engine.api import Validator

    quiet_pydicom()
    # The Validator loads rule files itself (RuleFileError names file:line:column).
    from conformance.catalogue import severity_overrides

    try:
        levels = severity_overrides(list(severity))
    except ValueError as exc:
        raise UsageError(f"--{exc}") from None
    return Validator(standard, check_rule_files(rules), iod, presumptions=presumptions,
                     show_values=show_values, options={"severity": levels} if levels else None,
                     limits=limits)


def validate_item(validator: Any, item: Item) -> Any:
    """The Report of one input."""
    return validator.validate_item(item)


def reports(items: Iterable[Item], validator: Any, args: argparse.Namespace,
            stack: ExitStack) -> Iterator[Any]:
    """Reports in input order, from this process (``-j 1``) or a process pool with a
    bounded number of inputs in flight, at most one worker per input and per CPU; a
    worker that dies costs its input only (``conformance.engine.workers``)."""
    from conformance.engine.many import run_items

    return run_items(validator, items, args.jobs)


def _advancing(it: Iterable[Any], bar: Any) -> Iterator[Any]:
    for r in it:
        yield r
        bar.advance()


# -- output ----------------------------------------------------------------------------
def _open_output(path: str | None, stack: ExitStack) -> tuple[IO[str], bool]:
    """The report stream and whether it is a terminal; a file is written whole or not at
    all (``atomic_text``)."""
    if path is None or path == "-":
        out = sys.stdout
        reconfigure = getattr(out, "reconfigure", None)
        if reconfigure is not None:
            # File names may hold undecodable bytes (surrogate escapes).
            reconfigure(errors="backslashreplace")
        isatty = getattr(out, "isatty", None)
        return out, bool(isatty and isatty())
    if os.path.isdir(path):
        raise UsageError(f"--output {path}: is a folder")
    return stack.enter_context(atomic_text(path)), False


def _not_the_report(items: Iterator[Item], output: str | None) -> Iterator[Item]:
    """``items`` without the run's own report (``-o`` inside a validated folder)."""
    if output is None or output == "-":
        yield from items
        return
    name = os.path.basename(output)
    for it in items:
        if (it.data is None and getattr(it, "obj", None) is None
                and os.path.basename(it.path) == name and same_file(it.path, output)):
            continue
        yield it


def standard_info(validator: Any) -> dict[str, Any]:
    """``{"edition", "path"}`` of the validator's standard."""
    std = validator.standard
    path = getattr(std, "path", None)
    return {"edition": getattr(std, "edition", None),
            "path": str(path) if path is not None else None}


def run(args: argparse.Namespace) -> int:
    from conformance.batch.collect import Batch

    if args.jobs < 1:
        raise UsageError(f"-j {args.jobs}: need at least 1 process")
    skipped = SkipLog(keep=args.show_skipped)
    options = WalkOptions(tuple(args.include), tuple(args.exclude))
    refuse_input_as_output(args.output, args.paths)
    items, folder = collect(args.paths, options=options, skipped=skipped,
                            strict=args.strict_inputs)
    items = _not_the_report(items, args.output)
    limits = DEFAULT_LIMITS.with_text(args.limit)
    validator = make_validator(args.standard, args.rules, args.iod,
                               not args.no_presumptions, args.show_values, args.severity,
                               limits)
    batch = Batch(skipped, validator.standard)
    with ExitStack() as stack:
        stream, tty = _open_output(args.output, stack)
        color = tty and args.format == "text" and not os.environ.get("NO_COLOR")
        enabled = None if folder and not args.no_progress else False
        # A folder is walked while it is validated: the total is not known in advance.
        bar = stack.enter_context(progress("Validating", total=None, enabled=enabled))
        it = batch.stream(_advancing(reports(items, validator, args, stack), bar))
        summary: Summary = writer(args.format)(
            it, standard_info=standard_info(validator), stream=stream, color=color,
            show_info=args.show_info, fail_on=args.fail_on, batch=batch,
            group_by=args.group_by, show_skipped=args.show_skipped)
        stream.flush()
    return 1 if summary.fails(args.fail_on) else 0
