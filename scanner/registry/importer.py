"""Import a roster or registry export (CSV) into the SQLite registry.

Headers may be the canonical keys or the Chinese labels people use (姓名, 证书编码, 主要执业机构 ...).
Values are checked the way the registry itself would hold them; a bad row is rejected with its line
number and the reason, and the good rows are kept. Institutions are put onto their official names
on the way in, so a roster that writes 重医附一院 meets a certificate printed with the full name.
Re-importing replaces a doctor's entry (the certificate code is the key); several rows with one code
and one person are one doctor registered at several institutions (多机构备案).
"""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from stdnum.cn import ric

from ..checks import CODE_PATTERN, ID_PATTERN, parse_iso_date
from ..errors import InputError
from ..fields import FieldKey, Sex
from ..normalize import InstitutionMatcher, normalize_category, normalize_level, normalize_scope
from .sqlite import Row, SqliteRegistry

OTHER_INSTITUTIONS = "other_institutions"

# Header spellings seen in rosters and registry exports, onto canonical keys.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "医师姓名"),
    "sex": ("性别",),
    "birth_date": ("出生日期", "出生年月日"),
    "id_number": ("身份证号", "身份证号码", "证件号码", "公民身份号码", "身份证"),
    "level": ("医师级别", "级别", "执业级别"),
    "category": ("执业类别", "类别"),
    "scope": ("执业范围", "范围"),
    "practice_place": ("执业地点",),
    "institution": ("主要执业机构", "执业机构", "执业单位", "工作单位"),
    "authority": ("发证机关", "注册机关", "发证单位"),
    "issue_date": ("发证日期", "签发日期"),
    "certificate_code": ("证书编码", "证书编号", "执业证书编码", "执业证书编号"),
    OTHER_INSTITUTIONS: ("其他执业机构", "多机构备案", "备案机构"),
}
_HEADER_KEYS = {alias: key for key, aliases in HEADER_ALIASES.items() for alias in (key, *aliases)}
REQUIRED = ("name", "certificate_code")
_REQUIRED_ZH = {"name": "姓名", "certificate_code": "证书编码"}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$|^(\d{4})(\d{2})(\d{2})$")
_SITE_SPLIT = re.compile(r"[;；|、\n]+")
_BATCH = 20_000


@dataclass(frozen=True)
class Rejection:
    """A row left out of the import: its line in the file and why, in English and Chinese."""

    line: int
    reason: str
    reason_zh: str

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
        }


class _Reject(Exception):
    def __init__(self, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.reason, self.reason_zh = reason, reason_zh


def header_key(text: str) -> str | None:
    """The canonical key a CSV header names, or None for a column certscan does not use."""
    cleaned = unicodedata.normalize("NFKC", text).strip().lstrip("\ufeff").replace(" ", "")
    return _HEADER_KEYS.get(cleaned) or _HEADER_KEYS.get(cleaned.lower())


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
    from ..report import mask_id

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
        self._cells: dict[tuple[str, str], str | _Reject] = {}

    def institution(self, text: str) -> tuple[str, bool]:
        """The official name when surely known (and True), else the name as written (and False)."""
        cached = self._institutions.get(text)
        if cached is None:
            match = self.matcher.match(text)
            cached = (match.match, True) if match.match else (" ".join(text.split()), False)
            self._institutions[text] = cached
        return cached

    def parse(self, row: dict[str | None, str], source: str) -> Parsed:
        """One roster row as registry values; raises _Reject for a row the registry cannot hold."""
        keys = [k for k in row if k]
        [(parsed, why)] = self.parse_rows(keys, [[row[k] for k in keys]], [source])
        if why is not None:
            raise why
        assert parsed is not None
        return parsed

    def parse_rows(
        self, keys: Sequence[str | None], rows: Sequence[Sequence[str]], sources: Sequence[str]
    ) -> list[tuple[Parsed | None, _Reject | None]]:
        """Many roster rows (cells under `keys`) as registry values or the reason each is rejected.

        Column by column, for speed (a million rows should import in seconds): a column of few
        distinct values (sex, level, scope, institution, dates ...) is converted once per distinct
        text, white space is tidied only in columns that have any, and per-row work is kept to the
        name, ID number and code.
        """
        n = len(rows)
        columns: dict[str, list[str]] = {}
        for i, key in enumerate(keys):
            if key and key not in columns:
                column = [r[i] if i < len(r) else "" for r in rows]
                joined = "\x1f".join(column)
                if " " in joined or "\t" in joined or "\n" in joined or "\r" in joined or "\u3000" in joined:
                    column = [_tidy(c) for c in column]
                columns[key] = column
        empty = [""] * n

        def col(key: str) -> list[str]:
            return columns.get(key, empty)

        def convert(key: str, fn: Callable[[str], str]) -> list[str | _Reject | None]:
            values = col(key)
            table: dict[str, str | _Reject | None] = {"": None}
            for text in set(values) - {""}:
                found = self._cells.get((key, text))
                if found is None:
                    try:
                        found = fn(text)
                    except _Reject as why:
                        found = why
                    self._cells[(key, text)] = found
                table[text] = found
            return [table[v] for v in values]

        categories = convert("category", self._category)
        columns["scope|"] = [
            f"{c if isinstance(c, str) else ''}|{text}" if text else ""
            for c, text in zip(categories, col("scope"), strict=True)
        ]
        names = [unicodedata.normalize("NFKC", v).replace(" ", "") for v in col("name")]
        codes = [v if len(v) == 15 and v.isdigit() else _checked(_code, v) for v in col("certificate_code")]
        out_columns: list[list[str | _Reject | None]] = [
            codes,  # type: ignore[list-item]
            names,  # type: ignore[list-item]
            convert("sex", _sex),
            convert("birth_date", parse_date),
            [_checked(_id_number, v) if v else None for v in col("id_number")],
            convert("level", _level),
            categories,
            convert("scope|", self._scope_of),
            convert("practice_place", _no_spaces),
            convert("institution", self._official),
            convert("authority", _no_spaces),
            convert("issue_date", parse_date),
            list(sources),
        ]
        others, written_codes = col(OTHER_INSTITUTIONS), col("certificate_code")
        written_sites = col("institution")
        results: list[tuple[Parsed | None, _Reject | None]] = []
        for i, values in enumerate(zip(*out_columns, strict=True)):
            why: _Reject | None
            if not names[i]:
                why = _Reject("no name", "缺少姓名")
            elif not written_codes[i]:
                why = _Reject("no certificate_code", "缺少证书编码")
            else:
                why = next((v for v in values if v.__class__ is _Reject), None)
            if why is not None:
                results.append((None, why))
                continue
            institution = values[9]
            further: list[str] = []
            sure = institution is None or self._institutions[written_sites[i]][1]
            unsure = [] if sure else [str(institution)]
            if others[i]:
                sites, unsure_more = self._sites(None, others[i])
                further = [x for x in sites if x != institution]
                unsure += unsure_more
            results.append((Parsed(values, further, unsure), None))
        return results

    def _official(self, text: str) -> str:
        return self.institution(text)[0]

    def _scope_of(self, category_and_scope: str) -> str:
        category, _, scope = category_and_scope.partition("|")
        return self._scope(category, scope)

    def _sites(self, main: str | None, others: str | None) -> tuple[list[str], list[str]]:
        """Official names of the institutions a row names (main first) and those not surely known."""
        written = [main or "", *_SITE_SPLIT.split(others)] if others else [main or ""]
        sites: list[str] = []
        unsure: list[str] = []
        for text in written:
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


@dataclass(slots=True)
class Parsed:
    """A roster row as the registry holds it: doctor values (COLUMNS order), further sites, and the
    institutions it names that have no sure official name."""

    row: Row
    further: list[str]
    unsure: list[str]

    @property
    def code(self) -> str:
        return str(self.row[0])

    @property
    def person(self) -> tuple[str | None, str | None]:
        """Name and ID number: who the row is about."""
        return self.row[1], self.row[4]

    @property
    def sites(self) -> list[str]:
        main = self.row[9]
        return ([main] if main else []) + self.further


def read_table(path: Path) -> tuple[list[str | None], Iterator[tuple[int, list[str]]], list[str]]:
    """The canonical keys of a CSV's columns, its rows (line number, canonical key → text; None keys
    the columns certscan does not use) and the
    headers it ignores. UTF-8 (with or without BOM) or GB18030, as Excel and WPS save them."""
    name = str(path)
    if not path.is_file():
        raise InputError(name, "file not found", "文件不存在")
    encoding = _encoding(path)
    fh = path.open(encoding=encoding, newline="")
    try:
        reader = csv.reader(fh)
        header = next(reader, None)
    except (csv.Error, UnicodeDecodeError) as exc:
        fh.close()
        raise InputError(name, f"not a readable CSV file ({exc})", f"不是可读取的CSV文件（{exc}）") from None
    if not header:
        fh.close()
        raise InputError(name, "the file is empty", "文件是空的")
    keys = [header_key(h) for h in header]
    missing = [k for k in REQUIRED if k not in keys]
    if missing:
        fh.close()
        raise InputError(
            name,
            "the header names no " + " and no ".join(missing) + " column (e.g. 姓名, 证书编码)",
            "表头缺少"
            + "、".join({"name": "姓名", "certificate_code": "证书编码"}[k] for k in missing)
            + "列",
        )
    ignored = [h for h, k in zip(header, keys, strict=True) if k is None and h.strip()]

    def rows() -> Iterator[tuple[int, list[str]]]:
        with fh:
            line = reader.line_num + 1
            try:
                for cells in reader:
                    if any(c.strip() for c in cells):
                        yield line, cells
                    line = reader.line_num + 1
            except (csv.Error, UnicodeDecodeError) as exc:
                raise InputError(
                    name, f"line {line} cannot be read as CSV ({exc})", f"第{line}行无法按CSV读取（{exc}）"
                ) from None

    return keys, rows(), ignored


def read_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str | None, str]]], list[str]]:
    """Like `read_table`, each row as canonical key → text (None keys the unused columns)."""
    keys, table, ignored = read_table(path)
    rows = ((line, dict(zip(keys, cells, strict=False))) for line, cells in table)
    return [k for k in keys if k], rows, ignored


def _encoding(path: Path) -> str:
    """utf-8-sig when the start of the file decodes as UTF-8, else GB18030 (Chinese Excel's default)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def import_csv(path: Path, registry: SqliteRegistry, importer: RosterImporter | None = None) -> ImportReport:
    """Load one CSV into the registry: good rows upserted, bad rows reported with line and reason."""
    importer = importer or RosterImporter()
    keys, table, ignored = read_table(path)
    report = ImportReport(file=str(path), ignored_columns=ignored)
    before = registry.count()
    # Who holds each code in this file, so a second row of the same person adds a site and a row of
    # another person under the same code is rejected rather than overwriting the first.
    holders: dict[str, tuple[tuple[str | None, str | None], int]] = {}
    pending: dict[str, Parsed] = {}
    late_sites: list[tuple[str, str]] = []
    upserted = 0

    def flush() -> None:
        registry.upsert_rows([p.row for p in pending.values()], {c: p.further for c, p in pending.items()})
        registry.add_sites(late_sites)
        pending.clear()
        late_sites.clear()

    for line, parsed, why in _parsed(importer, keys, table, path.name):
        report.rows += 1
        if parsed is None:
            assert why is not None
            report.rejected.append(Rejection(line, why.reason, why.reason_zh))
            continue
        for name in parsed.unsure:
            report.unsure_institutions[name] = report.unsure_institutions.get(name, 0) + 1
        row = parsed.row
        code, person = str(row[0]), (row[1], row[4])
        held = holders.get(code)
        if held is None:
            holders[code] = (person, line)
            pending[code] = parsed
            upserted += 1
        elif held[0] == person:
            # The same doctor again: a further registered site (多机构备案).
            if code in pending:
                first = pending[code]
                first.further.extend(i for i in parsed.sites if i not in first.sites)
            else:
                late_sites.extend((code, i) for i in parsed.sites)
            report.extra_sites += 1
        else:
            report.rejected.append(
                Rejection(
                    line,
                    f"certificate code {code} is already used on line {held[1]} by another person",
                    f"证书编码{code}已在第{held[1]}行用于另一人",
                )
            )
            continue
        if len(pending) >= _BATCH:
            flush()
    flush()
    registry.commit()
    report.added = registry.count() - before
    report.updated = upserted - report.added
    return report


def _parsed(
    importer: RosterImporter, keys: list[str | None], table: Iterator[tuple[int, list[str]]], name: str
) -> Iterator[tuple[int, Parsed | None, _Reject | None]]:
    """The table's rows parsed a chunk at a time (column-wise parsing needs many rows at once)."""
    while chunk := list(islice(table, _BATCH)):
        lines = [line for line, _ in chunk]
        results = importer.parse_rows(keys, [cells for _, cells in chunk], [f"{name}:{n}" for n in lines])
        for line, (parsed, why) in zip(lines, results, strict=True):
            yield line, parsed, why
