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
from conformance.report.summary import Summary, tally

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
                   help="YAML rule file, or builtin:NAME for a shipped pack (see 'conformance "
                        "rules list'); repeat the option for several")
    p.add_argument("--format", choices=tuple(FORMATS), default="text")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report here")
    p.add_argument("--fail-on", choices=FAIL_ON, default="error",
                   help="lowest severity that makes the exit status 1 (default: error)")
    p.add_argument("-j", "--jobs", type=_jobs, default="auto", metavar="N",
                   help="validate with N processes (output order is unchanged); default "
                        "'auto': one per usable CPU for 64 inputs or more, else one")
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
    p.add_argument("--baseline", metavar="REPORT.json",
                   help="report only findings not in this earlier --format json report "
                        "(matched by SOP Instance UID or path, code and attribute path)")
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
    scale = p.add_argument_group("scale out (README: Scale out; needs the [dask] extra)")
    scale.add_argument("--dask", metavar="ADDRESS|local:N",
                       help="validate on a Dask cluster: a scheduler address, or local:N "
                            "for a LocalCluster of N worker processes")
    scale.add_argument("--out-dataset", metavar="DIR",
                       help="also write the results as a dataset: files/ and findings/ "
                            "tables, partitioned")
    scale.add_argument("--dataset-format", choices=("parquet", "jsonl"), default="parquet",
                       help="format of the --out-dataset tables (default: parquet)")
    scale.add_argument("--incremental", action="store_true",
                       help="reuse the findings in --out-dataset of files, standard tables "
                            "and rules unchanged since (also resumes an interrupted run)")
    scale.add_argument("--hash", action="store_true",
                       help="record each file's SHA-256; an incremental run then reuses a "
                            "file whose mtime changed but whose content did not")
    # conformance.distributed.partition.DEFAULT_PARTITION_SIZE, not imported here: it
    # would import the distributed package at every start-up (a test ties the two)
    scale.add_argument("--partition-size", type=int, default=256, metavar="N",
                       help="files per task at most (a folder stays together up to N)")
    add_filter_options(p)
    # Without --dask/--out-dataset nothing of this command imports numpy (pyarrow and
    # Dask do): the program may leave the pixel libraries out (conformance.cli).
    p.set_defaults(_pixel_free=lambda a: not (a.dask or a.out_dataset or a.incremental))
    return p


def add_filter_options(p: argparse.ArgumentParser) -> None:
    """--min-severity, --select, --ignore and the SARIF result cap."""
    from conformance.report import GITHUB_SHOWN
    from conformance.report.filters import SEVERITIES

    p.add_argument("--min-severity", choices=SEVERITIES, default=None,
                   help="leave findings below this severity out of the report (default: "
                        "warning for sarif, info otherwise); the exit status still counts "
                        "them")
    p.add_argument("--select", metavar="CODE", action="append", default=[],
                   help="only these codes or patterns (deid-*); repeatable")
    p.add_argument("--ignore", metavar="CODE", action="append", default=[],
                   help="drop these codes or patterns, from the report and the exit status; "
                        "repeatable")
    p.add_argument("--sarif-max-results", type=int, default=GITHUB_SHOWN, metavar="N",
                   help=f"at most N results in a SARIF log, errors first, the last one "
                        f"saying what was left out (default {GITHUB_SHOWN}, what GitHub "
                        f"code scanning shows of a run)")


def _jobs(text: str) -> int | str:
    """``-j`` value: a number of processes or ``auto`` (``run`` refuses fewer than 1).
    The word is ``conformance.engine.many.AUTO``, not imported here: the engine imports
    pydicom, which the program loads only after leaving numpy out (conformance.cli)."""
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: a number of processes or 'auto'") from None


def finding_filter(args: argparse.Namespace, validator: Any) -> Any:
    """The FindingFilter of the options, codes checked against checks and rule ids."""
    from conformance.engine.registry import all_codes
    from conformance.report.filters import FindingFilter, check_codes, min_severity_for

    if args.sarif_max_results < 1:
        raise UsageError(f"--sarif-max-results {args.sarif_max_results}: need at least 1")
    known = set(all_codes())
    for pack in getattr(validator, "rules", ()):
        known.update(r.id for r in getattr(pack, "rules", ()))
    check_codes("--select", args.select, known)
    check_codes("--ignore", args.ignore, known)
    return FindingFilter(tuple(args.select), tuple(args.ignore),
                         min_severity_for(args.format, args.min_severity))


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
    """The rule file paths, checked to exist (the Validator loads and validates them).

    ``builtin:NAME`` names a pack shipped with the package (``conformance rules list``).
    """
    if not paths:
        return ()  # and the rules machinery (YAML, JSON Schema, RE2) stays unimported
    from conformance.rules.builtin import is_builtin
    from conformance.rules.builtin import resolve as builtin_file

    for p in paths:
        if is_builtin(p):
            builtin_file(p)  # RuleFileError naming the closest shipped pack
    missing = [p for p in paths if not is_builtin(p) and not os.path.isfile(p)]
    if missing:
        raise UsageError(f"--rules: no such file: {', '.join(missing)}")
    return tuple(paths)


def quiet_pydicom() -> None:
    """pydicom warns about bad values on stderr; the report already has them as findings."""
    warnings.filterwarnings("ignore", module=r"pydicom(\.|$)")


def _severity_levels(severity: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``--severity CODE=LEVEL`` options as sorted (code, level) pairs."""
    from conformance.catalogue import severity_levels

    try:
        return severity_levels(list(severity))
    except ValueError as exc:
        raise UsageError(f"--{exc}") from None


def make_validator(standard: str | None, rules: Sequence[str], iod: str | None,
                   presumptions: bool = True, show_values: bool = False,
                   severity: Sequence[str] = (), limits: Limits = DEFAULT_LIMITS) -> Any:
    """A Validator for the command-line options (errors are ConformanceErrors)."""
    from conformance.engine.api import Validator

    quiet_pydicom()
    # The Validator loads rule files itself (RuleFileError names file:line:column).
    levels = dict(_severity_levels(severity)) if severity else {}  # (no catalogue read)
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
    """``{"edition", "id", "bundled"}`` of the validator's standard (no local path)."""
    from conformance.engine.standard_access import describe

    return describe(validator.standard)


def _scaled(args: argparse.Namespace) -> bool:
    """Whether the run goes through ``conformance.distributed`` (cluster or dataset)."""
    if not (args.dask or args.out_dataset or args.incremental):
        return False
    if "-" in args.paths:
        raise UsageError("stdin ('-') cannot be combined with --dask/--out-dataset")
    if args.jobs != "auto" and args.jobs > 1:
        raise UsageError("-j is for local processes; with --dask/--out-dataset use "
                         "--dask local:N")
    if args.incremental and not args.out_dataset:
        raise UsageError("--incremental needs --out-dataset DIR (where the last run's "
                         "records are)")
    if args.partition_size < 1:
        raise UsageError(f"--partition-size {args.partition_size}: need at least 1")
    return True


def _digest_dropped(reports: Iterable[Any], batch: Any, job: Any) -> Iterator[Any]:
    for r in reports:
        r.digest = None  # already folded in by the run
        yield r
    batch.suppressed = list(job.suppressed)  # the run applied the packs' policy


def scaled_reports(items: Iterable[Item], args: argparse.Namespace,
                   stack: ExitStack) -> tuple[Iterator[Any], Any]:
    """Reports from a ``conformance.distributed.Run`` (a Dask cluster, started only if
    some file needs validating, or this process), and the Run for its stats."""
    from conformance.distributed import Config, Run
    from conformance.distributed.executors import Cluster, DaskExecutor, LocalExecutor
    from conformance.distributed.partition import by_folder

    executor: Any
    if args.dask:
        cluster = Cluster(args.dask)
        stack.callback(cluster.close)
        executor = DaskExecutor(factory=cluster.client)
    else:
        executor = LocalExecutor()
    config = Config(standard=args.standard, rules=tuple(args.rules), iod=args.iod,
                    content_hash=args.hash, presumptions=not args.no_presumptions,
                    show_values=args.show_values, severity=_severity_levels(args.severity))
    # Items a walk reports without reading (strict inputs) are read again by the worker,
    # which says why they cannot be validated.
    paths = [it.path for it in items if it.path is not None]
    job = Run(by_folder(paths, args.partition_size), config, executor,
              out_dataset=args.out_dataset, dataset_format=args.dataset_format,
              incremental=args.incremental)
    return iter(job), job


def run(args: argparse.Namespace) -> int:
    from conformance.batch.collect import Batch
    from conformance.batch.policy import policy_of

    if args.jobs != "auto" and args.jobs < 1:
        raise UsageError(f"-j {args.jobs}: need at least 1 process")
    scaled = _scaled(args)
    skipped = SkipLog(keep=args.show_skipped)
    options = WalkOptions(tuple(args.include), tuple(args.exclude))
    refuse_input_as_output(args.output, args.paths)
    items, folder = collect(args.paths, options=options, skipped=skipped,
                            strict=args.strict_inputs)
    baseline = None
    if getattr(args, "baseline", None):
        from conformance.report.baseline import Baseline

        baseline = Baseline.load(args.baseline)  # before any work: a bad file fails fast
    items = _not_the_report(items, args.output)
    limits = DEFAULT_LIMITS.with_text(args.limit)
    validator = make_validator(args.standard, args.rules, args.iod,
                               not args.no_presumptions, args.show_values, args.severity,
                               limits)
    # A scaled run applies the policy to its cross-file findings itself.
    batch = Batch(skipped, validator.standard, None if scaled else policy_of(validator))
    job = None
    with ExitStack() as stack:
        if scaled:
            source, job = scaled_reports(items, args, stack)
        else:
            source = reports(items, validator, args, stack)
        stream, tty = _open_output(args.output, stack)
        color = tty and args.format == "text" and not os.environ.get("NO_COLOR")
        enabled = None if folder and not args.no_progress else False
        # A folder is walked while it is validated: the total is not known in advance.
        bar = stack.enter_context(progress("Validating", total=None, enabled=enabled))
        # The run reduces cross-file consistency itself (across workers, reused files
        # too) and yields its cross-file reports; the batch keeps the groups and skips.
        flt = finding_filter(args, validator)
        counted = Summary()  # what the exit status sees: before the severity floor
        if scaled:
            source = _digest_dropped(source, batch, job)
        streamed = batch.stream(_advancing(source, bar))
        if baseline is not None:  # known findings neither shown nor counted
            streamed = baseline.filter(streamed)
        it = flt.shown(tally(flt.counted(streamed), counted))
        writer(args.format)(
            it, standard_info=standard_info(validator), stream=stream, color=color,
            show_info=args.show_info, fail_on=args.fail_on, batch=batch,
            group_by=args.group_by, show_skipped=args.show_skipped,
            max_results=args.sarif_max_results)
        stream.flush()
    if job is not None and args.out_dataset:
        st = job.stats
        print(f"dataset {args.out_dataset}: {st.files} files ({st.validated} validated, "
              f"{st.reused} reused, {st.unreadable} unreadable) in {st.seconds:.1f} s",
              file=sys.stderr)
    return 1 if counted.fails(args.fail_on) else 0
