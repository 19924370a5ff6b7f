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
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from conformance.commands.output import atomic_text, refuse_input_as_output, same_file
from conformance.commands.workers import ordered_map, worker_count
from conformance.errors import UsageError
from conformance.limits import DEFAULT_LIMITS, Limits
from conformance.progress import progress
from conformance.report import FORMATS, writer
from conformance.report.summary import Summary

STDIN_NAME = "<stdin>"
FAIL_ON = ("error", "warning", "never")


@dataclass(frozen=True, slots=True)
class Item:
    """One input: a file path, or stdin's bytes."""

    path: str
    data: bytes | None = None


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "validate", help="validate DICOM files against the standard",
        description="Validate DICOM files, folders (recursive, hidden files skipped) or "
                    "'-' (stdin) against the standard's IOD tables.")
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
    p.add_argument("--show-info", action="store_true",
                   help="list info findings in text output (they are counted either way)")
    return p


# -- inputs ----------------------------------------------------------------------------
def _hidden(name: str) -> bool:
    return name.startswith(".")


def walk(folder: Path) -> list[str]:
    """Files below ``folder``, sorted by path components; hidden files and folders skipped."""
    found: list[tuple[tuple[str, ...], str]] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not _hidden(d)]
        rel = Path(root).relative_to(folder).parts
        for name in files:
            if not _hidden(name):
                found.append(((*rel, name), os.path.join(root, name)))
    found.sort()
    return [p for _, p in found]


def collect(paths: Sequence[str], stdin: IO[bytes] | None = None) -> tuple[list[Item], bool]:
    """The inputs in command-line order (folders expanded); and whether a folder was given.

    Every path is checked before anything is validated, so a typo fails fast.
    """
    items: list[Item] = []
    folder = False
    missing = [p for p in paths if p != "-" and not os.path.exists(p)]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    if list(paths).count("-") > 1:
        raise UsageError("'-' (stdin) can be given only once")
    for p in paths:
        if p == "-":
            src = stdin if stdin is not None else sys.stdin.buffer
            items.append(Item(STDIN_NAME, src.read()))
        elif os.path.isdir(p):
            folder = True
            items.extend(Item(f) for f in walk(Path(p)))
        else:
            items.append(Item(p))
    return items, folder


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
                   limits: Limits = DEFAULT_LIMITS) -> Any:
    """A Validator for the command-line options (errors are ConformanceErrors)."""
    from conformance.engine.api import Validator

    quiet_pydicom()
    # The Validator loads rule files itself (RuleFileError names file:line:column).
    return Validator(standard, check_rule_files(rules), iod, limits=limits)


_WORKER: Any = None


def _init_worker(standard: str | None, rules: Sequence[str], iod: str | None,
                 limits: Limits = DEFAULT_LIMITS) -> None:
    global _WORKER
    _WORKER = make_validator(standard, rules, iod, limits)


def _validate_item(item: Item) -> Any:
    assert _WORKER is not None, "worker not initialised"
    return validate_item(_WORKER, item)


def validate_item(validator: Any, item: Item) -> Any:
    """The Report of one input."""
    if item.data is not None:
        return validator.validate(item.data, path=item.path)
    return validator.validate(item.path)


def reports(items: Sequence[Item], validator: Any, args: argparse.Namespace,
            stack: ExitStack) -> Iterator[Any]:
    """Reports in input order, from this process (``-j 1``) or a process pool of at most
    one worker per input and per CPU; a worker that dies costs its input only."""
    jobs = worker_count(args.jobs, len(items))
    if jobs <= 1:
        return (validate_item(validator, it) for it in items)

    def died(item: Item, exc: BaseException) -> Any:
        return validator.failed(item.path, "the worker process validating this input "
                                f"died ({exc}; out of memory or a crash in a decoder): "
                                "it was not checked")

    return ordered_map(_validate_item, items, jobs, on_death=died, initializer=_init_worker,
                       initargs=(args.standard, tuple(args.rules), args.iod,
                                 validator.limits))


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


def standard_info(validator: Any) -> dict[str, Any]:
    """``{"edition", "path"}`` of the validator's standard."""
    std = validator.standard
    path = getattr(std, "path", None)
    return {"edition": getattr(std, "edition", None),
            "path": str(path) if path is not None else None}


def run(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise UsageError(f"-j {args.jobs}: need at least 1 process")
    refuse_input_as_output(args.output, args.paths)
    items, folder = collect(args.paths)
    if args.output and args.output != "-":
        # the run's own report (inside a validated folder) is not an input
        items = [it for it in items if it.data is not None
                 or not same_file(it.path, args.output)]
    limits = DEFAULT_LIMITS.with_text(args.limit)
    validator = make_validator(args.standard, args.rules, args.iod, limits)
    with ExitStack() as stack:
        stream, tty = _open_output(args.output, stack)
        color = tty and args.format == "text" and not os.environ.get("NO_COLOR")
        enabled = None if folder and not args.no_progress else False
        bar = stack.enter_context(progress("Validating", total=len(items), enabled=enabled))
        it = _advancing(reports(items, validator, args, stack), bar)
        summary: Summary = writer(args.format)(
            it, standard_info=standard_info(validator), stream=stream, color=color,
            show_info=args.show_info,
            fail_on=args.fail_on)
        stream.flush()
    return 1 if summary.fails(args.fail_on) else 0
