"""Cross-file consistency across workers: a thin adapter over the batch consistency unit.

The unit (``conformance.engine.digest`` for the map, ``conformance.batch.consistency``
for the reduce; issue 10) splits the check in two: each worker's Validator puts a small
per-file digest (UIDs and value hashes per Information Entity, identifying values
masked) on ``Report.digest``; the client folds the digests, as partitions come back, into
one mergeable ``Consistency`` state (keyed by input position, so the result does not
depend on which worker saw which file) and compares at the end. Digests are stored in the
files table (``digest`` column), so an incremental run folds in the reused files too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from conformance.batch.collect import Batch
from conformance.batch.policy import policy_of
from conformance.engine.digest import EntityDigest, FileDigest
from conformance.engine.finding import Finding
from conformance.engine.result import Report

_FILE_FIELDS = dataclasses.fields(FileDigest)
_ENTITY_FIELDS = dataclasses.fields(EntityDigest)


def digest_to_json(digest: FileDigest | None) -> str | None:
    if digest is None:
        return None
    # by hand, not dataclasses.asdict: asdict deep-copies every value tuple (12 s of a
    # 5,000-file run)
    d = {f.name: getattr(digest, f.name) for f in _FILE_FIELDS}
    d["entities"] = [{f.name: getattr(e, f.name) for f in _ENTITY_FIELDS}
                     for e in digest.entities]
    return json.dumps(d, sort_keys=True, separators=(",", ":"))


def digest_from_json(text: str | None) -> FileDigest | None:
    """A digest read back from the files table (None when the file had none)."""
    if not text:
        return None
    d = json.loads(text)
    entities = tuple(EntityDigest(e["entity"], e["key"], e["key_shown"],
                                  tuple(map(tuple, e["values"])))
                     for e in d.pop("entities", ()))
    return FileDigest(**d, entities=entities)


class CrossFile:
    """The reduce of one run, done by the batch's own ``Batch``: ``add`` each file's
    digest with its input position; ``reports()`` at the end gives the cross-file
    reports (one per file they are about, as a batch in one process makes them) and
    ``pairs`` the ``(path, Finding)`` list behind them."""

    def __init__(self, standard: Any, validator: Any = None) -> None:
        self.batch = Batch(None, standard, policy_of(validator))
        self.pairs: list[tuple[str, Finding]] = []

    def add(self, digest: FileDigest | None, index: int) -> None:
        if digest is not None:
            self.batch.consistency.add(digest, index)

    def reports(self) -> list[Report]:
        out = self.batch.cross_file_reports()
        self.pairs = list(self.batch.cross_file)
        return out


class Fold:
    """The reduce of one run, able to reuse the previous run's result: while every file
    so far is reused, its digest is only hashed into a key over the run's inputs (paths
    and digests in input order, the standard and the policy); if the run ends with
    every file reused and the key equal to the previous run's, the previous cross-file
    findings stand (``reusable``). The first file validated anew folds in every
    digest deferred so far, and the run goes on as ``CrossFile`` does."""

    def __init__(self, cross: CrossFile, fingerprint: str | None,
                 previous_key: str | None = None) -> None:
        """``fingerprint`` None: no key is kept (a run that writes no dataset)."""
        self.cross = cross
        self._hash = hashlib.sha256(fingerprint.encode()) if fingerprint is not None else None
        self.previous_key = previous_key if fingerprint is not None else None
        # (position, digest JSON) of reused files not folded yet; None: folding as we go
        self._deferred: list[tuple[int, str | None]] | None = [] if previous_key else None

    def add(self, digest: FileDigest | None, text: str | None, path: str,
            position: int, reused: bool) -> None:
        """One file, in input order: its digest and its JSON text as the files table
        holds it (a reused file: the text only)."""
        if self._hash is not None:
            for part in (path, text or ""):
                data = part.encode("utf-8", "surrogatepass")
                self._hash.update(b"%d:" % len(data) + data)
        if self._deferred is not None:
            if reused:
                self._deferred.append((position, text))
                return
            self._catch_up()
        self.cross.add(digest if digest is not None else digest_from_json(text), position)

    def _catch_up(self) -> None:
        for position, text in self._deferred or ():
            self.cross.add(digest_from_json(text), position)
        self._deferred = None

    @property
    def key(self) -> str | None:
        return self._hash.hexdigest() if self._hash is not None else None

    def reusable(self) -> bool:
        return self._deferred is not None and self.key == self.previous_key

    def complete(self) -> CrossFile:
        """The reduce with every digest folded in."""
        self._catch_up()
        return self.cross
