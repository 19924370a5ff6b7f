"""Our engine's findings next to dciodvfy's, as ``(code, tag)`` keys (test + benchmark)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import dciodvfy_map as dm  # type: ignore[import-not-found]


@dataclass
class FileComparison:
    """One file: the keys each side reports, and the texts to explain them."""

    name: str
    path: str
    dciodvfy: dm.Result
    report: Any
    dv_keys: set[dm.Key] = field(default_factory=set)
    our_keys: set[dm.Key] = field(default_factory=set)

    @property
    def dv_only(self) -> set[dm.Key]:
        return self.dv_keys - self.our_keys

    @property
    def ours_only(self) -> set[dm.Key]:
        return self.our_keys - self.dv_keys

    def dv_text(self, key: dm.Key) -> str:
        for m in self.dciodvfy.messages:
            if (m.code, m.tag) == key or (key[0] == "module-missing" and m.module
                                          and dm.module_key(m.module) == key[1]):
                return m.text
        return ""

    def our_text(self, key: dm.Key) -> str:
        for f in self.report.findings:
            if our_key(f) == key:
                return f"{f.path or '-'}: {f.message}"
        return ""


def our_key(f: Any) -> dm.Key | None:
    """The comparison key of one of our findings (None when dciodvfy has no such code)."""
    if f.code == "module-missing":
        return ("module-missing", dm.module_key(f.module or ""))
    if f.code in dm.COMPARED:
        return (f.code, f.tag)
    return None


def compare(name: str, path: str, validator: Any) -> FileComparison:
    """Run both validators on ``path``."""
    result = dm.run(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom's value warnings are findings here
        report = validator.validate(path)
    cmp = FileComparison(name, path, result, report)
    if result.crashed:
        return cmp
    missing = [f.module for f in report.findings if f.code == "module-missing" and f.module]
    cmp.dv_keys, _ = dm.reconcile_modules(result.messages, missing)
    cmp.our_keys = {k for f in report.findings if (k := our_key(f)) is not None}
    return cmp
