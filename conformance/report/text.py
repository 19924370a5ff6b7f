"""Human-readable report: findings grouped by file, then module; one summary line each."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from conformance.report.live import line_flusher
from conformance.report.safe import printable
from conformance.report.summary import Summary, is_unreadable, suppressions

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_NO_MODULE = "(dataset)"


def _location(f: Any) -> str:
    where = f.keyword_path or f.path or ""
    if f.tag and f.path and f.keyword_path:
        tag = f"({f.tag[:4]},{f.tag[4:]})"
        where = f"{tag} {f.keyword_path}"
    return where


def _file_title(report: Any) -> str:
    title = report.path or "<dataset>"
    if report.iod_name or report.iod:
        title += f"  [{report.iod_name or report.iod}]"
    return title


def _lines(report: Any, show_info: bool = True) -> list[tuple[str, str | None]]:
    """The report as (text, style) lines; style None is plain."""
    out: list[tuple[str, str | None]] = [(_file_title(report), "bold")]
    groups: dict[str, list[Any]] = {}
    hidden: dict[str, int] = {}
    for f in report.findings:
        if f.severity == "info" and not show_info:
            hidden[f.code] = hidden.get(f.code, 0) + 1
            continue
        groups.setdefault(f.module or _NO_MODULE, []).append(f)
    for module, findings in groups.items():
        out.append((f"  {module}", "dim" if module == _NO_MODULE else None))
        for f in findings:
            where = _location(f)
            text = f"    {f.severity:<7} {f.code}: " + (f"{where}: " if where else "") + f.message
            out.append((text, _STYLE.get(f.severity)))
    if hidden:
        # Info findings (mostly conditions the dataset cannot decide) would drown the
        # errors; they are counted here and listed with --show-info or in JSON.
        codes = ", ".join(f"{c} x{n}" for c, n in sorted(hidden.items()))
        out.append((f"  {sum(hidden.values())} info findings not listed ({codes}); "
                    "--show-info lists them", "dim"))
    for code, reason, count in suppressions(report):
        out.append((f"  suppressed {code} x{count}: {reason}", "dim"))
    n = getattr(report, "undecidable", 0)
    if n and report.iod:
        out.append((f"  {n} condition{'s' if n != 1 else ''} of this IOD cannot be decided "
                    f"from any dataset; see `conformance explain {report.iod}`", "dim"))
    one = Summary()
    one.add(report)
    status = "ok" if report.ok else "FAILED"
    line = f"  {status}: " + one.line().split(": ", 1)[1]
    out.append((line, "green" if report.ok else "red"))
    return out


GROUP_BY = ("file", "series", "study")


def write(reports: Iterable[Any], *, standard_info: dict[str, Any], stream: IO[str],
          color: bool = False, show_info: bool = True, batch: Any = None,
          group_by: str = "file", show_skipped: bool = False, **_: Any) -> Summary:
    """Stream ``reports`` to ``stream`` as text; returns the totals.

    ``group_by`` ``file`` lists each file's findings as it is validated, then (for more
    than one file) a summary per series; ``series`` and ``study`` list only the summaries
    (one line per finding with its instance count), plus unreadable files and cross-file
    findings. ``batch`` (a ``conformance.batch.collect.Batch`` the reports stream
    through) supplies groups and skipped inputs.
    """
    summary = Summary()
    flush = line_flusher(stream)
    console = None
    if color:
        from rich.console import Console

        console = Console(file=stream, force_terminal=True, highlight=False, soft_wrap=True)
    edition = standard_info.get("edition") or "unknown edition"
    _emit(console, stream, f"standard: {edition}", "dim")
    for report in reports:
        summary.add(report)
        if group_by != "file" and not report.cross_file and not is_unreadable(report):
            continue
        for text, style in _lines(report, show_info):
            _emit(console, stream, text, style)
        flush()
    if batch is not None:
        summary.add_batch(batch)
        for text, style in _group_lines(batch, group_by, show_info, summary.files):
            _emit(console, stream, text, style)
        for s in getattr(batch, "suppressed", ()):
            _emit(console, stream, f"suppressed cross-file {s.code} x{s.count}: {s.reason}",
                  "dim")
        if show_skipped:
            for s in batch.skipped.entries:
                detail = f" ({s.detail})" if s.detail else ""
                _emit(console, stream, f"skipped {s.kind}: {s.path}{detail}", "dim")
    _emit(console, stream, f"total: {summary.line()}", "bold")
    return summary


def _group_lines(batch: Any, group_by: str, show_info: bool, files: int
                 ) -> list[tuple[str, str | None]]:
    groups = batch.groups
    if group_by == "file" and files < 2:
        return []
    out: list[tuple[str, str | None]] = []
    if group_by == "study":
        for study in groups.studies.values():
            out.append((study.title(), "bold"))
            out.extend((f"    {line}", _STYLE.get(line.split()[0])) for line in
                       study.lines(show_info))
            for series in groups.series.values():
                if series.study_instance_uid == study.uid:
                    out.append((f"  {series.title()}", None))
        return out
    if group_by == "file":
        out.append((f"by series ({len(groups.series)} series, {len(groups.studies)} studies)",
                    "bold"))
    for series in groups.series.values():
        out.append((("  " if group_by == "file" else "") + series.title(), "bold"))
        out.extend((f"    {line}", _STYLE.get(line.split()[0])) for line in
                   series.lines(show_info))
    return out


def _emit(console: Any, stream: IO[str], text: str, style: str | None) -> None:
    text = printable(text)  # file names and messages come from the input
    if console is None:
        stream.write(text + "\n")
        return
    from rich.markup import escape

    console.print(f"[{style}]{escape(text)}[/]" if style else escape(text))
