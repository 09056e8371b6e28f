"""The batch driver: thousands of HR files to one JSON Lines row per certificate, resumable, in parallel.

The driver (`run_batch`) finds the inputs, hashes each file, skips what the output already holds,
hands the rest to worker processes and appends their rows to the output as each file finishes.
Workers (`init_worker`, `process_file`) load the OCR engine once and turn one file into its rows.
The same worker functions run under the local process pool here and under Dask
(`scanner.batch.dask`), so both give identical rows.

Output discipline: rows are appended whole lines at a time, all rows of one file in one write
followed by fsync, under an exclusive lock; a run killed mid-write leaves at most a torn last
line, which the next run cuts off, and a write that fails (disk full) is cut back before the run
stops with one sentence. Nothing written is ever rewritten: the file only grows. Each row carries
the SHA-256 of its file's content and the number of pages of the file, so a rerun skips files
(and pages) already done, a renamed file is not read again and a changed file is. Error rows do
not count as done: a rerun reads those files again, and its row supersedes the error row in the
reports (`report.current_rows`).

File names that are not UTF-8 (a GBK name left by a Windows ZIP) are read like any other and
written with their undecodable bytes escaped (`text.shown_path`).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .files import NO_MATCH, NO_SUCH_INPUT, discover, inspect_file
from .output import BatchError, ResultsFile, _key
from .worker import BatchSettings, FileFailed, FileResult, FileTask, failed_row, init_worker, process_file

log = logging.getLogger(__name__)

# Files read while others wait, per worker: enough to keep every worker busy, few enough that
# memory stays flat and an interrupted run loses little.
IN_FLIGHT_PER_WORKER = 2
# A local worker is replaced by a fresh one after this many files: a long-lived worker's peak
# memory crept up by ~40 MiB per 200 files (most likely its heap fragmenting as images of every
# size come and go); a fresh worker costs one model load (about 2 s) per this many files.
FILES_PER_WORKER = 200


class Backend(Protocol):
    """Where files are read: the local process pool, or a Dask cluster."""

    workers: int

    def submit(self, task: FileTask) -> Any:
        """Start reading one file; returns a handle."""
        ...

    def wait_any(self, handles: Collection[Any]) -> Collection[Any]:
        """Block until at least one handle is done; return the done ones."""
        ...

    def result(self, handle: Any) -> FileResult:
        """The rows of a done handle; raises FileFailed when its worker died or timed out."""
        ...

    def close(self, cancel: bool) -> None:
        """Stop the workers (at once when `cancel`)."""
        ...


class LocalPool:
    """Worker processes on this machine (pebble's process pool: a worker that crashes or hangs
    costs only its own file, and the pool starts a fresh worker in its place)."""

    def __init__(self, settings: BatchSettings, workers: int, timeout: float | None = None) -> None:
        import multiprocessing

        from pebble import ProcessPool

        self.workers = workers
        self.timeout = timeout
        threads = engine_threads(workers)
        # Spawned, not forked: the parent may run threads (progress display) that fork would copy mid-state.
        self._pool = ProcessPool(
            max_workers=workers,
            max_tasks=FILES_PER_WORKER,
            initializer=init_worker,
            initargs=(settings, threads),
            context=multiprocessing.get_context("spawn"),
        )

    def submit(self, task: FileTask) -> Future[FileResult]:
        return self._pool.schedule(process_file, args=(task,), timeout=self.timeout)

    def wait_any(self, handles: Collection[Any]) -> Collection[Any]:
        return wait(handles, return_when=FIRST_COMPLETED).done

    def result(self, handle: Any) -> FileResult:
        from pebble import ProcessExpired

        try:
            result: FileResult = handle.result()
        except FutureTimeout:
            raise FileFailed(
                f"reading it took longer than {self.timeout:g} seconds and was stopped",
                f"读取超过{self.timeout:g}秒，已停止",
            ) from None
        except ProcessExpired as exc:
            raise FileFailed(
                f"the reader crashed on this file (exit code {exc.exitcode})",
                f"读取此文件时程序崩溃（退出码{exc.exitcode}）",
            ) from None
        return result

    def close(self, cancel: bool) -> None:
        if cancel:
            self._pool.stop()  # type: ignore[no-untyped-call]
        else:
            self._pool.close()  # type: ignore[no-untyped-call]
        self._pool.join()


def engine_threads(workers: int, cores: int | None = None) -> int:
    """Threads per OCR engine so that `workers` engines share the cores without oversubscribing."""
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores // max(1, workers))


@dataclass(frozen=True)
class BatchProgress:
    """How far a run is, reported after every file."""

    total: int
    done: int
    skipped: int
    rows: int
    failed: int
    started: float

    @property
    def rate(self) -> float:
        """Files read per second in this run (skipped files excluded)."""
        elapsed = time.monotonic() - self.started
        read = self.done - self.skipped
        return read / elapsed if elapsed > 0 and read > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate, None before the first file is read."""
        rate = self.rate
        return (self.total - self.done) / rate if rate > 0 else None


@dataclass
class BatchRun:
    """What one run did (the whole output is summarized by `report.summarize`)."""

    files: int = 0
    read: int = 0
    skipped: int = 0
    rows_written: int = 0
    failed_rows: int = 0
    seconds: float = 0.0
    worker_peak_rss: dict[str, int] = field(default_factory=dict)
    interrupted: bool = False
    # Inputs named on the command line that do not exist, and patterns that matched no file, as named.
    missing: list[str] = field(default_factory=list)


def run_batch(
    inputs: Sequence[str],
    out: Path,
    settings: BatchSettings,
    workers: int = 1,
    *,
    backend: Backend | None = None,
    progress: Callable[[BatchProgress], None] | None = None,
    timeout: float | None = None,
) -> BatchRun:
    """Read every input into `out` (JSON Lines), skipping what `out` already holds.

    Files are read by `backend` (a local pool of `workers` processes unless given); rows are
    appended as each file finishes, so memory does not grow with the number of files and an
    interrupted run (Ctrl-C or kill) loses at most the files being read. KeyboardInterrupt stops
    the workers, keeps every finished row and is raised again for the caller; so does BatchError
    (the output could not be written: disk full).

    Files the driver itself finds unreadable (missing, empty, no permission, not a regular file)
    get their error row here, without a worker.
    """
    given = {str(Path(text)): text for text in inputs}
    results = ResultsFile(out)
    run = BatchRun()
    started = time.monotonic()
    total = sum(1 for _ in discover(inputs))
    pool = backend
    pending: dict[Any, FileTask] = {}
    cancel = False

    def report() -> None:
        if progress is not None:
            progress(BatchProgress(total, run.files, run.skipped, run.rows_written, run.failed_rows, started))

    def finish(handle: Any) -> None:
        task = pending.pop(handle)
        try:
            result = pool.result(handle)  # type: ignore[union-attr]
            rows = result.rows
            peaks = run.worker_peak_rss
            peaks[result.worker] = max(peaks.get(result.worker, 0), result.peak_rss)
        except FileFailed as exc:
            rows = [failed_row(task, exc.reason, exc.reason_zh)]
        except Exception as exc:  # a bug in a worker must not stop the run: record it on the file
            log.error("internal error on %s: %r", task.path, exc)
            kind = type(exc).__name__
            rows = [failed_row(task, f"internal error ({kind})", f"内部错误（{kind}）")]
        results.append(rows)
        run.read += 1
        run.files += 1
        run.rows_written += len(rows)
        run.failed_rows += sum(1 for r in rows if r.get("error"))
        report()

    try:
        report()
        for path in discover(inputs):
            sha, problem = inspect_file(path, given)
            if problem is not None:
                if problem in (NO_SUCH_INPUT, NO_MATCH):
                    run.missing.append(given[str(path)])
                failed = failed_row(FileTask(str(path), None), *problem)
                results.append([failed])
                run.read += 1
                run.files += 1
                run.rows_written += 1
                run.failed_rows += 1
                report()
                continue
            key = _key(sha, str(path))
            if key in results.complete:
                run.skipped += 1
                run.files += 1
                report()
                continue
            # Only the output's earlier rows count as done: a second copy of the same content in this
            # run is read too, so every file named gets its own rows (and its own roster check).
            task = FileTask(str(path), sha, tuple(sorted(results.partial.pop(key, ()))))
            if pool is None:
                pool = LocalPool(settings, workers, timeout)
            window = IN_FLIGHT_PER_WORKER * pool.workers
            while len(pending) >= window:
                for handle in pool.wait_any(list(pending)):
                    finish(handle)
            pending[pool.submit(task)] = task
        while pending:
            for handle in pool.wait_any(list(pending)):  # type: ignore[union-attr]
                finish(handle)
    except KeyboardInterrupt:
        run.interrupted = cancel = True
        raise
    except BatchError:
        cancel = True
        raise
    finally:
        if pool is not None and backend is None:
            pool.close(cancel=cancel)
        results.close()
        run.seconds = time.monotonic() - started
    return run
