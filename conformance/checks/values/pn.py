"""Person Name structure (PS3.5 Section 6.2, Table 6.2-1 PN; 6.2.1).

At most three component groups (alphabetic, ideographic, phonetic) separated by ``=``,
at most five components (family, given, middle, prefix, suffix) separated by ``^``,
and the VR table's maximum (64 characters) per component group. A name with spaces
but no ``^`` is most likely "Given Family" typed as one string: a warning with the fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance.checks.values._common import (
    by_severity,
    element_vr,
    make,
    raw_bytes,
    scope_of,
    value_text,
)
from conformance.checks.values._lookup import name_of
from conformance.checks.values._vrspec import specs
from conformance.engine.finding import Finding, Reference
from conformance.engine.person_name import suggestion
from conformance.engine.registry import element_check

REF = Reference(part=5, section="6.2.1", table="6.2-1")
def pn_problems(value: str, max_group: int | None) -> list[tuple[str, str]]:
    """``[(severity, reason)]`` for one PN value (one of the backslash-separated ones)."""
    out: list[tuple[str, str]] = []
    groups = value.split("=")
    if len(groups) > 3:
        out.append(("error", f"{value!r} has {len(groups)} component groups ('='), at most 3"))
    for g in groups:
        comps = g.split("^")
        if len(comps) > 5:
            out.append(("error", f"{g!r} has {len(comps)} components ('^'), at most 5"))
        if max_group is not None and len(g) > max_group:
            out.append(("error", f"component group {g!r} has {len(g)} characters, "
                                 f"at most {max_group}"))
    alpha = groups[0].strip()
    if "^" not in alpha and len(groups) == 1:
        fix = suggestion(alpha)
        if fix is not None:
            out.append(("warning", f"{alpha!r} has no '^' component separators; DICOM names "
                                   "are family^given^middle^prefix^suffix, e.g. "
                                   f"{fix!r}"))
    return out


@element_check("pn-format", "pn-separator", reference="PS3.5 6.2.1 Table 6.2-1", vrs=("PN",))
def check_pn(elem: Any, where: Any, ctx: Any) -> Iterable[Finding]:
    """PS3.5 6.2 (PN) and 6.2.1: component groups, components, length per group."""
    if element_vr(elem, where, ctx) != "PN":
        return ()
    scope = scope_of(where, ctx)
    raw = raw_bytes(elem)
    text = value_text(elem, scope, None if raw is None else raw.rstrip(b"\x00 "))
    text = text.rstrip(" ")
    if not text:
        return ()
    spec = specs(ctx.standard).get("PN")
    max_group = spec.max_length if spec is not None else None
    problems: list[tuple[str, str]] = []
    for v in text.split("\\"):
        problems.extend(pn_problems(v, max_group))
    what = name_of(ctx.standard, elem.tag)
    # Structure errors and the missing-separator warning are two codes (one severity each).
    return [make(ctx, "pn-format" if sev == "error" else "pn-separator", sev,
                 f"{what}: " + "; ".join(reasons[:5]), where, REF)
            for sev, reasons in by_severity(problems)]
