"""Element paths: where an element sits, rendered by tag and by keyword."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from pydicom.datadict import keyword_for_tag

from conformance.engine.requirement_types import PER_FRAME_FG


@lru_cache(maxsize=8192)
def keyword_of(tag: int) -> str:
    """Keyword from pydicom's dictionary; private/unknown tags render as ``(gggg,eeee)``."""
    kw = keyword_for_tag(tag) if tag >> 16 & 1 == 0 else ""
    return kw or f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


class ElementPath:
    """An immutable path: a chain of (tag, item index) steps, cheap to extend.

    ``index`` is the item index of the step's sequence that leads further down, so
    ``RequestAttributesSequence[0].ScheduledProcedureStepDescription`` is two steps:
    ``(0x00400275, 0)`` then ``(0x00400007, None)``.

    ``scope`` and ``vr`` (optional, not part of equality) are set by the element
    traversal: the ``ReadScope`` of the dataset that holds the element (so element checks
    reach the enclosing Dataset, ``dataset``, and its per-dataset facts without a walk
    from the root) and the element's VR as pydicom converts it.
    """

    __slots__ = ("parent", "tag", "index", "depth", "scope", "vr", "_text", "_kw")

    def __init__(self, parent: ElementPath | None, tag: int, index: int | None = None,
                 scope: Any = None, vr: str | None = None) -> None:
        self.parent = parent
        self.tag = tag
        self.index = index
        self.scope = scope
        self.vr = vr
        self.depth: int = 0 if parent is None else parent.depth + 1
        # Rendered forms, memoised: items are shared by all their elements' findings.
        self._text: str | None = None
        self._kw: tuple[Callable[[int], str], str] | None = None

    def child(self, tag: int) -> ElementPath:
        """The path of ``tag`` inside item ``self.index`` of this sequence."""
        return ElementPath(self, tag)

    def item(self, index: int) -> ElementPath:
        """This sequence step, pointing into item ``index``."""
        return ElementPath(self.parent, self.tag, index, self.scope, self.vr)

    @property
    def dataset(self) -> Any | None:
        """The Dataset that holds the element (None when no traversal set the scope)."""
        scope = self.scope
        return scope.dataset if scope is not None else None

    def steps(self) -> list[tuple[int, int | None]]:
        out: list[tuple[int, int | None]] = []
        node: ElementPath | None = self
        while node is not None:
            out.append((node.tag, node.index))
            node = node.parent
        out.reverse()
        return out

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"ElementPath({self.render()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ElementPath) and self.steps() == other.steps()

    def __hash__(self) -> int:
        return hash(tuple(self.steps()))

    def render(self) -> str:
        """``(0040,0275)[0].(0040,0007)``."""
        text = self._text
        if text is None:
            t, i = self.tag, self.index
            text = f"({t >> 16:04X},{t & 0xFFFF:04X})" + ("" if i is None else f"[{i}]")
            if self.parent is not None:
                text = self.parent.render() + "." + text
            self._text = text
        return text

    def render_keywords(self, lookup: Callable[[int], str] = keyword_of) -> str:
        """``RequestAttributesSequence[0].ScheduledProcedureStepDescription``."""
        memo = self._kw
        # Bound methods compare equal when they are the same function of the same object.
        if memo is not None and memo[0] == lookup:
            return memo[1]
        text = lookup(self.tag) + ("" if self.index is None else f"[{self.index}]")
        if self.parent is not None:
            text = self.parent.render_keywords(lookup) + "." + text
        self._kw = (lookup, text)
        return text


def item_path(parent: ElementPath | None, tag: int) -> ElementPath:
    """Path of ``tag`` in the dataset that ``parent`` points into (top level if None)."""
    return ElementPath(parent, tag)


def per_frame_index(where: ElementPath | None) -> int | None:
    """The frame's index when ``where`` is an item of the top-level Per-frame Functional
    Groups Sequence (5200,9230), else None."""
    if where is None or where.parent is not None or where.tag != PER_FRAME_FG:
        return None
    return where.index
