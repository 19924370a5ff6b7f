"""A pack's per-code policy: ``severity:`` levels and scoped ``suppress:`` entries.

Both name codes like ``disable:`` and ``--severity`` do (former names of split codes
select every code they became). A ``suppress:`` entry drops only the findings of its
code that also match its scope (tag or keyword, IOD, path glob); they are listed in the
report's ``suppressed`` entries with the entry's reason, like ``disable:``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from conformance.catalogue import aliases_of, catalogue, expand, suggest

_TAG = re.compile(r"^\(?([0-9A-Fa-f]{4}),?([0-9A-Fa-f]{4})\)?$")


@dataclass(frozen=True, slots=True)
class Suppress:
    """One ``suppress:`` entry: findings of ``codes`` within its scope are dropped."""

    code: str
    codes: frozenset[str]  # the code, or every code a former name became
    reason: str
    file: str
    line: int
    tag: str | None = None  # 8 hex digits, as findings carry it
    iod: str | None = None
    path: str | None = None  # glob on the finding's keyword_path or tag path

    def matches(self, f: Any) -> bool:
        if f.code not in self.codes:
            return False
        if self.tag is not None and (f.tag or "").upper() != self.tag:
            return False
        if self.iod is not None and f.iod != self.iod:
            return False
        return self.path is None or any(
            fnmatchcase(p, self.path) for p in (f.keyword_path, f.path) if p)

    def label(self) -> str:
        """The reason as the report shows it: scope and where the pack says so."""
        scope = ", ".join(f"{k} {v}" for k, v in (("tag", self.tag), ("iod", self.iod),
                                                   ("path", self.path)) if v)
        return (f"{self.reason}" + (f" [{scope}]" if scope else "")
                + f" ({self.file}:{self.line})")


def code_problem(code: str, rule_ids: set[str], known: set[str]) -> str | None:
    """Why ``code`` cannot be named in a pack's policy (None: it can), with suggestions."""
    if code in known or code in rule_ids:
        return None
    close = suggest(code, [*catalogue(), *aliases_of(), *rule_ids])
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"unknown code {code!r} (not a standard check code nor a rule id of this pack){hint}"


def tag_of(text: str, keyword: Any) -> str | None:
    """``(0010,0010)``, ``0010,0010``, ``00100010`` or a keyword -> 8 hex digits."""
    m = _TAG.match(text.strip())
    if m:
        return (m.group(1) + m.group(2)).upper()
    tag = keyword(text.strip())
    return str(tag).upper() if tag else None


def codes_of(code: str) -> frozenset[str]:
    return frozenset(expand(code))


def compile_policy(files: list[Any], add: Any, keyword: Any, find_iod: Any,
                   known: set[str], rule_ids: set[str]
                   ) -> tuple[dict[str, str], tuple[Suppress, ...]]:
    """``severity:`` levels (bases first, so the extending file wins) and ``suppress:``
    entries of a pack's ``files`` (each with ``display`` and ``doc``); problems go to
    ``add(msg, file, doc, at)``."""
    from conformance.rules.yamlmarks import mark_at

    levels: dict[str, str] = {}
    entries: list[Suppress] = []
    for f in files:
        for code, level in (f.doc.get("severity") or {}).items():
            problem = code_problem(str(code), rule_ids, known)
            if problem is not None:
                add(f"severity: {problem}", f.display, f.doc, ("severity", code))
                continue
            for c in expand(str(code)):
                levels[c] = str(level)
        for i, s in enumerate(f.doc.get("suppress") or []):
            at = ("suppress", i)
            code = str(s["code"])
            problem = code_problem(code, rule_ids, known)
            if problem is not None:
                add(f"suppress: {problem}", f.display, f.doc, (*at, "code"))
                continue
            tag = None
            for key in ("tag", "keyword"):
                if key in s:
                    tag = tag_of(str(s[key]), keyword)
                    if tag is None:
                        add(f"suppress: {key} {s[key]!r} is not a tag nor a known keyword",
                            f.display, f.doc, (*at, key))
            iod = None
            if "iod" in s:
                iod = find_iod(str(s["iod"])) if find_iod is not None else str(s["iod"])
                if iod is None:
                    add(f"suppress: no IOD {s['iod']!r} in the standard", f.display, f.doc,
                        (*at, "iod"))
            mark = mark_at(f.doc, list(at))
            entries.append(Suppress(code, codes_of(code), str(s["reason"]).strip(), f.display,
                                    mark.line if mark else 0, tag, iod,
                                    str(s["path"]) if "path" in s else None))
    return levels, tuple(entries)
