"""Resolve attribute, module and macro names of condition sentences to tags and ids.

PS3.3 names attributes with or without their tag and with typos: ``(0008.0068)``,
``0020,9167)``, ``(0062, 000D)``, names differing in case, punctuation or plural.
The tag, when given, is trusted; a bare name is looked up exactly, then normalised
(lower case, letters and digits only), then without a final plural ``s``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from conformance.ids import slug, strip_caption

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def norm(text: str) -> str:
    """Lower case, letters and digits only: ``"Contrast/Bolus Agent"`` -> ``contrastbolusagent``."""
    return _NON_ALNUM.sub("", text.lower())


@dataclass(frozen=True, slots=True)
class Element:
    tag: str
    name: str
    keyword: str
    vr: str
    retired: bool


@dataclass
class NameIndex:
    """Attribute names -> tags, plus module / macro names -> ids."""

    elements: dict[str, Element]
    modules: dict[str, str] = field(default_factory=dict)   # norm(name) -> id
    macros: dict[str, str] = field(default_factory=dict)    # norm(name) -> id
    uids: dict[str, str] = field(default_factory=dict)      # norm(UID name) -> UID
    _by_norm: dict[str, str] = field(default_factory=dict, repr=False)
    # first normalised word of a name -> longest name length in words, for the scanner
    first_words: dict[str, int] = field(default_factory=dict, repr=False)
    # words (case kept) occurring in names: lets a typo'd name before a tag be recognised
    vocabulary: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        by_norm: dict[str, str] = {}
        first: dict[str, int] = {}
        vocab: set[str] = set()
        # non-retired entries win over retired ones that share a name
        for el in sorted(self.elements.values(), key=lambda e: (e.retired, e.tag)):
            if not el.name:
                continue
            for key in (norm(el.name), norm(el.keyword) if el.keyword else ""):
                if key and key not in by_norm:
                    by_norm[key] = el.tag
            words = el.name.split()
            w0 = norm(words[0])
            if w0:
                first[w0] = max(first.get(w0, 0), len(words))
            vocab.update(words)
        self._by_norm = by_norm
        self.first_words = first
        self.vocabulary = frozenset(vocab)

    # -- constructors ----------------------------------------------------------------

    @classmethod
    def from_elements(cls, elements: Mapping[str, Mapping[str, object]], *,
                      modules: Iterable[str] | Mapping[str, str] = (),
                      macros: Iterable[str] | Mapping[str, str] = (),
                      uids: Mapping[str, Mapping[str, object]] | None = None) -> NameIndex:
        """From ``dictionary.json`` ``elements`` (and optionally its ``uids``) of a build.

        ``modules`` / ``macros``: table names (ids are their slugs) or ``{id: name}``.
        """
        els = {}
        for tag, e in elements.items():
            els[tag] = Element(tag=tag, name=str(e.get("name") or ""),
                               keyword=str(e.get("keyword") or ""), vr=str(e.get("vr") or ""),
                               retired=bool(e.get("retired")))
        uid_names = {norm(str(u.get("name") or "")): uid for uid, u in (uids or {}).items()
                     if u.get("name")}
        return cls(els, modules=_name_map(modules), macros=_name_map(macros), uids=uid_names)

    @classmethod
    def from_pydicom(cls, *, modules: Iterable[str] | Mapping[str, str] = (),
                     macros: Iterable[str] | Mapping[str, str] = ()) -> NameIndex:
        """From pydicom's data dictionary (fallback and tests)."""
        from pydicom.datadict import DicomDictionary, RepeatersDictionary
        from pydicom.uid import UID_dictionary

        els: dict[str, Element] = {}
        for t, (vr, _vm, name, retired, kw) in DicomDictionary.items():
            tag = f"{t:08X}"
            els[tag] = Element(tag, name, kw, vr, bool(retired))
        for mask, (vr, _vm, name, retired, kw) in RepeatersDictionary.items():
            tag = "".join("x" if c in "xX" else c.upper() for c in mask)
            els[tag] = Element(tag, name, kw, vr, bool(retired))
        uid_names = {norm(v[0]): k for k, v in UID_dictionary.items()}
        return cls(els, modules=_name_map(modules), macros=_name_map(macros), uids=uid_names)

    # -- lookups ---------------------------------------------------------------------

    def element(self, tag: str) -> Element | None:
        return self.elements.get(tag)

    def vr(self, tag: str) -> str:
        el = self.elements.get(tag)
        return el.vr if el else ""

    def name_of(self, tag: str) -> str:
        el = self.elements.get(tag)
        return el.name if el else ""

    def lookup_norm(self, key: str) -> str | None:
        """Tag for an already-normalised name (plural ``s`` tolerated)."""
        tag = self._by_norm.get(key)
        if tag is None:
            tag = self._by_norm.get(key[:-1]) if key.endswith("s") else None
            if tag is None:
                tag = self._by_norm.get(key + "s")
        return tag

    def in_vocabulary(self, word: str) -> bool:
        """A word (case kept) of some attribute name, plural tolerated."""
        v = self.vocabulary
        return word in v or word + "s" in v or (word.endswith("s") and word[:-1] in v)

    def resolve(self, name: str | None, tag: str | None = None) -> str | None:
        """The tag of an attribute given by name and/or tag; the tag is trusted."""
        if tag:
            return tag
        if not name:
            return None
        name = re.sub(r"^(?:the\s+)?(?:value\s+\d+\s+of\s+)?", "", name.strip(), flags=re.I)
        return self.lookup_norm(norm(name))

    def module_id(self, name: str, kind: str) -> str | None:
        """Id of a module (``kind="module"``) or macro / functional group by name."""
        key = norm(strip_caption(name))
        if kind == "module":
            return self.modules.get(key)
        return self.macros.get(key) or self.macros.get(key.removesuffix("s"))

    def uid_for(self, name: str) -> str | None:
        """A UID registry entry by name (``"RT Structure Set Storage"``); PS3.6 editions
        differ in whether SOP Class names end in "SOP Class"."""
        key = norm(name)
        return self.uids.get(key) or self.uids.get(key + "sopclass") or (
            self.uids.get(key.removesuffix("sopclass")) if key.endswith("sopclass") else None)


def _name_map(names: Iterable[str] | Mapping[str, str]) -> dict[str, str]:
    """Names (ids are their slugs) or an ``{id: name}`` mapping -> ``{norm(name): id}``."""
    pairs = (names.items() if isinstance(names, Mapping)
             else ((slug(strip_caption(n)), n) for n in names))
    out: dict[str, str] = {}
    for ident, n in pairs:
        out.setdefault(norm(strip_caption(n)), ident)
    return out
