"""Intrinsic checks: what a certificate must satisfy on its own, before any registry lookup.

Each check is reported in `checks`, and a failure flags the fields it concerns so they are reviewed.
Nothing here changes a value; repairs happen in extraction and are themselves flagged.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import replace

from stdnum.cn import ric

from .fields import (
    CHECK_FLAGS,
    CODE_LENGTH,
    ID_LENGTH,
    Category,
    CertificateRecord,
    Check,
    CheckName,
    FieldKey,
    FieldResult,
    Flag,
    Level,
    Sex,
)
from .vocab import id_number_kind, scope_in_vocabulary

# A lower-case x is the same check character as X (GB 11643 prints X; people and peers type x).
ID_PATTERN = re.compile(rf"^\d{{{ID_LENGTH - 1}}}[\dXx]$")
CODE_PATTERN = re.compile(rf"^\d{{{CODE_LENGTH}}}$")
# The 医师资格证书 code (SPEC.md "Fields"): digits only, 24 to 27 of them.
QUALIFICATION_CODE_PATTERN = re.compile(r"^\d{24,27}$")


def region_years(code: str) -> list[tuple[int | None, int | None, str]]:
    """The GB/T 2260 periods of a 6-digit region code: (first year, last year, name); [] if unknown."""
    from stdnum import numdb

    info = {k: v for _, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    county = info.get("county")
    if not county:
        return []
    periods: list[tuple[int | None, int | None, str]] = []
    for part in county.split(","):
        match = re.match(r"^\[(\d*)-(\d*)\](.*)$", part)
        if match:
            start, end, name = match.groups()
            periods.append((int(start) if start else None, int(end) if end else None, name))
        else:
            periods.append((None, None, part))
    return periods


def parse_iso_date(text: str | None) -> dt.date | None:
    """A YYYY-MM-DD string as a date, or None if it is not a real calendar date."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def check_id_number(id_number: str, birth: str | None, sex: str | None) -> list[Check]:
    """GB 11643: format, MOD 11-2 check digit, region code history, birth date and sex digits.

    Residence permits of Hong Kong, Macao and Taiwan residents (810000, 820000, 830000) and the
    foreign permanent resident ID (9…) have the same form and are checked the same way, their
    prefix standing for the region code (see `vocab.id_number_kinds`)."""
    keys = (FieldKey.ID_NUMBER,)
    if not ID_PATTERN.match(id_number):
        return [
            Check(
                CheckName.ID_FORMAT,
                False,
                "not 17 digits followed by a digit or X",
                keys,
                "不是17位数字加1位数字或X",
            )
        ]
    id_number = id_number.upper()
    checks = [Check(CheckName.ID_FORMAT, True, "18 characters", keys, "18位")]
    expected = ric.calc_check_digit(id_number)
    if expected == id_number[-1]:
        checks.append(
            Check(CheckName.ID_CHECKSUM, True, "check digit matches (ISO 7064 MOD 11-2)", keys, "校验码正确")
        )
    else:
        checks.append(
            Check(
                CheckName.ID_CHECKSUM,
                False,
                f"check digit is {id_number[-1]}, expected {expected}",
                keys,
                f"校验码为{id_number[-1]}，应为{expected}",
            )
        )
    id_birth = id_birth_date(id_number)
    checks.append(_region_check(id_number, id_birth))
    if id_birth is None:
        checks.append(
            Check(
                CheckName.ID_BIRTH_DATE,
                False,
                "digits 7–14 are not a real date",
                keys,
                "第7–14位不是有效日期",
            )
        )
    elif birth is not None:
        same = id_birth.isoformat() == birth
        checks.append(
            Check(
                CheckName.ID_BIRTH_DATE,
                same,
                f"ID gives {id_birth.isoformat()}, certificate {birth}",
                (FieldKey.ID_NUMBER, FieldKey.BIRTH_DATE),
                f"身份证号为{id_birth.isoformat()}，证书为{birth}",
            )
        )
    if sex in (Sex.MALE, Sex.FEMALE):
        # The parity, not the digit, is what the check is about; the digit itself would narrow the
        # masked number in a human output tenfold (scanner/text.py).
        id_sex = Sex.MALE if int(id_number[16]) % 2 == 1 else Sex.FEMALE
        parity, parity_zh = ("odd", "奇数") if id_sex is Sex.MALE else ("even", "偶数")
        checks.append(
            Check(
                CheckName.ID_SEX,
                id_sex == sex,
                f"17th digit is {parity}, meaning {id_sex.name.lower()}; "
                f"certificate says {Sex(sex).name.lower()}",
                (FieldKey.ID_NUMBER, FieldKey.SEX),
                f"第17位为{parity_zh}，表示{id_sex}，证书为{sex}",
            )
        )
    return checks


def id_number_valid(id_number: str) -> bool:
    """Whether an ID number passes every check it can pass alone: format, check digit, region
    code and birth date."""
    # The format and check digit first: they reject nearly every wrong number, and cheaply (second
    # looks test hundreds of readings one digit apart).
    if not ID_PATTERN.match(id_number) or ric.calc_check_digit(id_number) != id_number[-1].upper():
        return False
    return all(check.ok for check in check_id_number(id_number, None, None))


def id_birth_date(id_number: str) -> dt.date | None:
    """The birth date digits 7–14 of an ID number give, if they are a real date."""
    return parse_iso_date(f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}")


def _region_check(id_number: str, birth: dt.date | None) -> Check:
    """A code unknown in every year fails; one not in use in the birth year is only a note.

    A number keeps the code of the place where it was first assigned, possibly years after birth,
    and Chongqing numbers often carry Sichuan 5102xx codes from before 1997. A residence permit or
    foreign permanent resident ID says so instead (its prefix is no county)."""
    kind = id_number_kind(id_number)
    if kind is not None:
        return _kind_check(id_number, kind.zh, kind.en, kind.province)
    keys = (FieldKey.ID_NUMBER,)
    code = id_number[:6]
    periods = region_years(code)
    if not periods:
        return Check(
            CheckName.ID_REGION,
            False,
            f"region code {code} is not a known GB/T 2260 code",
            keys,
            f"地区码{code}不是任何年份的GB/T 2260代码",
        )
    names = "/".join(dict.fromkeys(p[2] for p in periods))
    if birth is None:
        return Check(
            CheckName.ID_REGION, True, f"region code {code} ({names})", keys, f"地区码{code}（{names}）"
        )
    year = birth.year
    in_use = any((s is None or s <= year) and (e is None or year <= e) for s, e, _ in periods)
    if in_use:
        return Check(
            CheckName.ID_REGION,
            True,
            f"region code {code} ({names}) in use in {year}",
            keys,
            f"地区码{code}（{names}）{year}年在用",
        )
    return Check(
        CheckName.ID_REGION,
        True,
        f"region code {code} ({names}) was not in use in the birth year {year}; "
        "numbers keep the code of the place where they were first assigned",
        keys,
        f"地区码{code}（{names}）在出生年{year}年尚未启用或已停用；身份证号保留首次编号地的代码，属正常情况",
        note=True,
    )


def _kind_check(id_number: str, zh: str, en: str, province: tuple[int, int] | None) -> Check:
    """The region check of a residence permit or foreign permanent resident ID: its kind named, and
    the province of the issuing office a real one where the number holds it."""
    keys = (FieldKey.ID_NUMBER,)
    if province is None:
        return Check(CheckName.ID_REGION, True, en, keys, zh)
    code = id_number[province[0] : province[1]]
    periods = region_years(code.ljust(6, "0"))
    if not periods:
        return Check(
            CheckName.ID_REGION,
            False,
            f"{en} whose issuing province {code} is not a known GB/T 2260 code",
            keys,
            f"{zh}，受理地省级代码{code}不存在",
        )
    names = "/".join(dict.fromkeys(p[2] for p in periods))
    return Check(CheckName.ID_REGION, True, f"{en}, issued in {names}", keys, f"{zh}（受理地{names}）")


# Licensing needs a medical degree and a passed exam: nobody is licensed younger than this.
MIN_LICENSING_AGE = 18
# Older than this at the date of issue, nobody is licensed to practise.
MAX_LICENSING_AGE = 95
# The Law on Licensed Doctors (执业医师法), which brought in the practising certificate, took effect
# on this day: no certificate is older.
FIRST_CERTIFICATES = dt.date(1999, 5, 1)


def check_dates(birth: str | None, issue: str | None, today: dt.date) -> list[Check]:
    """Real calendar dates; issued after birth (at an adult age, not a great age) and not in the
    future."""
    checks: list[Check] = []
    birth_d = parse_iso_date(birth)
    issue_d = parse_iso_date(issue)
    if birth is not None:
        ok = birth_d is not None and dt.date(1900, 1, 1) <= birth_d <= today
        checks.append(
            Check(
                CheckName.BIRTH_DATE_VALID,
                ok,
                birth if ok else f"{birth} is no real date of birth",
                (FieldKey.BIRTH_DATE,),
                birth if ok else f"{birth}不是有效的出生日期",
            )
        )
    if birth_d is not None and birth_d <= today:
        # Nobody younger than MIN_LICENSING_AGE practises, whether or not an issue date was read: a
        # child's birth date is another date read under the label (a 变更注册 date), or a misprint.
        adult = add_years(birth_d, MIN_LICENSING_AGE)
        checks.append(
            Check(
                CheckName.BIRTH_DATE_PLAUSIBLE,
                adult <= today,
                f"born {birth_d.isoformat()}: {MIN_LICENSING_AGE} or older today"
                if adult <= today
                else f"born {birth_d.isoformat()}: younger than {MIN_LICENSING_AGE} today, no doctor can be",
                (FieldKey.BIRTH_DATE,),
                f"出生{birth_d.isoformat()}，今天已满{MIN_LICENSING_AGE}岁"
                if adult <= today
                else f"出生{birth_d.isoformat()}，今天未满{MIN_LICENSING_AGE}岁，不可能是执业医师",
            )
        )
    if issue is not None:
        checks.append(
            Check(
                CheckName.ISSUE_DATE_VALID,
                issue_d is not None,
                issue if issue_d is not None else f"{issue} is no real date",
                (FieldKey.ISSUE_DATE,),
                issue if issue_d is not None else f"{issue}不是有效日期",
            )
        )
    if issue_d is not None:
        checks.append(
            Check(
                CheckName.ISSUE_NOT_FUTURE,
                issue_d <= today,
                f"issued {issue_d.isoformat()}, today is {today.isoformat()}",
                (FieldKey.ISSUE_DATE,),
                f"发证日期{issue_d.isoformat()}，今天是{today.isoformat()}",
            )
        )
    if issue_d is not None and birth_d is not None:
        # Nobody is licensed before MIN_LICENSING_AGE, nor past MAX_LICENSING_AGE (a birth year
        # misread 1994 → 1904 shows so).
        adult = add_years(birth_d, MIN_LICENSING_AGE)
        ok = adult <= issue_d < add_years(birth_d, MAX_LICENSING_AGE)
        checks.append(
            Check(
                CheckName.ISSUE_AFTER_BIRTH,
                ok,
                f"issued {issue_d.isoformat()}, born {birth_d.isoformat()}",
                (FieldKey.ISSUE_DATE, FieldKey.BIRTH_DATE),
                f"发证{issue_d.isoformat()}，出生{birth_d.isoformat()}"
                + ("" if ok else f"（发证时应满{MIN_LICENSING_AGE}岁、不满{MAX_LICENSING_AGE}岁）"),
            )
        )
    return checks


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_vocabularies(fields: Mapping[FieldKey, FieldResult]) -> list[Check]:
    """Sex, level, category and scope must come from their closed lists."""
    checks: list[Check] = []
    closed: tuple[tuple[FieldKey, CheckName, frozenset[str]], ...] = (
        (FieldKey.SEX, CheckName.SEX_VOCABULARY, frozenset(Sex)),
        (FieldKey.LEVEL, CheckName.LEVEL_VOCABULARY, frozenset(Level)),
        (FieldKey.CATEGORY, CheckName.CATEGORY_VOCABULARY, frozenset(Category)),
    )
    for key, name, allowed in closed:
        value = fields[key].value if key in fields else None
        if value is not None:
            ok = value in allowed
            checks.append(Check(name, ok, value, (key,), value if ok else f"{value}不在规定取值内"))
    scope = fields[FieldKey.SCOPE].value if FieldKey.SCOPE in fields else None
    if scope is not None:
        category_text = fields[FieldKey.CATEGORY].value if FieldKey.CATEGORY in fields else None
        category = Category(category_text) if category_text in frozenset(Category) else None
        ok = scope_in_vocabulary(scope, category)
        context = f" for {category}" if category else ""
        zh = f"{scope}" + (f"（{category}类别）" if category else "") + ("" if ok else "不在规定执业范围内")
        checks.append(Check(CheckName.SCOPE_VOCABULARY, ok, f"{scope}{context}", (FieldKey.SCOPE,), zh))
    return checks


# Which flag a failed check puts on the fields it concerns.
_FAILURE_FLAGS: dict[CheckName, Flag] = {
    CheckName.ID_FORMAT: Flag.INVALID_FORMAT,
    CheckName.ID_CHECKSUM: Flag.CHECKSUM_FAILED,
    CheckName.ID_REGION: Flag.UNKNOWN_REGION,
    CheckName.ID_BIRTH_DATE: Flag.INCONSISTENT_WITH_ID,
    CheckName.ID_SEX: Flag.INCONSISTENT_WITH_ID,
    CheckName.CODE_FORMAT: Flag.INVALID_FORMAT,
    CheckName.QUALIFICATION_CODE_FORMAT: Flag.INVALID_FORMAT,
    CheckName.BIRTH_DATE_VALID: Flag.INVALID_DATE,
    CheckName.BIRTH_DATE_PLAUSIBLE: Flag.IMPLAUSIBLE,
    CheckName.ISSUE_DATE_VALID: Flag.INVALID_DATE,
    CheckName.ISSUE_NOT_FUTURE: Flag.IMPLAUSIBLE,
    CheckName.ISSUE_AFTER_BIRTH: Flag.IMPLAUSIBLE,
    CheckName.SEX_VOCABULARY: Flag.NOT_IN_VOCABULARY,
    CheckName.LEVEL_VOCABULARY: Flag.NOT_IN_VOCABULARY,
    CheckName.CATEGORY_VOCABULARY: Flag.NOT_IN_VOCABULARY,
    CheckName.SCOPE_VOCABULARY: Flag.NOT_IN_VOCABULARY,
}


def run_checks(
    fields: Mapping[FieldKey, FieldResult], today: dt.date
) -> tuple[dict[FieldKey, FieldResult], tuple[Check, ...]]:
    """Run every intrinsic check afresh; return the fields with failure flags added, and the checks.

    Flags an earlier run of the checks put on the fields are dropped first: after a value was
    repaired or corrected they would describe values no longer there (a birth date flagged as
    disagreeing with an ID number since read again)."""

    def value(key: FieldKey) -> str | None:
        return fields[key].value if key in fields else None

    checks: list[Check] = []
    id_number = value(FieldKey.ID_NUMBER)
    if id_number is not None:
        checks += check_id_number(id_number, value(FieldKey.BIRTH_DATE), value(FieldKey.SEX))
    code = value(FieldKey.CERTIFICATE_CODE)
    if code is not None:
        ok = bool(CODE_PATTERN.match(code))
        detail = f"{CODE_LENGTH} digits" if ok else f"{len(code)} characters, expected {CODE_LENGTH} digits"
        zh = f"{CODE_LENGTH}位数字" if ok else f"{len(code)}个字符，应为{CODE_LENGTH}位数字"
        checks.append(Check(CheckName.CODE_FORMAT, ok, detail, (FieldKey.CERTIFICATE_CODE,), zh))
    checks += check_dates(value(FieldKey.BIRTH_DATE), value(FieldKey.ISSUE_DATE), today)
    checks += check_vocabularies(fields)

    qualification = value(FieldKey.QUALIFICATION_CODE)
    if qualification is not None:
        ok = bool(QUALIFICATION_CODE_PATTERN.match(qualification))
        detail = "24-27 digits" if ok else f"{len(qualification)} characters, expected 24-27 digits"
        zh = "24至27位数字" if ok else f"{len(qualification)}个字符，应为24至27位数字"
        key = FieldKey.QUALIFICATION_CODE
        checks.append(Check(CheckName.QUALIFICATION_CODE_FORMAT, ok, detail, (key,), zh))

    flagged = {key: field.without_flags(CHECK_FLAGS) for key, field in fields.items()}
    for check in checks:
        if check.ok:
            continue
        for key in check.fields:
            if key in flagged:
                flagged[key] = flagged[key].with_flags(_FAILURE_FLAGS[check.check])
    return flagged, tuple(checks)


def recheck(record: CertificateRecord, today: dt.date) -> CertificateRecord:
    """A record (read back from JSON, perhaps corrected) with every check run afresh."""
    if record.error:
        return record
    fields, checks = run_checks(record.fields, today)
    return replace(record, fields=fields, checks=checks)
