"""PS3.3 reader: IOD module tables, functional group tables, module and macro tables.

The part is streamed (``iter_elements`` on tables, titles and paragraphs, so that what
has been read is freed); only compact dicts are kept. Links that point forward (an
include of a table defined later, an IOD row naming a section, an xref rendered by
title) are resolved once the whole file has been read. Output shapes:
``{"iods": {id: IOD}, "modules": {id: Table}, "macros": {id: Table}}`` (docs/CONTRACTS.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from pydicom.datadict import dictionary_VR

from conformance.compiler.readers.docbook import (
    XML_ID,
    anomaly,
    iter_elements,
    q,
)
from conformance.compiler.readers.part03_cells import (
    cells_of,
    grid_rows,
    header_cells,
    parse_tag_cell,
    parse_type,
    parse_usage,
    split_markers,
)
from conformance.compiler.readers.part03_cids import cid_refs, constraint, keyword_tag
from conformance.compiler.readers.part03_render import (
    Resolver,
    cell_blocks,
    normalise_sentence,
    plain_marks,
    render,
)
from conformance.compiler.readers.part03_text import (
    condition_text,
    enums_of,
    include_condition,
    is_condition_sentence,
    item_counts,
    new_condition,
    prose_of,
)
from conformance.errors import SourceError
from conformance.ids import slug, strip_caption

PART = 3
_XREF = q("xref")
_SECTIONS = (q("section"), q("chapter"), q("appendix"))
# Caption endings, longest first; only one is removed (see table_name).
_CAPTION_SUFFIXES = (" Module Attributes Description", " Macro Attributes Description",
                     " Attributes Description", " Module Attributes", " Macro Attributes",
                     " Module Table", " Macro Table", " Attributes", " Module", " Macro")


@dataclass
class _Attr:
    """An attribute table while the part is being read."""

    label: str
    kind: str
    id: str
    name: str
    sections: list[str]  # enclosing section ids, innermost first
    table: dict


@dataclass
class _Iod:
    label: str
    id: str
    name: str
    rows: list[dict] = field(default_factory=list)  # ie, name, ref, usage, text, row
    functional_groups: list[dict] = field(default_factory=list)


def read_part03(path: Path, anomalies: list[dict], *,
                tables: list[dict] | None = None) -> dict:
    """Read a PS3.3 DocBook file into IODs, modules and macros.

    Structural defects are appended to ``anomalies``. When ``tables`` is given, one entry
    per table of the part is appended to it: ``{"table", "caption", "section", "role",
    "id", "reason"}`` with role ``iod``, ``functional-groups``, ``module``, ``macro`` or
    ``skipped`` (``reason`` says why). Raises SourceError for a missing or truncated file.
    """
    reader = _Reader(Path(path))
    if not reader.path.is_file():
        raise SourceError(f"{reader.path}: no such file")
    for el in iter_elements(reader.path, ("table", "title", "para")):
        if el.tag == q("table"):
            reader.on_table(el)
        elif el.tag == q("title"):
            reader.on_title(el)
        else:
            reader.on_para(el)
    result = reader.finish()
    for ident, line in scan_duplicate_ids(reader.path):
        table = ident[len("table_"):] if ident.startswith("table_") else None
        anomalies.append(anomaly(PART, "duplicate-id", table, None,
                                 f"xml:id {ident!r} defined again at line {line}"))
    anomalies.extend(reader.anomalies)
    if tables is not None:
        tables.extend(reader.inventory)
    return result


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.titles: dict[str, str] = {}  # section / table xml:id -> title or caption
        self.attr_tables: list[_Attr] = []
        self.by_label: dict[str, _Attr] = {}
        self.by_section: dict[str, list[_Attr]] = {}  # every enclosing section -> tables
        self.iods: list[_Iod] = []
        self.fg_tables: list[tuple[str, str, list[dict]]] = []  # label, caption, rows
        self.includes: list[tuple[dict, str, str, int]] = []  # node, target label, table, row
        self.anomalies: list[dict] = []
        self.inventory: list[dict] = []
        self.seen_tables: set[str] = set()
        # (kind, id) -> table of the other kind that an IOD row names in its place
        self.wrappers: dict[tuple[str, str], _Attr] = {}
        # CID references in section prose: (enclosing section ids, references)
        self.prose_cids: list[tuple[list[str], list[dict]]] = []

    # --- streaming callbacks -----------------------------------------------------------

    def on_title(self, el: etree._Element) -> None:
        parent = el.getparent()
        if parent is not None and parent.tag in _SECTIONS and parent.get(XML_ID):
            self.titles[parent.get(XML_ID)] = plain_marks(render(el))

    def on_para(self, el: etree._Element) -> None:
        """Keep the CID references of a paragraph outside tables (IOD content
        constraints such as PS3.3 A.47.4.1.1)."""
        if el.getparent() is None or next(el.iterancestors(q("table")), None) is not None:
            return
        if next((o for o in el.iter(q("olink")) if "CID" in o.get("targetptr", "")),
                None) is None:
            return
        sections = [s.get(XML_ID) or "" for s in el.iterancestors(*_SECTIONS)]
        self.prose_cids.append((sections, cid_refs(el)))

    def on_table(self, el: etree._Element) -> None:
        ident = el.get(XML_ID) or ""
        label = ident[len("table_"):] if ident.startswith("table_") else (el.get("label") or "")
        caption = plain_marks(render(el.find(q("caption"))))
        sections = [s.get(XML_ID) or "" for s in el.iterancestors(*_SECTIONS)]
        entry = {"table": label or None, "caption": caption, "section": _section_label(sections),
                 "role": "skipped", "id": None, "reason": None}
        self.inventory.append(entry)
        if ident:
            self.titles.setdefault(ident, caption)
        if label and label in self.seen_tables:
            entry["reason"] = f"second table with label {label} (duplicate xml:id); first kept"
            return
        if label:
            self.seen_tables.add(label)
        header = [h.lower() for h in header_cells(el)]
        if header[:1] == ["ie"] and "usage" in header and len(header) == 4:
            self._iod_table(el, label, caption, entry)
        elif header[:1] == ["functional group macro"] and "usage" in header:
            self._fg_table(el, label, caption, entry)
        elif len(header) == 4 and header[:3] == ["attribute name", "tag", "type"]:
            self._attr_table(el, label, caption, sections, entry)
        else:
            entry["reason"] = ("no header row" if not header else
                               "not an IOD, functional group or attribute table (header: "
                               + " | ".join(header_cells(el)) + ")")

    # --- IOD and functional group tables -----------------------------------------------

    def _iod_table(self, el: etree._Element, label: str, caption: str, entry: dict) -> None:
        name = strip_caption(caption)
        iod = _Iod(label, slug(name), name)
        for r, row in enumerate(grid_rows(el, 4), start=1):
            if any(c is None for c in row):
                self.anomalies.append(anomaly(PART, "bad-cell-count", label, r,
                                              "IOD table row with fewer than 4 cells"))
                continue
            ie, module, ref, usage = row
            iod.rows.append({"ie": plain_marks(render(ie)) or None,
                             "name": plain_marks(render(module)),
                             "ref": _section_link(ref), "usage": render(usage), "row": r})
        self.iods.append(iod)
        entry.update(role="iod", id=iod.id)

    def _fg_table(self, el: etree._Element, label: str, caption: str, entry: dict) -> None:
        rows = []
        for r, row in enumerate(grid_rows(el, 3), start=1):
            if any(c is None for c in row):
                self.anomalies.append(anomaly(PART, "bad-cell-count", label, r,
                                              "functional group row with fewer than 3 cells"))
                continue
            macro, ref, usage = row
            rows.append({"name": plain_marks(render(macro)), "ref": _section_link(ref),
                         "usage": render(usage), "row": r})
        self.fg_tables.append((label, caption, rows))
        entry.update(role="functional-groups")

    # --- attribute tables ----------------------------------------------------------------

    def _attr_table(self, el: etree._Element, label: str, caption: str, sections: list[str],
                    entry: dict) -> None:
        kind = "macro" if re.search(r"\bMacro\b", caption) else \
            "module" if re.search(r"\bModule\b", caption) else "macro"
        name = table_name(caption)
        ident = slug(name)
        if not ident:
            entry["reason"] = "caption gives an empty id"
            return
        table = {"id": ident, "name": name, "kind": kind,
                 "reference": {"part": PART, "section": _section_label(sections),
                               "table": label or None},
                 "attributes": []}
        _TableRows(self, label, table).read(el)
        attr = _Attr(label, kind, ident, name, sections, table)
        self.attr_tables.append(attr)
        if label:
            self.by_label[label] = attr
        for section in sections:
            self.by_section.setdefault(section, []).append(attr)
        entry.update(role=kind, id=ident)

    # --- end of file ----------------------------------------------------------------------

    def finish(self) -> dict:
        modules: dict[str, dict] = {}
        macros: dict[str, dict] = {}
        for attr in self.attr_tables:
            ns = modules if attr.kind == "module" else macros
            if attr.id in ns:
                self.anomalies.append(anomaly(
                    PART, "duplicate-name", attr.label or None, None,
                    f"{attr.kind} id {attr.id!r} also defined by table "
                    f"{ns[attr.id]['reference']['table']}; first kept"))
                continue
            ns[attr.id] = attr.table
        for node, target, table, row in self.includes:
            found = self.by_label.get(target)
            if found is None:
                node["include"] = {"kind": "macro", "id": slug(f"table {target}")}
                self.anomalies.append(anomaly(PART, "include-unresolved", table or None, row,
                                              f"Include of Table {target}, not in this file"))
            else:
                node["include"] = {"kind": found.kind, "id": found.id}
        iods = self._finish_iods()
        for (kind, ident), attr in self.wrappers.items():
            ns = modules if kind == "module" else macros
            ns.setdefault(ident, _wrapper(kind, attr))
        resolve = Resolver(self.titles)
        for t in (*modules.values(), *macros.values()):
            _resolve_nodes(t["attributes"], resolve)
        for iod in iods.values():
            for m in (*iod["modules"], *iod["functional_groups"]):
                if m["condition"]:
                    m["condition"]["text"] = normalise_sentence(resolve(m["condition"]["text"]))
        self._place_prose_cids(iods, macros)
        return {"iods": iods, "modules": modules, "macros": macros}

    def _place_prose_cids(self, iods: dict[str, dict], macros: dict[str, dict]) -> None:
        """An IOD's content constraints ("The Defined CID for the Anatomic Region
        Sequence (0008,2218) shall be CID 4042", under a section titled by the functional
        group macro) go on the IOD; every other prose reference is an anomaly
        (``cid-mention``) so that none is silently dropped."""
        for sections, refs in self.prose_cids:
            label = _section_label(sections) or ""
            root = ".".join(label.split(".")[:2])
            iod = next((i for i in iods.values() if root and label.startswith("A.")
                        and ".".join((i["reference"]["section"] or "").split(".")[:2]) == root),
                       None)
            title = self.titles.get(sections[0], "") if sections else ""
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
                    self.anomalies.append(anomaly(
                        PART, "cid-mention", None, None,
                        f"Section {label}: CID {ref['cid']} in prose, not a constraint on an "
                        f"attribute: {ref['text'][:200]}"))

    def _finish_iods(self) -> dict[str, dict]:
        out: dict[str, dict] = {}
        by_prefix = {i.label.split("-")[0]: i for i in self.iods if i.label}
        for label, caption, rows in self.fg_tables:
            iod = by_prefix.get(label.split("-")[0])
            if iod is None:
                self.anomalies.append(anomaly(PART, "functional-groups-without-iod", label, None,
                                              f"no IOD table for {caption!r}"))
                continue
            for r in rows:
                usage, cond = self._usage(r["usage"], label, r["row"])
                target = self._table_in_section(r["ref"], r["name"], "macro", label, r["row"])
                iod.functional_groups.append({"macro": target, "usage": usage,
                                              "condition": cond})
        for iod in self.iods:
            if iod.id in out:
                self.anomalies.append(anomaly(PART, "duplicate-name", iod.label or None, None,
                                              f"IOD id {iod.id!r} defined twice; first kept"))
                continue
            modules = []
            for r in iod.rows:
                usage, cond = self._usage(r["usage"], iod.label, r["row"])
                target = self._table_in_section(r["ref"], r["name"], "module", iod.label,
                                                r["row"])
                modules.append({"ie": r["ie"], "module": target, "usage": usage,
                                "condition": cond})
            section = self._section_of_table(iod.label)
            out[iod.id] = {"id": iod.id, "name": iod.name,
                           "reference": {"part": PART, "section": section,
                                         "table": iod.label or None},
                           "modules": modules, "functional_groups": iod.functional_groups}
        return out

    def _section_of_table(self, label: str) -> str | None:
        return next((e["section"] for e in self.inventory if e["table"] == label), None)

    def _usage(self, text: str, table: str, row: int) -> tuple[str, dict | None]:
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

    def _table_in_section(self, ref: str | None, name: str, prefer: str, table: str,
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


class _TableRows:
    """Builds the Node tree of one attribute table from its rows."""

    def __init__(self, reader: _Reader, label: str, table: dict) -> None:
        self.reader = reader
        self.label = label
        self.table = table
        self.parents: list[dict] = []  # parents[k]: latest attribute at level k
        self.pending: tuple[dict, int, int] | None = None  # a sequence row awaiting items

    def note(self, kind: str, row: int | None, detail: str) -> None:
        self.reader.anomalies.append(anomaly(PART, kind, self.label or None, row, detail))

    def read(self, el: etree._Element) -> None:
        body = el.find(q("tbody"))
        for r, tr in enumerate((body if body is not None else el).iter(q("tr")), start=1):
            self.row(cells_of(tr), r)
        self.close_sequence(None)

    def row(self, cells: list[etree._Element], r: int) -> None:
        if not cells:
            return
        first = render(cells[0])
        level, rest = split_markers(plain_marks(first))
        if len(cells) > 1 or level:
            self.close_sequence(level)
        if re.match(r"include\b", rest, re.I):
            self.include(cells, first, level, r)
            return
        if len(cells) == 1:
            return  # a heading row inside the table ("BASIC CODED ENTRY ATTRIBUTES")
        if len(cells) != 4:
            self.note("bad-cell-count", r, f"{len(cells)} cells, expected 4: {rest[:60]!r}")
            return
        tag_text = plain_marks(render(cells[1]))
        tag = parse_tag_cell(tag_text)
        if tag is None:
            self.note("bad-tag", r, f"{rest!r}: tag cell {tag_text!r}")
            return
        type_, ok = parse_type(plain_marks(render(cells[2])))
        if not ok:
            self.note("unknown-type", r, f"{rest!r} {tag}: type {type_!r}")
        blocks = cell_blocks(cells[3])
        prose = prose_of(blocks)
        sequence = _is_sequence(tag, rest)
        condition = None
        if type_ in ("1C", "2C"):
            text = condition_text(prose)
            if text is None:
                self.note("missing-condition", r, f"{rest!r} {tag}: type {type_} "
                                                  "without a condition sentence")
            else:
                condition = new_condition(text)
        elif type_ == "3":
            text = condition_text(prose, prohibition_only=True)
            condition = new_condition(text) if text else None
        elif ok and any(re.match(r"Required\s+(?:if|when)\b", plain_marks(s))
                        for s in prose.sentences if is_condition_sentence(s)):
            self.note("condition-on-type", r, f"{rest!r} {tag}: type {type_} row "
                                              "states a condition")
        node = {"kind": "attribute", "name": rest, "tag": tag, "type": type_,
                "description": render(cells[3]), "condition": condition,
                "enums": enums_of(prose, blocks),
                "items": item_counts(prose.sentences) if sequence else None,
                "children": []}
        refs = cid_refs(cells[3])
        if refs:
            node["context_groups"] = [constraint(ref) for ref in refs]
        self.place(node, level, r)
        if sequence:
            self.pending = (node, r, level)

    def include(self, cells: list[etree._Element], first: str, level: int, r: int) -> None:
        target = next((x.get("linkend", "")[len("table_"):] for x in cells[0].iter(_XREF)
                       if x.get("linkend", "").startswith("table_")), None)
        if target is None:
            self.note("include-without-table", r, f"include row without a table link: "
                                                  f"{plain_marks(first)[:80]!r}")
            return
        text = " ".join(t for t in (render(c) for c in cells) if t)
        # the condition stands after the link in the first cell ("Include Table C.18.1-1
        # ... if and only if Value Type (0040,A040) is NUM.", Table C.17-5) or in the last
        conds = [include_condition(first, f"table_{target}")]
        if len(cells) > 1:
            conds.append(condition_text(prose_of(cell_blocks(cells[-1]))))
        cond = " ".join(c for c in conds if c)
        condition = new_condition(cond) if cond else None
        node: dict = {"kind": "include", "include": {"kind": "macro", "id": ""},
                "condition": condition, "text": text}
        self.reader.includes.append((node, target, self.label, r))
        parent = self.parents[level - 1] if 0 < level <= len(self.parents) else None
        self.place(node, level, r)
        self.include_cids(node, parent, [ref for c in cells for ref in cid_refs(c)], r)

    def include_cids(self, node: dict, parent: dict | None, refs: list[dict], r: int) -> None:
        """A CID on an include row constrains the attribute it names in the included
        macro ("Defined CID for the Anatomic Region Sequence is CID 4030": kept on the
        include row with ``attr``), else the code sequence the row is nested in
        ("``>Include Table 8.8-1`` | ``Baseline CID 4031``": kept on that sequence)."""
        for ref in refs:
            name = ref.get("attr_name")
            if name:
                tag = ref.get("attr_tag") or keyword_tag(name)
                if tag is None:
                    self.note("cid-attribute-unknown", r, f"{name!r} of {ref['text']!r}")
                node.setdefault("context_groups", []).append(constraint(ref, attr=tag))
            elif parent is not None:
                parent.setdefault("context_groups", []).append(constraint(ref))
            else:
                self.note("cid-without-sequence", r, f"top-level include row names CID "
                                                     f"{ref['cid']}: {ref['text']!r}")
                node.setdefault("context_groups", []).append(constraint(ref))

    def place(self, node: dict, level: int, r: int) -> None:
        if level > len(self.parents):
            self.note("bad-nesting", r, f"{'>' * level} but no enclosing sequence at level "
                                        f"{level - 1}; placed one level up")
            level = len(self.parents)
        siblings = self.table["attributes"] if level == 0 else \
            self.parents[level - 1]["children"]
        siblings.append(node)
        if node["kind"] == "attribute":
            self.parents = self.parents[:level] + [node]
        else:
            self.parents = self.parents[:level + 1]

    def close_sequence(self, level: int | None) -> None:
        """Report the pending sequence row if the row that follows is not one level deeper."""
        if self.pending is None:
            return
        node, r, sq_level = self.pending
        if level is None or level <= sq_level:
            self.note("sequence-without-items", r,
                      f"{node['name']} {node['tag']}: the rows that follow are not at "
                      f"'{'>' * (sq_level + 1)}' level")
        self.pending = None


_XML_ID_ATTR = re.compile(rb"""xml:id\s*=\s*(?:"([^"]*)"|'([^']*)')""")  # literal prefix: fast


def scan_duplicate_ids(path: Path) -> list[tuple[str, int]]:
    """Same answer as ``docbook.duplicate_ids`` in bounded memory and a fraction of the time.

    ``duplicate_ids`` keeps the whole tree (about 10x the file size in RAM); this scans
    the bytes in 1 MB blocks of whole lines. NEMA's parts never put ``xml:id=`` in
    comments or CDATA.
    """
    seen: set[bytes] = set()
    dups: list[tuple[str, int]] = []
    line = 1
    carry = b""
    with Path(path).open("rb") as f:
        while True:
            chunk = f.read(1 << 20)
            data = carry + chunk
            cut = data.rfind(b"\n") + 1 if chunk else len(data)  # whole lines only
            data, carry = data[:cut], data[cut:]
            pos = 0
            for m in _XML_ID_ATTR.finditer(data):
                line += data.count(b"\n", pos, m.start())
                pos = m.start()
                ident = m.group(1) if m.group(1) is not None else m.group(2)
                if ident in seen:
                    dups.append((ident.decode("utf-8", "replace"), line))
                else:
                    seen.add(ident)
            line += data.count(b"\n", pos)
            if not chunk:
                return dups


def _wrapper(kind: str, attr: _Attr) -> dict:
    """A table of ``kind`` that only includes ``attr`` (an IOD names a macro as module)."""
    return {"id": attr.id, "name": attr.name, "kind": kind,
            "reference": dict(attr.table["reference"]),
            "attributes": [{"kind": "include", "include": {"kind": attr.kind, "id": attr.id},
                            "condition": None,
                            "text": f"Include Table {attr.label} (added by the reader)"}]}


def table_name(caption: str) -> str:
    """``"Request Attributes Macro Attributes"`` -> ``"Request Attributes"``.

    ``ids.strip_caption`` removes suffixes repeatedly, which would turn that caption
    into ``"Request"``; an attribute table caption carries exactly one suffix.
    """
    name = " ".join(caption.split())
    for suffix in _CAPTION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)].rstrip()
    return name


def _is_sequence(tag: str, name: str) -> bool:
    if "x" not in tag:
        try:
            return dictionary_VR(int(tag, 16)) == "SQ"
        except KeyError:
            pass
    return name.endswith("Sequence")


def _section_link(cell: etree._Element) -> str | None:
    for x in cell.iter(_XREF):
        link = x.get("linkend", "")
        if link.startswith("sect_"):
            return link
    return None


def _section_label(sections: list[str]) -> str | None:
    for s in sections:
        if s.startswith("sect_"):
            return s[len("sect_"):]
    return None


def _resolve_nodes(nodes: list[dict], resolve: Resolver) -> None:
    for node in nodes:
        if node["condition"]:
            node["condition"]["text"] = normalise_sentence(resolve(node["condition"]["text"]))
        if node["kind"] == "include":
            node["text"] = resolve(node["text"])
            continue
        node["description"] = resolve(node["description"])
        _resolve_nodes(node["children"], resolve)
