"""Human-readable report: findings grouped by file, then module; one summary line each."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from conformance.report.safe import printable
from conformance.report.summary import Summary, suppressions

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
    one = Summary()
    one.add(report)
    status = "ok" if report.ok else "FAILED"
    line = f"  {status}: " + one.line().split(": ", 1)[1]
    out.append((line, "green" if report.ok else "red"))
    return out


def write(reports: Iterable[Any], *, standard_info: dict[str, Any], stream: IO[str],
          color: bool = False, show_info: bool = True, **_: Any) -> Summary:
    """Stream ``reports`` to ``stream`` as text; returns the totals."""
    summary = Summary()
    console = None
    if color:
        from rich.console import Console

        console = Console(file=stream, force_terminal=True, highlight=False, soft_wrap=True)
    edition = standard_info.get("edition") or "unknown edition"
    _emit(console, stream, f"standard: {edition}", "dim")
    for report in reports:
        summary.add(report)
        for text, style in _lines(report, show_info):
            _emit(console, stream, text, style)
        stream.flush()
    _emit(console, stream, f"total: {summary.line()}", "bold")
    return summary


def _emit(console: Any, stream: IO[str], text: str, style: str | None) -> None:
    text = printable(text)  # file names and messages come from the input
    if console is None:
        stream.write(text + "\n")
        return
    from rich.markup import escape

    console.print(f"[{style}]{escape(text)}[/]" if style else escape(text))
