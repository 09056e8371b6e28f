"""Reading certscan's own JSON rows back (a scan result, perhaps corrected by a reviewer)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import InputError
from .fields import CertificateRecord


def read_records(path: Path) -> Iterator[CertificateRecord]:
    """The records of a JSON file (one object, or a list) or a JSON Lines file, in order.

    Raises InputError naming the line for a file or line that is not a certscan record.
    """
    for row, where, where_zh in read_rows(path):
        yield _record(row, str(path), where, where_zh)


def read_rows(path: Path) -> Iterator[tuple[dict[str, Any], str, str]]:
    """The JSON objects of a JSON file (one object, or a list) or a JSON Lines file, in order, each
    with where it is (line 3 / 第3行), so a caller can keep keys a record does not hold.

    Raises InputError naming the line for a file or line that is not JSON or not an object.
    """
    name = str(path)
    if path.is_dir():
        raise InputError(name, "is a folder, not a results file", "这是文件夹，不是识别结果文件")
    if not path.is_file():
        raise InputError(name, "file not found", "文件不存在")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            name,
            "is not a results file (it is not UTF-8 text); name a JSON or JSON Lines file of "
            "certscan scan --json rows",
            "不是识别结果文件（不是UTF-8文本）；请指定 certscan scan --json 写出的JSON或JSON Lines文件",
        ) from None
    except OSError:
        raise InputError(name, "cannot be read (no permission?)", "无法读取（没有权限？）") from None
    if not text.strip():
        raise InputError(name, "the file is empty", "文件是空的")
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
    if whole is not None:
        rows = whole if isinstance(whole, list) else [whole]
        for i, row in enumerate(rows, 1):
            yield _object(row, name, f"item {i}", f"第{i}项"), f"item {i}", f"第{i}项"
        return
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise InputError(name, f"line {number} is not JSON", f"第{number}行不是JSON") from None
        yield _object(row, name, f"line {number}", f"第{number}行"), f"line {number}", f"第{number}行"


def _object(row: object, name: str, where: str, where_zh: str) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise InputError(name, f"{where} is not a JSON object", f"{where_zh}不是JSON对象")
    return row


def _record(row: dict[str, Any], name: str, where: str, where_zh: str) -> CertificateRecord:
    try:
        return CertificateRecord.from_json(row)
    except ValueError as exc:
        reason = f"{where} is not a certscan record: {exc}"
        raise InputError(name, reason, f"{where_zh}不是certscan记录") from None
