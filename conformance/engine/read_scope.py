"""The elements as read, which the element traversal hands to the element checks.

The element checks read values as pydicom stored them when the file was parsed
(``RawDataElement``: VR, length and value bytes as in the file), so padding, odd lengths
and undecodable bytes stay visible and no element is converted just to be looked at.
The other checks convert what they read, so the stored elements of every dataset are
recorded when the CheckContext is made, before any check runs (``AsRead``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.uid import UID

from conformance.engine import deferred
from conformance.engine.conversion import stored_vr
from conformance.engine.path import ElementPath, per_frame_index


@dataclass(frozen=True, slots=True)
class FileFacts:
    """How the data set is encoded, once per validation (PS3.5 Section 10)."""

    transfer_syntax: str | None
    implicit_vr: bool  # read implicit VR (its VRs are pydicom's, not the file's)
    encapsulated: bool | None  # None when the Transfer Syntax is unknown or absent


def file_facts(facts: Any, file_meta: Dataset | None) -> FileFacts:
    """FileFacts from the reader's facts and the File Meta Information."""
    ts = getattr(facts, "transfer_syntax_uid", None)
    if not ts and file_meta is not None:
        try:
            ts = file_meta.get(0x00020010)
            ts = str(ts.value).strip("\x00 ") if ts is not None and ts.value else None
        except Exception:  # noqa: BLE001 - an unreadable UID is the file-meta check's finding
            ts = None
    encapsulated: bool | None = None
    if ts:
        try:
            encapsulated = bool(UID(str(ts)).is_encapsulated)
        except Exception:  # noqa: BLE001
            encapsulated = None
    implicit = (getattr(facts, "is_implicit_vr", None) is True
                or str(ts or "") == "1.2.840.10008.1.2")
    return FileFacts(str(ts) if ts else None, implicit, encapsulated)


class ReadScope:
    """One dataset under validation (the root or a sequence item), as it was read.

    ``elements`` maps tag -> the element as pydicom stored it when the CheckContext was
    made (``RawDataElement`` or, for values converted earlier or built in memory,
    ``DataElement``); ``dataset`` is the live Dataset. Per-dataset facts (character
    set, Pixel Representation, ...) are computed once, on first use, in ``memo``.
    """

    __slots__ = ("dataset", "parent", "root", "path", "elements", "vrs", "as_read", "file",
                 "memo")

    def __init__(self, dataset: Dataset, parent: ReadScope | None, path: ElementPath | None,
                 as_read: AsRead) -> None:
        self.dataset = dataset
        self.parent = parent
        self.root: ReadScope = self if parent is None else parent.root
        self.path = path  # the sequence item's path (None for the root)
        self.elements: dict[int, Any] = dict(dataset.items())
        self.vrs: dict[int, str] = {}  # VRs resolved by conversion (ambiguous, UN ...)
        self.as_read = as_read
        self.file: FileFacts = as_read.file
        self.memo: dict[Any, Any] = {}
        if parent is None:  # pydicom defers top-level values only
            deferred.load_text(dataset, self.elements, self.vr)

    def vr(self, elem: Any) -> str:
        """The VR of ``elem`` as pydicom converts it (the file's VR when explicit)."""
        if type(elem) is not RawDataElement:
            return str(elem.VR)
        vrs = self.vrs
        if vrs:
            got = vrs.get(elem.tag)
            if got is not None:
                return got
        vr = elem.VR
        if vr is not None and vr != "UN":
            return str(vr)
        got = vrs[elem.tag] = stored_vr(elem, self.dataset)
        return got

    def converted(self, tag: int) -> Any | None:
        """pydicom's DataElement for ``tag`` (converted once: pydicom keeps it), or None
        when absent or not convertible."""
        try:
            elem = self.dataset[tag] if tag in self.elements else None
        except Exception:  # noqa: BLE001 - the traversal reports element-unreadable
            return None
        if elem is not None:
            self.resolved(tag, elem.VR)
        return elem

    def resolved(self, tag: int, vr: str) -> None:
        """Record the VR pydicom gave ``tag`` on conversion, when the stored one differs."""
        stored = self.elements.get(tag)
        if stored is not None and vr != stored.VR:
            self.vrs[tag] = vr

    def own_or_root(self, tag: int) -> Any | None:
        """The stored element ``tag`` of this dataset, else of the root dataset."""
        elem = self.elements.get(tag)
        if elem is None and self.parent is not None:
            elem = self.root.elements.get(tag)
        return elem


class Repeat:
    """In ``AsRead.repeats``: where a functional group of Per-frame item ``frame`` would
    have put its items in ``AsRead.items`` (before index ``at``), had it not repeated,
    byte for byte, the group of item ``source`` recorded as ``items[first:last]``."""

    __slots__ = ("at", "first", "last", "source", "frame")

    def __init__(self, at: int, first: int, last: int, source: int, frame: int) -> None:
        self.at, self.first, self.last, self.source, self.frame = at, first, last, source, frame


class AsRead:
    """Every dataset of a validation as read, recorded before any check runs.

    ``items`` lists ``(dataset, item path)`` for the root and every sequence item,
    depth first in stored order. Recording converts the sequences (which the checks and
    the traversal need anyway), not the other elements. A functional group of a
    Per-frame item whose bytes repeat a group recorded in an earlier frame (the reader's
    ``FrameCopies``) is not recorded again: ``repeats`` says where it would have been.
    """

    __slots__ = ("root", "scopes", "items", "file", "max_depth", "repeats", "_same")

    def __init__(self, root: Dataset, facts: Any = None, file_meta: Dataset | None = None,
                 max_depth: int = 64) -> None:
        self.file = file_facts(facts, file_meta)
        self.scopes: dict[int, ReadScope] = {}  # id(dataset) -> scope
        self.items: list[tuple[Dataset, ElementPath | None]] = []
        # Sequences nested deeper than this are not opened (``nesting-too-deep``): a
        # 10 KB file can nest thousands of levels.
        self.max_depth = max_depth
        self.repeats: list[Repeat] = []
        copies = getattr(facts, "copies", None)
        self._same: Mapping[tuple[int, int], int] = copies.same if copies is not None else {}
        self.root = self._record(root)

    def _record(self, root: Dataset) -> ReadScope:
        """Record ``root`` and its items (depth first, stored order; no recursion)."""
        top = ReadScope(root, None, None, self)
        stack: list[tuple[Any, int]] = [(top, 0)]
        # a repeated group's number -> (its items in self.items, its frame)
        groups: dict[int, tuple[int, int, int]] = {}
        while stack:
            scope, depth = stack.pop()
            if type(scope) is tuple:  # a group's items begin or end, or it repeats
                self._mark(scope, groups)
                continue
            ds = scope.dataset
            if id(ds) in self.scopes:  # the same item object twice: recorded once
                continue
            self.scopes[id(ds)] = scope
            self.items.append((ds, scope.path))
            if depth >= self.max_depth:
                continue
            found: list[tuple[Any, int]] = []
            for tag, elem in scope.elements.items():
                vr = elem.VR
                if vr is None or vr == "UN":  # implicit VR or UN: the VR pydicom will give
                    vr = scope.vr(elem)
                if vr != "SQ":
                    continue
                try:
                    items = ds[tag].value
                except Exception:  # noqa: BLE001 - the traversal reports element-unreadable
                    continue
                seq = ElementPath(scope.path, tag)
                group = self._group(ds, int(tag), scope.path)
                if group is not None:
                    if groups.get(group[0], (0, -1))[1] >= 0:  # recorded whole before
                        found.append(((group, "repeat"), 0))
                        continue
                    if group[0] in groups:  # (its first copy still open: never so)
                        group = None
                    else:
                        found.append(((group, "start"), 0))
                for i, item in enumerate(items or ()):
                    if isinstance(item, Dataset):
                        found.append((ReadScope(item, scope, seq.item(i), self), depth + 1))
                if group is not None:
                    found.append(((group, "end"), 0))
            stack.extend(reversed(found))
        return top

    def _group(self, ds: Dataset, tag: int, path: ElementPath | None
               ) -> tuple[int, int] | None:
        """(number, frame) when ``tag`` of ``ds`` is a group of Per-frame item ``frame``
        whose bytes the reader knows repeat (the same number: the same bytes)."""
        same = self._same.get((id(ds), tag)) if self._same else None
        frame = per_frame_index(path) if same is not None else None
        return None if same is None or frame is None else (same, frame)

    def _mark(self, mark: tuple[Any, Any], groups: dict[int, tuple[int, int, int]]) -> None:
        (number, frame), what = mark
        if what == "start":
            groups[number] = (len(self.items), -1, frame)
        elif what == "end":
            groups[number] = (groups[number][0], len(self.items), frame)
        else:
            first, last, source = groups[number]
            self.repeats.append(Repeat(len(self.items), first, last, source, frame))

    def release(self) -> None:
        """Break the scopes' references to each other (see ``CheckContext.release``)."""
        for scope in self.scopes.values():
            scope.parent = scope.root = scope.as_read = None  # type: ignore[assignment]
            scope.memo.clear()
        self.scopes.clear()
        self.items.clear()
        self.repeats.clear()

    def scope(self, ds: Dataset, parent: ReadScope | None, path: ElementPath | None
              ) -> ReadScope:
        """The recorded scope of ``ds`` (recorded now if it was added since)."""
        got = self.scopes.get(id(ds))
        if got is None or got.dataset is not ds:
            got = self.scopes[id(ds)] = ReadScope(ds, parent, path, self)
        return got
