"""The context a condition is evaluated in; built by the engine, read by the evaluator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
