"""The code catalogue: one entry per finding code (``codes.yaml``).

Each entry gives the code's one severity, a title, what it means, why it matters, the
standard's reference and a bad and a good example (``examples.py`` builds them; the
tests validate them: the bad one produces that code, the good one does not). Reports,
SARIF rules, ``conformance codes``/``explain`` and ``docs/codes.md`` read it from here.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Entry:
    """One code of the catalogue."""

    code: str
    severity: str  # error | warning | info
    family: str
    title: str
    meaning: str
    why: str
    reference: str  # "PS3.5 6.2 Table 6.2-1"; "" when no part of the standard applies
    bad: dict[str, Any] | None  # example specs (examples.py); None with no_example
    good: dict[str, Any] | None
    no_example: str = ""  # why the entry has no runnable example
    aliases: tuple[str, ...] = ()  # former names that now also cover this code
    also: tuple[str, ...] = ()  # other codes the bad example cannot avoid (its own IOD)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "family": self.family,
                "title": self.title, "meaning": self.meaning, "why": self.why,
                "reference": self.reference, "bad": self.bad, "good": self.good,
                "no_example": self.no_example or None, "aliases": list(self.aliases),
                "also": list(self.also)}


def source_data() -> dict[str, Any]:
    """``codes.yaml`` as written: the catalogue's source, which people edit."""
    import yaml

    text = files(__package__).joinpath("codes.yaml").read_text(encoding="utf-8")
    # libyaml's safe loader when PyYAML has it: the same data, about 7x faster
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data: dict[str, Any] = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    return data


def json_text(data: dict[str, Any]) -> str:
    """``codes.json``'s text for ``source_data()``."""
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    # codes.yaml as JSON (``python -m conformance.catalogue.render --write`` writes it; a
    # test fails when it differs): YAML took 45-65 ms of a run that names a code or
    # makes a cross-file finding, JSON takes about 1 ms
    text = files(__package__).joinpath("codes.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Entry]:
    """Every code, in catalogue order (families, then codes as written)."""
    data = _data()
    aliases = aliases_of()
    out: dict[str, Entry] = {}
    for family, codes in data["families"].items():
        for code, e in codes.items():
            out[code] = Entry(
                code=code, severity=e["severity"], family=family, title=e["title"],
                meaning=" ".join(e["meaning"].split()), why=" ".join(e["why"].split()),
                reference=e.get("reference", ""), bad=e.get("bad"), good=e.get("good"),
                no_example=" ".join(e.get("no_example", "").split()),
                also=tuple(e.get("also", ())),
                aliases=tuple(old for old, new in sorted(aliases.items()) if code in new))
    return out


@lru_cache(maxsize=1)
def aliases_of() -> dict[str, tuple[str, ...]]:
    """Former code names (kept for one release) -> the codes they now stand for."""
    return {old: tuple(new) for old, new in _data()["aliases"].items()}


def expand(code: str) -> tuple[str, ...]:
    """The codes a name selects: an alias's codes, else the code itself."""
    return aliases_of().get(code, (code,))


def former_code(code: str) -> str:
    """The name ``code`` had before a split (itself when it was not split off)."""
    for old, new in aliases_of().items():
        if code in new:
            return old
    return code


def entry(code: str) -> Entry | None:
    return catalogue().get(code)


def severity_of(code: str) -> str | None:
    """A code's default severity (None: not a catalogued code, e.g. a rule's id)."""
    e = catalogue().get(code)
    return e.severity if e is not None else None


def severity_overrides(items: list[str] | dict[str, str]) -> dict[str, str]:
    """``["vr-dubious=error", ...]`` (or a mapping) -> ``{code: level}`` for every code a
    name selects (a former name: all its codes). ValueError names what is wrong."""
    pairs = list(items.items()) if isinstance(items, dict) else [
        tuple(i.split("=", 1)) if "=" in i else (i, "") for i in items]
    out: dict[str, str] = {}
    for code, level in pairs:
        if level not in SEVERITIES:
            raise ValueError(f"severity {code}={level}: the level is one of "
                             f"{', '.join(SEVERITIES)}")
        if code not in catalogue() and code not in aliases_of():
            close = suggest(code)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ValueError(f"severity {code}={level}: no such code{hint}")
        for c in expand(code):
            out[c] = level
    return out


def severity_levels(items: list[str] | dict[str, str]) -> tuple[tuple[str, str], ...]:
    """``severity_overrides`` as sorted ``(code, level)`` pairs: hashable and picklable,
    for a configuration that travels to workers and into fingerprints."""
    return tuple(sorted(severity_overrides(items).items()))


def suggest(name: str, choices: list[str] | None = None, n: int = 3) -> list[str]:
    """Close matches of ``name`` among the codes and aliases (or ``choices``)."""
    pool = choices if choices is not None else [*catalogue(), *aliases_of()]
    return difflib.get_close_matches(name.lower(), pool, n=n, cutoff=0.6)
