"""The per-dataset context every check receives, and the helpers checks share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydicom.dataset import Dataset, FileMetaDataset

from conformance.engine.conditions import evaluate as _evaluate
from conformance.engine.finding import Finding, Reference, Severity
from conformance.engine.input import ReadFacts
from conformance.engine.path import ElementPath, keyword_of
from conformance.engine.read_scope import AsRead
from conformance.engine.requirement_types import IodReq
from conformance.limits import DEFAULT_LIMITS, Limits

# Keyword, reference and path-step lookups depend only on the standard: share them
# across datasets.
_Step = tuple[str, str, str]  # "(0010,0010)", keyword, "00100010"
_Shared = tuple[Any, dict[int, str], dict[tuple[Any, ...], Reference], dict[int, _Step]]
_SHARED: dict[int, _Shared] = {}


def _shared(std: Any) -> _Shared:
    hit = _SHARED.get(id(std))
    if hit is None or hit[0] is not std:
        # Holding ``std`` keeps id(std) from being reused by another object.
        hit = _SHARED[id(std)] = (std, {}, {}, {})
    return hit


@dataclass(eq=False)
class CheckContext:
    """One dataset under validation: inputs, standard, compiled IOD, shared caches.

    Built per validation and used by one thread only; the standard and ``requirements``
    it points to are shared read-only.
    """

    dataset: Dataset
    standard: Any
    file_meta: FileMetaDataset | None = None
    preamble: bytes | None = None
    facts: ReadFacts = field(default_factory=ReadFacts)
    path: str | None = None
    iod: str | None = None
    requirements: IodReq | None = None
    sop_class_uid: str | None = None
    sop_class_source: str | None = None  # "dataset" | "file_meta" | None
    iod_override: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    limits: Limits = DEFAULT_LIMITS
    _keywords: dict[int, str] = field(init=False, repr=False)
    _references: dict[tuple[Any, ...], Reference] = field(init=False, repr=False)
    _steps: dict[int, _Step] = field(init=False, repr=False)
    # Every dataset's elements as pydicom stored them, recorded before any check runs
    # (checks convert what they read; the element checks read the stored bytes).
    as_read: AsRead | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        _, self._keywords, self._references, self._steps = _shared(self.standard)
        self.as_read = (AsRead(self.dataset, self.facts, self.file_meta,
                               self.limits.max_depth)
                        if isinstance(self.dataset, Dataset) else None)

    # -- dictionary helpers -------------------------------------------------------
    def release(self) -> None:
        """Drop the per-dataset caches once the report is made. They hold references
        back to this context and to each other (scopes, bound rows, closures), which
        refcounting cannot free: without this, every validation left its whole dataset
        to the cyclic collector (about 5 ms a file)."""
        self.cache.clear()
        as_read = self.as_read
        if as_read is not None:
            as_read.release()
        self.as_read = None

    def keyword(self, tag: int) -> str:
        """Keyword from the standard's dictionary, else pydicom's, else ``(gggg,eeee)``."""
        kw = self._keywords.get(tag)
        if kw is None:
            kw = ""
            if tag >> 16 & 1 == 0:
                entry = self.standard.dictionary.get(tag)
                kw = entry.keyword if entry is not None else ""
            kw = self._keywords[tag] = kw or keyword_of(tag)
        return kw

    def name(self, tag: int) -> str:
        """Attribute name from the standard's dictionary (empty when unknown)."""
        entry = self.standard.dictionary.get(tag) if tag >> 16 & 1 == 0 else None
        return entry.name if entry is not None else ""

    # -- paths ----------------------------------------------------------------------
    def step(self, tag: int) -> _Step:
        """(``(0010,0010)``, keyword, ``00100010``) of ``tag`` (shared per standard)."""
        got = self._steps.get(tag)
        if got is None:
            got = self._steps[tag] = (f"({tag >> 16:04X},{tag & 0xFFFF:04X})",
                                      self.keyword(tag), f"{tag:08X}")
        return got

    def path_of(self, where: ElementPath | None, tag: int | None = None) -> tuple[str, str]:
        """(``(0040,0275)[0].(0040,0007)``, ``RequestAttributesSequence[0]...``) of an element.

        ``where`` is the element's own path, or with ``tag`` the path of the sequence item
        that holds it (None for top level).
        """
        if tag is not None:
            step = self.step(tag)
            if where is None:
                return step[0], step[1]
            # ElementPath(where, tag) rendered: the item's memoised path plus this step.
            return (where.render() + "." + step[0],
                    where.render_keywords(self.keyword) + "." + step[1])
        if where is None:
            return "", ""
        return where.render(), where.render_keywords(self.keyword)

    # -- findings -------------------------------------------------------------------
    def reference(self, ref: Mapping[str, Any] | None, part: int = 3) -> Reference:
        """A finding reference from a table reference, with the standard's edition."""
        key = ((ref.get("part"), ref.get("section"), ref.get("table"), part) if ref
               else (None, None, None, part))
        got = self._references.get(key)
        if got is None:
            edition = getattr(self.standard, "edition", None)
            if not ref:
                got = Reference(edition=edition, part=part)
            else:
                got = Reference(edition=edition, part=ref.get("part") or part,
                                section=ref.get("section"), table=ref.get("table"))
            self._references[key] = got
        return got

    def finding(self, code: str, severity: Severity, message: str, *,
                where: ElementPath | None = None, tag: int | None = None,
                module: str | None = None, reference: Reference | None = None) -> Finding:
        """A standard finding at ``where`` (the element path) or ``where`` + ``tag``."""
        path, kw_path = self.path_of(where, tag)
        t = tag if tag is not None else (where.tag if where is not None else None)
        if t is not None:
            _, keyword, tag_text = self.step(t)
        else:
            keyword = tag_text = None  # type: ignore[assignment]
        return Finding(
            code=code, severity=severity, message=message, tag=tag_text, keyword=keyword,
            path=path, keyword_path=kw_path, module=module, iod=self.iod,
            reference=reference,
        )

    # -- conditions -----------------------------------------------------------------
    def evaluate(self, expr: Mapping[str, Any] | None, ectx: Any) -> bool | None:
        """Three-valued evaluation of a condition ``expr`` (None: cannot decide)."""
        if expr is None:
            return None
        return _evaluate(expr, ectx)
