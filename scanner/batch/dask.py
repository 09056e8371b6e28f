"""`certscan batch` on a Dask cluster: the same worker functions, files read on many machines.

The driver stays `batch.run_batch` (finding and hashing inputs, skipping what the output holds,
writing rows as files finish); only where a file is read changes. Each Dask worker process builds
its state once through a worker plugin that calls `batch.init_worker`, exactly as a local worker's
initializer does. Inputs, the roster and the thumbnail folder must be at the same paths on every
machine (a shared file system); the output is written by the driver alone.

Needs the optional extra: pip install 'certscan[distributed]'.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from typing import Any

from .output import BatchError
from .run import engine_threads
from .worker import BatchSettings, FileFailed, FileResult, FileTask, init_worker, process_file

try:
    from distributed import Client, LocalCluster, wait
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError as exc:  # pragma: no cover - the extra is installed in development and CI
    raise BatchError("Dask is not installed: pip install 'certscan[distributed]'") from exc


def _host(address: str) -> str:
    """The host of a Dask address such as tcp://10.0.0.5:40123."""
    return address.split("://", 1)[-1].rsplit(":", 1)[0]


class BatchWorkerPlugin(WorkerPlugin):
    """Builds certscan's worker state once in every Dask worker, sharing each machine's cores
    among the worker threads there."""

    name = "certscan-batch"

    def __init__(self, settings: BatchSettings, threads_per_host: dict[str, int]) -> None:
        self.settings = settings
        self.threads_per_host = threads_per_host

    def setup(self, worker: Any) -> None:
        sharing = self.threads_per_host.get(_host(worker.address), worker.state.nthreads)
        init_worker(self.settings, engine_threads(sharing))


class DaskBackend:
    """Reads files on a Dask cluster (see `batch.Backend`)."""

    def __init__(self, client: Any, settings: BatchSettings, cluster: Any = None) -> None:
        self.client = client
        self._cluster = cluster
        workers = client.scheduler_info(n_workers=-1)["workers"]
        per_host: Counter[str] = Counter()
        for address, info in workers.items():
            per_host[_host(address)] += int(info.get("nthreads", 1))
        self.workers = max(1, sum(per_host.values()))
        client.register_plugin(BatchWorkerPlugin(settings, dict(per_host)))

    @classmethod
    def connect(cls, address: str, settings: BatchSettings) -> DaskBackend:
        """Use the running cluster whose scheduler listens at `address` (tcp://host:8786)."""
        try:
            client = Client(address, timeout="20s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise BatchError(f"cannot reach the Dask scheduler at {address} ({exc}).") from None
        return cls(client, settings)

    @classmethod
    def local(cls, workers: int, settings: BatchSettings) -> DaskBackend:
        """A Dask cluster of `workers` single-threaded processes on this machine (for trying
        the distributed set-up, and for tests)."""
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        return cls(Client(cluster), settings, cluster)  # type: ignore[no-untyped-call]

    def submit(self, task: FileTask) -> Any:
        return self.client.submit(process_file, task, pure=False)

    def wait_any(self, handles: Collection[Any]) -> Collection[Any]:
        done: Collection[Any] = wait(list(handles), return_when="FIRST_COMPLETED").done  # type: ignore[no-untyped-call]
        return done

    def result(self, handle: Any) -> FileResult:
        from distributed import KilledWorker

        try:
            result: FileResult = handle.result()
        except KilledWorker:
            raise FileFailed(
                "the reader crashed on this file (its Dask worker died)",
                "读取此文件时程序崩溃（Dask工作进程退出）",
            ) from None
        return result

    def close(self, cancel: bool) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()
