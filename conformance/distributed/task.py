"""What runs on a worker: validate one partition of files with a per-worker Validator.

Each worker process loads the standard and the rule packs once (the first task with a
given configuration builds the Validator, later tasks reuse it), so a partition costs
only its files. The functions here import no Dask: they run in any process.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance.distributed.fingerprint import (
    RulesFingerprint,
    iod_fingerprint,
    stamp,
    standard_fingerprint,
)
from conformance.engine.result import Report

# What the tables record of Report.identity (identifying values masked, UIDs shown as
# pseudonyms, unless the Validator shows values).
IDENTITY = ("patient_id", "study_instance_uid", "series_instance_uid", "sop_instance_uid")


@dataclass(frozen=True, slots=True)
class Config:
    """What a worker needs to build the Validator: plain, small and picklable. Rule
    files and the standard folder must be readable at the same paths on the workers."""

    standard: str | None = None
    rules: tuple[Any, ...] = ()
    iod: str | None = None
    content_hash: bool = False
    presumptions: bool = True   # Validator(presumptions=...), --no-presumptions
    show_values: bool = False   # Validator(show_values=...), --show-values
    # Validator(options={"severity": ...}), --severity CODE=LEVEL: (code, level) pairs
    severity: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class FileResult:
    """One validated file: its report plus what the dataset tables record about it."""

    path: str
    report: Report
    size: int | None = None
    mtime_ns: int | None = None
    sha256: str | None = None
    seconds: float = 0.0
    worker: str = ""
    uids: dict[str, str | None] = field(default_factory=dict)
    modality: str | None = None
    standard_fp: str = ""
    iod_fp: str = ""
    rules_fp: str = ""
    reused: bool = False         # findings taken from an earlier run's dataset
    # cross-file consistency digest (the map step), if any; None when reused (its JSON
    # is rows[0]["digest"], parsed only if the run's reduce needs it)
    digest: Any = None
    run_id: str | None = None    # the run that validated it, when reused
    # when reused: the earlier run's file row and finding rows, written again as they are
    rows: tuple[dict[str, Any], list[dict[str, Any]]] | None = None


def _stat(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


class _Prepared:
    """A Validator and the fingerprints of its configuration, built once per worker and
    built again when the standard folder or a rule file changes on disk (a long-lived
    cluster serves runs before and after an edit)."""

    def __init__(self, config: Config, *, reread: bool = False) -> None:
        import warnings

        from conformance.engine.api import Validator
        from conformance.standard import load_standard
        from conformance.standard.loader import Standard

        # pydicom's warnings about bad values are findings already.
        warnings.filterwarnings("ignore", module=r"pydicom(\.|$)")
        std = load_standard(config.standard)
        if reread:  # the loader caches per path; the folder there has changed
            std = Standard(std.path)
        self.validator = Validator(std, config.rules, config.iod,
                                   {"severity": dict(config.severity)} if config.severity
                                   else None, presumptions=config.presumptions,
                                   show_values=config.show_values)
        self.packs = self.validator.rules
        self.stamps = self.current_stamps()
        self.standard_fp = standard_fingerprint(
            self.validator.standard, self.validator.iod_override,
            (config.presumptions, config.show_values, sorted(config.severity)))
        self.rules_fp = RulesFingerprint(self.packs)
        self._iod_fps: dict[str | None, str] = {}

    def current_stamps(self) -> tuple[Any, ...]:
        files = [os.path.join(self.validator.standard.path, "manifest.json")]
        files += [os.path.abspath(f) for r in self.packs
                  for f in getattr(r, "files", ())]
        return tuple(_stat(f) for f in files)

    def iod_fp(self, iod: str | None) -> str:
        fp = self._iod_fps.get(iod)
        if fp is None:
            fp = self._iod_fps[iod] = iod_fingerprint(self.validator.standard, iod)
        return fp


_PREPARED: dict[Config, _Prepared] = {}
_LOCK = threading.Lock()
_MAX_PREPARED = 8  # configurations kept per process (oldest dropped first)
LOADS = 0  # how many Validators this process built (tests check "once per worker")


def prepared(config: Config) -> _Prepared:
    """This process's Validator for ``config`` (rebuilt if its files changed)."""
    global LOADS
    with _LOCK:
        hit = _PREPARED.get(config)
        if hit is None or hit.current_stamps() != hit.stamps:
            if hit is None and len(_PREPARED) >= _MAX_PREPARED:  # a long-lived worker
                del _PREPARED[next(iter(_PREPARED))]
            hit = _PREPARED[config] = _Prepared(config, reread=hit is not None)
            LOADS += 1
        return hit


def _identity(report: Report) -> tuple[dict[str, str | None], str | None]:
    """The file's UIDs and Patient ID as the report shows them, and its Modality."""
    ident = report.identity
    if ident is None:  # not read
        return {}, None
    return {k: getattr(ident, k, None) for k in IDENTITY}, ident.modality


def validate_file(prep: _Prepared, path: str, worker: str, content_hash: bool) -> FileResult:
    """Validate one file; never raises for bad data (an unreadable file is a finding)."""
    start = time.perf_counter()
    st = stamp(path, content_hash=content_hash)
    report = prep.validator.validate(path)
    uids, modality = _identity(report)
    return FileResult(
        path=path, report=report, size=st.size if st else None,
        mtime_ns=st.mtime_ns if st else None, sha256=st.sha256 if st else None,
        seconds=time.perf_counter() - start, worker=worker, uids=uids, modality=modality,
        standard_fp=prep.standard_fp, iod_fp=prep.iod_fp(report.iod),
        rules_fp=prep.rules_fp(report.iod, report.sop_class_uid, modality),
        digest=report.digest)


def worker_name() -> str:
    """The Dask worker's address inside a worker, else host:pid."""
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"{socket.gethostname()}:{os.getpid()}"


def validate_partition(config: Config, paths: Sequence[str]) -> list[FileResult]:
    """The task: validate ``paths`` in order with this process's Validator for ``config``."""
    prep = prepared(config)
    name = worker_name()
    return [validate_file(prep, p, name, config.content_hash) for p in paths]


def loads_in_this_process() -> int:
    """How many Validators this process has built (``client.run`` it on every worker)."""
    return LOADS
