"""Per-VR rules derived from PS3.5 Table 6.2-1 (``vrs.json`` of the build).

Each row's text is read once per standard: the character repertoire (restricted
character sets such as ``"0"-"9", "D", "W" ...``, allowed control characters,
backslash), the length of value, multiplicity and the element size of binary VRs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.checks.values._lookup import cache_of, vr_table

_QUERY = re.compile(r"\bIn the context of\b", re.I)
_RESTRICTED = re.compile(r"^(.*?)\bof (?:the )?Default Character Repertoire", re.S)
_RANGE = re.compile(r'"(.)"\s*-\s*"(.)"')
_SINGLE = re.compile(r'"(.)"')
_EXCEPT = re.compile(r"control characters?(.*)", re.I | re.S)
_CONTROL_NAMES = {"TAB": 0x09, "LF": 0x0A, "FF": 0x0C, "CR": 0x0D, "ESC": 0x1B}
_LENGTH = re.compile(r"^\s*(\d+)\s+(bytes|chars)\s+(maximum|fixed)", re.I)
_BITS = re.compile(r"(\d+)-bit|binary(\d+)")


@dataclass(frozen=True, slots=True)
class VRSpec:
    """What Table 6.2-1 says about one VR, in a form the checks can apply fast."""

    vr: str
    name: str
    max_length: int | None
    fixed_length: int | None
    unit: str  # "bytes" or "chars"
    chars: frozenset[str] | None  # restricted character set, None = not restricted
    controls: frozenset[int]  # control characters allowed
    backslash_ok: bool
    multi_valued: bool
    extended: bool  # Specific Character Set may extend the repertoire
    element_size: int  # binary VRs: bytes per value
    clean: re.Pattern[str]  # fullmatch: every character is allowed (the fast path)


_CONTROLS = [*range(0x20), 0x7F]


def _ranges(chars: set[str]) -> str:
    """A regex character class body for ``chars``, runs of codes written as ranges."""
    codes = sorted(ord(c) for c in chars)
    out, i = [], 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        a, b = re.escape(chr(codes[i])), re.escape(chr(codes[j]))
        out.append(a if i == j else f"{a}-{b}")
        i = j + 1
    return "".join(out)


def _clean(chars: frozenset[str] | None, controls: frozenset[int], backslash_ok: bool,
           extended: bool) -> re.Pattern[str]:
    """A pattern matching exactly the values whose characters the VR allows."""
    banned = {chr(c) for c in _CONTROLS if c not in controls}
    if not backslash_ok:
        banned.add("\\")
    if chars is not None:
        allowed = _ranges(set(chars) - banned)
        return re.compile(f"[{allowed}]*" if allowed else "")
    if not extended:
        # Written as the ASCII characters allowed: a class excluding everything above
        # 7FH takes the regex compiler 30 times longer (4.7 ms of a cold start).
        return re.compile(f"[{_ranges({chr(c) for c in range(0x80)} - banned)}]*")
    return re.compile(f"[^{_ranges(banned)}]*")


def _first_sentence(text: str) -> str:
    m = _QUERY.search(text)
    return text[: m.start()] if m else text


def _restricted(rep: str) -> frozenset[str] | None:
    m = _RESTRICTED.match(rep)
    if not m or "excluding" in m.group(1) or not m.group(1).strip():
        return None
    head = m.group(1)
    chars: set[str] = set()
    for a, b in _RANGE.findall(head):
        chars.update(chr(c) for c in range(ord(a), ord(b) + 1))
    chars.update(_SINGLE.findall(_RANGE.sub("", head)))
    if "SPACE" in head:
        chars.add(" ")
    if re.search(r"upper\s*case characters", head, re.I):
        chars.update(chr(c) for c in range(ord("A"), ord("Z") + 1))
    return frozenset(chars) if chars else None


def _controls(rep: str) -> frozenset[int]:
    m = _EXCEPT.search(rep)
    if not m:
        return frozenset()
    tail = m.group(1)
    if "except" not in tail.lower():
        return frozenset()
    words = set(re.findall(r"[A-Z]{2,3}", tail))
    return frozenset(code for name, code in _CONTROL_NAMES.items() if name in words)


def _length(row: dict[str, Any]) -> tuple[int | None, int | None, str]:
    max_len = row.get("max_length")
    fixed = row.get("fixed_length")
    unit = row.get("max_length_unit") or "bytes"
    if "max_length" not in row and "fixed_length" not in row:
        m = _LENGTH.match(str(row.get("length") or ""))
        if m:
            n, unit = int(m.group(1)), m.group(2).lower()
            max_len, fixed = (n, n) if m.group(3).lower() == "fixed" else (n, None)
    if fixed is not None and max_len is None:
        max_len = fixed
    return max_len, fixed, str(unit)


def _spec(vr: str, row: dict[str, Any]) -> VRSpec:
    rep = " ".join(_first_sentence(str(row.get("repertoire") or "")).split())
    definition = " ".join(str(row.get("definition") or "").split())
    max_len, fixed, unit = _length(row)
    chars, controls = _restricted(rep), _controls(rep)
    backslash_ok = "5CH" not in rep and "5CH" in definition and "may be used" in definition
    extended = "(0008,0005)" in rep
    size = fixed or 1
    if not fixed:
        m = _BITS.search(definition)
        if m:
            size = int(m.group(1) or m.group(2)) // 8
    return VRSpec(
        vr=vr,
        name=str(row.get("name") or vr),
        max_length=max_len,
        fixed_length=fixed,
        unit=unit,
        chars=chars,
        controls=controls,
        backslash_ok=backslash_ok,
        multi_valued="shall not be multi-valued" not in definition,
        extended=extended,
        element_size=max(size, 1),
        clean=_clean(chars, controls, backslash_ok, extended),
    )


class _Specs(Mapping[str, VRSpec]):
    """VR -> VRSpec, each made when first asked for (a file uses a few of the VRs, and
    each spec compiles a pattern)."""

    __slots__ = ("rows", "made")

    def __init__(self, rows: dict[str, Any]) -> None:
        self.rows = {vr: row for vr, row in rows.items() if isinstance(row, dict)}
        self.made: dict[str, VRSpec] = {}

    def __getitem__(self, vr: str) -> VRSpec:
        got = self.made.get(vr)
        if got is None:
            got = self.made[vr] = _spec(vr, self.rows[vr])  # KeyError: no such VR
        return got

    def __contains__(self, vr: object) -> bool:
        return vr in self.rows

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def specs(std: Any) -> Mapping[str, VRSpec]:
    """VR -> VRSpec for the standard in use (empty when the build has no vrs.json)."""
    cache = cache_of(std)
    got = cache.vr_specs
    if got is None:
        got = cache.vr_specs = _Specs(vr_table(std))
    return got
