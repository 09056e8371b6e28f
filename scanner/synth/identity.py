"""Synthetic physician identities with internally consistent ground truth.

Everything here is invented: names are random combinations of common
characters, ID numbers are built from real region codes but random birth
dates and sequence numbers, and institutions come from the public gazetteer.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from stdnum.cn import ric

from ..checks import add_years, region_years

T = TypeVar("T")

FIELDS: tuple[str, ...] = (
    "name",
    "sex",
    "birth_date",
    "id_number",
    "level",
    "category",
    "scope",
    "practice_place",
    "institution",
    "authority",
    "issue_date",
    "certificate_code",
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
INSTITUTIONS_CSV = DATA_DIR / "chongqing_institutions.csv"
SCOPES_CSV = DATA_DIR / "practice_scopes.csv"

LATEST_ISSUE_DATE = date(2026, 11, 27)
# The Practising Physicians Law took effect on 1999-05-01; no certificate predates it.
EARLIEST_ISSUE_DATE = date(1999, 5, 1)
BIRTH_FIRST = date(1955, 1, 1)
BIRTH_LAST = date(1999, 12, 31)
MIN_ISSUE_AGE = 24

OTHER_SCOPE = "省级以上卫生行政部门规定的其他专业"

# fmt: off
# (surname, relative weight) roughly following national frequency, plus a few
# surnames that are common in Chongqing (冉, 向, 谭, 秦).
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 70), ("李", 70), ("张", 65), ("刘", 55), ("陈", 45), ("杨", 30), ("黄", 25), ("赵", 20),
    ("吴", 20), ("周", 20), ("徐", 15), ("孙", 15), ("马", 12), ("朱", 12), ("胡", 12), ("郭", 12),
    ("何", 12), ("高", 10), ("林", 10), ("罗", 12), ("郑", 9), ("梁", 9), ("谢", 8), ("宋", 8),
    ("唐", 9), ("许", 7), ("韩", 7), ("冯", 7), ("邓", 8), ("曹", 7), ("彭", 7), ("曾", 7),
    ("肖", 7), ("田", 6), ("董", 6), ("袁", 6), ("潘", 5), ("蒋", 6), ("蔡", 5), ("余", 6),
    ("杜", 5), ("叶", 5), ("程", 5), ("苏", 5), ("魏", 5), ("吕", 5), ("丁", 5), ("任", 5),
    ("沈", 4), ("姚", 4), ("卢", 4), ("姜", 4), ("崔", 4), ("钟", 4), ("谭", 6), ("陆", 4),
    ("汪", 4), ("范", 4), ("金", 4), ("石", 4), ("廖", 5), ("贾", 4), ("夏", 4), ("韦", 3),
    ("付", 4), ("方", 4), ("邹", 4), ("熊", 4), ("秦", 4), ("江", 3), ("雷", 3), ("龙", 3),
    ("陶", 3), ("贺", 3), ("毛", 3), ("万", 3), ("向", 4), ("冉", 3), ("文", 3), ("牟", 2),
    ("母", 1), ("况", 1), ("幸", 1), ("晏", 2),
)
DOUBLE_SURNAMES: tuple[str, ...] = (
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "司徒", "夏侯", "尉迟",
)
MALE_GIVEN = tuple("伟强磊军勇杰涛明超刚鹏辉健斌宇浩凯波峰飞俊亮宏龙永德振义泽博轩昊天毅锋兵彬坤")
FEMALE_GIVEN = tuple("芳娜敏静丽艳娟秀英玲丹萍红婷雪琳晶燕霞欣悦瑶怡婧倩颖蕾莉慧洁璐梅兰凤琴蓉")
NEUTRAL_GIVEN = tuple("华平建国志文新东成福荣宁海林春玉思雨佳嘉睿晨阳一子诗梦安心家立小世云清")
# Rarer characters that still appear in ordinary OCR dictionaries.
RARE_GIVEN = tuple("堃喆犇淼昇玥珺琨婕祎燚鑫")
# Syllables for Uyghur-style transliterated names joined with a middle dot.
MINORITY_PARTS: tuple[str, ...] = (
    "阿依", "古丽", "努尔", "买买提", "艾力", "热依", "迪丽", "娜扎",
    "帕提", "吐尔逊", "艾尔肯", "依明", "克然", "阿卜杜", "热合曼", "麦麦提",
    "阿米娜", "沙吾提", "伊力", "玛依拉", "再努尔", "热娜", "阿布都", "库尔班",
)

CATEGORY_WEIGHTS: tuple[tuple[str, int], ...] = (("临床", 65), ("中医", 20), ("口腔", 10), ("公共卫生", 5))
CATEGORY_DIGIT = {"临床": "1", "中医": "2", "口腔": "3", "公共卫生": "4"}
# Relative popularity of scopes; anything not listed has weight 1.
SCOPE_WEIGHTS: dict[str, int] = {
    "内科专业": 30, "外科专业": 20, "妇产科专业": 10, "儿科专业": 8,
    "全科医学专业": 8, "医学影像和放射治疗专业": 6, "医学检验、病理专业": 4, "眼耳鼻咽喉科专业": 4,
    "中医专业": 30, "中西医结合专业": 12, "口腔专业": 30, "公共卫生类别专业": 30,
}
OTHER_SCOPE_RATE = 0.02
# Districts that are development zones without their own health commission.
_NO_COMMISSION = ("新区", "经开区", "高新区")
# Counties that became districts: (first year as district, name before).
_RENAMED: dict[str, tuple[int, str]] = {
    "大足区": (2012, "大足县"), "綦江区": (2012, "綦江县"), "璧山区": (2015, "璧山县"),
    "铜梁区": (2015, "铜梁县"), "潼南区": (2016, "潼南县"), "荣昌区": (2016, "荣昌县"),
    "开州区": (2017, "开县"), "梁平区": (2017, "梁平县"), "武隆区": (2017, "武隆县"),
}
# fmt: on


def _weighted(rng: random.Random, pairs: Sequence[tuple[T, int]]) -> T:
    """Pick one item from (item, weight) pairs."""
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _random_date(rng: random.Random, first: date, last: date) -> date:
    """Uniform date in [first, last]."""
    return first + timedelta(days=rng.randint(0, (last - first).days))


# ---------------------------------------------------------------- reference data


@lru_cache(maxsize=1)
def institutions() -> tuple[tuple[str, str], ...]:
    """(official name, district or '') for every gazetteer row."""
    with INSTITUTIONS_CSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # "江北区;渝中区" means several campuses; the first district is the seat.
    return tuple((r["name"].strip(), r["district"].split(";")[0].strip()) for r in rows if r["name"].strip())


@lru_cache(maxsize=1)
def scopes_by_category() -> dict[str, tuple[str, ...]]:
    """Official practice scopes per category, in file order."""
    out: dict[str, list[str]] = {}
    with SCOPES_CSV.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["category"].strip(), []).append(row["scope"].strip())
    return {k: tuple(v) for k, v in out.items()}


def _county_spans(code: str) -> list[tuple[int, int, str]]:
    """(first year, last year, name) spans stdnum knows for a 6-digit region code, open ends closed."""
    return [(start or 1900, end or 2100, name) for start, end, name in region_years(code)]


@lru_cache(maxsize=1)
def region_codes() -> dict[str, tuple[tuple[int, int, str], ...]]:
    """Chongqing (5001xx-5002xx) and old Sichuan-era (5102xx) county codes."""
    codes = [f"{c}" for c in range(500101, 500244)] + [f"{c}" for c in range(510201, 510300)]
    out = {}
    for code in codes:
        spans = _county_spans(code)
        # Skip aggregate rows such as 市辖区 / 县 / 市区: they are not real counties.
        if spans and not any(s[2] in ("市辖区", "县", "市区") for s in spans):
            out[code] = tuple(spans)
    return out


@lru_cache(maxsize=1)
def district_codes() -> dict[str, str]:
    """Current Chongqing district/county name -> region code."""
    out: dict[str, str] = {}
    for code, spans in region_codes().items():
        if code.startswith("50"):
            out.setdefault(spans[-1][2], code)
    return out


# ---------------------------------------------------------------- field makers


def make_name(rng: random.Random, sex: str) -> str:
    """A plausible synthetic Chinese name (as printed)."""
    roll = rng.random()
    if roll < 0.03:
        first = "".join(rng.sample(MINORITY_PARTS, rng.choice((1, 1, 2))))
        last = "".join(rng.sample(MINORITY_PARTS, rng.choice((1, 1, 1, 2))))
        return f"{first}·{last}"
    surname = rng.choice(DOUBLE_SURNAMES) if rng.random() < 0.05 else _weighted(rng, SURNAMES)
    pool = (MALE_GIVEN if sex == "男" else FEMALE_GIVEN) + NEUTRAL_GIVEN
    n_given = 1 if rng.random() < 0.3 else 2
    given = [rng.choice(pool) for _ in range(n_given)]
    if roll < 0.05:  # 2% of all names carry a rarer character
        given[rng.randrange(n_given)] = rng.choice(RARE_GIVEN)
    return surname + "".join(given)


def _pick_region(rng: random.Random, birth: date) -> str:
    """Region code in use when the ID number was assigned.

    Numbers are assigned at household registration, so people registered before
    1997 (when Chongqing left Sichuan) often keep a 5102xx code.
    """
    codes = region_codes()
    if birth.year < 1997 and rng.random() < 0.5:
        lo, hi, prefix = max(birth.year, 1985), 1997, "51"
    else:
        lo, hi, prefix = max(birth.year, 1997), LATEST_ISSUE_DATE.year, "50"
    fits = [
        c
        for c, spans in codes.items()
        if c.startswith(prefix) and any(s[0] <= hi and s[1] >= lo for s in spans)
    ]
    return rng.choice(sorted(fits))


def make_id_number(rng: random.Random, birth: date, sex: str) -> str:
    """18-character ID number consistent with ``birth`` and ``sex``."""
    region = _pick_region(rng, birth)
    seq = rng.randrange(0, 100) * 10 + rng.choice((1, 3, 5, 7, 9) if sex == "男" else (0, 2, 4, 6, 8))
    if seq == 0:
        seq = 2  # "000" is never issued
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + ric.calc_check_digit(first17 + "X")


def make_scope(rng: random.Random, category: str) -> str:
    """One official scope of ``category``; ~10% of 临床 get two joined by 、."""
    allowed = scopes_by_category()[category]
    regular = [s for s in allowed if s != OTHER_SCOPE]
    if OTHER_SCOPE in allowed and rng.random() < OTHER_SCOPE_RATE:
        return OTHER_SCOPE
    weights = [SCOPE_WEIGHTS.get(s, 1) for s in regular]
    first = rng.choices(regular, weights=weights)[0]
    if category == "临床" and rng.random() < 0.10:
        rest = [s for s in regular if s != first]
        second = rng.choices(rest, weights=[SCOPE_WEIGHTS.get(s, 1) for s in rest])[0]
        return f"{first}、{second}"
    return first


def make_institution(rng: random.Random, category: str) -> tuple[str, str]:
    """(institution, district); 中医/口腔 doctors lean towards matching hospitals."""
    rows = institutions()
    keyword = {"中医": "中", "口腔": "口腔"}.get(category)
    if keyword and rng.random() < 0.5:
        matching = [r for r in rows if keyword in r[0] and ("医" in r[0] or keyword == "口腔")]
        if matching:
            return rng.choice(matching)
    return rng.choice(rows)


def district_at(district: str, year: int) -> str:
    """District name as it was in ``year`` (some counties became districts later)."""
    renamed = _RENAMED.get(district)
    return renamed[1] if renamed and year < renamed[0] else district


def has_commission(district: str) -> bool:
    """True for real districts/counties (development zones have no health commission)."""
    return bool(district) and not district.endswith(_NO_COMMISSION)


def make_authority(rng: random.Random, district: str, issued: date) -> str:
    """Issuing health authority, named as it was on the issue date."""
    if issued.year < 2014:
        body = "卫生局"
    elif issued.year < 2018:
        body = "卫生和计划生育委员会"
    else:
        body = "卫生健康委员会"
    if has_commission(district) and rng.random() < 0.6:
        return f"重庆市{district_at(district, issued.year)}{body}"
    return f"重庆市{body}"


def make_issue_date(rng: random.Random, birth: date) -> date:
    """Issue date after the 24th birthday, skewed to recent years (re-issues)."""
    first = max(add_years(birth, MIN_ISSUE_AGE) + timedelta(days=1), EARLIEST_ISSUE_DATE)
    span = (LATEST_ISSUE_DATE - first).days
    return first + timedelta(days=round(span * rng.random() ** 0.6))


def make_certificate_code(rng: random.Random, level: str, category: str, district: str) -> str:
    """15-digit code: level digit, category digit, region, serial (15% fully random)."""
    if rng.random() < 0.15:
        return "".join(rng.choice("0123456789") for _ in range(15))
    level_digit = "1" if level == "执业医师" else "2"
    region = district_codes().get(district) or rng.choice(sorted(district_codes().values()))
    serial = "".join(rng.choice("0123456789") for _ in range(7))
    return f"{level_digit}{CATEGORY_DIGIT[category]}{region}{serial}"


def make_identity(rng: random.Random) -> dict[str, str]:
    """One synthetic physician: the 12 canonical fields in canonical formats."""
    sex = rng.choice(("男", "女"))
    birth = _random_date(rng, BIRTH_FIRST, BIRTH_LAST)
    level = "执业医师" if rng.random() < 0.8 else "执业助理医师"
    category = _weighted(rng, CATEGORY_WEIGHTS)
    institution, district = make_institution(rng, category)
    issued = make_issue_date(rng, birth)
    place = f"重庆市{district}" if district and rng.random() < 0.25 else "重庆市"
    truth = {
        "name": make_name(rng, sex),
        "sex": sex,
        "birth_date": birth.isoformat(),
        "id_number": make_id_number(rng, birth, sex),
        "level": level,
        "category": category,
        "scope": make_scope(rng, category),
        "practice_place": place,
        "institution": institution,
        "authority": make_authority(rng, district, issued),
        "issue_date": issued.isoformat(),
        "certificate_code": make_certificate_code(rng, level, category, district),
    }
    return {k: truth[k] for k in FIELDS}
