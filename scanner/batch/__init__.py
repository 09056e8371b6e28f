"""Bulk reading: thousands of HR files to one JSON Lines row per certificate, resumable, in parallel.

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
reports (`batchreport.current_rows`).

File names that are not UTF-8 (a GBK name left by a Windows ZIP) are read like any other and
written with their undecodable bytes escaped (`text.shown_path`).
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import glob
import json
import logging
import os
import resource
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..config import ScanConfig
from ..errors import CertscanError
from ..fields import CertificateRecord
from ..load import SUPPORTED_SUFFIXES
from ..registry import HttpSettings
from ..text import file_sha256 as content_sha256
from ..text import redact_url, shown_path

if TYPE_CHECKING:
    from ..verify import Verifier

log = logging.getLogger(__name__)

# Files read while others wait, per worker: enough to keep every worker busy, few enough that
# memory stays flat and an interrupted run loses little.
IN_FLIGHT_PER_WORKER = 2
# A local worker is replaced by a fresh one after this many files: a long-lived worker's peak
# memory crept up by ~40 MiB per 200 files (most likely its heap fragmenting as images of every
# size come and go); a fresh worker costs one model load (about 2 s) per this many files.
FILES_PER_WORKER = 200
# Long side of the thumbnails kept for rows that need attention (for the HTML report).
THUMB_SIDE = 480
_WILDCARDS = frozenset("*?[")


class BatchError(CertscanError):
    """A batch run that cannot start or continue (output locked by another run, damaged output,
    a disk that is full)."""


# Why the driver or a worker could not open a file, in English and Chinese (the row's error).
Reason = tuple[str, str]
NO_SUCH_INPUT: Reason = ("no such file or folder", "没有这个文件或文件夹")
NO_MATCH: Reason = ("the pattern matched no file", "通配符没有匹配到任何文件")
VANISHED: Reason = ("the file was moved or deleted after the run started", "文件在运行开始后被移动或删除")
BROKEN_LINK: Reason = ("the link points to a file that does not exist", "链接指向的文件不存在")
NOT_REGULAR: Reason = (
    "not a regular file (a device, pipe or socket)",
    "不是普通文件（而是设备、管道或套接字）",
)
EMPTY: Reason = ("the file is empty", "文件是空的")
NO_PERMISSION: Reason = ("permission denied: this user may not read the file", "没有读取此文件的权限")


def open_failure(exc: OSError) -> Reason:
    """Why a file could not be opened, in a sentence for people."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return NO_PERMISSION
    if exc.errno == errno.ENOENT:
        return VANISHED
    reason = exc.strerror or type(exc).__name__
    return (f"the file could not be opened ({reason})", f"无法打开此文件（{reason}）")


def missing_input(name: str) -> BatchError:
    """The sentence for an input named on the command line that does not exist, or a pattern
    that matched no file (its row says so too; this names it for the person who typed it)."""
    shown = shown_path(name)
    if _WILDCARDS & set(name):
        return BatchError(f"the pattern {shown} matched no file.", f"通配符{shown}没有匹配到任何文件。")
    return BatchError(f"{shown} does not exist.", f"找不到{shown}：没有这个文件或文件夹。")


def write_failure(path: Path, exc: OSError) -> BatchError:
    """A failed write of the output or a report as one sentence: what happened and what to do."""
    name = shown_path(str(path))
    then = "; free some space and rerun the same command to resume."
    then_zh = "；请腾出空间后重新运行同一命令继续。"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return BatchError(
            f"the disk is full: {name} could not be written{then}", f"磁盘已满，无法写入{name}{then_zh}"
        )
    if exc.errno == errno.EFBIG:
        return BatchError(
            f"{name} has reached the largest file size allowed and could not be written{then}",
            f"{name}已达到允许的最大文件大小，无法继续写入{then_zh}",
        )
    reason = exc.strerror or type(exc).__name__
    return BatchError(
        f"{name} could not be written ({reason}); fix that and rerun the same command to resume.",
        f"无法写入{name}（{reason}）；解决后重新运行同一命令继续。",
    )


@dataclass(frozen=True)
class BatchSettings:
    """What a worker needs to turn a file into rows; small and picklable, sent to every worker."""

    config: ScanConfig = field(default_factory=ScanConfig)
    # Where thumbnails of rows needing attention are written; None writes none.
    thumbs_dir: Path | None = None
    roster: Path | None = None
    # A registry (SQLite path or http(s) URL): rows become verify rows with a verdict.
    registry: str | None = None
    http: HttpSettings = field(default_factory=HttpSettings)
    # Language of the explanations and advice in verify rows.
    lang: str = "zh"


@dataclass(frozen=True)
class FileTask:
    """One input file to read: its path, the SHA-256 of its content, pages already done."""

    path: str
    sha256: str | None
    skip: tuple[int, ...] = ()


@dataclass(frozen=True)
class FileResult:
    """The rows of one file, with the worker that read them and its peak memory so far."""

    rows: list[dict[str, Any]]
    worker: str
    peak_rss: int


class FileFailed(Exception):
    """A file whose worker died or ran out of time: it gets an error row and the run goes on."""

    def __init__(self, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reason_zh = reason_zh


def check_outputs(out: Path, reports: dict[str, Path]) -> None:
    """Refuse a report (`--csv`, `--html`) that names the results file or another report (the same
    path, a symbolic link or a hard link to it): writing it would destroy the results. Raises
    BatchError before anything is written."""
    taken: dict[str, Path] = {"--out": out}
    for option, path in reports.items():
        for other, where in taken.items():
            if _same_file(path, where):
                name = shown_path(str(path))
                raise BatchError(
                    f"{option} names the same file as {other} ({name}), which would destroy it; "
                    "choose another file.",
                    f"{option}与{other}指向同一个文件（{name}），写入会毁掉它；请另选一个文件。",
                )
        taken[option] = path


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one does not exist yet: the same path once links are followed
        return os.path.realpath(a) == os.path.realpath(b)


# ------------------------------------------------------------------ worker side


class WorkerState:
    """Everything a worker builds once: the scanner (OCR models), the roster, the row maker."""

    def __init__(self, settings: BatchSettings) -> None:
        from ..pipeline import Scanner
        from .roster import Roster

        self.settings = settings
        self.scanner = Scanner(settings.config)
        self.roster = Roster.read(settings.roster) if settings.roster else None
        self.verifier: Verifier | None = None
        if settings.registry is not None:
            from ..registry import open_registry
            from ..verify import Verifier

            self.verifier = Verifier(open_registry(settings.registry, settings.http), self.scanner.matcher)
        # A worker process may run several tasks in threads (Dask); the scanner is not re-entrant.
        self.lock = threading.Lock()

    def make_row(self, record: CertificateRecord) -> dict[str, Any]:
        """The output row of one certificate: the scan row of SPEC.md (a verify row once a
        registry is plugged in), plus the roster comparison when the roster lists the file."""
        row = record.to_json()
        if self.verifier is not None and record.error is None:
            try:
                row = self.verifier.verify(record).to_json(self.settings.lang)
            except CertscanError as exc:
                # The registry could not answer for this row: keep the reading, say why, go on.
                row.update(
                    verdict=None, registry_error=_without_credentials(str(exc), self.settings.registry)
                )
        if record.error is not None:
            row["error_zh"] = record.error_zh
        if self.roster is not None:
            check = self.roster.check(record, self.scanner.matcher)
            if check is not None:
                row["roster"] = check.to_json()
        return row


def _without_credentials(text: str, location: str | None) -> str:
    """A sentence naming the registry, with any user name and password taken out of its address."""
    if location and location.startswith(("http://", "https://")):
        for form in (location, location.rstrip("/")):
            text = text.replace(form, redact_url(form))
    return text


_STATE: WorkerState | None = None


def init_worker(settings: BatchSettings, threads: int) -> None:
    """Build a worker's state once, with `threads` threads for ONNX Runtime and OpenCV so that
    N workers on one machine share its cores instead of each claiming all of them."""
    global _STATE
    _die_with_parent()
    import cv2

    cv2.setNumThreads(threads)
    _STATE = WorkerState(replace(settings, config=replace(settings.config, threads=threads)))


def process_file(task: FileTask) -> FileResult:
    """Read one file in a worker: one row per page, never an exception for a bad file."""
    from .report import needs_attention, thumbnail_name

    state = _STATE
    if state is None:
        raise RuntimeError("init_worker was not called in this worker")
    worker = f"{os.uname().nodename}:{os.getpid()}"
    # Checked again here: the file may have gone, or lost its permissions, since the driver hashed it.
    _sha, problem = inspect_file(Path(task.path), hash_content=False)
    if problem is not None:
        return FileResult([failed_row(task, *problem)], worker, peak_rss())
    rows: list[dict[str, Any]] = []
    with state.lock:
        for scanned in state.scanner.read_file(Path(task.path), skip=task.skip):
            row = state.make_row(scanned.record)
            row["sha256"] = task.sha256
            row["pages"] = scanned.pages
            thumbs = state.settings.thumbs_dir
            if thumbs is not None and scanned.image is not None and task.sha256 and needs_attention(row):
                try:
                    _write_thumbnail(
                        scanned.image, row, thumbs / thumbnail_name(task.sha256, row.get("page"))
                    )
                except OSError as exc:  # a full disk costs the report its picture, not the row
                    log.warning("no thumbnail for %s: %s", shown_path(task.path), exc.strerror)
            rows.append(row)
    return FileResult(rows, worker, peak_rss())


def peak_rss() -> int:
    """This process's peak resident memory in bytes.

    Linux's VmHWM belongs to the process's own address space; getrusage's ru_maxrss would carry
    over the peak of the parent that spawned the worker (it survives exec), hiding the worker's own.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


# Fields blacked out on thumbnails: the report is for people and may be mailed, and the picture must
# not show what the text masks (an ID number next to a whole birth date is the whole number).
THUMB_HIDDEN = ("id_number", "birth_date")


def _write_thumbnail(image: np.ndarray, row: dict[str, Any], path: Path) -> None:
    """A small JPEG of the page with the fields in question outlined in red and the ID number and
    birth date blacked out, written atomically."""
    import cv2

    from .report import fields_in_question

    picture = np.array(image)  # drawn on: the page itself may be a read-only view
    scale = THUMB_SIDE / max(picture.shape[:2])
    fields = row.get("fields") or {}
    for key in THUMB_HIDDEN:
        box = (fields.get(key) or {}).get("box")
        if box:
            x0, y0, x1, y1 = (round(v) for v in box)
            # A margin so that no stroke of the edge survives the scaling and the JPEG.
            pad = max(2, round(0.15 * (y1 - y0)))
            picture = cv2.rectangle(picture, (x0 - pad, y0 - pad), (x1 + pad, y1 + pad), (0, 0, 0), -1)
    # Two thumbnail pixels wide, drawn just outside the box so the value itself stays legible.
    width = max(2, round(2 / scale))
    for key in fields_in_question(row):
        box = row["fields"][key].get("box")
        if box:
            x0, y0, x1, y1 = (box[0] - 2 * width, box[1] - 2 * width, box[2] + 2 * width, box[3] + 2 * width)
            picture = cv2.rectangle(picture, (x0, y0), (x1, y1), (230, 0, 0), width)
    if scale < 1:
        size = (round(picture.shape[1] * scale), round(picture.shape[0] * scale))
        picture = cv2.resize(picture, size, interpolation=cv2.INTER_AREA)
    bgr = cv2.cvtColor(picture, cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 75])
    if not ok:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        partial.write_bytes(encoded.tobytes())
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)
        raise


def _die_with_parent() -> None:
    """Ask Linux to end this worker when the process that started it dies (kill -9 included),
    so a killed run leaves no workers behind to race the rerun."""
    if not sys.platform.startswith("linux"):
        return
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


# ------------------------------------------------------------------ inputs


def discover(inputs: Sequence[str]) -> Iterator[Path]:
    """The files to read, lazily: folders recursively (files with a supported suffix, hidden files
    skipped), glob patterns expanded, plain paths as given (a missing one too: it gets its error
    row). Each path once, in a stable order."""
    seen: set[str] = set()
    for text in inputs:
        path = Path(text)
        found: Iterable[Path] = [path]
        if path.is_dir():
            found = _walk(path)
        elif not path.exists() and _WILDCARDS & set(text):
            matches = [Path(p) for p in sorted(glob.glob(text, recursive=True))]
            # A pattern matching nothing stays an input of its own: it gets a "file not found" row.
            found = _expand(matches) if matches else [path]
        for file in found:
            key = os.path.normpath(os.path.abspath(file))
            if key not in seen:
                seen.add(key)
                yield file


def _expand(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from _walk(path)
        else:
            yield path


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.lower().endswith(SUPPORTED_SUFFIXES):
                yield Path(root) / name


def file_sha256(path: Path) -> str | None:
    """SHA-256 of a file's content; None for a file that is missing, unreadable or empty (those
    are keyed by path instead: an empty file's hash would make every empty file one)."""
    try:
        if path.stat().st_size == 0:
            return None
        return content_sha256(path)
    except OSError:
        return None


def inspect_file(
    path: Path, given: Collection[str] = (), hash_content: bool = True
) -> tuple[str | None, Reason | None]:
    """The SHA-256 of a file's content (None unless `hash_content`), or why it cannot be read.

    `given` holds the inputs as named on the command line: one of them missing is an input that
    does not exist (or a pattern that matched nothing), not a file that vanished.
    """
    name = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.lexists(path):
            return None, BROKEN_LINK
        if name in given:
            return None, NO_MATCH if _WILDCARDS & set(name) else NO_SUCH_INPUT
        return None, VANISHED
    except OSError as exc:
        return None, open_failure(exc)
    if not stat.S_ISREG(info.st_mode):
        return None, NOT_REGULAR
    if info.st_size == 0:
        return None, EMPTY
    try:
        if not hash_content:
            path.open("rb").close()
            return None, None
        return content_sha256(path), None
    except OSError as exc:
        return None, open_failure(exc)


def _key(sha256: str | None, file: str) -> str:
    return sha256 or f"path:{shown_path(os.path.abspath(file))}"


def _shown(value: Any) -> Any:
    """A row with every file name (or text quoting one) that is not UTF-8 escaped for JSON."""
    if isinstance(value, str):
        return shown_path(value)
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown(v) for v in value]
    return value


# ------------------------------------------------------------------ output


class ResultsFile:
    """The JSON Lines output, locked for one run, appended a file at a time, with what it holds.

    On opening, a torn last line (a run killed mid-write) is cut off, and the rows already there
    tell which files are complete and which pages of a multi-page file are done. A row with an
    error does not make its file or page done: a rerun tries it again.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as exc:
            name = shown_path(str(path))
            raise BatchError(
                f"cannot open the output {name} ({exc.strerror}).",
                f"无法打开输出文件{name}（{exc.strerror}）。",
            ) from None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            name = shown_path(str(path))
            raise BatchError(
                f"another certscan batch run is writing {name}; wait for it or stop it.",
                f"另一个certscan batch正在写入{name}；请等它结束或停止它。",
            ) from None
        self.complete: set[str] = set()
        self.partial: dict[str, set[int]] = {}
        self.rows = 0
        self._cut_torn_tail()
        self._read_done()

    def _cut_torn_tail(self) -> None:
        size = os.fstat(self._fd).st_size
        end = size
        while end > 0:
            chunk = os.pread(self._fd, min(65536, end), end - min(65536, end))
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                end = end - len(chunk) + newline + 1
                break
            end -= len(chunk)
        if end != size:
            log.warning("cutting a torn last line (%d bytes) off %s", size - end, self.path)
            os.ftruncate(self._fd, end)
            os.fsync(self._fd)

    def _read_done(self) -> None:
        with open(self.path, "rb") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    key = _key(row.get("sha256"), row["file"])
                    pages = int(row.get("pages") or 1)
                except (ValueError, KeyError, TypeError, AttributeError):
                    name = shown_path(str(self.path))
                    raise BatchError(
                        f"line {number} of {name} is not a certscan batch row; "
                        "write the results to a new file.",
                        f"{name}的第{number}行不是certscan批量处理的结果行；请把结果写到一个新文件。",
                    ) from None
                self.rows += 1
                if row.get("error"):
                    continue
                if pages <= 1:
                    self.complete.add(key)
                    continue
                if key in self.complete:
                    continue
                seen = self.partial.setdefault(key, set())
                seen.add(int(row.get("page") or 0))
                if len(seen) >= pages:
                    self.complete.add(key)
                    del self.partial[key]

    def append(self, rows: Sequence[dict[str, Any]]) -> None:
        """Write the rows of one file as whole lines in one write, then make them durable.

        A write that fails (disk full, file size limit) is cut back to where it started, so the
        file holds whole rows only, and raises BatchError with one sentence.
        """
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # a file name that is not UTF-8
            data = "".join(json.dumps(_shown(r), ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
        start = os.fstat(self._fd).st_size
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            os.fsync(self._fd)
        except OSError as exc:
            with suppress(OSError):
                os.ftruncate(self._fd, start)
            raise write_failure(self.path, exc) from None
        self.rows += len(rows)

    def close(self) -> None:
        """Release the lock and the file."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


# ------------------------------------------------------------------ running


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
    """What one run did (the whole output is summarized by `batchreport.summarize`)."""

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


def failed_row(task: FileTask, reason: str, reason_zh: str) -> dict[str, Any]:
    """The error row of a file whose worker could not give one."""
    row = CertificateRecord.failed(task.path, reason, error_zh=reason_zh).to_json()
    row["error_zh"] = reason_zh
    row["sha256"] = task.sha256
    row["pages"] = 1
    return row
