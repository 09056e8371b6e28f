"""HR rosters: who HR thinks each file belongs to, compared with what the certificate says.

A roster is a CSV with a `file` column (a file name, or the end of a path), `name`, `institution` as
HR writes it (often abbreviated: 重医附一院) and optionally `page` for multi-page files; the Chinese
headers 文件, 姓名, 机构 (or 主要执业机构, 单位) and 页 work too. Institution names are compared
after normalization, so an abbreviation agrees with the official name on the certificate.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePath
from typing import Any

from ..errors import ConfigError, InputError
from ..fields import NAME_DOT, NAME_DOTS, CertificateRecord, FieldKey
from ..labels import roster_headers
from ..normalize import InstitutionMatcher
from ..registry.importer import csv_delimiter, csv_encoding

# Header spellings accepted for each roster column (compared without case or spaces).
_HEADERS: dict[str, tuple[str, ...]] = {
    "file": ("file", "filename", "path", "文件", "文件名", "文件路径"),
    "name": roster_headers(FieldKey.NAME),
    "institution": roster_headers(FieldKey.INSTITUTION),
    "page": ("page", "页", "页码"),
}
# Middle dots of minority names as people type them: all mean '·' (阿依古丽·买买提; fields.NAME_DOTS).
_DOTS = re.compile(f"[{re.escape(NAME_DOTS)}]")
_SPACE = re.compile(r"\s+")


class RosterField(StrEnum):
    """Roster columns compared with the certificate."""

    NAME = "name"
    INSTITUTION = "institution"


@dataclass(frozen=True)
class RosterEntry:
    """One roster line."""

    file: str
    name: str
    institution: str
    page: int | None = None

    @property
    def parts(self) -> tuple[str, ...]:
        """The file as path parts, case-folded, for matching the end of a path."""
        return tuple(p.casefold() for p in PurePath(self.file.replace("\\", "/")).parts)


@dataclass(frozen=True)
class RosterCheck:
    """A certificate compared with its roster line: fields that disagree, fields that cannot be
    compared surely (not read, or an institution name the gazetteer is unsure of)."""

    entry: RosterEntry
    disagree: tuple[RosterField, ...] = ()
    unsure: tuple[RosterField, ...] = ()

    @property
    def flagged(self) -> bool:
        """Whether a person should look: a disagreement or an unsure comparison."""
        return bool(self.disagree or self.unsure)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.entry.name,
            "institution": self.entry.institution,
            "disagree": [str(f) for f in self.disagree],
            "unsure": [str(f) for f in self.unsure],
        }


def same_name(a: str, b: str) -> bool:
    """Names agree when they differ only in width, spaces or the kind of middle dot."""

    def norm(text: str) -> str:
        return _DOTS.sub(NAME_DOT, _SPACE.sub("", unicodedata.normalize("NFKC", text)))

    return norm(a) == norm(b)


class Roster:
    """The lines of a roster, looked up by the file (and page) a certificate was read from."""

    def __init__(self, entries: list[RosterEntry]) -> None:
        self.entries = entries
        self._by_name: dict[str, list[RosterEntry]] = defaultdict(list)
        for entry in entries:
            if entry.parts:
                self._by_name[entry.parts[-1]].append(entry)

    @classmethod
    def read(cls, path: Path) -> Roster:
        """Read a roster CSV (UTF-8, with or without BOM, UTF-16 with a BOM, or GB18030, as Excel and WPS
        save it).

        Raises ConfigError with one sentence when the file cannot be read or lacks a column.
        """
        if path.is_dir():
            raise ConfigError(
                f"roster {path} is a folder; name the roster CSV file itself.",
                f"花名册 {path} 是文件夹，请指定花名册CSV文件本身。",
            )
        try:
            text = path.read_text(csv_encoding(path), errors="replace")
        except InputError as exc:
            raise ConfigError(f"roster {exc}.", f"花名册 {exc.message_zh}。") from None
        except OSError as exc:
            raise ConfigError(
                f"roster {path} cannot be read ({exc.strerror}).",
                f"无法读取花名册 {path}（{exc.strerror}）。",
            ) from None
        rows = list(csv.reader(io.StringIO(text), delimiter=csv_delimiter(text.split("\n", 1)[0])))
        if not rows:
            raise ConfigError(f"roster {path} is empty.", f"花名册 {path} 是空文件。")
        columns = _columns(rows[0], path)
        entries = []
        for number, row in enumerate(rows[1:], start=2):
            cells = {key: row[i].strip() if i < len(row) else "" for key, i in columns.items()}
            if not cells["file"]:
                continue
            page = cells.get("page") or ""
            if page and not page.isdigit():
                raise ConfigError(
                    f"roster {path} line {number}: page {page!r} is not a page number.",
                    f"花名册 {path} 第{number}行：页码“{page}”不是数字。",
                )
            name, institution = cells.get("name", ""), cells.get("institution", "")
            entries.append(RosterEntry(cells["file"], name, institution, int(page) if page else None))
        return cls(entries)

    def lookup(self, file: str, page: int | None = None) -> RosterEntry | None:
        """The roster line of a file: the one naming the longest end of its path, a line for its
        page before a line for the whole file."""
        parts = tuple(p.casefold() for p in PurePath(file.replace("\\", "/")).parts)
        if not parts:
            return None
        best: RosterEntry | None = None
        best_rank = (-1, -1)
        for entry in self._by_name.get(parts[-1], ()):
            n = len(entry.parts)
            if parts[-n:] != entry.parts or (entry.page is not None and entry.page != page):
                continue
            rank = (int(entry.page is not None), n)
            if rank > best_rank:
                best, best_rank = entry, rank
        return best

    def check(self, record: CertificateRecord, matcher: InstitutionMatcher) -> RosterCheck | None:
        """Compare a certificate with its roster line; None when the roster does not list the file."""
        entry = self.lookup(record.file, record.page)
        if entry is None:
            return None
        if record.error is not None:
            return RosterCheck(entry)
        disagree: list[RosterField] = []
        unsure: list[RosterField] = []
        name = record.value(FieldKey.NAME)
        if entry.name:
            if name is None:
                unsure.append(RosterField.NAME)
            elif not same_name(entry.name, name):
                disagree.append(RosterField.NAME)
        # Where the certificate says the doctor works now: the newest change of its change record,
        # or on the old booklet the institution its 执业地点 names.
        current = record.current
        institution = current.value(FieldKey.INSTITUTION) if current else record.value(FieldKey.INSTITUTION)
        if entry.institution:
            same = None if institution is None else matcher.same_institution(entry.institution, institution)
            if same is None:
                unsure.append(RosterField.INSTITUTION)
            elif not same:
                disagree.append(RosterField.INSTITUTION)
        return RosterCheck(entry, tuple(disagree), tuple(unsure))


def _columns(header: list[str], path: Path) -> dict[str, int]:
    """Where each roster column is, by its header in English or Chinese."""
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        cell_key = _SPACE.sub("", cell).casefold()
        for key, spellings in _HEADERS.items():
            if cell_key in spellings and key not in found:
                found[key] = i
    if "file" not in found:
        raise ConfigError(
            f"roster {path} has no file column (file or 文件).", f"花名册 {path} 缺少文件列（file 或 文件）。"
        )
    if "name" not in found and "institution" not in found:
        raise ConfigError(
            f"roster {path} has neither a name nor an institution column to compare.",
            f"花名册 {path} 既没有姓名列也没有机构列，无从比较。",
        )
    return found
