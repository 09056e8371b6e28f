"""The results file of a batch run and the sentences for an output that cannot be written.

Output discipline (stated in full in `scanner.batch.run`): rows are appended whole lines at a
time under an exclusive lock, a torn last line is cut off on opening, a failed write is cut back.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from ..errors import CertscanError
from ..text import shown_path

log = logging.getLogger(__name__)


class BatchError(CertscanError):
    """A batch run that cannot start or continue (output locked by another run, damaged output,
    a disk that is full)."""


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
