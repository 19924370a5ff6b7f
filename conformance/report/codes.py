"""What a finding code means and where the standard states it (for SARIF rules)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from conformance.engine.registry import ENGINE_CODES

_BASE = "https://dicom.nema.org/medical/dicom/{edition}/output/html/part{part:02d}.html"
_EDITION = re.compile(r"^\d{4}[a-e]$")
_REF = re.compile(r"PS\s?3\.(\d+)\s+(?:Annex\s+([A-Z]+)\b"
                  r"|(?:[Ss]ection\s+)?([A-Z]?[\d.]+\d|[A-Z]\.\d[\d.]*))")


def help_uri(part: int | None, section: str | None = None, table: str | None = None,
             edition: str | None = None) -> str | None:
    """The NEMA HTML page (and anchor) of a part, section or table; None without a part."""
    if not part:
        return None
    ed = edition if edition and _EDITION.match(edition) else "current"
    url = _BASE.format(edition=ed, part=part)
    if table:
        return f"{url}#table_{table}"
    if section:
        if re.fullmatch(r"[A-Z]+", section):
            return f"{url}#chapter_{section}"
        return f"{url}#sect_{section}"
    return url


def uri_for_reference_text(text: str) -> str | None:
    """``"PS3.5 7.4"`` / ``"PS3.3 Annex C"`` -> the NEMA URL of its first citation."""
    m = _REF.search(text or "")
    if not m:
        return None
    return help_uri(int(m.group(1)), m.group(2) or m.group(3))


@lru_cache(maxsize=1)
def _registry() -> dict[str, tuple[str, str]]:
    from conformance.engine.registry import discover

    out: dict[str, tuple[str, str]] = {}
    for info in sorted(discover().values(), key=lambda c: c.name):
        first = " ".join(info.doc.split("\n\n")[0].split())
        for code in info.codes:
            out.setdefault(code, (first, info.reference))
    return out


def describe(code: str, source: str = "standard") -> dict[str, Any]:
    """``{"description", "reference", "help_uri"}`` for a finding code.

    Standard codes are described by the docstring of the check that emits them; rule
    codes by their rule file.
    """
    known = _registry().get(code) or ENGINE_CODES.get(code)
    if known is not None:
        desc, ref = known
        return {"description": desc, "reference": ref, "help_uri": uri_for_reference_text(ref)}
    if source and source != "standard":
        return {"description": f"Site rule {code} ({source.split('#')[0]}).",
                "reference": "", "help_uri": None}
    return {"description": f"Finding {code}.", "reference": "", "help_uri": None}
