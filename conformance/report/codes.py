"""What a finding code means (from the code catalogue) and where the standard states it
(for SARIF rules)."""

from __future__ import annotations

import re
from typing import Any

from conformance.catalogue import entry, render

_BASE = "https://dicom.nema.org/medical/dicom/{edition}/output/html/part{part:02d}.html"
_EDITION = re.compile(r"^\d{4}[a-e]$")
_REF = re.compile(r"PS\s?3\.(\d+)\s+(?:Annex\s+([A-Z]+)\b"
                  r"|(?:[Ss]ection\s+)?([A-Z]?\d(?:[\d.]*\d)?|[A-Z]\.\d[\d.]*))")


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


def describe(code: str, source: str = "standard") -> dict[str, Any]:
    """``{"title", "description", "help", "severity", "reference", "help_uri"}`` of a code.

    Standard and engine codes are described by their catalogue entry
    (``conformance.catalogue``); rule codes by their rule file.
    """
    e = entry(code)
    if e is not None:
        return {"title": e.title, "description": f"{e.meaning} {e.why}",
                "help": render.text(e), "severity": e.severity, "reference": e.reference,
                "help_uri": uri_for_reference_text(e.reference)}
    if source and source != "standard":
        text = f"Site rule {code} ({source.split('#')[0]})."
    else:
        text = f"Finding {code}."
    return {"title": text, "description": text, "help": text, "severity": None,
            "reference": "", "help_uri": None}
