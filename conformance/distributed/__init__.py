"""Validate archives on a Dask cluster: partitions by folder, one Validator per worker,
results streamed back in order, optionally written as a dataset and reused by
incremental runs. Needs the ``[dask]`` extra (dask[distributed], pyarrow).

```python
from distributed import Client
import conformance.distributed as cd

with Client("tcp://scheduler:8786") as client:
    run = cd.validate(["/archive/2024"], client=client, out_dataset="results/",
                      incremental=True)
    for report in run:          # Reports, partition by partition
        ...
    print(run.stats)
```
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from conformance.catalogue import severity_levels
from conformance.distributed.executors import Cluster, DaskExecutor, LocalExecutor
from conformance.distributed.partition import DEFAULT_PARTITION_SIZE, by_folder
from conformance.distributed.run import Run, Stats
from conformance.distributed.task import Config
from conformance.errors import UsageError
from conformance.inputs.walk import walk

__all__ = ["Cluster", "Config", "Run", "Stats", "expand", "validate"]


def expand(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Files and folders -> file paths, in walk order (folders walked as
    ``conformance validate`` walks them: DICOM files only, hidden names skipped)."""
    out: list[str] = []
    for p in paths:
        p = os.fspath(p)
        if os.path.isdir(p):
            out.extend(walk(p))
        elif os.path.exists(p):
            out.append(p)
        else:
            raise UsageError(f"no such file or folder: {p}")
    return out


def _bag_partitions(bag: Any) -> list[list[str]]:
    """A Dask Bag of paths: its partitions are kept as the user made them (only the path
    strings come to the client)."""
    import dask

    return [list(p) for p in dask.compute(*bag.map_partitions(list).to_delayed())]


def validate(paths_or_bag: Any, client: Any = None, *, standard: str | None = None,
             rules: Sequence[Any] = (), iod: str | None = None,
             out_dataset: str | os.PathLike[str] | None = None,
             dataset_format: str = "parquet", incremental: bool = False,
             content_hash: bool = False, partition_size: int = DEFAULT_PARTITION_SIZE,
             window: int | None = None, show_values: bool = False,
             presumptions: bool = True, severity: Mapping[str, str] | None = None) -> Run:
    """A Run over files, folders or a Dask Bag of paths; iterate it for Reports.

    ``client``: a ``distributed.Client`` (None runs the tasks in this process).
    Files are partitioned by folder (``partition_size`` files at most per task).
    ``out_dataset``: write the findings and files tables there (Parquet or JSONL).
    ``incremental``: reuse the findings of files unchanged since the dataset's run.
    ``show_values`` / ``presumptions``: as for ``Validator``; ``severity``: levels by code
    (``{"vr-dubious": "error"}``), as ``--severity CODE=LEVEL``.
    Standard folder and rule files must be readable at the same paths on every worker.
    """
    if incremental and out_dataset is None:
        raise UsageError("--incremental needs --out-dataset DIR (the previous run's records)")
    try:
        levels = severity_levels(dict(severity or {}))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    config = Config(standard=os.fspath(standard) if standard is not None else None,
                    rules=tuple(os.fspath(r) if isinstance(r, os.PathLike) else r
                                for r in rules),
                    iod=iod, content_hash=content_hash, presumptions=presumptions,
                    show_values=show_values, severity=levels)
    if type(paths_or_bag).__module__.startswith("dask.bag"):
        parts = _bag_partitions(paths_or_bag)
    else:
        if isinstance(paths_or_bag, str | os.PathLike):
            paths_or_bag = [paths_or_bag]
        parts = by_folder(expand(paths_or_bag), partition_size)
    executor = DaskExecutor(client) if client is not None else LocalExecutor()
    return Run(parts, config, executor, out_dataset=out_dataset,
               dataset_format=dataset_format, incremental=incremental, window=window)
