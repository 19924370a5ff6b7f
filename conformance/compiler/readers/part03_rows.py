"""The rows of one PS3.3 attribute table (module or macro) as a Node tree: attribute
rows with their Type, condition, enumerated values, item counts and context groups,
nested by their ``>`` markers, and include rows (linked to their table at the end of
the part, ``part03.read_part03``)."""

from __future__ import annotations

import re

from lxml import etree
from pydicom.datadict import dictionary_VR

from conformance.compiler.readers.docbook import anomaly, q
from conformance.compiler.readers.part03_cells import (
    cells_of,
    parse_tag_cell,
    parse_type,
    split_markers,
)
from conformance.compiler.readers.part03_cids import cid_refs, constraint, keyword_tag
from conformance.compiler.readers.part03_render import cell_blocks, plain_marks, render
from conformance.compiler.readers.part03_text import (
    condition_text,
    enums_of,
    include_condition,
    is_condition_sentence,
    item_counts,
    new_condition,
    prose_of,
)

PART = 3
_XREF = q("xref")


class TableRows:
    """Builds the Node tree of one attribute table from its rows."""

    def __init__(self, label: str, table: dict, anomalies: list[dict],
                 includes: list[tuple[dict, str, str, int]]) -> None:
        self.anomalies = anomalies
        self.includes = includes  # (include node, target table label, table label, row)
        self.label = label
        self.table = table
        self.parents: list[dict] = []  # parents[k]: latest attribute at level k
        self.pending: tuple[dict, int, int] | None = None  # a sequence row awaiting items

    def note(self, kind: str, row: int | None, detail: str) -> None:
        self.anomalies.append(anomaly(PART, kind, self.label or None, row, detail))

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
        sequence = is_sequence(tag, rest)
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
        self.includes.append((node, target, self.label, r))
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


def is_sequence(tag: str, name: str) -> bool:
    if "x" not in tag:
        try:
            return dictionary_VR(int(tag, 16)) == "SQ"
        except KeyError:
            pass
    return name.endswith("Sequence")
