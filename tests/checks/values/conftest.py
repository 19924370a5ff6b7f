"""Fixtures of the value-check tests: the bundled standard, a fake one, and runners.

The fake standard is built from pydicom's dictionary and a hand-written VR table (the
phrases of PS3.5 Table 6.2-1 the checks read), so the checks are tested without a build.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from pydicom.datadict import DicomDictionary, RepeatersDictionary
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import Tag
from pydicom.uid import UID_dictionary

from conformance.engine.context import CheckContext
from conformance.engine.finding import Finding
from conformance.engine.registry import CheckInfo, discover
from conformance.engine.traversal import traverse
from conformance.standard import DictEntry, load_standard

_TEXT = ('Default Character Repertoire and/or as defined by (0008,0005) excluding character '
         'code 5CH (the BACKSLASH "\\" in ISO-IR 6), and all Control Characters except ESC '
         'when used for escape sequences.')
_PARA = ('Default Character Repertoire and/or as defined by (0008,0005) excluding Control '
         'Characters except TAB, LF, FF, CR (and ESC when used for escape sequences).')
_SINGLE = ('Data Elements with this VR shall not be multi-valued and therefore character code '
           '5CH (the BACKSLASH "\\" in ISO-IR 6) may be used.')


def _row(name: str, rep: str, length: str, max_length: int | None = None,
         fixed: int | None = None, unit: str = "bytes", definition: str = "") -> dict[str, Any]:
    return {"name": name, "definition": definition, "repertoire": rep, "length": length,
            "max_length": max_length, "fixed_length": fixed, "max_length_unit": unit}


# Hand-written after PS3.5 Table 6.2-1 (repertoire phrases, lengths).
FAKE_VRS: dict[str, dict[str, Any]] = {
    "AE": _row("Application Entity", 'Default Character Repertoire excluding character code '
               '5CH (the BACKSLASH "\\" in ISO-IR 6), and all control characters.',
               "16 bytes maximum", 16),
    "AS": _row("Age String", '"0"-"9", "D", "W", "M", "Y" of Default Character Repertoire',
               "4 bytes fixed", fixed=4),
    "AT": _row("Attribute Tag", "not applicable", "4 bytes fixed", fixed=4),
    "CS": _row("Code String", 'Uppercase characters, "0"-"9", the SPACE character, and '
               'underscore "_", of the Default Character Repertoire', "16 bytes maximum", 16),
    "DA": _row("Date", '"0"-"9" of Default Character Repertoire', "8 bytes fixed", fixed=8),
    "DS": _row("Decimal String", '"0"-"9", "+", "-", "E", "e", "." and the SPACE character '
               'of Default Character Repertoire', "16 bytes maximum", 16),
    "DT": _row("Date Time", '"0"-"9", "+", "-", "." and the SPACE character of Default '
               'Character Repertoire', "26 bytes maximum", 26),
    "FL": _row("Floating Point Single", "not applicable", "4 bytes fixed", fixed=4),
    "FD": _row("Floating Point Double", "not applicable", "8 bytes fixed", fixed=8),
    "IS": _row("Integer String", '"0"-"9", "+", "-" and the SPACE character of Default '
               'Character Repertoire', "12 bytes maximum", 12),
    "LO": _row("Long String", _TEXT, "64 chars maximum", 64, unit="chars"),
    "LT": _row("Long Text", _PARA, "10240 chars maximum", 10240, unit="chars",
               definition=_SINGLE),
    "OB": _row("Other Byte", "not applicable", "2^32-2 bytes maximum", 2**32 - 2,
               definition="An octet-stream."),
    "OD": _row("Other Double", "not applicable", "2^32-8 bytes maximum", 2**32 - 8,
               definition="A stream of binary64 values."),
    "OF": _row("Other Float", "not applicable", "2^32-4 bytes maximum", 2**32 - 4,
               definition="A stream of binary32 values."),
    "OL": _row("Other Long", "not applicable", "2^32-4 bytes maximum", 2**32 - 4,
               definition="A stream of 32-bit words."),
    "OV": _row("Other 64-bit Very Long", "not applicable", "2^32-8 bytes maximum",
               2**32 - 8, definition="A stream of 64-bit words."),
    "OW": _row("Other Word", "not applicable", "2^32-2 bytes maximum", 2**32 - 2,
               definition="A stream of 16-bit words."),
    "PN": _row("Person Name", _TEXT, "64 chars maximum per component group", 64,
               unit="chars"),
    "SH": _row("Short String", _TEXT, "16 chars maximum", 16, unit="chars"),
    "SL": _row("Signed Long", "not applicable", "4 bytes fixed", fixed=4),
    "SQ": _row("Sequence of Items", "not applicable", "not applicable"),
    "SS": _row("Signed Short", "not applicable", "2 bytes fixed", fixed=2),
    "ST": _row("Short Text", _PARA, "1024 chars maximum", 1024, unit="chars",
               definition=_SINGLE),
    "SV": _row("Signed 64-bit Very Long", "not applicable", "8 bytes fixed", fixed=8),
    "TM": _row("Time", '"0"-"9", "." and the SPACE character of Default Character '
               'Repertoire', "14 bytes maximum", 14),
    "UC": _row("Unlimited Characters", _TEXT, "2^32-2 bytes maximum", 2**32 - 2),
    "UI": _row("Unique Identifier (UID)", '"0"-"9", "." of Default Character Repertoire',
               "64 bytes maximum", 64),
    "UL": _row("Unsigned Long", "not applicable", "4 bytes fixed", fixed=4),
    "UN": _row("Unknown", "not applicable", "any"),
    "UR": _row("URI/URL", "The subset of the Default Character Repertoire required for the "
               "URI as defined in IETF RFC3986 Section 2. The BACKSLASH (5CH) character is "
               "among those disallowed in URIs.", "2^32-2 bytes maximum", 2**32 - 2,
               definition="Data Elements with this VR shall not be multi-valued."),
    "US": _row("Unsigned Short", "not applicable", "2 bytes fixed", fixed=2),
    "UT": _row("Unlimited Text", _PARA, "2^32-2 bytes maximum", 2**32 - 2,
               definition=_SINGLE),
    "UV": _row("Unsigned 64-bit Very Long", "not applicable", "8 bytes fixed", fixed=8),
}


class FakeDictionary:
    """pydicom's data dictionary and UID dictionary behind the Standard interface."""

    def get(self, tag: int) -> DictEntry | None:
        row = DicomDictionary.get(tag)
        key = f"{tag:08X}"
        if row is None:
            for mask, r in RepeatersDictionary.items():
                if all(m in ("x", "X") or m == k for m, k in zip(mask.upper(), key,
                                                                 strict=True)):
                    row, key = r, mask
                    break
        if row is None:
            return None
        vr, vm, name, retired, keyword = row
        return DictEntry(key, name, keyword, vr, vm, bool(retired))

    def uid(self, uid: str) -> dict[str, Any] | None:
        row = UID_dictionary.get(uid)
        if row is None:
            return None
        return {"uid": uid, "name": row[0], "type": row[1], "retired": bool(row[3]),
                "keyword": row[4] or None}


class FakeStandard:
    """Enough of ``conformance.standard.Standard`` for the value checks."""

    edition = "fake-pydicom"

    def __init__(self, vrs: dict[str, dict[str, Any]] | None = None) -> None:
        self.vrs = FAKE_VRS if vrs is None else vrs
        self.dictionary = FakeDictionary()
        self.sop_classes: dict[str, Any] = {}

    def module(self, module_id: str) -> dict[str, Any]:
        return {"attributes": []}


@pytest.fixture(scope="session")
def fake_std() -> FakeStandard:
    return FakeStandard()


@pytest.fixture(scope="session")
def std() -> Any:
    """The bundled standard build (standard_data/)."""
    return load_standard()


def checks_of(*modules: str) -> list[CheckInfo]:
    """The registered checks of the given modules of conformance.checks.values."""
    wanted = tuple(f"conformance.checks.values.{m}." for m in modules)
    return [c for c in discover().values() if c.name.startswith(wanted)]


def run_checks(ds: Dataset, standard: Any, *modules: str, file_meta: Any = None,
               facts: Any = None, options: dict[str, Any] | None = None) -> list[Finding]:
    """Run the checks of ``modules`` on ``ds`` as the engine does (dataset, then elements)."""
    kw: dict[str, Any] = {"dataset": ds, "standard": standard, "file_meta": file_meta,
                          "options": options or {}}
    if facts is not None:
        kw["facts"] = facts
    ctx = CheckContext(**kw)  # records the elements as read
    out: list[Finding] = []
    checks = checks_of(*modules)
    for c in checks:
        if c.kind == "dataset":
            out.extend(c.fn(ctx))
    traverse(ctx, [c for c in checks if c.kind == "element"], out)
    return out


def raw(tag: int, vr: str | None, value: bytes, implicit: bool = False) -> RawDataElement:
    """A raw element as pydicom's reader makes it."""
    return RawDataElement(Tag(tag), vr, len(value), value, 0, implicit, True)


def dataset(*elems: RawDataElement) -> Dataset:
    ds = Dataset()
    for e in elems:
        ds[e.tag] = e
    return ds


def codes(findings: Iterable[Finding], *wanted: str) -> list[tuple[str, str]]:
    """(code, severity) of the findings with the wanted codes (all when none given)."""
    return [(f.code, f.severity) for f in findings if not wanted or f.code in wanted]


Runner = Callable[..., list[Finding]]
