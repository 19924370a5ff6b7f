"""The context a condition is evaluated in; built by the engine, read by the evaluator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the build's condition parser imports this module: no pydicom there
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence


@dataclass(frozen=True, slots=True)
class EvalContext:
    """Where the conditional attribute lives: its item, the enclosing items, the frame."""

    item: Dataset
    root: Dataset
    parents: tuple[Dataset, ...] = ()
    frame_items: tuple[Dataset, ...] | None = None
    all_frames: tuple[Dataset, ...] | None = None
    item_index: int | None = None
    sequence: Sequence | None = None
    module_present: Callable[[str, str], bool | None] | None = None

    @classmethod
    def at_root(cls, root: Dataset, *,
                module_present: Callable[[str, str], bool | None] | None = None) -> EvalContext:
        """Context of a top-level attribute or of a module / macro usage condition."""
        return cls(item=root, root=root, module_present=module_present)

    @classmethod
    def at_frame(cls, root: Dataset, frame: int, *,
                 module_present: Callable[[str, str], bool | None] | None = None
                 ) -> EvalContext:
        """Context of a top-level attribute seen from frame ``frame`` (0-based) of a
        multi-frame dataset: Shared then this Per-frame functional group item."""
        shared = root.get("SharedFunctionalGroupsSequence") or []
        per_frame = root.get("PerFrameFunctionalGroupsSequence") or []
        items = tuple(shared[:1]) + (tuple(per_frame[frame:frame + 1])
                                     if 0 <= frame < len(per_frame) else ())
        return cls(item=root, root=root, frame_items=items, all_frames=tuple(per_frame),
                   module_present=module_present)
