"""Reading certscan's own JSON rows back (a scan result, perhaps corrected by a reviewer)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError
from .fields import CertificateRecord


def read_records(path: Path) -> Iterator[CertificateRecord]:
    """The records of a JSON file (one object, or a list) or a JSON Lines file, in order.

    Raises InputError naming the line for a file or line that is not a certscan record.
    """
    name = str(path)
    if not path.is_file():
        raise InputError(name, "file not found", "文件不存在")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = f"cannot be read as UTF-8 text ({exc})"
        raise InputError(name, reason, f"无法按UTF-8文本读取（{exc}）") from None
    if not text.strip():
        raise InputError(name, "the file is empty", "文件是空的")
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
    if whole is not None:
        rows = whole if isinstance(whole, list) else [whole]
        for i, row in enumerate(rows, 1):
            yield _record(row, name, f"item {i}", f"第{i}项")
        return
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise InputError(name, f"line {number} is not JSON", f"第{number}行不是JSON") from None
        yield _record(row, name, f"line {number}", f"第{number}行")


def _record(row: object, name: str, where: str, where_zh: str) -> CertificateRecord:
    if not isinstance(row, dict):
        raise InputError(name, f"{where} is not a JSON object", f"{where_zh}不是JSON对象")
    try:
        return CertificateRecord.from_json(row)
    except ValueError as exc:
        reason = f"{where} is not a certscan record: {exc}"
        raise InputError(name, reason, f"{where_zh}不是certscan记录") from None
