"""One distributed run: plan (incremental reuse), submit partitions in a bounded window,
write each finished partition to the dataset, yield results in partition order.

The client holds at most ``window`` partitions' results at a time (submitted, or
finished and waiting for an earlier one), never the whole run's reports.

Faults: a task that dies with its worker (or raises) is split into one task per file;
a single file whose task dies again is run once more with nothing else in flight; if
it still kills its worker, the file is reported ``unreadable`` with the reason and the
run goes on. Parts already written stay written; ``--incremental`` resumes from them.
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from conformance.batch.collect import cross_file_report
from conformance.distributed.consistency import CrossFile, Fold
from conformance.distributed.dataset import (
    DatasetWriter,
    Previous,
    check_target,
    read_cross_file_key,
    read_records,
    read_table,
)
from conformance.distributed.fingerprint import cross_file_fingerprint, stamp
from conformance.distributed.rows import (
    file_row,
    finding_from_row,
    finding_rows,
    result_from_rows,
    rows_of,
    status,
)
from conformance.distributed.task import Config, FileResult, prepared
from conformance.engine.result import Report, Suppression


@dataclass(slots=True)
class Stats:
    """What a run did (``Run.stats``; also written to ``_dataset.json``)."""

    files: int = 0
    partitions: int = 0
    validated: int = 0
    reused: int = 0
    unreadable: int = 0
    tasks_lost: int = 0     # tasks that died with a worker or raised, then split up
    worker_deaths_blamed: int = 0  # files reported unreadable because they kill workers
    cross_file: int = 0     # cross-file consistency findings
    cross_file_reused: bool = False  # the previous run's, all inputs being unchanged
    seconds: float = 0.0


@dataclass(slots=True)
class _Part:
    files: list[str]
    done: dict[str, FileResult] = field(default_factory=dict)
    outstanding: int = 0


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)


class Run:
    """Iterate over it for ``Report`` objects (``results()`` for the per-file rows too).
    The dataset, if any, is committed when the iteration completes."""

    def __init__(self, partitions: Sequence[Sequence[str]], config: Config, executor: Any,
                 *, out_dataset: str | Path | None = None, dataset_format: str = "parquet",
                 incremental: bool = False, window: int | None = None,
                 consistency: bool = True) -> None:
        self.partitions = [list(p) for p in partitions]
        self.config = config
        self.executor = executor
        self.out = Path(out_dataset) if out_dataset is not None else None
        self.fmt = dataset_format
        self.incremental = incremental
        self.consistency = consistency
        self.window = window or 2 * executor.workers() + 2
        self.run_id = new_run_id()
        self.stats = Stats(files=sum(len(p) for p in self.partitions),
                           partitions=len(self.partitions))
        self.suppressed: list[Any] = []  # cross-file findings the packs' policy dropped
        # the previous run's cross_file/_key.json (read_cross_file_key)
        self._previous_key: dict[str, Any] = {}
        if self.out is not None:
            check_target(self.out)

    def __iter__(self) -> Iterator[Report]:
        for r in self.results():
            yield r.report

    # -- incremental ------------------------------------------------------------------
    def _reusable(self, path: str, rec: dict[str, Any] | None, prep: Any) -> bool:
        if rec is None:
            return False
        st = stamp(path)
        if st is None or st.size != rec.get("size"):
            return False
        if st.mtime_ns != rec.get("mtime_ns"):
            if not (self.config.content_hash and rec.get("sha256")):
                return False
            hashed = stamp(path, content_hash=True)
            if hashed is None or hashed.sha256 != rec["sha256"]:
                return False
        iod = rec.get("iod")
        return (rec.get("standard_fingerprint") == prep.standard_fp
                and rec.get("iod_fingerprint") == prep.iod_fp(iod)
                and rec.get("rules_fingerprint") == prep.rules_fp(
                    iod, rec.get("sop_class_uid"), rec.get("modality")))

    # -- faults -------------------------------------------------------------------------
    def _killer(self, path: str, exc: BaseException) -> FileResult:
        """The result for a file whose validation killed its worker even when alone."""
        prep = prepared(self.config)
        if type(exc).__name__ == "KilledWorker":
            why = ("the worker process died while validating this file, also when it was "
                   "the only task (out of memory, a crash or a kill)")
        else:
            why = f"validation raised {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        report = prep.validator.unreadable(path, why)
        st = stamp(path, content_hash=self.config.content_hash)
        self.stats.worker_deaths_blamed += 1
        return FileResult(path=path, report=report, size=st.size if st else None,
                          mtime_ns=st.mtime_ns if st else None,
                          sha256=st.sha256 if st else None, standard_fp=prep.standard_fp,
                          iod_fp="", rules_fp=prep.rules_fp(None, None, None))

    def _cross_file(self, fold: Fold, writer: DatasetWriter | None
                    ) -> Iterator[FileResult]:
        """The reduce's reports, after every file's own: written as the cross_file
        table and yielded (one per file they are about, marked ``cross_file``)."""
        reports = self._previous_cross_file(fold) if fold.reusable() else None
        if reports is None:
            cross = fold.complete()
            reports = cross.reports()
            self.stats.cross_file = len(cross.pairs)
            self.suppressed = list(cross.batch.suppressed)
        if writer is not None:
            writer.write_cross_file(
                [row for r in reports for row in rows_of(r.path or "", r.findings, {})],
                {"key": fold.key, "suppressed": [s.to_dict() for s in self.suppressed]})
        for r in reports:
            yield FileResult(path=r.path or "", report=r)

    def _previous_cross_file(self, fold: Fold) -> list[Report] | None:
        """The previous run's cross-file reports (its inputs, standard and policy were
        this run's); None when its table cannot be read whole."""
        assert self.out is not None
        try:
            rows = list(read_table(self.out, "cross_file"))
            if len(rows) != self._previous_key["findings"]:
                return None  # a part lost or replaced: not the table the key describes
            suppressed = [Suppression.from_dict(d) for d in self._previous_key["suppressed"]]
            by_path: dict[str, list[dict[str, Any]]] = {}
            for row in rows:
                by_path.setdefault(row["file"], []).append(row)
            std = fold.cross.batch.standard
            reports = [cross_file_report(p, [finding_from_row(f) for f in
                                             sorted(fs, key=lambda f: f["seq"])], std)
                       for p, fs in by_path.items()]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        self.stats.cross_file = len(rows)
        self.suppressed = suppressed
        self.stats.cross_file_reused = True
        return reports

    # -- the run ------------------------------------------------------------------------
    def results(self) -> Iterator[FileResult]:
        start = time.perf_counter()
        previous = Previous()
        prep = None
        if self.incremental and self.out is not None and self.out.is_dir():
            previous = read_records(self.out)
            self._previous_key = read_cross_file_key(self.out)
            prep = prepared(self.config)
        records, found = previous.files, previous.findings
        writer = (DatasetWriter(self.out, self.fmt, self.run_id)
                  if self.out is not None else None)
        parts: dict[int, _Part] = {}
        # finished partitions waiting for their turn: each result with its digest as the
        # files table holds it (the cross-file key hashes that text: serialised once)
        held: dict[int, list[tuple[FileResult, str | None]]] = {}
        suspects: deque[tuple[int, str]] = deque()
        ex = self.executor
        next_submit = next_yield = position = 0
        fold = None
        if self.consistency:
            here = prepared(self.config)
            fold = Fold(CrossFile(here.validator.standard, here.validator),
                        cross_file_fingerprint(here.standard_fp, here.validator)
                        if writer is not None else None,
                        self._previous_key.get("key"))

        def finish(i: int) -> None:
            part = parts.pop(i)
            out = [part.done[p] for p in part.files]
            texts: list[str | None] = [None] * len(out)
            if writer is not None:
                files = [file_row(r, self.run_id) for r in out]
                texts = [row["digest"] for row in files]
                same = (previous.same_part(part.files, self.fmt)
                        if all(r.rows is not None for r in out) else None)
                linked = False
                if same is not None:
                    try:
                        writer.link_part(i, files, same,
                                         sum(len(r.rows[1]) for r in out if r.rows))
                        linked = True
                    except OSError:  # the earlier part went away: written from the rows
                        pass
                if not linked:
                    writer.write_part(i, files, [row for r in out for row in finding_rows(r)])
            for r in out:
                self.stats.unreadable += status(r.report) == "unreadable"
            held[i] = list(zip(out, texts, strict=True))

        def start_part(i: int) -> None:
            part = parts[i] = _Part(self.partitions[i])
            todo = []
            for p in part.files:
                if prep is not None and self._reusable(p, records.get(p), prep):
                    # the digest is parsed only if the cross-file reduce needs it
                    part.done[p] = result_from_rows(records[p], found.get(p, []),
                                                    digest=False)
                    self.stats.reused += 1
                else:
                    todo.append(p)
            if todo:
                part.outstanding = len(todo)
                ex.submit((i, "part", tuple(todo)), self.config, todo)
            else:
                finish(i)

        try:
            while next_yield < len(self.partitions):
                while (not suspects and next_submit < len(self.partitions)
                       and len(parts) + len(held) < self.window):
                    start_part(next_submit)
                    next_submit += 1
                if next_yield in held:
                    for r, text in held.pop(next_yield):
                        if fold is not None:
                            fold.add(r.digest, text, r.path, position,
                                     reused=r.rows is not None)
                        position += 1
                        yield r
                    next_yield += 1
                    continue
                if suspects and ex.pending() == 0:
                    i, p = suspects.popleft()
                    ex.submit((i, "alone", (p,)), self.config, [p])
                (i, mode, paths), results, err = ex.next_done()
                part = parts[i]
                if err is None:
                    assert results is not None
                    for r in results:
                        part.done[r.path] = r
                    self.stats.validated += len(results)
                    part.outstanding -= len(results)
                elif mode == "alone":
                    part.done[paths[0]] = self._killer(paths[0], err)
                    part.outstanding -= 1
                else:
                    self.stats.tasks_lost += 1
                    if len(paths) > 1:
                        for p in paths:
                            ex.submit((i, "single", (p,)), self.config, [p])
                    else:
                        suspects.append((i, paths[0]))
                if part.outstanding == 0:
                    finish(i)
        finally:
            ex.close()
        if fold is not None:
            yield from self._cross_file(fold, writer)
        self.stats.seconds = time.perf_counter() - start
        if writer is not None:
            std = prepared(self.config).validator.standard
            writer.commit({"stats": asdict(self.stats),
                           "standard": {"edition": std.edition, "path": str(std.path)},
                           "rules": [str(r) for r in self.config.rules],
                           "content_hash": self.config.content_hash})
