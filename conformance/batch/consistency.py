"""Cross-file consistency: the *reduce* step over per-file digests.

``Consistency`` is a small, picklable, mergeable accumulator: ``add`` one file's
``FileDigest`` (with its position in the input), ``merge`` two partial states (in any
grouping: the result, and the findings, do not depend on how the files were split), then
``findings()``. It keeps, per entity instance (a Study, Series or Frame of Reference UID)
and attribute, each distinct value hash with the first file that had it and a count; and
per SOP Instance UID (a 128-bit hash) every file, in a table on disk
(``conformance.batch.instances``). Memory grows with the number of series, not of files.

Codes (PS3.3 A.1.2: the attributes of one Information Entity describe one real-world
object, so every instance that references it carries the same values):

- ``inconsistent-patient``: Patient IE attributes differ within one study (e.g. two
  Patient IDs under one Study Instance UID);
- ``inconsistent-study``, ``inconsistent-series``, ``inconsistent-frame-of-reference``,
  ``inconsistent-equipment``: likewise within one Study / Series / Frame of Reference UID
  (Equipment within a series);
- ``duplicate-sop-instance``: one SOP Instance UID in two files whose content differs
  or that are in two series (PS3.3 C.12.1.1.1: the UID identifies one instance);
- ``duplicate-file``: identical copies of one instance (warning).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from conformance.batch.instances import SopTable
from conformance.engine.digest import FileDigest
from conformance.engine.finding import Finding, Reference
from conformance.engine.path import keyword_of

ENTITY_CODES: dict[str, str] = {
    "Patient": "inconsistent-patient",
    "Study": "inconsistent-study",
    "Series": "inconsistent-series",
    "Frame of Reference": "inconsistent-frame-of-reference",
    "Equipment": "inconsistent-equipment",
}
ENTITY_WITHIN: dict[str, str] = {
    "Patient": "study", "Study": "study", "Series": "series",
    "Frame of Reference": "frame of reference", "Equipment": "series",
}


# Each code's severity, meaning and citation: its catalogue entry (conformance.catalogue),
# imported and read when a cross-file finding is made (most runs make none).
def _severity(code: str) -> str:
    from conformance.catalogue import catalogue

    return catalogue()[code].severity


def _reference(code: str) -> Reference:
    from conformance.catalogue import catalogue

    cite = catalogue()[code].reference.split()[1]
    return Reference(part=3, section=cite)


@dataclass(slots=True)
class _Seen:
    """A distinct value: the first two files (by input position) that had it, and a
    count."""

    index: int
    path: str
    shown: str
    count: int = 1
    index2: int = -1
    path2: str = ""

    def take(self, other: _Seen) -> None:
        firsts = sorted({(self.index, self.path), (other.index, other.path),
                         *([(self.index2, self.path2)] if self.index2 >= 0 else []),
                         *([(other.index2, other.path2)] if other.index2 >= 0 else [])})
        (self.index, self.path), second = firsts[0], firsts[1] if len(firsts) > 1 else None
        if second is not None:
            self.index2, self.path2 = second
        self.count += other.count


@dataclass
class Consistency:
    """The reduce state (see module docstring)."""

    # (entity, key hash) -> tag -> value hash -> _Seen
    entities: dict[tuple[str, str], dict[int, dict[str, _Seen]]] = field(default_factory=dict)
    key_shown: dict[tuple[str, str], str] = field(default_factory=dict)
    # One row per file with a SOP Instance UID: (UID hash, content hash, series hash,
    # input position, path, UID as shown), on disk.
    sops: SopTable = field(default_factory=SopTable)

    def add(self, digest: FileDigest, index: int) -> None:
        """Fold one file's digest in (``index``: its position in the input)."""
        path = digest.path or f"<input {index}>"
        for e in digest.entities:
            k = (e.entity, e.key)
            self.key_shown.setdefault(k, e.key_shown)
            tags = self.entities.setdefault(k, {})
            for tag, h, shown in e.values:
                values = tags.setdefault(tag, {})
                got = values.get(h)
                if got is None:
                    values[h] = _Seen(index, path, shown)
                elif got.index2 < 0 and index > got.index:
                    # files mostly come in input order: the two firsts without a sort
                    got.index2, got.path2 = index, path
                    got.count += 1
                elif 0 <= got.index2 < index:
                    got.count += 1
                else:
                    got.take(_Seen(index, path, shown))
        if digest.sop_instance is not None:
            self.sops.add((digest.sop_instance, digest.content, digest.series, index, path,
                           digest.sop_shown or ""))

    @staticmethod
    def _put(values: dict, key: object, seen: _Seen) -> None:  # type: ignore[type-arg]
        got = values.get(key)
        if got is None:
            values[key] = seen
        else:
            got.take(seen)

    def merge(self, other: Consistency) -> Consistency:
        """Fold another partial state in (associative and commutative); returns self."""
        for k, tags in other.entities.items():
            self.key_shown.setdefault(k, other.key_shown[k])
            mine = self.entities.setdefault(k, {})
            for tag, values in tags.items():
                into = mine.setdefault(tag, {})
                for h, seen in values.items():
                    self._put(into, h, _copy(seen))
        self.sops.extend(other.sops)
        return self

    def findings(self, keyword: Callable[[int], str] = keyword_of) -> list[tuple[str, Finding]]:
        """``(path of the file the finding is about, Finding)``, in a stable order: by the
        input position of that file, then code."""
        out: list[tuple[int, str, Finding]] = []
        for (entity, _), tags in self.entities.items():
            code = ENTITY_CODES[entity]
            key_shown = self.key_shown[(entity, _)]
            for tag, values in tags.items():
                if len(values) < 2:
                    continue
                ranked = sorted(values.values(), key=lambda s: s.index)
                first = ranked[0]
                kw = keyword(tag)
                severity = _severity(code)
                for other in ranked[1:]:
                    msg = (f"{kw} differs within {ENTITY_WITHIN[entity]} {key_shown}: "
                           f"'{other.shown}' in {_files(other.count)} (first {other.path}) "
                           f"but '{first.shown}' in {_files(first.count)} (first {first.path})")
                    out.append((other.index, other.path, Finding(
                        code=code, severity=severity, message=msg,  # type: ignore[arg-type]
                        tag=f"{tag:08X}", keyword=kw, path=f"({tag >> 16:04X},{tag & 0xFFFF:04X})",
                        keyword_path=kw, reference=_reference(code), source="cross-file")))
        for rows in self.sops.repeated():
            variants: dict[tuple[str | None, str | None], _Seen] = {}
            for _sop, content, series_h, index, path, shown in rows:
                self._put(variants, (content, series_h), _Seen(index, path, shown))
            ranked = sorted(variants.items(), key=lambda kv: kv[1].index)
            (_, series0), first = ranked[0]
            if len(ranked) == 1:
                if first.count > 1:
                    out.append((first.index2, first.path2, Finding(
                        code="duplicate-file", severity="warning",
                        message=f"SOP Instance UID {first.shown}: {first.path2} is an "
                                f"identical copy of {first.path}"
                                + (f" ({first.count} copies in all)" if first.count > 2 else ""),
                        tag="00080018", keyword="SOPInstanceUID", path="(0008,0018)",
                        keyword_path="SOPInstanceUID",
                        reference=_reference("duplicate-file"), source="cross-file")))
                continue
            for (_content, series), other in ranked[1:]:
                why = "in another series" if series != series0 else "with different content"
                out.append((other.index, other.path, Finding(
                    code="duplicate-sop-instance", severity="error",
                    message=f"SOP Instance UID {first.shown} is used by {other.path} {why} "
                            f"than {first.path}",
                    tag="00080018", keyword="SOPInstanceUID", path="(0008,0018)",
                    keyword_path="SOPInstanceUID",
                    reference=_reference("duplicate-sop-instance"), source="cross-file")))
        out.sort(key=lambda t: (t[0], t[2].code, t[2].tag or "", t[2].message))
        return [(p, f) for _, p, f in out]


def _copy(s: _Seen) -> _Seen:
    return _Seen(s.index, s.path, s.shown, s.count, s.index2, s.path2)


def _files(n: int) -> str:
    return "1 file" if n == 1 else f"{n} files"


def reduce(digests: Iterable[tuple[int, FileDigest]]) -> Consistency:
    """A Consistency of ``(input position, digest)`` pairs."""
    c = Consistency()
    for i, d in digests:
        c.add(d, i)
    return c
