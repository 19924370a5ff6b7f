"""Where partition tasks run: in this process, or on a Dask cluster.

Both offer ``submit(token, config, paths)`` and ``next_done()``, which returns one
finished task as ``(token, results, error)``: ``error`` is the exception of a task that
died with its worker (Dask's ``KilledWorker``) or raised, for the caller to split up.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from conformance.distributed.task import Config, FileResult, validate_partition
from conformance.errors import ConformanceError, UsageError

Done = tuple[Any, list[FileResult] | None, BaseException | None]
EXTRA_HINT = "pip install 'dicom-conformance[dask]'"


def require_dask() -> None:
    """A one-line UsageError naming the extra when Dask is not installed."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise UsageError(f"--dask needs the optional Dask support: {EXTRA_HINT}") from None


class LocalExecutor:
    """Runs each task in this process when its result is asked for."""

    def __init__(self) -> None:
        self._todo: deque[tuple[Any, Config, Sequence[str]]] = deque()

    def submit(self, token: Any, config: Config, paths: Sequence[str]) -> None:
        self._todo.append((token, config, paths))

    def pending(self) -> int:
        return len(self._todo)

    def next_done(self) -> Done:
        token, config, paths = self._todo.popleft()
        return token, validate_partition(config, paths), None

    def workers(self) -> int:
        return 1

    def close(self) -> None:
        self._todo.clear()


class DaskExecutor:
    """Submits tasks to a ``distributed.Client``; the client is made on first use when
    a factory is given (a run whose files are all reused starts no cluster)."""

    def __init__(self, client: Any = None, factory: Callable[[], Any] | None = None) -> None:
        require_dask()
        self._client = client
        self._factory = factory
        self._done: Any = None  # distributed.as_completed, made with the client
        self._tokens: dict[Any, Any] = {}

    @property
    def client(self) -> Any:
        if self._client is None:
            if self._factory is None:
                raise UsageError("no Dask client")
            self._client = self._factory()
        return self._client

    def submit(self, token: Any, config: Config, paths: Sequence[str]) -> None:
        fut = self.client.submit(validate_partition, config, list(paths), pure=False)
        if self._done is None:
            from distributed import as_completed

            self._done = as_completed(loop=self.client.loop)
        self._tokens[fut.key] = token
        self._done.add(fut)

    def pending(self) -> int:
        return len(self._tokens)

    def next_done(self) -> Done:
        fut = next(self._done)
        token = self._tokens.pop(fut.key)
        try:
            return token, fut.result(), None
        except ConformanceError:
            raise  # the configuration does not work on the workers: stop with its message
        except Exception as exc:  # noqa: BLE001 - KilledWorker, or a task that raised
            return token, None, exc
        finally:
            fut.release()

    def workers(self) -> int:
        if self._client is None:
            return 2
        return max(1, len(self._client.scheduler_info().get("workers", {})))

    def close(self) -> None:
        if self._done is not None:
            for fut in list(self._done.futures):
                fut.cancel()
            self._done.clear()
        self._tokens.clear()


def parse_spec(spec: str) -> tuple[str, int | str]:
    """``local:N`` -> ("local", N); anything else is a scheduler address."""
    if spec.startswith("local:"):
        n = spec.partition(":")[2]
        if not n.isdigit() or int(n) < 1:
            raise UsageError(f"--dask {spec}: local:N needs a number of workers >= 1")
        return "local", int(n)
    if spec == "local":
        return "local", 2
    if not spec:
        raise UsageError("--dask: give a scheduler address (tcp://host:8786) or local:N")
    return "address", spec


class Cluster:
    """``--dask SPEC``: a LocalCluster of N worker processes, or a connection to a
    scheduler. Starts on first use; ``close()`` closes what it started."""

    def __init__(self, spec: str, quiet: bool = True) -> None:
        require_dask()
        self.kind, self.arg = parse_spec(spec)
        self._cluster: Any = None
        self._client: Any = None
        self.quiet = quiet
        if quiet:  # worker restarts and shutdown chatter are not the report
            for name in ("distributed", "tornado"):
                logging.getLogger(name).setLevel(logging.ERROR)

    def client(self) -> Any:
        if self._client is not None:
            return self._client
        from distributed import Client, LocalCluster

        try:
            if self.kind == "local":
                # No dashboard, any free port (a busy 8787 would warn); workers log only
                # what is critical (shutdown chatter is not the report).
                self._cluster = LocalCluster(
                    n_workers=int(self.arg), threads_per_worker=1, processes=True,
                    dashboard_address=":0", scheduler_kwargs={"dashboard": False},
                    silence_logs=logging.CRITICAL if self.quiet else logging.WARNING)
                self._client = Client(self._cluster)
            else:
                self._client = Client(str(self.arg), timeout="20s")
        except (OSError, TimeoutError) as exc:
            self.close()
            raise UsageError(f"--dask {self.arg}: cannot connect: {exc}") from None
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
