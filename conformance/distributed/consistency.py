"""Cross-file consistency across workers: a thin adapter over the batch consistency unit.

The unit (``conformance.engine.digest`` for the map, ``conformance.batch.consistency``
for the reduce; issue 10) splits the check in two: each worker's Validator puts a small
per-file digest (UIDs and value hashes per Information Entity, identifying values
masked) on ``Report.digest``; the client folds the digests, as partitions come back, into
one mergeable ``Consistency`` state (keyed by input position, so the result does not
depend on which worker saw which file) and compares at the end. Digests are stored in the
files table (``digest`` column), so an incremental run folds in the reused files too.

When the unit is not part of this installation, ``CrossFile.create`` returns None and
runs have no cross-file findings (the per-file findings are unaffected).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from conformance.engine.finding import Finding


def _unit() -> tuple[Any, Any, Any] | None:
    try:
        from conformance.batch.consistency import Consistency
        from conformance.engine.digest import EntityDigest, FileDigest
    except ImportError:
        return None
    return Consistency, FileDigest, EntityDigest


def digest_of(report: Any) -> Any:
    """The report's consistency digest (None when the engine makes none)."""
    return getattr(report, "digest", None)


def digest_to_json(digest: Any) -> str | None:
    if digest is None:
        return None
    return json.dumps(dataclasses.asdict(digest), sort_keys=True, separators=(",", ":"))


def digest_from_json(text: str | None) -> Any:
    """A digest read back from the files table; None if absent or the unit is missing."""
    unit = _unit()
    if not text or unit is None:
        return None
    _, file_digest, entity_digest = unit
    d = json.loads(text)
    entities = tuple(entity_digest(**{**e, "values": tuple(tuple(v) for v in e["values"])})
                     for e in d.pop("entities", ()))
    return file_digest(**d, entities=entities)


class CrossFile:
    """The reduce of one run: ``add`` each file's digest with its input position,
    ``findings()`` at the end as ``(path of the file it is about, Finding)``."""

    def __init__(self, consistency: Any, standard: Any) -> None:
        self.state = consistency()
        self.standard = standard

    @classmethod
    def create(cls, standard: Any) -> CrossFile | None:
        unit = _unit()
        return cls(unit[0], standard) if unit is not None else None

    def add(self, digest: Any, index: int) -> None:
        if digest is not None:
            self.state.add(digest, index)

    def _keyword(self, tag: int) -> str:
        entry = self.standard.dictionary.get(tag)
        if entry is not None and entry.keyword:
            return str(entry.keyword)
        from conformance.engine.path import keyword_of

        return keyword_of(tag)

    def findings(self) -> list[tuple[str, Finding]]:
        return list(self.state.findings(self._keyword))
