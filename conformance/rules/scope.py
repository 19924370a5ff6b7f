"""``applies_to`` lists checked against the standard's values, with "did you mean".

A rule whose ``modalities: [ct]`` can never match (Modality is a Code String: upper
case) would pass silently; these checks turn such mistakes into errors naming the right
value, and legal-but-unusual values (a modality outside the Defined Terms, a private SOP
Class) into notes that ``rules check`` prints.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

# (kind, message, index of the list item): kind "error" fails the rule, "note" is shown.
Issue = tuple[str, str, int]

_CS = re.compile(r"[A-Z0-9 _]{1,16}")
_UID = re.compile(r"(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))*")


def did_you_mean(word: str, choices: Iterable[str], fold: bool = False) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices`` (difflib), or ``""``.

    ``fold``: compare case-insensitively (and name the choice as written)."""
    choices = list(choices)
    if fold:
        lowered = {c.lower(): c for c in choices}
        close = [lowered[c] for c in difflib.get_close_matches(word.lower(), list(lowered),
                                                                n=1)]
    else:
        close = difflib.get_close_matches(word, choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def modality_terms(std: Any) -> frozenset[str]:
    """The Defined Terms of Modality (0008,0060) in the General Series Module (PS3.3
    C.7.3.1.1.1), from the standard's tables; empty when the standard has none."""
    if std is None:
        return frozenset()
    try:
        rows = list(std.module("general-series").get("attributes") or [])
    except Exception:  # noqa: BLE001 - a standard without the module: nothing to check
        return frozenset()
    for row in rows:
        if row.get("tag") == "00080060":
            return frozenset(v for e in row.get("enums") or [] for v in e.get("values", []))
    return frozenset()


def check_iods(names: Iterable[Any], std: Any) -> tuple[frozenset[str], list[Issue]]:
    """IOD ids of names, ids or SOP Class UIDs; an unknown one names the closest IOD."""
    out: set[str] = set()
    issues: list[Issue] = []
    for i, name in enumerate(names):
        if std is None:  # no standard to resolve against: kept as written
            out.add(str(name))
            continue
        found = std.find_iod(str(name))
        if found is None:
            known = sorted({v.get("name", k) for k, v in std.iods.items()})
            issues.append(("error", f"no IOD {name!r} in the standard "
                                    f"({getattr(std, 'edition', '?')})"
                                    f"{did_you_mean(str(name), known, fold=True)}", i))
        else:
            out.add(found)
    return frozenset(out), issues


def check_modalities(values: Iterable[Any], std: Any) -> tuple[frozenset[str], list[Issue]]:
    """Modality values against PS3.3 C.7.3.1.1.1: the wrong case is an error naming the
    right value; a Code String the standard does not list is a note (Defined Terms may
    be extended); anything else is an error."""
    terms = modality_terms(std)
    upper = {t.upper(): t for t in terms}
    out: set[str] = set()
    issues: list[Issue] = []
    for i, raw in enumerate(values):
        m = str(raw).strip()
        if m in terms or not terms:
            out.add(m)
        elif m.upper() in upper:
            issues.append(("error", f"modality {m!r} never matches: Modality (0008,0060) is "
                                    f"upper case (CS); write {upper[m.upper()]!r}", i))
        elif not _CS.fullmatch(m):
            issues.append(("error", f"modality {m!r} is not a Code String (upper case, "
                                    f"digits, space, _; at most 16 characters)"
                                    f"{did_you_mean(m, sorted(terms), fold=True)}", i))
        else:
            issues.append(("note", f"modality {m!r} is not a Defined Term of PS3.3 "
                                   f"C.7.3.1.1.1{did_you_mean(m, sorted(terms))}", i))
            out.add(m)
    return frozenset(out), issues


def check_sop_classes(values: Iterable[Any], std: Any) -> tuple[frozenset[str], list[Issue]]:
    """SOP Class UIDs: a SOP Class name in place of its UID is an error naming the UID; a
    valid UID the standard does not list (a private SOP Class) is a note."""
    known: dict[str, Any] = dict(std.sop_classes) if std is not None else {}
    by_name = {str(v.get("name", "")).lower(): k for k, v in known.items()}
    out: set[str] = set()
    issues: list[Issue] = []
    for i, raw in enumerate(values):
        uid = str(raw).strip()
        if uid in known or (not known and _UID.fullmatch(uid)):
            out.add(uid)
        elif uid.lower() in by_name:
            issues.append(("error", f"sop_classes take UIDs; {uid!r} is "
                                    f"{by_name[uid.lower()]}", i))
        elif not _UID.fullmatch(uid):
            close = difflib.get_close_matches(uid.lower(), list(by_name), n=1)
            hint = ""
            if close:
                name = next(str(v.get("name")) for v in known.values()
                            if str(v.get("name", "")).lower() == close[0])
                hint = f"; did you mean {name!r} ({by_name[close[0]]})?"
            issues.append(("error", f"{uid!r} is not a UID (PS3.5 9.1){hint}", i))
        else:
            issues.append(("note", f"SOP Class {uid} is not in the standard "
                                   f"({getattr(std, 'edition', '?')}): a private SOP Class?", i))
            out.add(uid)
    return frozenset(out), issues
