"""Value syntax of every element against its VR (PS3.5 Section 6.2, Table 6.2-1; 7.1.1).

Repertoire, control characters, backslash, multiplicity and length come from the VR
table of the build (``vrs.json``); the per-VR formats (AS, DA, DT, TM, DS, IS, UR ...)
are the format rules of the same table's Definition column. UI values are checked by
``uid.py``; PN structure by ``pn.py``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from typing import Any

from pydicom.dataelem import RawDataElement

from conformance.checks.values._common import (
    by_severity,
    converted_text,
    element_vr,
    make,
    raw_bytes,
    raw_length,
    scope_of,
    value_text,
)
from conformance.checks.values._lookup import (
    BINARY_VRS,
    REF_VR_TABLE,
    cache_of,
    name_of,
    vr_table,
)
from conformance.checks.values._vrspec import VRSpec, specs
from conformance.engine.finding import Finding, Reference
from conformance.engine.registry import dataset_check, element_check

REF = REF_VR_TABLE
REF_EVEN = Reference(part=5, section="7.1.1")

Problem = tuple[str, str]  # (severity "error"|"warning", reason)
Format = Callable[[str], Problem | None]

_AS = re.compile(r"[0-9]{3}[DWMY]")
_CS = re.compile(r"[A-Z0-9 _]*")
_DA = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_DA_ACRNEMA = re.compile(r"[0-9]{4}\.[0-9]{2}\.[0-9]{2}")
_DT = re.compile(
    r"([0-9]{4})(?:([0-9]{2})(?:([0-9]{2})(?:([0-9]{2})(?:([0-9]{2})(?:([0-9]{2})(?:\.([0-9]{1,6}))?)?)?)?)?)?"
    r"(?:([+-])([0-9]{2})([0-9]{2}))?"
)
_TM = re.compile(r"([0-9]{2})(?:([0-9]{2})(?:([0-9]{2})(?:\.([0-9]{1,6}))?)?)?")
_TM_ACRNEMA = re.compile(r"[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]*)?)?")
# Unambiguous (digits, then an optional "." group): "[0-9]+\.?[0-9]*" backtracked
# quadratically on a long run of digits that does not match (found by fuzzing: 20 s).
_DS = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_IS = re.compile(r"[+-]?[0-9]+")
# RFC 3986 section 2: unreserved, reserved and percent-encoded characters.
_UR = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")
_IS_MIN, _IS_MAX = -(2**31), 2**31 - 1
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _date_ok(y: int, m: int, d: int) -> bool:
    try:
        datetime.date(y, m, d)
    except ValueError:
        return False
    return True


def _ae(v: str) -> Problem | None:
    if not v.strip(" "):
        return "error", "consists solely of spaces"
    return None


def _as(v: str) -> Problem | None:
    return None if _AS.fullmatch(v) else ("error", f"{v!r} is not nnnD, nnnW, nnnM or nnnY")


def _cs(v: str) -> Problem | None:
    if _CS.fullmatch(v):
        return None
    return "error", f"{v!r} has characters other than upper case, digits, space and '_'"


def _da(v: str) -> Problem | None:
    m = _DA.fullmatch(v)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        return None if _date_ok(y, mo, d) else ("error", f"{v!r} is not a valid date")
    if _DA_ACRNEMA.fullmatch(v):
        return "error", (f"{v!r} is the ACR-NEMA form YYYY.MM.DD, which PS3.5 says is not "
                         "compliant; use YYYYMMDD")
    return "error", f"{v!r} is not YYYYMMDD"


def _dt(v: str) -> Problem | None:
    m = _DT.fullmatch(v.rstrip(" "))
    if not m:
        return "error", f"{v!r} is not YYYYMMDDHHMMSS.FFFFFF&ZZXX"
    y, mo, d, h, mi, s, _f, sign, oh, om = m.groups()
    if mo is not None and not 1 <= int(mo) <= 12:
        return "error", f"{v!r} has month {mo}"
    if d is not None and not _date_ok(int(y), int(mo), int(d)):
        return "error", f"{v!r} is not a valid date"
    if h is not None and int(h) > 23:
        return "error", f"{v!r} has hour {h}"
    if mi is not None and int(mi) > 59:
        return "error", f"{v!r} has minute {mi}"
    if s is not None and int(s) > 60:
        return "error", f"{v!r} has second {s}"
    if sign is not None:
        if int(om) > 59:
            return "error", f"{v!r} has UTC offset minutes {om}"
        if int(oh) > 14:
            return "warning", f"{v!r} has UTC offset {sign}{oh}{om} beyond +-14 hours"
    return None


def _tm(v: str) -> Problem | None:
    v = v.rstrip(" ")
    m = _TM.fullmatch(v)
    if m:
        h, mi, s, _f = m.groups()
        if int(h) > 23:
            return "error", f"{v!r} has hour {h}"
        if mi is not None and int(mi) > 59:
            return "error", f"{v!r} has minute {mi}"
        if s is not None and int(s) > 60:
            return "error", f"{v!r} has second {s}"
        return None
    if _TM_ACRNEMA.fullmatch(v):
        return "error", (f"{v!r} is the ACR-NEMA form HH:MM:SS, which PS3.5 says is not "
                         "compliant; use HHMMSS.FFFFFF")
    return "error", f"{v!r} is not HHMMSS.FFFFFF"


def _ds(v: str) -> Problem | None:
    return None if _DS.fullmatch(v.strip(" ")) else ("error", f"{v!r} is not a decimal number")


def _is(v: str) -> Problem | None:
    t = v.strip(" ")
    if not _IS.fullmatch(t):
        return "error", f"{v!r} is not an integer"
    # more than 10 digits is out of range; int() of thousands of digits raises
    # ValueError (found by fuzzing: a 29,340-digit IS value)
    if len(t.lstrip("+-").lstrip("0")) > 10 or not _IS_MIN <= int(t) <= _IS_MAX:
        shown = v if len(v) <= 40 else v[:40] + "..."
        return "error", f"{shown!r} is outside -2^31..2^31-1"
    return None


def _ur(v: str) -> Problem | None:
    if v.startswith(" "):
        return "error", "has leading spaces"
    if not _UR.fullmatch(v.rstrip(" ")):
        return "error", f"{v!r} has characters RFC 3986 does not allow unencoded"
    return None


FORMATS: dict[str, Format] = {
    "AE": _ae, "AS": _as, "CS": _cs, "DA": _da, "DT": _dt, "TM": _tm,
    "DS": _ds, "IS": _is, "UR": _ur,
}


def _repertoire(v: str, spec: VRSpec) -> str | None:
    """Why ``v`` is outside the VR's character repertoire, or None."""
    if spec.clean.fullmatch(v):  # the common case: one precompiled pattern
        return None
    return repertoire_reason(v, spec)


def repertoire_reason(v: str, spec: VRSpec) -> str | None:
    """Why ``v`` is outside the VR's character repertoire, or None (rule by rule)."""
    for ch in _CONTROL.findall(v):
        if ord(ch) not in spec.controls:
            return f"control character {ord(ch):02X}H is not allowed"
    if spec.chars is not None:
        bad = sorted({c for c in v if c not in spec.chars})
        if bad:
            return f"character{'s' if len(bad) > 1 else ''} {''.join(bad)!r} outside the repertoire"
    elif not spec.extended and not v.isascii():
        return "characters outside the Default Character Repertoire"
    if "\\" in v and not spec.backslash_ok:
        return "backslash (5CH) is not allowed"
    return None


def _length(v: str, spec: VRSpec) -> str | None:
    if spec.vr == "PN" or spec.max_length is None:
        return None  # PN's limit is per component group: pn.py
    n = len(v) if spec.unit == "chars" or v.isascii() else len(
        v.encode("utf-8", "surrogateescape"))
    if spec.fixed_length is not None and spec.vr in FORMATS:
        return None  # the format (DA, AS) already fixes the length
    if n > spec.max_length:
        return f"{n} {spec.unit} exceeds the maximum of {spec.max_length}"
    return None


def _text(elem: Any, where: Any, ctx: Any, raw: bytes | None, spec: VRSpec | None,
          vr: str) -> tuple[list[Problem], list[str]]:
    """Problems of the field as a whole and the list of its values."""
    problems: list[Problem] = []
    if raw is not None:
        if raw.endswith(b"\x00"):
            problems.append(("error", "padded with NUL (00H) instead of SPACE (20H)"))
            raw = raw.rstrip(b"\x00")
        # A VR without extended characters is checked byte for byte (Latin-1: one char
        # a byte); ASCII without ESC reads the same in every character set.
        if spec is not None and spec.extended and not (raw.isascii() and b"\x1b" not in raw):
            text = value_text(elem, scope_of(where, ctx), raw)
        else:
            text = raw.decode("latin-1")
    else:
        text = converted_text(elem)
    if vr == "AE" and text and not text.strip(" "):
        problems.append(("error", "consists solely of spaces"))
    text = text.rstrip(" ")
    if not text:
        return problems, []
    multi = spec.multi_valued if spec is not None else vr not in ("LT", "ST", "UT", "UR")
    values = text.split("\\") if multi else [text]
    return problems, values


def _value_problem(v: str, fmt: Format | None, spec: VRSpec | None) -> Problem | None:
    """What is wrong with one value, or None."""
    # The format names the problem best ("'1A' is not an integer"); the repertoire and
    # length rules catch what a format leaves open (control characters, long values).
    if fmt is not None:
        p = fmt(v)
        if p:
            return p
    if spec is not None:
        why = _repertoire(v, spec) or _length(v, spec)
        if why:
            return "error", f"{v!r}: {why}"
    return None


@element_check("vr-invalid", "vr-dubious", reference="PS3.5 6.2 Table 6.2-1")
def check_vr_syntax(elem: Any, where: Any, ctx: Any) -> Iterable[Finding]:
    """PS3.5 6.2 Table 6.2-1 and 7.1.1: each value fits its VR's repertoire, length, format."""
    vr = getattr(where, "vr", None) or element_vr(elem, where, ctx)
    if not vr or vr == "SQ" or " or " in vr:
        return ()
    stored = elem.value if type(elem) is RawDataElement else None
    memo: dict[tuple[str, bytes], tuple[Problem, ...]] | None = None
    if type(stored) is bytes and len(stored) <= _MEMO_BYTES:
        # Only values whose problems depend on their VR and bytes alone are remembered
        # (below: no character set decodes them); a batch repeats most values (one
        # series: patient, study, device).
        memo = cache_of(ctx.standard).syntax
        known = memo.get((vr, stored))
        if known is not None:
            return _findings(list(known), elem.tag, vr, where, ctx) if known else ()
    spec = specs(ctx.standard).get(vr)
    raw = raw_bytes(elem)
    if memo is not None and not (spec is None or not spec.extended
                                 or raw is not None and raw.isascii() and b"\x1b" not in raw):
        memo = None  # decoded with the dataset's character set: not the bytes alone
    length = raw_length(elem, where, ctx)  # binary values may still be in the file
    problems: list[Problem] = []
    if length is not None and length % 2:
        problems.append(("error", f"odd value length {length} (PS3.5 7.1.1 needs even)"))
    if vr in ("UN", "UI"):
        pass  # UN has no syntax; UI values are uid.py's
    elif vr in BINARY_VRS:
        size = spec.element_size if spec is not None else 1
        if length is not None and size > 1 and length % size:
            problems.append(("error", f"length {length} is not a multiple of {size} bytes"))
    else:
        field, values = _text(elem, where, ctx, raw, spec, vr)
        problems.extend(field)
        fmt = FORMATS.get(vr)
        for v in values:
            if v:
                p = _value_problem(v, fmt, spec)
                if p is not None:
                    problems.append(p)
    if memo is not None and raw is not None:
        if len(memo) >= _MEMO_ENTRIES:
            memo.clear()  # bounded: a hostile batch holds endless distinct values
        memo[(vr, raw)] = tuple(problems)
    if not problems:
        return ()
    return _findings(problems, elem.tag, vr, where, ctx)


# Values up to this many bytes are remembered, at most this many at once (about 10 MB).
_MEMO_BYTES = 256
_MEMO_ENTRIES = 20_000


_KINDS = {"error": ("vr-invalid", "invalid"), "warning": ("vr-dubious", "dubious")}


def _findings(problems: list[Problem], tag: int, vr: str, where: Any,
              ctx: Any) -> list[Finding]:
    out = []
    what = name_of(ctx.standard, tag)
    for severity, reasons in by_severity(problems):
        code, label = _KINDS[severity]
        ref = REF_EVEN if reasons[0].startswith("odd value length") else REF
        msg = f"Value {label} for VR {vr} in {what}: " + "; ".join(reasons[:5])
        if len(reasons) > 5:
            msg += f"; and {len(reasons) - 5} more"
        out.append(make(ctx, code, severity, msg, where, ref))
    return out


@dataset_check("vr-table-missing", reference="PS3.5 6.2 Table 6.2-1")
def check_vr_table(ctx: Any) -> Iterable[Finding]:
    """PS3.5 6.2 Table 6.2-1: say once when the build lacks the VR table (formats only)."""
    if vr_table(ctx.standard):
        return ()
    return [make(ctx, "vr-table-missing", "info",
                 "The standard build has no VR table (vrs.json): value repertoire, length "
                 "and binary length checks were skipped; only the per-VR formats ran.",
                 None, REF)]
