"""PS3.3 IOD tables linked to the attribute tables of the part: each module or
functional group row names the section whose module (or macro) table it uses; an IOD's
content constraints in section prose (PS3.3 A.47.4.1.1) go onto the IOD."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from conformance.compiler.readers.docbook import anomaly
from conformance.compiler.readers.part03_cells import parse_usage, section_label
from conformance.compiler.readers.part03_cids import constraint, keyword_tag
from conformance.compiler.readers.part03_render import plain_marks
from conformance.compiler.readers.part03_text import new_condition
from conformance.ids import slug

PART = 3


@dataclass
class AttrTable:
    """An attribute table while the part is being read."""

    label: str
    kind: str
    id: str
    name: str
    sections: list[str]  # enclosing section ids, innermost first
    table: dict


@dataclass
class IodTable:
    """An IOD table while the part is being read (functional groups added at the end)."""

    label: str
    id: str
    name: str
    rows: list[dict] = field(default_factory=list)  # ie, name, ref, usage, text, row
    functional_groups: list[dict] = field(default_factory=list)


class IodLinker:
    """Links IOD and functional group rows to the tables of the sections they name;
    what cannot be linked is an anomaly, and a macro an IOD names as a module (or the
    reverse) gets a wrapper table (``wrappers``, made by ``wrapper``)."""

    def __init__(self, by_section: dict[str, list[AttrTable]], inventory: list[dict],
                 anomalies: list[dict]) -> None:
        self.by_section = by_section  # every enclosing section -> tables
        self.inventory = inventory
        self.anomalies = anomalies
        # (kind, id) -> table of the other kind that an IOD row names in its place
        self.wrappers: dict[tuple[str, str], AttrTable] = {}

    def iods(self, tables: list[IodTable], fg_tables: list[tuple[str, str, list[dict]]]
             ) -> dict[str, dict]:
        """The IODs of the part, their module and functional group rows linked to tables."""
        out: dict[str, dict] = {}
        by_prefix = {i.label.split("-")[0]: i for i in tables if i.label}
        for label, caption, rows in fg_tables:
            iod = by_prefix.get(label.split("-")[0])
            if iod is None:
                self.anomalies.append(anomaly(PART, "functional-groups-without-iod", label, None,
                                              f"no IOD table for {caption!r}"))
                continue
            for r in rows:
                usage, cond = self.usage(r["usage"], label, r["row"])
                target = self.table_in_section(r["ref"], r["name"], "macro", label, r["row"])
                iod.functional_groups.append({"macro": target, "usage": usage,
                                              "condition": cond})
        for iod in tables:
            if iod.id in out:
                self.anomalies.append(anomaly(PART, "duplicate-name", iod.label or None, None,
                                              f"IOD id {iod.id!r} defined twice; first kept"))
                continue
            modules = []
            for r in iod.rows:
                usage, cond = self.usage(r["usage"], iod.label, r["row"])
                target = self.table_in_section(r["ref"], r["name"], "module", iod.label,
                                                r["row"])
                modules.append({"ie": r["ie"], "module": target, "usage": usage,
                                "condition": cond})
            section = self.section_of_table(iod.label)
            out[iod.id] = {"id": iod.id, "name": iod.name,
                           "reference": {"part": PART, "section": section,
                                         "table": iod.label or None},
                           "modules": modules, "functional_groups": iod.functional_groups}
        return out

    def section_of_table(self, label: str) -> str | None:
        return next((e["section"] for e in self.inventory if e["table"] == label), None)

    def usage(self, text: str, table: str, row: int) -> tuple[str, dict | None]:
        letter, rest = parse_usage(text)
        if letter not in ("M", "C", "U"):
            self.anomalies.append(anomaly(PART, "unknown-usage", table or None, row,
                                          f"usage {plain_marks(text)!r}"))
            return plain_marks(text), None
        if letter != "C":
            return letter, None
        if not rest:
            self.anomalies.append(anomaly(PART, "missing-condition", table or None, row,
                                          "usage C without a condition"))
            return letter, None
        return letter, new_condition(rest)

    def table_in_section(self, ref: str | None, name: str, prefer: str, table: str,
                          row: int) -> str:
        """The module (or macro) table that the section ``ref`` defines."""
        cands = self.by_section.get(ref, []) if ref else []
        if cands:
            depth = min(a.sections.index(ref) for a in cands)
            cands = [a for a in cands if a.sections.index(ref) == depth]
            want = slug(name)
            cands.sort(key=lambda a: (a.kind != prefer, a.id != want))
            best = cands[0]
            if best.kind != prefer:
                self.anomalies.append(anomaly(
                    PART, "module-is-macro" if prefer == "module" else "macro-is-module",
                    table or None, row,
                    f"{name!r}: section {ref} holds {best.kind} table {best.label}; "
                    f"a {prefer} {best.id!r} that includes it is added"))
                self.wrappers.setdefault((prefer, best.id), best)
            return best.id
        self.anomalies.append(anomaly(
            PART, "unresolved-module-reference", table or None, row,
            f"{name!r}: no attribute table in {ref or 'a missing section link'}; "
            f"id taken from the name"))
        return slug(name)


def wrapper(kind: str, attr: AttrTable) -> dict:
    """A table of ``kind`` that only includes ``attr`` (an IOD names a macro as module)."""
    return {"id": attr.id, "name": attr.name, "kind": kind,
            "reference": dict(attr.table["reference"]),
            "attributes": [{"kind": "include", "include": {"kind": attr.kind, "id": attr.id},
                            "condition": None,
                            "text": f"Include Table {attr.label} (added by the reader)"}]}


def place_prose_cids(prose_cids: list[tuple[list[str], list[dict]]], titles: dict[str, str],
                     iods: dict[str, dict], macros: dict[str, dict],
                     anomalies: list[dict]) -> None:
    """An IOD's content constraints ("The Defined CID for the Anatomic Region
    Sequence (0008,2218) shall be CID 4042", under a section titled by the functional
    group macro) go on the IOD; every other prose reference is an anomaly
    (``cid-mention``) so that none is silently dropped."""
    for sections, refs in prose_cids:
        label = section_label(sections) or ""
        root = ".".join(label.split(".")[:2])
        iod = next((i for i in iods.values() if root and label.startswith("A.")
                    and ".".join((i["reference"]["section"] or "").split(".")[:2]) == root),
                   None)
        title = titles.get(sections[0], "") if sections else ""
        # "Frame Anatomy Functional Group Macro" -> frame-anatomy
        macro = slug(re.sub(r"\s+(?:Functional\s+Group\s+)?Macro$", "", title)) \
            if title else None
        for ref in refs:
            tag = ref.get("attr_tag") or (keyword_tag(ref["attr_name"])
                                          if ref.get("attr_name") else None)
            if iod is not None and ref["strength"] and tag:
                iod.setdefault("context_groups", []).append(constraint(
                    ref, attr=tag, macro=macro if macro in macros else None,
                    reference={"part": PART, "section": label, "table": None}))
            else:
                anomalies.append(anomaly(
                    PART, "cid-mention", None, None,
                    f"Section {label}: CID {ref['cid']} in prose, not a constraint on an "
                    f"attribute: {ref['text'][:200]}"))
