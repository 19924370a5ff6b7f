"""HTML report: one self-contained file (styles and script inline, nothing fetched).

Overview first (files, findings by severity, findings by code with what each code means
and where the standard says it, studies and series with their counts), then the
drill-down: study -> series -> file -> findings, each with its reference to the standard.
Filters by severity and by code hide what does not match; without JavaScript everything
is shown. Reports are kept in a compact form until the end (the overview comes first),
so the page is meant for a study or a batch a person can look at, not millions of files.
No patient attribute is shown: files are grouped by Study and Series Instance UID.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from typing import IO, Any

from conformance.report.codes import describe, help_uri
from conformance.report.summary import Summary, is_unreadable, suppressions

_NO_STUDY = "(no Study Instance UID)"
_NO_SERIES = "(no Series Instance UID)"
_SEVERITIES = ("error", "warning", "info")


@dataclass(slots=True)
class _File:
    path: str
    iod: str
    modality: str
    unreadable: bool
    findings: list[tuple[str, str, str, str, str, str]]  # sev, code, where, msg, ref, url
    suppressed: list[tuple[str, str, int]]

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f[0] == severity)


@dataclass(slots=True)
class _Group:
    uid: str
    files: list[_File] = field(default_factory=list)
    modalities: set[str] = field(default_factory=set)

    def count(self, severity: str) -> int:
        return sum(f.count(severity) for f in self.files)


def _asset(name: str) -> str:
    return resources.files("conformance.report").joinpath("assets", name).read_text("utf-8")


def _compact(report: Any) -> tuple[str, str, _File]:
    ident = getattr(report, "identity", None)
    study = getattr(ident, "study_instance_uid", None) or _NO_STUDY
    series = getattr(ident, "series_instance_uid", None) or _NO_SERIES
    findings = []
    for f in report.findings:
        ref = f.reference
        url = help_uri(ref.part, ref.section, ref.table, ref.edition) if ref else None
        findings.append((f.severity, f.code, f.keyword_path or f.path or f.module or "",
                         f.message, str(ref) if ref else "", url or ""))
    return study, series, _File(
        path=report.path or "<dataset>", iod=report.iod_name or report.iod or "",
        modality=getattr(ident, "modality", None) or "", unreadable=is_unreadable(report),
        findings=findings, suppressed=suppressions(report))


def _n(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _counts(obj: Any) -> str:
    e, w, i = (obj.count(s) for s in _SEVERITIES)
    return (f'<span class="counts"><span class="e">{_n(e, "error")}</span>, '
            f'<span class="w">{_n(w, "warning")}</span>, {_n(i, "info")}</span>')


def _first_sentence(text: str) -> str:
    head = re.split(r"(?<=[a-z)\]])\. ", text, maxsplit=1)[0]
    return head if head.endswith(".") or head == text else head + "."


def _card(kind: str, n: int, label: str) -> str:
    return f'<div class="card {kind}"><div class="n">{n}</div><div>{escape(label)}</div></div>'


def _link(url: str, text: str) -> str:
    if not url:
        return escape(text)
    return f'<a href="{escape(url)}" rel="noreferrer">{escape(text)}</a>'


class _Page:
    def __init__(self) -> None:
        self.studies: dict[str, dict[str, _Group]] = {}
        self.code_files: dict[str, int] = {}
        self.code_severity: dict[str, set[str]] = {}
        self.code_source: dict[str, str] = {}

    def add(self, report: Any) -> None:
        study, series, f = _compact(report)
        group = self.studies.setdefault(study, {}).setdefault(series, _Group(series))
        group.files.append(f)
        if f.modality:
            group.modalities.add(f.modality)
        for code in {x[1] for x in f.findings}:
            self.code_files[code] = self.code_files.get(code, 0) + 1
        for x, finding in zip(f.findings, report.findings, strict=True):
            self.code_severity.setdefault(x[1], set()).add(x[0])
            self.code_source.setdefault(x[1], finding.source)

    # -- overview --------------------------------------------------------------------
    def overview(self, summary: Summary) -> str:
        n_series = sum(len(s) for s in self.studies.values())
        cards = "".join((
            _card("", summary.files, "files"),
            _card("", len(self.studies), "studies"),
            _card("", n_series, "series"),
            _card("error", summary.errors, "errors"),
            _card("warning", summary.warnings, "warnings"),
            _card("info", summary.infos, "infos"),
            _card("error" if summary.unreadable else "ok", summary.unreadable, "unreadable"),
        ))
        rows = []
        for code, n in sorted(summary.by_code.items(), key=lambda kv: (-kv[1], kv[0])):
            info = describe(code, self.code_source.get(code, "standard"))
            sev = " ".join(f'<span class="sev {s}">{s}</span>'
                           for s in _SEVERITIES if s in self.code_severity.get(code, ()))
            ref = _link(info["help_uri"] or "", info["reference"])
            rows.append(f'<tr><td><a class="code" href="#filters" data-code="{escape(code)}">'
                        f"<code>{escape(code)}</code></a></td><td>{sev}</td>"
                        f'<td class="num">{n}</td><td class="num">{self.code_files.get(code, 0)}'
                        f"</td><td title=\"{escape(info['description'])}\">"
                        f"{escape(_first_sentence(info['description']))}</td>"
                        f"<td>{ref}</td></tr>")
        by_code = ('<table id="by-code"><thead><tr><th>code</th><th>severity</th>'
                   '<th class="num">findings</th><th class="num">files</th><th>meaning</th>'
                   "<th>standard</th></tr></thead><tbody>" + "".join(rows)
                   + "</tbody></table>")
        study_rows = []
        series_rows = []
        for study, series in sorted(self.studies.items()):
            files = [f for g in series.values() for f in g.files]
            e = sum(f.count("error") for f in files)
            w = sum(f.count("warning") for f in files)
            study_rows.append(f'<tr><td class="uid">{escape(study)}</td>'
                              f'<td class="num">{len(series)}</td>'
                              f'<td class="num">{len(files)}</td><td class="num">{e}</td>'
                              f'<td class="num">{w}</td></tr>')
            for uid, g in sorted(series.items()):
                series_rows.append(
                    f'<tr><td class="uid">{escape(uid)}</td>'
                    f"<td>{escape(', '.join(sorted(g.modalities)))}</td>"
                    f'<td class="num">{len(g.files)}</td><td class="num">{g.count("error")}</td>'
                    f'<td class="num">{g.count("warning")}</td></tr>')
        head = ('<th class="num">files</th><th class="num">errors</th>'
                '<th class="num">warnings</th>')
        studies = ('<table id="by-study"><thead><tr><th>Study Instance UID</th>'
                   f'<th class="num">series</th>{head}</tr></thead><tbody>'
                   + "".join(study_rows) + "</tbody></table>")
        series_t = ('<table id="by-series"><thead><tr><th>Series Instance UID</th>'
                    f"<th>modality</th>{head}</tr></thead><tbody>"
                    + "".join(series_rows) + "</tbody></table>")
        return (f'<section id="overview"><h2>Overview</h2><div class="cards">{cards}</div>'
                f"<h2>Findings by code</h2>{by_code}"
                f'<div class="grid"><div><h2>By study</h2>{studies}</div>'
                f"<div><h2>By series</h2>{series_t}</div></div></section>")

    # -- filters and drill-down ------------------------------------------------------
    def filters(self, summary: Summary) -> str:
        boxes = "".join(f'<label><input type="checkbox" class="sev-filter" value="{s}" '
                        f'checked> <span class="sev {s}">{s}</span></label>'
                        for s in _SEVERITIES)
        options = "".join(f'<option value="{escape(c)}">{escape(c)} ({n})</option>'
                          for c, n in sorted(summary.by_code.items()))
        total = summary.errors + summary.warnings + summary.infos
        return (f'<div class="filters" id="filters"><strong>Show</strong>{boxes}'
                f'<label>code <select id="code-filter"><option value="">all codes</option>'
                f"{options}</select></label>"
                '<label><input type="checkbox" id="show-clean" checked> files without '
                "findings</label>"
                f'<span><span id="shown-count">{total}</span> of {total} findings shown'
                "</span></div>")

    def details(self) -> str:
        out = ['<section id="details"><h2>Studies, series and files</h2>']
        for study, series in sorted(self.studies.items()):
            files_n = sum(len(g.files) for g in series.values())
            all_files = _Group(study, [f for g in series.values() for f in g.files])
            out.append(f'<details class="study" open><summary>Study <span class="uid">'
                       f"{escape(study)}</span> &mdash; {len(series)} series, "
                       f"{_n(files_n, 'file')}"
                       f"{_counts(all_files)}</summary>")
            for uid, g in sorted(series.items()):
                mods = ", ".join(sorted(g.modalities))
                out.append(f'<details class="series"><summary>Series <span class="uid">'
                           f"{escape(uid)}</span> {escape(mods)} &mdash; "
                           f"{_n(len(g.files), 'file')}"
                           f"{_counts(g)}</summary>")
                out.extend(_file_html(f) for f in g.files)
                out.append("</details>")
            out.append("</details>")
        out.append("</section>")
        return "".join(out)


def _file_html(f: _File) -> str:
    title = escape(f.path) + (f" [{escape(f.iod)}]" if f.iod else "")
    cls = " unreadable" if f.unreadable else ""
    rows = "".join(
        f'<tr class="finding" data-severity="{sev}" data-code="{escape(code)}">'
        f'<td><span class="sev {sev}">{sev}</span></td><td><code>{escape(code)}</code></td>'
        f"<td><code>{escape(where)}</code></td><td>{escape(msg)}</td>"
        f"<td>{_link(url, ref)}</td></tr>"
        for sev, code, where, msg, ref, url in f.findings)
    body = ('<table><thead><tr><th>severity</th><th>code</th><th>where</th><th>message</th>'
            f"<th>standard</th></tr></thead><tbody>{rows}</tbody></table>" if rows
            else "<p>No findings.</p>")
    notes = "".join(f"<p>suppressed <code>{escape(c)}</code> x{n}: {escape(r)}</p>"
                    for c, r, n in f.suppressed)
    return (f'<details class="file{cls}"><summary>{title}{_counts(f)}</summary>'
            f'<div class="body">{body}{notes}</div></details>')


def write(reports: Iterable[Any], *, standard_info: dict[str, Any], stream: IO[str],
          color: bool = False, **_: Any) -> Summary:
    """Write one self-contained HTML page for ``reports``; returns the totals."""
    from conformance import __version__

    summary = Summary()
    page = _Page()
    for report in reports:
        summary.add(report)
        page.add(report)
    edition = standard_info.get("edition") or "unknown edition"
    status = "FAILED" if summary.errors else "passed"
    stream.write(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # nothing may be fetched: the page is opened from disk, mailed, archived
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        f"<title>DICOM conformance report: {escape(summary.line())}</title>"
        f"<style>{_asset('report.css')}</style></head><body>"
        f"<header><h1>DICOM conformance report &mdash; {status}</h1>"
        f'<div class="meta">{escape(summary.line())} &middot; standard '
        f"{escape(str(edition))} &middot; dicom-conformance {escape(__version__)}</div>"
        "</header><main>")
    stream.write(page.overview(summary))
    stream.write(page.filters(summary))
    stream.write(page.details())
    stream.write(f"</main><script>{_asset('report.js')}</script></body></html>\n")
    return summary
