"""PS3.3 reader: IOD module tables, functional group tables, module and macro tables.

The part is streamed (``iter_elements`` on tables, titles and paragraphs, so that what
has been read is freed); only compact dicts are kept. Links that point forward (an
include of a table defined later, an IOD row naming a section, an xref rendered by
title) are resolved once the whole file has been read (attribute table rows:
``part03_rows``; IOD rows linked to tables: ``part03_iods``). Output shapes:
``{"iods": {id: IOD}, "modules": {id: Table}, "macros": {id: Table}}`` (docs/CONTRACTS.md).
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from conformance.compiler.readers.docbook import (
    XML_ID,
    anomaly,
    iter_elements,
    q,
)
from conformance.compiler.readers.part03_cells import (
    grid_rows,
    header_cells,
    section_label,
    section_link,
)
from conformance.compiler.readers.part03_cids import cid_refs
from conformance.compiler.readers.part03_iods import (
    AttrTable,
    IodLinker,
    IodTable,
    place_prose_cids,
    wrapper,
)
from conformance.compiler.readers.part03_render import (
    Resolver,
    normalise_sentence,
    plain_marks,
    render,
)
from conformance.compiler.readers.part03_rows import TableRows
from conformance.errors import SourceError
from conformance.ids import slug, strip_caption

PART = 3
_SECTIONS = (q("section"), q("chapter"), q("appendix"))
# Caption endings, longest first; only one is removed (see table_name).
_CAPTION_SUFFIXES = (" Module Attributes Description", " Macro Attributes Description",
                     " Attributes Description", " Module Attributes", " Macro Attributes",
                     " Module Table", " Macro Table", " Attributes", " Module", " Macro")


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
        self.attr_tables: list[AttrTable] = []
        self.by_label: dict[str, AttrTable] = {}
        self.by_section: dict[str, list[AttrTable]] = {}  # every enclosing section -> tables
        self.iods: list[IodTable] = []
        self.fg_tables: list[tuple[str, str, list[dict]]] = []  # label, caption, rows
        self.includes: list[tuple[dict, str, str, int]] = []  # node, target label, table, row
        self.anomalies: list[dict] = []
        self.inventory: list[dict] = []
        self.seen_tables: set[str] = set()
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
        entry = {"table": label or None, "caption": caption, "section": section_label(sections),
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
        iod = IodTable(label, slug(name), name)
        for r, row in enumerate(grid_rows(el, 4), start=1):
            if any(c is None for c in row):
                self.anomalies.append(anomaly(PART, "bad-cell-count", label, r,
                                              "IOD table row with fewer than 4 cells"))
                continue
            ie, module, ref, usage = row
            iod.rows.append({"ie": plain_marks(render(ie)) or None,
                             "name": plain_marks(render(module)),
                             "ref": section_link(ref), "usage": render(usage), "row": r})
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
            rows.append({"name": plain_marks(render(macro)), "ref": section_link(ref),
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
                 "reference": {"part": PART, "section": section_label(sections),
                               "table": label or None},
                 "attributes": []}
        TableRows(label, table, self.anomalies, self.includes).read(el)
        attr = AttrTable(label, kind, ident, name, sections, table)
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
        linker = IodLinker(self.by_section, self.inventory, self.anomalies)
        iods = linker.iods(self.iods, self.fg_tables)
        for (kind, ident), attr in linker.wrappers.items():
            ns = modules if kind == "module" else macros
            ns.setdefault(ident, wrapper(kind, attr))
        resolve = Resolver(self.titles)
        for t in (*modules.values(), *macros.values()):
            _resolve_nodes(t["attributes"], resolve)
        for iod in iods.values():
            for m in (*iod["modules"], *iod["functional_groups"]):
                if m["condition"]:
                    m["condition"]["text"] = normalise_sentence(resolve(m["condition"]["text"]))
        place_prose_cids(self.prose_cids, self.titles, iods, macros, self.anomalies)
        return {"iods": iods, "modules": modules, "macros": macros}

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


def _resolve_nodes(nodes: list[dict], resolve: Resolver) -> None:
    for node in nodes:
        if node["condition"]:
            node["condition"]["text"] = normalise_sentence(resolve(node["condition"]["text"]))
        if node["kind"] == "include":
            node["text"] = resolve(node["text"])
            continue
        node["description"] = resolve(node["description"])
        _resolve_nodes(node["children"], resolve)
