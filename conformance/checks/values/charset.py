"""Specific Character Set terms and text decoding (PS3.3 C.12.1.1.2; PS3.5 6.1).

Values of Specific Character Set (0008,0005) are the Defined Terms of PS3.3 C.12.1.1.2,
taken from the SOP Common module table of the build (its enums of (0008,0005)); when
the build lists none, pydicom's table of DICOM character sets is used and the finding
says so. Several values need code extension (``ISO 2022 ...`` terms, value 1 may be
empty). Text of SH, LO, ST, LT, UC, UT and PN must decode with the terms in force;
without Specific Character Set only the Default Character Repertoire (ASCII) is allowed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pydicom import charset as pd_charset
from pydicom.dataset import Dataset

from conformance.checks.values._common import (
    charsets,
    charsets_of,
    converted_text,
    decode,
    element_vr,
    make,
    per_item,
    raw_bytes,
    scope_of,
)
from conformance.checks.values._lookup import name_of, per_standard
from conformance.engine.finding import Finding, Reference
from conformance.engine.path import ElementPath
from conformance.engine.registry import dataset_check, element_check

REF_TERMS = Reference(part=3, section="C.12.1.1.2")
REF_TEXT = Reference(part=5, section="6.1")
SPECIFIC_CHARACTER_SET = 0x00080005
TEXT_VRS = frozenset({"SH", "LO", "ST", "LT", "UC", "UT", "PN"})


def defined_terms(std: Any) -> tuple[frozenset[str], str]:
    """(terms, source): from the build's SOP Common module, else pydicom's table."""

    def build(s: Any) -> tuple[frozenset[str], str]:
        try:
            attrs = s.module("sop-common").get("attributes", [])
        except Exception:  # noqa: BLE001
            attrs = []
        terms = {v for a in attrs if a.get("tag") == "00080005"
                 for e in a.get("enums") or () for v in e.get("values") or ()}
        if terms:
            return frozenset(terms), "the SOP Common module of the standard"
        return (frozenset(t for t in pd_charset.python_encoding if t),
                "pydicom's character set table (the standard build lists no Defined Terms)")

    return per_standard(std, "charset-terms", build)


def _term_problems(values: list[str], terms: frozenset[str]) -> list[str]:
    out = []
    for i, v in enumerate(values, 1):
        if v == "" and i == 1:
            continue
        if v not in terms:
            out.append(f"value {i} {v!r} is not a Defined Term")
    if len(values) > 1:
        non_2022 = [v for v in values if v and not v.startswith("ISO 2022")]
        if non_2022:
            out.append(f"{', '.join(non_2022)} cannot be combined with other character sets "
                       "(several values need ISO 2022 code extension terms)")
    return out


@dataset_check("charset", reference="PS3.3 C.12.1.1.2")
def check_charset_terms(ctx: Any) -> Iterator[Finding]:
    """PS3.3 C.12.1.1.2: Specific Character Set values are its Defined Terms."""
    terms, source = defined_terms(ctx.standard)

    def item(ds: Dataset, parent: ElementPath | None) -> Iterator[Finding]:
        if SPECIFIC_CHARACTER_SET not in ds:
            return
        problems = _term_problems(charsets_of(ds, ctx), terms)
        if problems:
            yield make(ctx, "charset", "error",
                       "Specific Character Set: " + "; ".join(problems) + f" (terms from "
                       f"{source})", ElementPath(parent, SPECIFIC_CHARACTER_SET), REF_TERMS)

    return per_item(ctx, item)


@element_check("charset", reference="PS3.5 6.1", vrs=TEXT_VRS)
def check_text_decodes(elem: Any, where: Any, ctx: Any) -> Iterable[Finding]:
    """PS3.5 6.1: text values decode with the Specific Character Set in force."""
    raw = raw_bytes(elem)
    if raw is not None and raw.isascii() and b"\x1b" not in raw:
        return ()  # ASCII decodes the same in every character set
    if element_vr(elem, where, ctx) not in TEXT_VRS:
        return ()
    scope = scope_of(where, ctx)
    if raw is not None:
        _text, ok = decode(raw, scope)
        if ok:
            return ()
    else:
        text = converted_text(elem)
        if text.isascii():
            return ()
        extended = any(t not in ("", "ISO_IR 6") for t in charsets(scope))
        if extended and "\ufffd" not in text:
            return ()
    terms = [t for t in charsets(scope) if t] or ["none: ISO-IR 6 (ASCII)"]
    return [make(ctx, "charset", "error",
                 f"{name_of(ctx.standard, elem.tag)} has bytes that cannot be decoded with "
                 f"Specific Character Set {' / '.join(terms)}", where, REF_TEXT)]
