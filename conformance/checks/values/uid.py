"""UID values (PS3.5 Section 9.1): syntax, padding, and what a UID's root names.

Syntax: at most 64 characters, digits and dots, no empty component, no leading zero in
a component (a lone "0" component is allowed), two components at least (PS3.5 9:
``UID = <org root>.<suffix>``, so a UID "0" is invalid); a value field of odd length is
padded with a single trailing NUL. The first arc of an OID is 0, 1 or 2 (ISO/IEC 9834-1,
referenced by 9.1).
Known UIDs are named from the UID registry (PS3.6 Table A-1) of the standard in use
when the validation option ``uid_roots`` is set; a UID under the DICOM root
1.2.840.10008 that the registry does not list is always reported (info).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from conformance.checks.values._common import (
    by_severity,
    converted_text,
    element_vr,
    make,
    raw_bytes,
)
from conformance.checks.values._lookup import REF_UID_REGISTRY, name_of, uid_entry, vr_table
from conformance.engine.finding import Finding, Reference
from conformance.engine.registry import element_check

REF = Reference(part=5, section="9.1")
REF_REGISTRY = REF_UID_REGISTRY
DICOM_ROOT = "1.2.840.10008"
_DIGITS_DOTS = re.compile(r"[0-9.]*")
_FALLBACK_MAX = 64  # PS3.5 9.1; the VR table's UI row gives the same figure


def uid_problems(uid: str, max_length: int = _FALLBACK_MAX) -> list[tuple[str, str]]:
    """``[(severity, reason)]`` for one UID value (padding already removed)."""
    out: list[tuple[str, str]] = []
    if len(uid) > max_length:
        out.append(("error", f"{len(uid)} characters, more than {max_length}"))
    if not _DIGITS_DOTS.fullmatch(uid):
        bad = "".join(sorted({c for c in uid if c not in "0123456789."}))
        return [*out, ("error", f"characters {bad!r} (only digits and '.' are allowed)")]
    comps = uid.split(".")
    if uid.endswith("."):
        out.append(("error", "trailing '.'"))
    elif uid.startswith("."):
        out.append(("error", "leading '.'"))
    elif "" in comps:
        out.append(("error", "empty component ('..')"))
    if len(comps) == 1 and comps[0]:
        # PS3.5 9: "UID = <org root>.<suffix>": a root and a suffix, so two components
        # at least; 9.1's component rules (a lone "0" is a valid component) apply to each
        out.append(("error", "a single component: PS3.5 9 defines a UID as "
                             "<org root>.<suffix> (two components at least)"))
    lead = [c for c in comps if len(c) > 1 and c.startswith("0")]
    if lead:
        out.append(("error", f"component {lead[0]!r} has a leading zero"))
    if comps[0] and comps[0] not in ("0", "1", "2"):
        out.append(("warning", f"first arc {comps[0]} is not 0, 1 or 2 (ISO/IEC 9834-1 root)"))
    return out


def _values(elem: Any) -> tuple[list[str], list[tuple[str, str]]]:
    raw = raw_bytes(elem)
    field: list[tuple[str, str]] = []
    if raw is None:
        text = converted_text(elem).rstrip("\x00 ")
    else:
        if raw.endswith(b" "):
            field.append(("error", "padded with SPACE (20H) instead of a single NUL (00H)"))
        if raw.endswith(b"\x00\x00"):
            field.append(("error", "padded with more than one NUL (00H)"))
        text = raw.rstrip(b"\x00 ").decode("latin-1")
    return ([v for v in text.split("\\")] if text else []), field


@element_check("uid-invalid", "uid-arc", "uid-root", reference="PS3.5 9.1; PS3.6 Table A-1",
               vrs=("UI",))
def check_uid(elem: Any, where: Any, ctx: Any) -> Iterable[Finding]:
    """PS3.5 9.1: UID syntax and padding; PS3.6 Table A-1: name the registered UIDs."""
    if element_vr(elem, where, ctx) != "UI":
        return ()
    values, field = _values(elem)
    row = vr_table(ctx.standard).get("UI") or {}
    limit = row.get("max_length") or _FALLBACK_MAX
    out: list[Finding] = []
    problems = list(field)
    # Naming every registered UID is one info per UID element: opt-in (option
    # "uid_roots"); a UID under the DICOM root that the registry lacks is always shown.
    name_known = bool((getattr(ctx, "options", None) or {}).get("uid_roots"))
    for v in values:
        if not v:
            continue
        for sev, why in uid_problems(v, limit):
            problems.append((sev, f"{v!r}: {why}"))
        if v.startswith(DICOM_ROOT + ".") or v == DICOM_ROOT:
            entry = uid_entry(ctx.standard, v)
            if entry is not None and not name_known:
                pass
            elif entry is not None:
                out.append(make(ctx, "uid-root", "info",
                                f"{name_of(ctx.standard, elem.tag)} {v} is a DICOM UID: "
                                f"{entry.get('type') or 'UID'}: {entry.get('name')}"
                                + (" (retired)" if entry.get("retired") else ""),
                                where, REF_REGISTRY))
            else:
                edition = getattr(ctx.standard, "edition", "?")
                out.append(make(ctx, "uid-root", "info",
                                f"{name_of(ctx.standard, elem.tag)} {v} is under the DICOM "
                                f"root {DICOM_ROOT} but not in the UID registry of {edition}",
                                where, REF_REGISTRY))
    for sev, reasons in by_severity(problems):
        code = "uid-invalid" if sev == "error" else "uid-arc"  # a non-ISO arc: warning
        out.append(make(ctx, code, sev, f"Invalid UID in {name_of(ctx.standard, elem.tag)}: "
                        + "; ".join(reasons[:5]), where, REF))
    return out

