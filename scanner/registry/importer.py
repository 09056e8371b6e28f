"""Import a roster or registry export (CSV) into the SQLite registry.

Headers may be the canonical keys or the Chinese labels people use (姓名, 证书编码, 主要执业机构 ...).
Values are checked the way the registry itself would hold them; a bad row is rejected with its line
number and the reason, and the good rows are kept. Institutions are put onto their official names
on the way in, so a roster that writes 重医附一院 meets a certificate printed with the full name.
Re-importing replaces a doctor's entry (the certificate code is the key); several rows with one code
and one person are one doctor registered at several institutions (多机构备案). A code is never given
to another person silently: a row of another person under a code the registry or an earlier row
holds is rejected, unless the import is asked to replace (`replace=True`), and then who replaced
whom, and when, is kept in the registry. Blank cells are values the roster does not know (null),
compared as unknown. Limits keep a broken or hostile file from filling memory or the registry: at
most MAX_COLUMNS columns, cells of at most MAX_CELL characters, no control characters.

Reading the file (encoding, delimiter, headers, chunks of rows) is `scanner.registry.table`'s job;
this module turns the rows into registry entries and writes them.
"""

from __future__ import annotations

import gc
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from stdnum.cn import ric

from ..checks import CODE_PATTERN, ID_PATTERN, parse_iso_date
from ..fields import CODE_LENGTH, FieldKey, Sex
from ..normalize import InstitutionMatcher, normalize_category, normalize_level, normalize_scope
from ..text import mask_id, mask_personal
from .sqlite import COLUMNS, Replacement, Row, SqliteRegistry
from .table import _CONTROL, HEADER_ALIASES, MAX_CELL, OTHER_INSTITUTIONS, read_table

# Reading the file is `table`'s; the roster reader (`batch.roster`) imports these two from here.
from .table import csv_delimiter as csv_delimiter
from .table import csv_encoding as csv_encoding

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$|^(\d{4})(\d{2})(\d{2})$")
_SITE_SPLIT = re.compile(r"[;；|、\n]+")
_LABELS_ZH = {key: aliases[0] for key, aliases in HEADER_ALIASES.items()}
# Where a registry row (COLUMNS order) holds the person and the main institution.
NAME, ID_NUMBER, INSTITUTION = (COLUMNS.index(k) for k in ("name", "id_number", "institution"))
QUALIFICATION = str(FieldKey.QUALIFICATION_CODE)


@dataclass(frozen=True)
class Rejection:
    """A row left out of the import: its line in the file and why, in English and Chinese."""

    line: int
    reason: str
    reason_zh: str

    @classmethod
    def of(cls, line: int, reason: str, reason_zh: str) -> Rejection:
        """A rejection whose reasons show no full ID number or date (a shifted column quotes one)."""
        return cls(line, mask_personal(reason), mask_personal(reason_zh))

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "reason": self.reason, "reason_zh": self.reason_zh}


@dataclass
class ImportReport:
    """What an import did."""

    file: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    extra_sites: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    unsure_institutions: dict[str, int] = field(default_factory=dict)
    replaced: list[Replacement] = field(default_factory=list)
    # Rows kept with a cell left blank (a qualification code that is no code): line and why.
    cleared: list[Rejection] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "rows": self.rows,
            "added": self.added,
            "updated": self.updated,
            "extra_sites": self.extra_sites,
            "rejected": [r.to_json() for r in self.rejected],
            "ignored_columns": self.ignored_columns,
            "unsure_institutions": self.unsure_institutions,
            "replaced": [r.to_json() for r in self.replaced],
            "cleared": [r.to_json() for r in self.cleared],
        }


class _Reject(Exception):
    def __init__(self, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.reason, self.reason_zh = reason, reason_zh


def read_date(text: str) -> str | None:
    """A date as people write it (2009-09-04, 2009/9/4, 2009年9月4日, 20090904) in ISO form, or None
    when it is not a real calendar date."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and parse_iso_date(text):
        return text  # already ISO: the common case of a registry export
    m = _DATE.match(text)
    if m:
        y, mo, d = (g for g in m.groups() if g is not None)
        iso = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
        if parse_iso_date(iso):
            return iso
    return None


def parse_date(text: str) -> str:
    """A date as rosters write it, in ISO form; a row with anything else is rejected."""
    iso = read_date(text)
    if iso is None:
        raise _Reject(f"{text!r} is not a date", f"“{text}”不是有效日期")
    return iso


def _id_number(text: str) -> str:
    value = text.replace(" ", "").upper()
    if not ID_PATTERN.match(value):
        raise _Reject(
            f"ID number {_mask(value)} is not 17 digits and a check character",
            f"身份证号{_mask(value)}不是17位数字加校验位",
        )
    if ric.calc_check_digit(value) != value[-1]:
        raise _Reject(f"ID number {_mask(value)} fails its check digit", f"身份证号{_mask(value)}校验码不符")
    return value


def _tidy(text: str) -> str:
    """A cell without outer white space and with inner runs of it made one space."""
    return " ".join(text.split())


def _sex(text: str) -> str:
    sex = text.removesuffix("性")
    if sex not in (Sex.MALE, Sex.FEMALE):
        raise _Reject(f"sex {text!r} is not 男 or 女", f"性别“{text}”不是男或女")
    return sex


def _level(text: str) -> str:
    return _vocab(text, FieldKey.LEVEL, normalize_level(text).match)


def _no_spaces(text: str) -> str:
    return text.replace(" ", "")


def _checked(convert: Callable[[str], str], text: str) -> str | _Reject:
    """`convert(text)`, or the rejection it raises, as a value."""
    try:
        return convert(text)
    except _Reject as why:
        return why


def _mask(value: str) -> str:
    return mask_id(value) or value


def _code(text: str) -> str:
    value = text.replace(" ", "")
    if CODE_PATTERN.match(value):
        return value
    if re.match(r"^\d(\.\d+)?E\+\d+$", value, re.IGNORECASE):
        raise _Reject(
            f"certificate code {value} was rounded by a spreadsheet; export the column as text",
            f"证书编码{value}已被表格软件改写为科学计数法，请将该列导出为文本",
        )
    raise _Reject(f"certificate code {value!r} is not 15 digits", f"证书编码“{value}”不是15位数字")


def _qualification_code(text: str) -> str:
    """A 医师资格证书 code: 24 to 27 digits once spaces are gone."""
    value = text.replace(" ", "")
    if value.isascii() and value.isdigit() and 24 <= len(value) <= 27:
        return value
    if re.match(r"^\d(\.\d+)?E\+\d+$", value, re.IGNORECASE):
        raise _Reject(
            f"qualification code {value} was rounded by a spreadsheet and is left blank; export the "
            "column as text",
            f"执业资格证书编号{value}已被表格软件改写为科学计数法，已留空；请将该列导出为文本",
        )
    raise _Reject(
        f"qualification code {value!r} is not 24 to 27 digits and is left blank",
        f"执业资格证书编号“{value}”不是24至27位数字，已留空",
    )


def _vocab(text: str, key: FieldKey, found: str | None) -> str:
    if found is None:
        label = {FieldKey.LEVEL: "医师级别", FieldKey.CATEGORY: "执业类别"}[key]
        raise _Reject(f"{key} {text!r} is not an allowed value", f"{label}“{text}”不在规定取值内")
    return found


class RosterImporter:
    """Turns CSV rows into registry entries; one matcher, its answers cached per distinct name."""

    def __init__(self, matcher: InstitutionMatcher | None = None) -> None:
        self.matcher = matcher or InstitutionMatcher()
        self._institutions: dict[str, tuple[str, bool]] = {}
        # Rosters repeat a handful of sexes, levels, scopes, authorities and dates: each once.
        self._cells: dict[tuple[str, Any], str | _Reject | None] = {}

    def institution(self, text: str) -> tuple[str, bool]:
        """The official name when surely known (and True), else the name as written (and False)."""
        cached = self._institutions.get(text)
        if cached is None:
            match = self.matcher.match(text)
            cached = (match.match, True) if match.match else (" ".join(text.split()), False)
            self._institutions[text] = cached
        return cached

    def parse_rows(
        self, keys: Sequence[str | None], rows: Sequence[Sequence[str]], lines: Sequence[int], file: str
    ) -> Chunk:
        """Many roster rows (cells under `keys`, read from `lines` of `file`) as registry rows and
        the reasons for those rejected.

        Column by column, for speed (a million rows should import in seconds): a column of few
        distinct values (sex, level, scope, institution, dates ...) is converted once per distinct
        text, white space is tidied only in columns that have any, columns already in their final
        form (names, codes) are taken whole, and per-row work is kept to the ID number's check digit.
        """
        width = len(keys)
        if set(map(len, rows)) - {width}:
            # Rows with cells missing at the end, or cells beyond the header (trailing commas).
            rows = [[*r[:width], *[""] * (width - len(r))] for r in rows]
        columns: dict[str, Sequence[str]] = {}
        refused: dict[int, _Reject] = {}  # rows with a cell too long or holding a control character
        for key, cells in zip(keys, zip(*rows, strict=True), strict=True):
            if key and key not in columns:
                column = _within_limits(key, cells, refused)
                joined = "\x1f".join(column)
                if " " in joined or "\t" in joined or "\n" in joined or "\r" in joined or "\u3000" in joined:
                    column = tuple(_tidy(c) for c in column)
                columns[key] = column
        if "" in columns["name"]:
            # Blank rows (a spreadsheet's empty lines) are no rows at all: leave them out.
            blank = {i for i, v in enumerate(columns["name"]) if not v and not "".join(rows[i]).strip()}
            if blank:
                kept = [i for i in range(len(rows)) if i not in blank]
                return self.parse_rows(keys, [rows[i] for i in kept], [lines[i] for i in kept], file)
        empty = ("",) * len(rows)
        suspects: list[Sequence[str | _Reject | None]] = []  # columns that hold a rejection
        notes: list[tuple[int, Rejection]] = []  # (position, note) of cells left blank

        def col(key: str) -> Sequence[str]:
            return columns.get(key, empty)

        def convert(
            key: str, fn: Callable[[Any], str], values: Sequence[Any] | None = None
        ) -> Sequence[str | _Reject | None]:
            """The column of `key` (or `values`) converted by `fn`, once per distinct value; the
            column itself when every value is already in its final form."""
            values = col(key) if values is None else values
            distinct = set(values)
            table: dict[Any, str | _Reject | None] = {"": None}
            final = "" not in distinct
            for value in distinct - {""}:  # a blank cell is a value the roster does not know
                found = self._cells.get((key, value))
                if found is None:
                    try:
                        found = fn(value)
                    except _Reject as why:
                        found = why
                    self._cells[(key, value)] = found
                table[value] = found
                final = final and found == (value[1] if key == "scope" else value)
            if final:
                return col(key)
            converted = list(map(table.__getitem__, values))
            if any(v.__class__ is _Reject for v in table.values()):
                suspects.append(converted)
            return converted

        categories = convert("category", self._category)
        scopes = list(zip(categories, col("scope"), strict=True))  # the scope is read against its category
        names = _names(col("name"))
        written_codes = col("certificate_code")
        codes: Sequence[str | _Reject]
        joined = "".join(written_codes)
        if joined.isascii() and joined.isdigit() and len(joined) == CODE_LENGTH * len(written_codes):
            codes = written_codes  # every code is 15 digits: the export's normal case
        else:
            codes = [_checked(_code, v) for v in written_codes]
            suspects.append(codes)
        check = ric.calc_check_digit
        ids = [
            v
            if len(v) == 18 and v.isascii() and v[:17].isdigit() and check(v) == v[17]
            else (_checked(_id_number, v) if v else None)
            for v in col("id_number")
        ]
        if any(v.__class__ is _Reject for v in ids):
            suspects.append(ids)
        out_columns: list[Sequence[str | _Reject | None]] = [
            codes,
            names,
            convert("sex", _sex),
            convert("birth_date", parse_date),
            ids,
            convert("level", _level),
            categories,
            convert("scope", self._scope_of, scopes),
            convert("practice_place", _no_spaces),
            convert("institution", self._official),
            convert("authority", _no_spaces),
            convert("issue_date", parse_date),
            self._cleared(convert(QUALIFICATION, _qualification_code), lines, notes),
            list(map(f"{file}:{{}}".format, lines)),
        ]
        # Rows to reject: few, found column by column rather than row by row.
        why_of: dict[int, _Reject] = {}
        for out in reversed(out_columns):  # the first column's reason wins
            if any(out is c for c in suspects):
                why_of.update((i, v) for i, v in enumerate(out) if v.__class__ is _Reject)
        why_of.update(
            (i, _Reject("no certificate_code", "缺少证书编码")) for i, v in enumerate(written_codes) if not v
        )
        why_of.update((i, _Reject("no name", "缺少姓名")) for i, v in enumerate(names) if not v)
        why_of.update(refused)
        chunk = Chunk(
            rows=list(zip(*out_columns, strict=True)),
            lines=list(lines),
            rejected=[Rejection.of(lines[i], w.reason, w.reason_zh) for i, w in sorted(why_of.items())],
            cleared=[note for i, note in notes if i not in why_of],
        )
        written_sites, others = col("institution"), col(OTHER_INSTITUTIONS)
        unsure_texts = {t for t in set(written_sites) if t and not self._institutions[t][1]}
        if unsure_texts:
            for i, text in enumerate(written_sites):
                if text in unsure_texts:
                    chunk.unsure[i] = [self._institutions[text][0]]
        if any(others):
            for i, text in enumerate(others):
                if text:
                    main = chunk.rows[i][INSTITUTION]
                    sites, unsure = self._sites(text)
                    chunk.further[i] = [s for s in sites if s != main]
                    chunk.unsure.setdefault(i, []).extend(unsure)
        if why_of:
            chunk.drop(why_of)
        return chunk

    def _official(self, text: str) -> str:
        return self.institution(text)[0]

    @staticmethod
    def _cleared(
        column: Sequence[str | _Reject | None], lines: Sequence[int], notes: list[tuple[int, Rejection]]
    ) -> Sequence[str | _Reject | None]:
        """A column whose unusable cells are left blank rather than rejecting their rows, each noted
        with its line and why (a qualification code is no reason to lose a doctor)."""
        if not any(v.__class__ is _Reject for v in column):
            return column
        kept: list[str | _Reject | None] = []
        for i, value in enumerate(column):
            if isinstance(value, _Reject):
                notes.append((i, Rejection.of(lines[i], value.reason, value.reason_zh)))
                value = None
            kept.append(value)
        return kept

    def _scope_of(self, category_and_scope: tuple[str | _Reject | None, str]) -> str:
        category, scope = category_and_scope
        if not scope:
            return None  # type: ignore[return-value]
        return self._scope(category if isinstance(category, str) else "", scope)

    def _sites(self, others: str) -> tuple[list[str], list[str]]:
        """Official names of the further institutions a cell lists and those not surely known."""
        sites: list[str] = []
        unsure: list[str] = []
        for text in _SITE_SPLIT.split(others):
            if text.strip():
                official, sure = self.institution(text.strip())
                if official not in sites:
                    sites.append(official)
                if not sure:
                    unsure.append(official)
        return sites, unsure

    def _category(self, text: str) -> str:
        return _vocab(text, FieldKey.CATEGORY, normalize_category(text).match)

    def _scope(self, category: str, text: str) -> str:
        return normalize_scope(text, category or None).match or text


def _within_limits(key: str, column: Sequence[str], refused: dict[int, _Reject]) -> Sequence[str]:
    """The column with every cell too long or holding a control character blanked, and the rows
    of those cells given their reason in `refused` (the first such column's reason wins)."""
    too_long = max(map(len, column), default=0) > MAX_CELL
    control = _CONTROL.search("".join(column)) is not None
    if not too_long and not control:
        return column
    label, label_zh = key, _LABELS_ZH.get(key, key)
    kept = list(column)
    for i, text in enumerate(column):
        if len(text) > MAX_CELL:
            why = _Reject(
                f"{label} is longer than {MAX_CELL} characters ({len(text)})",
                f"{label_zh}超过{MAX_CELL}个字符（{len(text)}个）",
            )
        elif (found := _CONTROL.search(text)) is not None:
            code = f"U+{ord(found.group()):04X}"
            why = _Reject(f"{label} holds a control character ({code})", f"{label_zh}含有控制字符（{code}）")
        else:
            continue
        refused.setdefault(i, why)
        kept[i] = ""
    return kept


def _names(column: Sequence[str]) -> Sequence[str]:
    """Names in NFKC form without spaces; the column as it is when it is in that form already."""
    joined = "\x1f".join(column)
    if " " not in joined and unicodedata.is_normalized("NFKC", joined):
        return column
    return [unicodedata.normalize("NFKC", v).replace(" ", "") for v in column]


@dataclass
class Chunk:
    """Roster rows as the registry holds them (values in COLUMNS order) with their lines in the
    file, further sites and institutions without a sure official name (both keyed by position in
    `rows`), and the rows rejected."""

    rows: list[Row]
    lines: list[int]
    rejected: list[Rejection]
    cleared: list[Rejection] = field(default_factory=list)
    further: dict[int, list[str]] = field(default_factory=dict)
    unsure: dict[int, list[str]] = field(default_factory=dict)

    def drop(self, positions: Iterable[int]) -> None:
        """Leave out the rows at these positions, renumbering the rest."""
        gone = set(positions)
        kept = [i for i in range(len(self.rows)) if i not in gone]
        new = {old: new for new, old in enumerate(kept)}
        self.rows = [self.rows[i] for i in kept]
        self.lines = [self.lines[i] for i in kept]
        self.further = {new[i]: v for i, v in self.further.items() if i in new}
        self.unsure = {new[i]: v for i, v in self.unsure.items() if i in new}

    def sites(self, position: int) -> list[str]:
        """The official names of all institutions of the row at `position`, main first."""
        main = self.rows[position][INSTITUTION]
        return ([main] if main else []) + self.further.get(position, [])


def import_csv(
    path: Path,
    registry: SqliteRegistry,
    importer: RosterImporter | None = None,
    progress: Callable[[int, int, int], None] | None = None,
    replace: bool = False,
) -> ImportReport:
    """Load one CSV into the registry: good rows upserted, bad rows reported with line and reason.

    A row of another person under a certificate code the registry already holds (from another
    file, an earlier run) is rejected, unless `replace`: then it replaces the holder and the
    replacement is recorded (`ImportReport.replaced`, the registry's `replacements`). "Another
    person": another ID number when both rows have one, else another name. `progress`, when given,
    is called after each chunk of rows with the rows read so far, the bytes read so far and the
    file's size."""
    importer = importer or RosterImporter()
    size = path.stat().st_size if path.is_file() else 0
    keys, chunks, ignored = read_table(path)
    report = ImportReport(file=str(path), ignored_columns=ignored)
    before = registry.count()
    # Who first used each code in this file, and on which line: a later row of the same person adds
    # a site, a later row of another person under the same code is rejected rather than overwriting.
    holders: dict[str, tuple[int, str | None, str | None]] = {}
    when = datetime.now(UTC).isoformat(timespec="seconds")
    upserted = 0
    with registry.bulk(), _collector_paused():
        for lines, cells, position in chunks:
            chunk = importer.parse_rows(keys, cells, lines, path.name)
            report.rows += len(chunk.rows) + len(chunk.rejected)
            report.rejected += chunk.rejected
            report.cleared += chunk.cleared
            if before:  # a first import has no earlier holders to keep
                _keep_holders(chunk, registry, holders, replace, when, report)
            for names in chunk.unsure.values():
                for name in names:
                    report.unsure_institutions[name] = report.unsure_institutions.get(name, 0) + 1
            codes: list[str] = list(map(itemgetter(0), chunk.rows))
            if len(set(codes)) == len(codes) and holders.keys().isdisjoint(codes):
                # Every code is new to this file: the common case, written as it stands.
                rows = chunk.rows
                people = zip(
                    chunk.lines, map(itemgetter(NAME), rows), map(itemgetter(ID_NUMBER), rows), strict=True
                )
                holders.update(zip(codes, people, strict=True))
                registry.upsert_rows(chunk.rows, {codes[i]: f for i, f in chunk.further.items()})
                upserted += len(codes)
            else:
                upserted += _merge(chunk, holders, registry, report)
            if progress:
                progress(report.rows, position, size)
        registry.record_replacements(report.replaced)
    report.rejected.sort(key=lambda r: r.line)
    report.cleared.sort(key=lambda r: r.line)
    report.added = registry.count() - before
    report.updated = upserted - report.added
    return report


def same_person(a: tuple[str | None, str | None], b: tuple[str | None, str | None]) -> bool:
    """Whether two (name, ID number) pairs are one person: by ID number when both have one, else
    by name. A changed name with the same ID number is the same person; so is a row that adds an
    ID number the other lacks."""
    if a[1] and b[1]:
        return a[1] == b[1]
    return a[0] == b[0]


def _keep_holders(
    chunk: Chunk,
    registry: SqliteRegistry,
    holders: dict[str, tuple[int, str | None, str | None]],
    replace: bool,
    when: str,
    report: ImportReport,
) -> None:
    """Reject (or, with `replace`, record as replacements) the rows of a chunk that would give a
    code the registry held before this file to another person. Codes this file has already
    written (`holders`) are left to the file's own rule (`_merge`)."""
    people = [(row[0], row[NAME], row[ID_NUMBER]) for row in chunk.rows if row[0] not in holders]
    others = registry.other_holders(people) if people else {}  # type: ignore[arg-type]
    if not others:
        return
    refused: list[int] = []
    replaced = {r.certificate_code for r in report.replaced}
    for i, (row, line) in enumerate(zip(chunk.rows, chunk.lines, strict=True)):
        code = str(row[0])
        if code not in others or code in holders:
            continue
        name, id_number, source = others[code]
        if not replace:
            refused.append(i)
            report.rejected.append(
                Rejection.of(
                    line,
                    f"certificate code {code} is registered to another person, {name} ({source}); "
                    "to give it to this person, import with --replace",
                    f"证书编码{code}已登记给另一人{name}（来源{source}）；"
                    "确需改登记给此人，请加 --replace 重新导入",
                )
            )
        elif code not in replaced:
            replaced.add(code)
            report.replaced.append(
                Replacement(code, when, name, id_number, source, row[NAME], row[ID_NUMBER], row[-1])
            )
    if refused:
        chunk.drop(refused)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the while: an import makes millions of short-lived row
    objects and no reference cycles, and the collector would walk every long-lived object again
    and again (a fifth of a large import's time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _merge(
    chunk: Chunk,
    holders: dict[str, tuple[int, str | None, str | None]],
    registry: SqliteRegistry,
    report: ImportReport,
) -> int:
    """Write a chunk in which some codes repeat: rows of a doctor already seen add sites (多机构备案),
    rows of another person under a code already used are rejected. Returns the doctors written."""
    pending: dict[str, tuple[Row, list[str]]] = {}
    late_sites: list[tuple[str, str]] = []
    for i, (row, line) in enumerate(zip(chunk.rows, chunk.lines, strict=True)):
        code, person = str(row[0]), (row[NAME], row[ID_NUMBER])
        held = holders.get(code)
        if held is None:
            holders[code] = (line, *person)
            pending[code] = (row, list(chunk.further.get(i, [])))
        elif not same_person((held[1], held[2]), person):
            report.rejected.append(
                Rejection.of(
                    line,
                    f"certificate code {code} is already used on line {held[0]} by another person",
                    f"证书编码{code}已在第{held[0]}行用于另一人",
                )
            )
        else:
            if code in pending:  # the first row is in this chunk: its sites are known
                first, further = pending[code]
                further.extend(s for s in chunk.sites(i) if s != first[INSTITUTION] and s not in further)
            else:  # written with an earlier chunk: the registry skips sites it already has
                late_sites.extend((code, s) for s in chunk.sites(i))
            report.extra_sites += 1
    registry.upsert_rows([row for row, _ in pending.values()], {c: f for c, (_, f) in pending.items()})
    registry.add_sites(late_sites)
    return len(pending)
