"""A results dataset on disk: ``files/`` and ``findings/`` tables of part files.

Layout of ``--out-dataset DIR``::

    DIR/_dataset.json              format, schema, the run's counts (written last)
    DIR/files/part-000000.parquet  one row per file      (or .jsonl)
    DIR/findings/part-000000.parquet  one row per finding
    DIR/cross_file/part-000000.parquet  cross-file consistency findings (written last)
    DIR/_partial/RUN/...           parts of a run in progress or interrupted

Every part is written to a hidden temporary file and renamed when complete, as soon as
its partition is done, so a run that dies keeps what it wrote; ``--incremental`` picks
it up. Only when every partition is written do the run's tables replace the previous
ones (two renames), and ``_partial/`` (ours) is removed. Readers skip names starting
with ``_`` or ``.`` (pyarrow, pandas, Dask, DuckDB globs of ``*.parquet``).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.distributed.rows import FILES, FINDINGS, FORMAT_VERSION
from conformance.errors import UsageError

FORMATS = ("parquet", "jsonl")
META = "_dataset.json"
PARTIAL = "_partial"
CROSS_KEY = "_key.json"  # in cross_file/: readers skip names starting with "_"
TABLES = {"files": FILES, "findings": FINDINGS, "cross_file": FINDINGS}
_EXT = {"parquet": ".parquet", "jsonl": ".jsonl"}


def need_pyarrow() -> Any:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError("Parquet output needs pyarrow: pip install 'dicom-conformance[dask]' "
                         "(or use --dataset-format jsonl)") from None
    return pq


def arrow_schema(columns: tuple[tuple[str, str, str], ...]) -> Any:
    import pyarrow as pa

    types = {"string": pa.string(), "int32": pa.int32(), "int64": pa.int64(),
             "float64": pa.float64(), "bool": pa.bool_()}
    return pa.schema([pa.field(name, types[t], nullable=True, metadata={"doc": doc})
                      for name, t, doc in columns])


def write_rows(path: Path, table: str, rows: list[dict[str, Any]], fmt: str) -> None:
    """Write one part file: a hidden temporary file, renamed when complete."""
    tmp = path.with_name(f".{path.name}.tmp")
    if fmt == "parquet":
        import pyarrow as pa

        pq = need_pyarrow()
        # through memory: pyarrow's own file output took 2.2 ms a part against 1.5
        buf = pa.BufferOutputStream()
        pq.write_table(pa.Table.from_pylist(rows, schema=arrow_schema(TABLES[table])), buf)
        with open(tmp, "wb") as f:
            f.write(buf.getvalue())
    else:
        with open(tmp, "w", encoding="utf-8", errors="backslashreplace") as f:
            for r in rows:
                f.write(json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n")
    os.replace(tmp, path)


def link_file(src: Path, path: Path) -> None:
    """``path`` made the same file as ``src`` (a hard link; a copy where links fail),
    through a hidden temporary name renamed when complete. Part files are never changed
    in place, so sharing an inode with an earlier run's part is safe."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)
    os.replace(tmp, path)


def _is_ours(root: Path) -> bool:
    return (root / META).is_file() or (root / PARTIAL).is_dir()


def check_target(root: Path) -> None:
    """``root`` may be new, an empty folder, or a dataset this program wrote."""
    if root.exists() and not root.is_dir():
        raise UsageError(f"--out-dataset {root}: exists and is not a folder")
    if root.is_dir() and any(root.iterdir()) and not _is_ours(root):
        raise UsageError(f"--out-dataset {root}: folder is not empty and holds no results "
                         f"dataset ({META}); give a new or empty folder")


class DatasetWriter:
    """Writes the parts of one run under ``_partial/RUN`` and swaps them in at the end."""

    def __init__(self, root: str | os.PathLike[str], fmt: str, run_id: str) -> None:
        if fmt not in FORMATS:
            raise UsageError(f"dataset format {fmt!r}: choose one of {', '.join(FORMATS)}")
        if fmt == "parquet":
            need_pyarrow()
        self.root = Path(root)
        check_target(self.root)
        self.fmt = fmt
        self.run_id = run_id
        self.stage = self.root / PARTIAL / run_id
        for t in TABLES:
            (self.stage / t).mkdir(parents=True, exist_ok=True)
        self.counts = {"files": 0, "findings": 0}

    def write_part(self, index: int, files: list[dict[str, Any]],
                   findings: list[dict[str, Any]]) -> None:
        name = f"part-{index:06d}{_EXT[self.fmt]}"
        # findings first: a part whose files table exists is complete
        write_rows(self.stage / "findings" / name, "findings", findings, self.fmt)
        write_rows(self.stage / "files" / name, "files", files, self.fmt)
        self.counts["files"] += len(files)
        self.counts["findings"] += len(findings)

    def link_part(self, index: int, files: list[dict[str, Any]], findings: Path,
                  count: int) -> None:
        """Like ``write_part``, the findings being an earlier run's part that holds
        exactly this part's ``count`` findings: linked (or copied), not written again."""
        name = f"part-{index:06d}{_EXT[self.fmt]}"
        link_file(findings, self.stage / "findings" / name)
        write_rows(self.stage / "files" / name, "files", files, self.fmt)
        self.counts["files"] += len(files)
        self.counts["findings"] += count

    def write_cross_file(self, findings: list[dict[str, Any]],
                         key: dict[str, Any] | None = None) -> None:
        """The cross_file table; ``key`` (what an incremental run compares before it
        reuses the table) is written inside it, so the two are swapped in together."""
        folder = self.stage / "cross_file"
        write_rows(folder / f"part-000000{_EXT[self.fmt]}", "cross_file", findings, self.fmt)
        if key is not None:
            tmp = folder / f".{CROSS_KEY}.tmp"
            tmp.write_text(json.dumps({**key, "findings": len(findings)}, sort_keys=True),
                           encoding="utf-8")
            os.replace(tmp, folder / CROSS_KEY)
        self.counts["cross_file"] = len(findings)

    def commit(self, meta: dict[str, Any]) -> None:
        """Make this run's tables the dataset's tables; remove ``_partial`` (ours)."""
        old = self.root / PARTIAL / f"replaced-{self.run_id}"
        old.mkdir(parents=True, exist_ok=True)
        for t in TABLES:
            if (self.root / t).exists():
                os.replace(self.root / t, old / t)
            os.replace(self.stage / t, self.root / t)
        doc = {"format": FORMAT_VERSION, "file_format": self.fmt, "run_id": self.run_id,
               "rows": dict(self.counts),
               "tables": {t: [{"name": n, "type": ty, "doc": d} for n, ty, d in cols]
                          for t, cols in TABLES.items()},
               **meta}
        tmp = self.root / f".{META}.tmp"
        tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, self.root / META)
        shutil.rmtree(self.root / PARTIAL)


# -- reading (incremental runs) ---------------------------------------------------------
def _parts(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.suffix in (".parquet", ".jsonl") and not p.name.startswith((".", "_")))


def _read_part(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        return need_pyarrow().read_table(path).to_pylist()  # type: ignore[no-any-return]
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _table_sets(root: Path) -> Iterator[Path]:
    """Folders holding a files/ and findings/ pair, oldest first: the last complete
    dataset, then interrupted runs in run order (later runs know newer records)."""
    if (root / META).is_file():
        yield root
    partial = root / PARTIAL
    if partial.is_dir():
        yield from sorted(p for p in partial.iterdir()
                          if p.is_dir() and not p.name.startswith("replaced-"))


def _read_parts(paths: list[Path]) -> list[list[dict[str, Any]]]:
    """The rows of several part files of one table, part by part (Parquet: one read)."""
    if paths and all(p.suffix == ".parquet" for p in paths):
        pq = need_pyarrow()
        # one dataset read instead of one per part: 200 small parts took 3 s, mostly
        # pyarrow's per-file overhead
        dataset = pq.ParquetDataset([str(p) for p in paths])
        rows = dataset.read().to_pylist()
        counts = [f.metadata.num_rows for f in dataset.fragments]
        assert len(counts) == len(paths) and sum(counts) == len(rows)
        out, at = [], 0
        for n in counts:
            out.append(rows[at:at + n])
            at += n
        return out
    return [_read_part(p) for p in paths]


@dataclass(slots=True)
class Previous:
    """What earlier runs wrote: every file row the dataset (and its interrupted runs)
    knows, newest per file, with its finding rows and the findings part holding them."""

    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    findings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    findings_part: dict[str, Path] = field(default_factory=dict)
    part_files: dict[Path, list[str]] = field(default_factory=dict)  # in row order

    def same_part(self, files: list[str], fmt: str) -> Path | None:
        """The ``fmt`` findings part that holds exactly ``files``' findings, in this
        order, if one does: a partition whose files are all reused can link it."""
        if not files:
            return None
        part = self.findings_part.get(files[0])
        if part is None or part.suffix != _EXT[fmt] or self.part_files.get(part) != files:
            return None
        return part if all(self.findings_part.get(f) == part for f in files) else None


def read_records(root: str | os.PathLike[str]) -> Previous:
    """The records of the dataset at ``root`` and of its interrupted runs. A part whose
    files table is missing is incomplete and ignored."""
    prev = Previous()
    for base in _table_sets(Path(root)):
        parts = [p for p in _parts(base / "files") if (base / "findings" / p.name).exists()]
        finding_parts = [base / "findings" / p.name for p in parts]
        for fpart, rows, found in zip(finding_parts, _read_parts(parts),
                                      _read_parts(finding_parts), strict=True):
            # by seq: a path given twice to one run is in two parts, with the same
            # findings
            by_file: dict[str, dict[int, dict[str, Any]]] = {r["file"]: {} for r in rows}
            for f in found:
                if f["file"] in by_file:
                    by_file[f["file"]][f["seq"]] = f
            for r in rows:
                prev.files[r["file"]] = r
                prev.findings[r["file"]] = list(by_file[r["file"]].values())
                prev.findings_part[r["file"]] = fpart
            prev.part_files[fpart] = [r["file"] for r in rows]
    return prev


def read_cross_file_key(root: str | os.PathLike[str]) -> dict[str, Any]:
    """The committed cross_file table's ``_key.json`` (``key``, ``findings``,
    ``suppressed``; see ``DatasetWriter.write_cross_file``), or {} when there is none or
    it is not readable: an incremental run then folds every digest again."""
    try:
        doc = json.loads((Path(root) / "cross_file" / CROSS_KEY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    ok = (isinstance(doc, dict) and isinstance(doc.get("key"), str)
          and isinstance(doc.get("findings"), int)
          and isinstance(doc.get("suppressed"), list))
    return doc if ok else {}


def read_table(root: str | os.PathLike[str], table: str) -> Iterable[dict[str, Any]]:
    """All rows of one committed table (tests and small tools; big data: use pyarrow)."""
    for part in _parts(Path(root) / table):
        yield from _read_part(part)
