"""The worker side of a batch run: one file in, its rows out (thumbnails of rows needing attention).

Workers (`init_worker`, `process_file`) load the OCR engine once and turn one file into its rows.
The same functions run under the local process pool (`scanner.batch.run`) and under Dask
(`scanner.batch.dask`), so both give identical rows.
"""

from __future__ import annotations

import ctypes
import logging
import os
import resource
import signal
import sys
import threading
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import ScanConfig
from ..errors import CertscanError
from ..fields import CertificateRecord
from ..registry import HttpSettings
from ..report import verification_json
from ..text import shown_path, without_credentials
from .files import inspect_file

if TYPE_CHECKING:
    from ..normalize import Institution
    from ..verify import Verifier

log = logging.getLogger(__name__)

# Long side of the thumbnails kept for rows that need attention (for the HTML report).
THUMB_SIDE = 480


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
    # The users' own institution rows, loaded once by the CLI (config folder), for the matcher.
    institutions: tuple[Institution, ...] = ()


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


class WorkerState:
    """Everything a worker builds once: the scanner (OCR models), the roster, the row maker."""

    def __init__(self, settings: BatchSettings) -> None:
        from ..normalize import InstitutionMatcher
        from ..pipeline import Scanner
        from .roster import Roster

        self.settings = settings
        self.scanner = Scanner(settings.config, matcher=InstitutionMatcher(extra=settings.institutions))
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
                row = verification_json(self.verifier.verify(record), self.settings.lang)
            except CertscanError as exc:
                # The registry could not answer for this row: keep the reading, say why, go on.
                row.update(verdict=None, registry_error=without_credentials(str(exc)))
        if record.error is not None:
            row["error_zh"] = record.error_zh
        if self.roster is not None:
            check = self.roster.check(record, self.scanner.matcher)
            if check is not None:
                row["roster"] = check.to_json()
        return row


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


def failed_row(task: FileTask, reason: str, reason_zh: str) -> dict[str, Any]:
    """The error row of a file whose worker could not give one."""
    row = CertificateRecord.failed(task.path, reason, error_zh=reason_zh).to_json()
    row["error_zh"] = reason_zh
    row["sha256"] = task.sha256
    row["pages"] = 1
    return row
