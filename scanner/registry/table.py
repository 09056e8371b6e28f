"""Reading a roster or registry export (CSV) as a table: its columns' keys and its rows in chunks.

The file's encoding (UTF-8 with or without BOM, UTF-16 with a BOM, GB18030) and delimiter (comma,
or tab for Excel's "Unicode text") are found from its start; a spreadsheet workbook is refused with
what to do instead. Headers may be the canonical keys or the Chinese labels people use; a header
without the required columns, or with more than MAX_COLUMNS columns, is refused. Rows come in
chunks with the line each starts on, so a million-row file is never held whole, and a line the
CSV reader or the decoder cannot take is one sentence naming it. Converting the rows is
`importer`'s job.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from ..errors import InputError
from ..labels import HEADER_LABELS

OTHER_INSTITUTIONS = "other_institutions"

# Header spellings seen in rosters and registry exports, onto canonical keys: the fields' own from
# the one label table (`scanner.labels`), and the column of further registered sites.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    **HEADER_LABELS,
    OTHER_INSTITUTIONS: ("其他执业机构", "多机构备案", "备案机构"),
}
_HEADER_KEYS = {alias: key for key, aliases in HEADER_ALIASES.items() for alias in (key, *aliases)}
REQUIRED = ("name", "certificate_code")
_REQUIRED_ZH = {key: HEADER_ALIASES[key][0] for key in REQUIRED}
_BATCH = 20_000
# A roster has a dozen columns and its longest cells (institution lists) a few hundred characters.
MAX_COLUMNS = 200
MAX_CELL = 500
# Control characters other than tab and line breaks (which are tidied into spaces): C0, DEL and C1.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def header_key(text: str) -> str | None:
    """The canonical key a CSV header names, or None for a column certscan does not use."""
    cleaned = unicodedata.normalize("NFKC", text).strip().lstrip("\ufeff").replace(" ", "")
    return _HEADER_KEYS.get(cleaned) or _HEADER_KEYS.get(cleaned.lower())


Chunks = Iterator[tuple[list[int], list[list[str]], int]]


def read_table(path: Path) -> tuple[list[str | None], Chunks, list[str]]:
    """The canonical keys of a CSV's columns (None for the columns certscan does not use), its
    rows in chunks (line numbers, cells with blank rows included, bytes read so far) and the
    headers it ignores. UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode text",
    tab-separated) or GB18030, as Excel and WPS save them."""
    name = str(path)
    if path.is_dir():
        raise InputError(
            name,
            f"is a folder; name the CSV files in it (e.g. {name}/*.csv)",
            f"是一个文件夹；请指定其中的CSV文件（例如 {name}/*.csv）",
        )
    if not path.is_file():
        raise InputError(name, "file not found", "文件不存在")
    encoding = csv_encoding(path)
    raw = path.open("rb")
    fh = io.TextIOWrapper(raw, encoding=encoding, newline="")
    try:
        first = fh.readline()
        fh.seek(0)
        reader = csv.reader(fh, delimiter=csv_delimiter(first))
        header = next(reader, None)
    except (csv.Error, UnicodeDecodeError) as exc:
        fh.close()
        raise _unreadable(name, 1, encoding, exc) from None
    if not header:
        fh.close()
        raise InputError(name, "the file is empty", "文件是空的")
    if len(header) > MAX_COLUMNS:
        fh.close()
        raise InputError(
            name,
            f"the header has {len(header)} columns, more than the {MAX_COLUMNS} a roster may have",
            f"表头有{len(header)}列，超过名册最多{MAX_COLUMNS}列的上限",
        )
    keys = [header_key(h) for h in header]
    missing = [k for k in REQUIRED if k not in keys]
    if missing:
        fh.close()
        raise InputError(
            name,
            "the header names no " + " and no ".join(missing) + " column (e.g. 姓名, 证书编码)",
            "表头缺少" + "、".join(_REQUIRED_ZH[k] for k in missing) + "列",
        )
    ignored = [h for h, k in zip(header, keys, strict=True) if k is None and h.strip()]

    def chunks() -> Chunks:
        with fh:
            done = reader.line_num  # physical lines read so far
            try:
                while chunk := list(islice(reader, _BATCH)):
                    if reader.line_num - done == len(chunk):
                        lines = list(range(done + 1, reader.line_num + 1))  # one line per row
                    else:
                        lines = _first_lines(chunk, done)  # some cells hold line breaks
                    done = reader.line_num
                    yield lines, chunk, raw.tell()
            except (csv.Error, UnicodeDecodeError) as exc:
                raise _unreadable(name, reader.line_num, encoding, exc) from None

    return keys, chunks(), ignored


def _unreadable(name: str, line: int, encoding: str, exc: Exception) -> InputError:
    """One sentence for a line the CSV reader or the decoder could not take."""
    if isinstance(exc, UnicodeDecodeError):
        shown = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16"}.get(encoding, "GB18030")
        return InputError(
            name,
            f"line {line} holds bytes that are not {shown} text; save the file again as CSV UTF-8",
            f"第{line}行含有不是{shown}编码文字的字节；请重新另存为“CSV UTF-8”文件",
        )
    if "field larger than field limit" in str(exc):
        limit = csv.field_size_limit()
        return InputError(
            name,
            f"line {line} has a cell longer than {limit} characters",
            f"第{line}行有一个单元格超过{limit}个字符",
        )
    return InputError(
        name,
        f"line {line} is not valid CSV (e.g. a quote that is never closed)",
        f"第{line}行不是有效的CSV格式（例如引号未闭合）",
    )


def _first_lines(rows: list[list[str]], before: int) -> list[int]:
    """The line each row starts on, counting the line breaks inside its cells."""
    lines = []
    line = before + 1
    for cells in rows:
        lines.append(line)
        text = "".join(cells)
        line += 1 + text.count("\n") + text.count("\r") - text.count("\r\n")
    return lines


# How the spreadsheet files people try to import instead of a CSV begin: XLSX (a ZIP) and XLS (OLE2).
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ods", ".numbers")


def csv_delimiter(header: str) -> str:
    """A tab for a tab-separated file (Excel's "Unicode text") whose header line has tabs and no
    commas, else a comma."""
    return "\t" if "\t" in header and "," not in header else ","


def csv_encoding(path: Path) -> str:
    """utf-16 after a UTF-16 byte-order mark; utf-8-sig when the start of the file decodes as UTF-8,
    else GB18030 (Chinese Excel's default). A workbook is refused with what to do instead."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    if head.startswith(_WORKBOOK_MAGIC) or path.suffix.lower() in _WORKBOOK_SUFFIXES:
        raise InputError(
            str(path),
            "is a spreadsheet workbook, not a CSV file; in Excel or WPS use Save As, CSV UTF-8 "
            "(comma delimited), and import that file",
            "是电子表格工作簿而不是CSV文件；请在Excel或WPS中“另存为”CSV UTF-8（逗号分隔）格式后导入该文件",
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"
