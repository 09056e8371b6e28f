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
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from stdnum.cn import ric

from ..checks import CODE_PATTERN, ID_PATTERN, parse_iso_date
from ..errors import InputError
from ..fields import FieldKey, Sex
from ..normalize import InstitutionMatcher, normalize_category, normalize_level, normalize_scope
from . import RegistryEntry
from .sqlite import SqliteRegistry

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


def parse_date(text: str) -> str:
    """A date as rosters write it (2009-09-04, 2009/9/4, 2009年9月4日, 20090904) in ISO form."""
    m = _DATE.match(text)
    if m:
        y, mo, d = (g for g in m.groups() if g is not None)
        iso = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
        if parse_iso_date(iso):
            return iso
    raise _Reject(f"{text!r} is not a date", f"“{text}”不是有效日期")


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

    def institution(self, text: str) -> tuple[str, bool]:
        """The official name when surely known (and True), else the name as written (and False)."""
        cached = self._institutions.get(text)
        if cached is None:
            match = self.matcher.match(text)
            cached = (match.match, True) if match.match else (" ".join(text.split()), False)
            self._institutions[text] = cached
        return cached

    def entry(self, row: dict[str, str], source: str) -> tuple[RegistryEntry, list[str]]:
        """One roster row as an entry plus the institutions it names that are not surely known;
        raises _Reject for a row the registry cannot hold."""
        get = {k: " ".join(v.split()) for k, v in row.items() if v and v.strip()}
        for key in REQUIRED:
            if key not in get:
                raise _Reject(f"no {key}", f"缺少{_REQUIRED_ZH[key]}")
        values: dict[str, Any] = {"name": unicodedata.normalize("NFKC", get["name"]).replace(" ", "")}
        values["certificate_code"] = _code(get["certificate_code"])
        if "id_number" in get:
            values["id_number"] = _id_number(get["id_number"])
        if "sex" in get:
            sex = get["sex"].removesuffix("性")
            if sex not in (Sex.MALE, Sex.FEMALE):
                raise _Reject(f"sex {get['sex']!r} is not 男 or 女", f"性别“{get['sex']}”不是男或女")
            values["sex"] = sex
        for key in ("birth_date", "issue_date"):
            if key in get:
                values[key] = parse_date(get[key])
        if "level" in get:
            values["level"] = _vocab(get["level"], FieldKey.LEVEL, normalize_level(get["level"]).match)
        if "category" in get:
            found = normalize_category(get["category"]).match
            values["category"] = _vocab(get["category"], FieldKey.CATEGORY, found)
        if "scope" in get:
            values["scope"] = normalize_scope(get["scope"], values.get("category")).match or get["scope"]
        for key in ("practice_place", "authority"):
            if key in get:
                values[key] = get[key].replace(" ", "")
        unsure: list[str] = []
        sites: list[str] = []
        written = [get.get("institution", ""), *_SITE_SPLIT.split(get.get(OTHER_INSTITUTIONS, ""))]
        for text in written:
            if text.strip():
                name, sure = self.institution(text.strip())
                sites.append(name)
                if not sure:
                    unsure.append(name)
        if sites:
            values["institution"] = sites[0]
            values["other_institutions"] = tuple(dict.fromkeys(s for s in sites[1:] if s != sites[0]))
        return RegistryEntry(**values, source=source), unsure


def read_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]], list[str]]:
    """The canonical keys of a CSV's columns, its rows (line number, canonical key → text) and the
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

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        with fh:
            line = reader.line_num + 1
            try:
                for cells in reader:
                    if any(c.strip() for c in cells):
                        yield line, {k: c for k, c in zip(keys, cells, strict=False) if k is not None}
                    line = reader.line_num + 1
            except (csv.Error, UnicodeDecodeError) as exc:
                raise InputError(
                    name, f"line {line} cannot be read as CSV ({exc})", f"第{line}行无法按CSV读取（{exc}）"
                ) from None

    return [k for k in keys if k], rows(), ignored


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
    _, rows, ignored = read_rows(path)
    report = ImportReport(file=str(path), ignored_columns=ignored)
    before = registry.count()
    # Who holds each code in this file, so a second row of the same person adds a site and a row of
    # another person under the same code is rejected rather than overwriting the first.
    holders: dict[str, tuple[str, str | None, int]] = {}
    pending: dict[str, RegistryEntry] = {}
    sites: list[tuple[str, str]] = []
    upserted = 0

    def flush() -> None:
        registry.upsert(list(pending.values()))
        registry.add_sites(sites)
        pending.clear()
        sites.clear()

    for line, row in rows:
        report.rows += 1
        try:
            entry, unsure = importer.entry(row, f"{path.name}:{line}")
        except _Reject as why:
            report.rejected.append(Rejection(line, why.reason, why.reason_zh))
            continue
        for name in unsure:
            report.unsure_institutions[name] = report.unsure_institutions.get(name, 0) + 1
        code = entry.certificate_code
        held = holders.get(code)
        if held is None:
            holders[code] = (entry.name, entry.id_number, line)
            pending[code] = entry
            upserted += 1
        elif held[:2] == (entry.name, entry.id_number):
            if code in pending:
                first = pending[code]
                extra = tuple(i for i in entry.institutions if i not in first.institutions)
                pending[code] = replace(first, other_institutions=first.other_institutions + extra)
            else:
                sites.extend((code, i) for i in entry.institutions)
            report.extra_sites += 1
        else:
            report.rejected.append(
                Rejection(
                    line,
                    f"certificate code {code} is already used on line {held[2]} by another person",
                    f"证书编码{code}已在第{held[2]}行用于另一人",
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
