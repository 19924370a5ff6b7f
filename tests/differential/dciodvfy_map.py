"""Run dicom3tools' ``dciodvfy`` and map its messages to our finding codes.

Independent of ``conformance`` on purpose: the reference side of the differential test
must not share code with the engine it judges. Tags come from pydicom's dictionary.

A message becomes a key ``(code, tag)`` (``tag`` is 8 upper-case hex digits, or for
``module-missing`` the module's name normalised by :func:`module_key`). Messages that
have no counterpart among our codes (DICOMDIR hints, "value is zero", SR tree checks...)
are kept as ``code=None`` and counted as unmapped.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pydicom.datadict import DicomDictionary, tag_for_keyword

DCIODVFY = "/usr/bin/dciodvfy"

# Our codes that dciodvfy also reports (module-missing is reconstructed, see below).
COMPARED = ("module-missing", "type1-missing", "type2-missing", "type1c-missing",
            "type2c-missing", "not-allowed", "type1-empty", "type1c-empty", "enum-value",
            "defined-term", "not-in-iod", "vr-invalid", "vr-dubious", "vm-invalid",
            "retired", "item-count", "iod-unknown")

_TYPE_CODES = {
    ("Missing attribute", "1"): "type1-missing",
    ("Missing attribute", "2"): "type2-missing",
    ("Missing attribute", "1C"): "type1c-missing",
    ("Missing attribute", "2C"): "type2c-missing",
    ("Empty attribute (no value)", "1"): "type1-empty",
    ("Empty attribute (no value)", "1C"): "type1c-empty",
}
_ELEMENT = re.compile(
    r"^(Error|Warning) - (?P<what>Missing attribute|Empty attribute \(no value\)|"
    r"Attribute present when condition unsatisfied \(which may not be present otherwise\)|"
    r"Bad attribute Value Multiplicity|Bad Sequence number of Items [^E]*?)"
    r" ?(?:Type (?P<type>1C|2C|1|2|3) (?:Required|Conditional|Optional) )?"
    r"Element=<(?P<element>[^>]*)> Module=<(?P<module>[^>]*)>")
_BY_TAG = re.compile(
    r"^(Error|Warning) - (?P<what>Attribute is not present in standard DICOM IOD|"
    r"Value invalid for this VR|Value dubious for this VR|Retired attribute)"
    r" - \(0x(?P<g>[0-9a-fA-F]{4}),0x(?P<e>[0-9a-fA-F]{4})\)")
_BY_NAME = re.compile(
    r"^(Error|Warning) - Unrecognized (?P<what>enumerated value|defined term) <[^>]*> "
    r"for value \d+ of attribute <(?P<name>[^>]*)>")
_TAG_CODES = {"Attribute is not present in standard DICOM IOD": "not-in-iod",
              "Value invalid for this VR": "vr-invalid",
              "Value dubious for this VR": "vr-dubious",
              "Retired attribute": "retired"}
_IOD_LINE = re.compile(r"^[A-Z][A-Za-z0-9]+$")


@dataclass(frozen=True)
class Message:
    """One dciodvfy message and what it maps to."""

    severity: str  # "error" | "warning" | "other"
    code: str | None
    tag: str | None
    element: str | None
    module: str | None
    text: str


@dataclass
class Result:
    """dciodvfy's verdict on one file."""

    path: str
    iod: str | None
    messages: list[Message] = field(default_factory=list)
    returncode: int = 0
    crashed: bool = False  # aborted (assertion) or timed out: no usable verdict
    output: str = ""


def available(exe: str = DCIODVFY) -> str | None:
    """The dciodvfy executable, or None when dicom3tools is not installed."""
    if Path(exe).is_file():
        return exe
    return shutil.which("dciodvfy")


@lru_cache(maxsize=1)
def _names() -> dict[str, int]:
    """Attribute name -> tag, from pydicom's dictionary (non-retired entries win)."""
    out: dict[str, int] = {}
    for tag, (_vr, _vm, name, _retired, _kw) in sorted(DicomDictionary.items(),
                                                        key=lambda kv: bool(kv[1][3])):
        out.setdefault(name, tag)
        out.setdefault(name.replace("’", "'"), tag)
    return out


def tag_of_keyword(keyword: str) -> str | None:
    tag = tag_for_keyword(keyword)
    return f"{tag:08X}" if tag is not None else None


def tag_of_name(name: str) -> str | None:
    tag = _names().get(name)
    return f"{tag:08X}" if tag is not None else None


def module_key(name: str) -> str:
    """``"GeneralEquipment"`` / ``"general-equipment"`` -> ``"generalequipment"``."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def parse_line(line: str) -> Message | None:
    """The mapped message of one output line; None for lines that are no message."""
    text = line.strip()
    if not text.startswith(("Error - ", "Warning - ")):
        if " - Error - " in text or " - Warning - " in text:  # "(gggg,eeee) VR Name - ..."
            sev = "error" if " - Error - " in text else "warning"
            return Message(sev, None, None, None, None, text)
        return None
    severity = "error" if text.startswith("Error") else "warning"
    m = _ELEMENT.match(text)
    if m:
        what, typ = m.group("what"), m.group("type")
        if what.startswith("Attribute present when condition unsatisfied"):
            code: str | None = "not-allowed"
        elif what == "Bad attribute Value Multiplicity":
            code = "vm-invalid"
        elif what.startswith("Bad Sequence number of Items"):
            code = "item-count"
        else:
            code = _TYPE_CODES.get((what, typ or ""))
        element = m.group("element")
        return Message(severity, code, tag_of_keyword(element), element, m.group("module"),
                       text)
    m = _BY_TAG.match(text)
    if m:
        tag = (m.group("g") + m.group("e")).upper()
        return Message(severity, _TAG_CODES[m.group("what")], tag, None, None, text)
    m = _BY_NAME.match(text)
    if m:
        code = "enum-value" if m.group("what") == "enumerated value" else "defined-term"
        return Message(severity, code, tag_of_name(m.group("name")), m.group("name"), None,
                       text)
    if text == "Error - Information Object Not found":
        return Message(severity, "iod-unknown", None, None, None, text)
    return Message(severity, None, None, None, None, text)


def parse(output: str) -> tuple[str | None, list[Message]]:
    """The IOD dciodvfy chose (its CamelCase name) and the messages, in output order."""
    iod = None
    messages = []
    for line in output.splitlines():
        if iod is None and _IOD_LINE.match(line.strip()):
            iod = line.strip()
            continue
        msg = parse_line(line)
        if msg is not None:
            messages.append(msg)
    return iod, messages


def run(path: str | Path, exe: str = DCIODVFY, timeout: float = 120) -> Result:
    """Run dciodvfy on ``path`` (it writes everything to stderr)."""
    try:
        proc = subprocess.run([exe, str(path)], capture_output=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        return Result(str(path), None, returncode=-1, crashed=True)
    output = (proc.stdout + proc.stderr).decode("latin-1")
    iod, messages = parse(output)
    crashed = proc.returncode < 0 or "Assertion" in output or output.startswith("Abort")
    return Result(str(path), iod, messages, proc.returncode, crashed, output)


Key = tuple[str, str | None]
_MISSING = ("type1-missing", "type2-missing", "type1c-missing", "type2c-missing")


def keys(messages: Iterable[Message]) -> set[Key]:
    """``{(code, tag)}`` of the mapped messages."""
    return {(m.code, m.tag) for m in messages if m.code is not None}


def reconcile_modules(messages: list[Message], our_missing_modules: Iterable[str]
                      ) -> tuple[set[Key], set[Key]]:
    """dciodvfy reports a missing module as its missing attributes; we report
    ``module-missing`` once. Returns (dciodvfy keys with those attributes folded into
    ``("module-missing", module_key)``, the module-missing keys of ours that dciodvfy
    confirmed this way)."""
    ours = {module_key(m): m for m in our_missing_modules}
    folded: set[Key] = set()
    out: set[Key] = set()
    for m in messages:
        if m.code is None:
            continue
        mk = module_key(m.module) if m.module else None
        if m.code in _MISSING and mk in ours:
            folded.add(("module-missing", mk))
            continue
        out.add((m.code, m.tag))
    return out | folded, folded


def agreement(dv: set[Key], ours: set[Key], codes: Iterable[str] = COMPARED
              ) -> dict[str, dict[str, int]]:
    """Per code: keys both report, only dciodvfy, only ours."""
    table: dict[str, dict[str, int]] = {}
    for code in codes:
        a = {k for k in dv if k[0] == code}
        b = {k for k in ours if k[0] == code}
        table[code] = {"both": len(a & b), "dciodvfy_only": len(a - b),
                       "ours_only": len(b - a)}
    return table


def format_table(table: dict[str, dict[str, int]]) -> str:
    """The agreement table as aligned text (agreement = both / union)."""
    lines = [f"{'code':<16} {'both':>6} {'dv only':>8} {'ours only':>10} {'agree':>7}"]
    for code, row in table.items():
        union = row["both"] + row["dciodvfy_only"] + row["ours_only"]
        pct = f"{100 * row['both'] / union:.0f}%" if union else "-"
        lines.append(f"{code:<16} {row['both']:>6} {row['dciodvfy_only']:>8} "
                     f"{row['ours_only']:>10} {pct:>7}")
    return "\n".join(lines)
