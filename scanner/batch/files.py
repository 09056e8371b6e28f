"""Finding the input files, hashing their content and saying why one cannot be opened."""

from __future__ import annotations

import errno
import glob
import os
import stat
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path

from ..load import SUPPORTED_SUFFIXES
from ..text import file_sha256 as content_sha256
from ..text import shown_path
from .output import BatchError

_WILDCARDS = frozenset("*?[")


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
