"""Coded values: each code sequence item against its PS3.16 context group, and the Code
Sequence Macro's own rules (PS3.3 Sections 8.1-8.8, PS3.16 Section 6.1.2)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pydicom.dataset import Dataset

from conformance.engine.context import CheckContext
from conformance.engine.elements import element, stored
from conformance.engine.finding import Finding, Severity
from conformance.engine.frame_reuse import moved_path
from conformance.engine.path import ElementPath
from conformance.engine.registry import dataset_check
from conformance.engine.requirement_types import AttrReq, CidReq
from conformance.engine.walk import Bound, Replay, each_bound, moved_finding
from conformance.standard.cids import ContextGroup, ContextGroups

CODE_VALUE = 0x00080100
SCHEME = 0x00080102
MEANING = 0x00080104
LONG_CODE_VALUE = 0x00080119
URN_CODE_VALUE = 0x00080120
_VALUE_TAGS = (CODE_VALUE, LONG_CODE_VALUE, URN_CODE_VALUE)
# PS3.3 8.1: "a URN or URL" (RFC 3986 scheme followed by ':'); PS3.16 uses urn:, http(s):.
_URN = re.compile(r"^(?:urn|https?|ftp):", re.IGNORECASE)
# SNOMED-RT designators whose codes PS3.16 Annex O maps to SNOMED CT (scheme SCT).
_SRT = ("SRT", "SNM3", "99SDM")
# Verdict of a code outside its group, by the group's strength (PS3.16 6.1.2).
_VERDICT: dict[str, tuple[str, Severity]] = {
    "enumerated": ("code-not-in-enumerated-cid", "error"),
    "defined": ("code-not-in-defined-cid", "warning"),
    "baseline": ("code-not-in-baseline-cid", "info"),
}
_RANK = {"baseline": 0, "defined": 1, "enumerated": 2}


@dataclass(frozen=True)
class Code:
    """The coded entry of one item: (value, scheme, meaning) as written."""

    value: str
    scheme: str | None
    meaning: str | None

    def display(self) -> str:
        return f'({self.value}, {self.scheme or "?"}, "{self.meaning or ""}")'


def _text(item: Dataset, tag: int) -> str | None:
    if stored(item, tag) is None:
        return None  # most of the five tags are absent: no KeyError raised and caught
    elem = element(item, tag)
    if elem is None or elem.value is None or elem.VR == "SQ":
        return None
    text = str(elem.value).strip(" \x00")
    return text or None


def holds_code(a: AttrReq) -> bool:
    """Whether the items of sequence row ``a`` are coded entries (its rows include the
    Code Sequence Macro: Code Meaning and Code Value)."""
    tags = {c.tag for c in a.children}
    return MEANING in tags and CODE_VALUE in tags


def _form(code_value: str | None, long_value: str | None, urn: str | None) -> str | None:
    """What is wrong with where the code value is written (PS3.3 Table 8.8-1), or None."""
    if code_value is not None and _URN.match(code_value):
        return f"Code Value <{code_value}> is a URN or URL: it belongs in URN Code Value"
    if long_value is not None and _URN.match(long_value):
        return f"Long Code Value <{long_value}> is a URN or URL: it belongs in URN Code Value"
    if long_value is not None and len(long_value) <= 16:
        return (f"Long Code Value <{long_value}> has 16 characters or less: it belongs in "
                "Code Value")
    if urn is not None and not _URN.match(urn):
        return f"URN Code Value <{urn}> is not a URN or URL"
    return None


def in_group(group: ContextGroup, code: Code, groups: ContextGroups) -> tuple[bool, str | None]:
    """(whether ``code`` is a member of ``group``, the group's meaning for it when the
    code is there as written). A SNOMED-RT code counts as its SNOMED CT equivalent
    (PS3.16 Annex O): groups now list SCT codes, files still carry SRT ones."""
    if code.scheme is None:
        return False, None
    meaning = group.codes.get((code.scheme, code.value))
    if meaning is not None:
        return True, meaning
    if code.scheme in _SRT:
        sct = groups.sct_for_srt(code.value)
        if sct is not None and ("SCT", sct) in group.codes:
            return True, None
    return False, None


def _same_meaning(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


@dataclass(frozen=True)
class Assessment:
    """What was found for one code sequence item (the benchmark counts these)."""

    where: ElementPath
    attr: AttrReq
    code: Code | None
    # "member", "not-in-enumerated", "not-in-defined", "not-in-baseline", "no-group"
    # (no constraint, or none of its groups is in PS3.16's tables), "no-code"
    verdict: str
    findings: tuple[Finding, ...]


@dataset_check("code-value-missing", "code-value-conflict", "code-value-form",
               "code-not-in-enumerated-cid", "code-not-in-defined-cid",
               "code-not-in-baseline-cid", "code-meaning-mismatch",
               reference="PS3.3 8.8, 8.6; PS3.16 6.1.2")
def coded_values(ctx: CheckContext) -> Iterator[Finding]:
    """PS3.3 Section 8.8 (Table 8.8-1, Code Sequence Macro): each coded entry holds
    exactly one of Code Value, Long Code Value (more than 16 characters) and URN Code
    Value (a URN or URL). PS3.3 Section 8.6 and PS3.16 Section 6.1.2: a code sequence
    whose row or include row names a context group takes its codes from it: outside an
    Enumerated group is an error, outside a Defined group a warning, outside a Baseline
    group (a suggestion) an info; a group limited to a case the tables cannot decide
    ("for pediatric patients") is only reported as info. A Code Meaning that differs
    from the group's meaning of the same code is a warning (PS3.3 8.3)."""
    for a in assess(ctx):
        yield from a.findings


def assess(ctx: CheckContext) -> Iterator[Assessment]:
    """Every item of every present code sequence the IOD's tables define, assessed."""
    groups: ContextGroups | None = None  # cids.json is read on the first constrained item
    out: list[Assessment] = []
    for b in each_bound(ctx, out, _mover(ctx)):
        a = b.attr
        if not b.present or not (a.context_groups or holds_code(a)):
            continue
        seq = element(b.item, b.tag)
        if seq is None or seq.VR != "SQ":
            continue
        for i, item in enumerate(seq.value or ()):
            where = ElementPath(b.where, b.tag, i)
            found: list[Finding] = []
            code = _macro_rules(ctx, b, item, where, found)
            verdict = "no-code" if code is None else "no-group"
            if code is not None and any(c.strength for c in a.context_groups):
                if groups is None:  # (not ``or``: its truth is its length, which reads
                    # all of cids.json instead of the groups asked for in cids.zip)
                    groups = ctx.standard.cids
                if groups is not None:
                    verdict = _against_groups(ctx, b, code, where, groups, found)
            out.append(Assessment(where, a, code, verdict, tuple(found)))
    return iter(out)


def _mover(ctx: CheckContext) -> Callable[[Assessment, Replay], Assessment]:
    """An assessment in a repeated functional group, for the frame that repeats it."""
    move = moved_finding(ctx)

    def moved(x: Assessment, r: Replay) -> Assessment:
        found = (move(f, r) for f in x.findings)
        return Assessment(moved_path(x.where, r.frame), x.attr, x.code, x.verdict,
                          tuple(f for f in found if f is not None))

    return moved


def _macro_rules(ctx: CheckContext, b: Bound, item: Dataset, where: ElementPath,
                 out: list[Finding]) -> Code | None:
    """Findings on where the code value is written (into ``out``); the item's Code."""
    values = [_text(item, t) for t in _VALUE_TAGS]
    given = [v for v in values if v is not None]
    if len(given) == 1 and _form(*values) is None:
        return Code(given[0], _text(item, SCHEME), _text(item, MEANING))  # nothing to say
    ref = ctx.reference({"part": 3, "section": "8.8", "table": "8.8-1"})
    label = b.label(ctx)
    n = (where.index or 0) + 1
    if not given:
        if any(t in item for t in (SCHEME, MEANING)):
            out.append(ctx.finding(
                "code-value-missing", "error",
                f"Coded entry without Code Value, Long Code Value or URN Code Value in item "
                f"{n} of {label}", where=where, tag=CODE_VALUE,
                module=b.owner_id, reference=ref))
        return None
    if len(given) > 1:
        out.append(ctx.finding(
            "code-value-conflict", "error",
            f"Coded entry with more than one of Code Value, Long Code Value and URN Code "
            f"Value in item {n} of {label} (exactly one is allowed)",
            where=where, tag=CODE_VALUE, module=b.owner_id, reference=ref))
    wrong = _form(*values)
    if wrong is not None:
        tag = next(t for t, v in zip(_VALUE_TAGS, values, strict=True) if v)
        out.append(ctx.finding("code-value-form", "error", f"{wrong}; item {n} of {label}",
                               where=where, tag=tag, module=b.owner_id, reference=ref))
    return Code(given[0], _text(item, SCHEME), _text(item, MEANING))


def _against_groups(ctx: CheckContext, b: Bound, code: Code, where: ElementPath,
                    groups: ContextGroups, out: list[Finding]) -> str:
    constraints: list[tuple[CidReq, ContextGroup]] = []
    for c in b.attr.context_groups:
        group = groups.get(c.cid) if c.strength else None
        if group is not None:
            constraints.append((c, group))
    if not constraints:
        return "no-group"
    n = (where.index or 0) + 1
    for c, group in constraints:
        member, meaning = in_group(group, code, groups)
        if member:
            if meaning is not None and code.meaning and not _same_meaning(meaning, code.meaning):
                out.append(ctx.finding(
                    "code-meaning-mismatch", "warning",
                    f"Code Meaning \"{code.meaning}\" of {code.display()} differs from "
                    f"\"{meaning}\" of {group.label} (PS3.16); item {n} of {b.label(ctx)}",
                    where=where, tag=MEANING, module=b.owner_id,
                    reference=ctx.reference({"part": 16, "section": f"CID {c.cid}",
                                             "table": None}, part=16)))
            return "member"
    firm = [c for c, _ in constraints if not c.qualified]
    strongest = max(firm or [constraints[0][0]], key=lambda c: _RANK[c.strength or "baseline"])
    strength = (strongest.strength if firm else None) or "baseline"
    code_id, severity = _VERDICT[strength]
    named = " or ".join(f"{(c.strength or '').capitalize()} {g.label}".strip()
                        for c, g in constraints)
    why = "" if firm else " (each group is stated for a case the tables do not encode)"
    out.append(ctx.finding(
        code_id, severity,
        f"Code {code.display()} is not in {named}{why}; item {n} of {b.label(ctx)}; "
        f"PS3.3 {strongest.where}: \"{strongest.text}\"",
        where=where, tag=CODE_VALUE, module=b.owner_id,
        reference=ctx.reference({"part": 16, "section": f"CID {strongest.cid}",
                                 "table": None}, part=16)))
    return f"not-in-{strength}"
