"""Bulk reading: thousands of HR files to one JSON Lines row per certificate, resumable, in parallel.

The modules, in the order a file travels:

- `files`: finding the inputs (folders, patterns), hashing each file, why one cannot be opened;
- `worker`: what a worker process builds once and how it turns one file into rows (and thumbnails);
- `output`: the JSON Lines results file (lock, torn tail, whole-row appends) and write failures;
- `run`: `run_batch`, the driver, with the local process pool and progress; its docstring states
  the output discipline;
- `dask`: the same workers on a Dask cluster; `report`: summary, CSV and HTML from the rows
  (`booklets`: what a row says of its document, layout and change record); `roster`: the HR roster
  the rows are compared with.

Every name below is importable from `scanner.batch` as before the package was split.
"""

from __future__ import annotations

from .files import (
    BROKEN_LINK,
    EMPTY,
    NO_MATCH,
    NO_PERMISSION,
    NO_SUCH_INPUT,
    NOT_REGULAR,
    VANISHED,
    Reason,
    discover,
    file_sha256,
    inspect_file,
    missing_input,
    open_failure,
)
from .output import BatchError, ResultsFile, check_outputs, write_failure
from .run import (
    FILES_PER_WORKER,
    IN_FLIGHT_PER_WORKER,
    Backend,
    BatchProgress,
    BatchRun,
    LocalPool,
    engine_threads,
    run_batch,
)
from .worker import (
    THUMB_HIDDEN,
    THUMB_SIDE,
    BatchSettings,
    FileFailed,
    FileResult,
    FileTask,
    WorkerState,
    _write_thumbnail,
    failed_row,
    init_worker,
    peak_rss,
    process_file,
)

__all__ = [
    "BROKEN_LINK",
    "EMPTY",
    "FILES_PER_WORKER",
    "IN_FLIGHT_PER_WORKER",
    "NOT_REGULAR",
    "NO_MATCH",
    "NO_PERMISSION",
    "NO_SUCH_INPUT",
    "THUMB_HIDDEN",
    "THUMB_SIDE",
    "VANISHED",
    "Backend",
    "BatchError",
    "BatchProgress",
    "BatchRun",
    "BatchSettings",
    "FileFailed",
    "FileResult",
    "FileTask",
    "LocalPool",
    "Reason",
    "ResultsFile",
    "WorkerState",
    "_write_thumbnail",
    "check_outputs",
    "discover",
    "engine_threads",
    "failed_row",
    "file_sha256",
    "init_worker",
    "inspect_file",
    "missing_input",
    "open_failure",
    "peak_rss",
    "process_file",
    "run_batch",
    "write_failure",
]
