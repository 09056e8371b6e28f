"""What one doctor's paperwork says: the old 卫生部 booklet, its change record, the 资格证书 and 职称.

Everything is invented, as in ``identity``.  Ground truth follows ../shared/SPEC.md, "Documents,
layouts and pages": ``changes`` in date order and ``current`` computed from the printed values with
every change applied (for the old booklet the starting institution is 执业地点).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .identity import (
    CATEGORY_DIGIT,
    FIELDS,
    LATEST_ISSUE_DATE,
    district_at,
    has_commission,
    institutions,
    make_authority,
    make_identity,
    make_name,
    make_scope,
)

# The 2017 registration rules replaced the 卫生部 booklet; older certificates stay in use.
OLD_BOOKLET_LAST = date(2017, 3, 31)
CURRENT_LAYOUT_FIRST = date(2017, 4, 1)

# The twelve fields and the qualification code the old booklet prints (SPEC.md).
ALL_FIELDS: tuple[str, ...] = (*FIELDS, "qualification_code")

# fmt: off
# Doctors who moved to Chongqing carry certificates of other provinces: (city or province prefix,
# districts, institutions there).  Names are public hospital names, kept as printed.
OTHER_PLACES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("北京市", ("朝阳区", "海淀区", "东城区", "西城区"),
     ("北京协和医院", "北京大学第一医院", "首都医科大学附属北京朝阳医院", "北京市朝阳区双桥医院")),
    ("四川省成都市", ("武侯区", "锦江区", "青羊区", "金牛区"),
     ("四川大学华西医院", "四川省人民医院", "成都市第三人民医院", "成都市武侯区人民医院")),
    ("贵州省贵阳市", ("云岩区", "南明区", "观山湖区"),
     ("贵州医科大学附属医院", "贵州省人民医院", "贵阳市第一人民医院")),
    ("湖北省武汉市", ("江汉区", "武昌区", "洪山区"),
     ("华中科技大学同济医学院附属协和医院", "武汉大学人民医院", "武汉市中心医院")),
    ("陕西省西安市", ("雁塔区", "碑林区", "新城区"),
     ("西安交通大学第一附属医院", "陕西省人民医院", "西安市第四医院")),
)
# The autonomous regions print their booklets in two scripts (`scripts.SCRIPTS`): (place prefix,
# districts, institutions, second script).
BILINGUAL_PLACES: tuple[tuple[str, tuple[str, ...], tuple[str, ...], str], ...] = (
    ("内蒙古自治区呼和浩特市", ("新城区", "回民区", "赛罕区"),
     ("内蒙古医科大学附属医院", "内蒙古自治区人民医院", "呼和浩特市第一医院"), "mongolian"),
    ("广西壮族自治区南宁市", ("青秀区", "兴宁区", "西乡塘区"),
     ("广西医科大学第一附属医院", "广西壮族自治区人民医院", "南宁市第一人民医院"), "zhuang"),
    ("西藏自治区拉萨市", ("城关区", "堆龙德庆区"),
     ("西藏自治区人民医院", "拉萨市人民医院"), "tibetan"),
    ("新疆维吾尔自治区乌鲁木齐市", ("天山区", "沙依巴克区", "新市区"),
     ("新疆医科大学第一附属医院", "新疆维吾尔自治区人民医院", "乌鲁木齐市第一人民医院"), "uyghur"),
)
# fmt: on
# Of the doctors who moved from another province, those whose booklet comes from an autonomous
# region (bilingual when it is the old booklet).
BILINGUAL_RATE = 0.35

CHANGE_ITEMS_OLD: tuple[tuple[str, int], ...] = (
    ("执业地点变更", 6),
    ("主要执业机构变更", 2),
    ("执业范围变更", 2),
)
CHANGE_ITEMS_CURRENT: tuple[tuple[str, int], ...] = (
    ("主要执业机构变更", 6),
    ("执业范围变更", 2),
    ("执业地点变更", 1),
)
# Which `current` keys a change item sets, per layout.
CHANGE_TARGETS: dict[str, dict[str, tuple[str, ...]]] = {
    "old_booklet": {
        "执业地点变更": ("practice_place", "institution"),
        "主要执业机构变更": ("institution",),
        "执业范围变更": ("scope",),
        "执业类别变更": ("category",),
    },
    "current": {
        "执业地点变更": ("practice_place",),
        "主要执业机构变更": ("institution",),
        "执业范围变更": ("scope",),
        "执业类别变更": ("category",),
    },
}
CURRENT_KEYS: tuple[str, ...] = ("institution", "practice_place", "scope", "category", "certificate_code")
EDUCATIONS: tuple[str, ...] = ("大学本科", "硕士研究生", "博士研究生", "大学专科", "中专")
SCHOOLS: tuple[str, ...] = (
    "重庆医科大学",
    "第三军医大学",
    "四川大学",
    "重庆三峡医药高等专科学校",
    "成都中医药大学",
    "西南医科大学",
    "川北医学院",
)
MAJORS: dict[str, tuple[str, ...]] = {
    "临床": ("临床医学", "麻醉学", "医学影像学", "儿科医学"),
    "中医": ("中医学", "中西医临床医学", "针灸推拿学"),
    "口腔": ("口腔医学",),
    "公共卫生": ("预防医学",),
}
TITLES: tuple[str, ...] = ("主治医师", "副主任医师", "主任医师", "医师", "主治中医师", "主管技师")
TITLE_AUTHORITIES: tuple[str, ...] = (
    "重庆市人力资源和社会保障局",
    "重庆市职称改革办公室",
    "重庆市卫生健康委员会",
)


def _days_after(rng: random.Random, start: date, lo: int, hi: int) -> date:
    """A date ``lo``..``hi`` days after ``start``, never past the latest issue date."""
    return min(start + timedelta(days=rng.randint(lo, hi)), LATEST_ISSUE_DATE)


def era_body(day: date) -> str:
    """The health authority's name on ``day``: 卫生局, then 卫生和计划生育委员会, then 卫生健康委员会."""
    if day.year < 2014:
        return "卫生局"
    if day.year < 2018:
        return "卫生和计划生育委员会"
    return "卫生健康委员会"


def authority_at(rng: random.Random, prefix: str, district: str, day: date, city_prefix: bool) -> str:
    """An authority as printed on ``day``: district or city level, with or without the city."""
    body = era_body(day)
    if district and (rng.random() < 0.75):
        return f"{prefix}{district}{body}" if city_prefix else f"{district}{body}"
    return f"{prefix}{body}"


def qualification_authority(exam_year: int) -> str:
    """The ministry that signed 医师资格证书 in ``exam_year``."""
    if exam_year < 2013:
        return "中华人民共和国卫生部"
    return "国家卫生和计划生育委员会" if exam_year < 2018 else "国家卫生健康委员会"


def qualification_code(rng: random.Random, exam_year: int, level: str, category: str, birth: str) -> str:
    """医师资格证书 code: exam year, level, category, region, birth date, serial (24-27 digits)."""
    level_digit = "1" if level == "执业医师" else "2"
    head = f"{exam_year}{level_digit}{CATEGORY_DIGIT[category]}{rng.randint(110000, 659000)}"
    body = head + birth.replace("-", "")
    serial = "".join(rng.choice("0123456789") for _ in range(rng.randint(24, 27) - len(body)))
    return body + serial


@dataclass
class Doctor:
    """One doctor's true record, behind all the documents rendered for them."""

    base: dict[str, str]
    layout: str  # "old_booklet" or "current"
    province: str  # "重庆市" or another place prefix
    district: str
    qualification_code: str
    exam_year: int
    changes: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    script: str | None = None  # the second script of a booklet from an autonomous region


def _other_place(
    rng: random.Random, truth: dict[str, str], issued: date, bilingual: bool | None = None
) -> tuple[str, str, str | None]:
    """Move ``truth`` to another province (an autonomous region when ``bilingual``, drawn when
    None): authority and institution as printed there, and the region's second script."""
    if bilingual is None:
        bilingual = rng.random() < BILINGUAL_RATE
    script: str | None = None
    if bilingual:
        prefix, districts, hospitals, script = rng.choice(BILINGUAL_PLACES)
    else:
        prefix, districts, hospitals = rng.choice(OTHER_PLACES)
    district = rng.choice(districts)
    truth["institution"] = rng.choice(hospitals)
    truth["authority"] = authority_at(rng, prefix, district, issued, rng.random() < 0.7)
    truth["practice_place"] = province_of(prefix)
    return prefix, district, script


def province_of(prefix: str) -> str:
    """The province (or municipality) a place prefix begins with: 四川省, 北京市, 广西壮族自治区."""
    found = re.match(r".+?(?:省|自治区)|.+?市", prefix)
    return found.group(0) if found else prefix


def make_doctor(
    rng: random.Random, layout: str, other_province: bool = False, bilingual: bool | None = None
) -> Doctor:
    """A doctor with a booklet of ``layout`` and the qualification behind it; from another province
    when ``other_province`` (an autonomous region when ``bilingual``; drawn when None)."""
    truth = make_identity(rng)
    while layout == "old_booklet" and truth["birth_date"] > f"{OLD_BOOKLET_LAST.year - 25}-01-01":
        truth = make_identity(rng)  # too young to have held the 卫生部 booklet
    district = next((d for n, d in institutions() if n == truth["institution"]), "")
    birth = date.fromisoformat(truth["birth_date"])
    issued = date.fromisoformat(truth["issue_date"])
    if layout == "old_booklet" and issued > OLD_BOOKLET_LAST:
        first = max(issued - timedelta(days=365 * 18), date(1999, 5, 1), birth + timedelta(days=365 * 24 + 6))
        issued = first + timedelta(days=rng.randint(0, max(0, (OLD_BOOKLET_LAST - first).days)))
        truth["issue_date"] = issued.isoformat()
    if layout == "current" and issued < CURRENT_LAYOUT_FIRST:
        # Today's layout is issued under the 2017 rules: a re-issue after that date.
        first = max(CURRENT_LAYOUT_FIRST, birth + timedelta(days=365 * 24 + 6))
        issued = first + timedelta(days=rng.randint(0, max(0, (LATEST_ISSUE_DATE - first).days)))
        truth["issue_date"] = issued.isoformat()
        truth["authority"] = make_authority(rng, district, issued)
    province, script = "重庆市", None
    if other_province:
        province, district, script = _other_place(rng, truth, issued, bilingual)
    elif layout == "old_booklet":
        name = district_at(district, issued.year) if has_commission(district) else ""
        truth["authority"] = authority_at(rng, "重庆市", name, issued, rng.random() < 0.6)
    if layout == "old_booklet":
        # Under the old rules 执业地点 named the institution itself.
        truth["practice_place"] = truth["institution"]
    exam_year = max(birth.year + 22, min(issued.year - rng.randint(0, 3), issued.year))
    code = qualification_code(rng, exam_year, truth["level"], truth["category"], truth["birth_date"])
    doctor = Doctor(truth, layout, province, district, code, exam_year, script=script)
    doctor.changes = make_changes(rng, doctor, rng.choice((0, 1, 1, 2, 2, 3)))
    doctor.extra = {
        "education": rng.choice(EDUCATIONS),
        "school": rng.choice(SCHOOLS),
        "major": rng.choice(MAJORS[truth["category"]]),
        "title": rng.choice(TITLES),
        "employer": truth["institution"],
        "title_date": _days_after(rng, issued, 300, 3000).isoformat(),
        "management_no": "".join(rng.choice("0123456789") for _ in range(rng.choice((8, 10, 12)))),
        "title_authority": rng.choice(TITLE_AUTHORITIES),
        "qualification_authority": qualification_authority(exam_year),
        "qualification_date": _qualified(date(exam_year, rng.randint(9, 12), rng.randint(1, 28)), issued),
        "signatory": make_name(rng, rng.choice(("男", "女"))),
    }
    return doctor


# A 医师资格证书 is issued at least this long before the practising certificate it led to.
QUALIFIED_BEFORE = timedelta(days=30)


def _qualified(drawn: date, issued: date) -> str:
    """The 资格证书's date: the one drawn in the exam year, or, when that is not before the practising
    certificate's issue date (an exam year's autumn after a registration in its spring), a month
    before that issue date, in the exam year where it can be (no certificate is dated in the future,
    nor a qualification after the registration it allowed)."""
    if drawn < issued:
        return drawn.isoformat()
    return max(issued - QUALIFIED_BEFORE, date(drawn.year, 1, 1)).isoformat()


def make_changes(rng: random.Random, doctor: Doctor, count: int) -> list[dict[str, Any]]:
    """``count`` change blocks after the issue date, in date order."""
    truth = doctor.base
    items = CHANGE_ITEMS_OLD if doctor.layout == "old_booklet" else CHANGE_ITEMS_CURRENT
    day = date.fromisoformat(truth["issue_date"])
    changes: list[dict[str, Any]] = []
    for _ in range(count):
        day = _days_after(rng, day, 60, 2200)
        if changes and day <= date.fromisoformat(changes[-1]["date"]):
            break
        item = rng.choices([i[0] for i in items], weights=[i[1] for i in items])[0]
        if item == "执业范围变更":
            value = make_scope(rng, truth["category"])
        elif item == "执业地点变更" and doctor.layout == "current":
            value = rng.choice(("重庆市", "四川省", "贵州省"))
        else:
            value, _ = rng.choice(institutions())
        district = next((d for n, d in institutions() if n == value), "")
        district = district_at(district, day.year) if has_commission(district) else ""
        authority = authority_at(rng, "重庆市", district, day, rng.random() < 0.6)
        new_code = None
        if rng.random() < 0.2:
            new_code = "".join(rng.choice("0123456789") for _ in range(15))
        changes.append(
            {
                "item": item,
                "value": value,
                "date": day.isoformat(),
                "authority": authority,
                "new_code": new_code,
            }
        )
    return changes


def current_of(fields: dict[str, str | None], changes: list[dict[str, Any]], layout: str) -> dict[str, Any]:
    """SPEC ``current``: printed values with every change applied in date order."""
    start_institution = fields["practice_place"] if layout == "old_booklet" else fields["institution"]
    cur: dict[str, Any] = {
        "institution": start_institution,
        "practice_place": fields["practice_place"],
        "scope": fields["scope"],
        "category": fields["category"],
        "certificate_code": fields["certificate_code"],
        "from_change": None,
    }
    targets = CHANGE_TARGETS[layout]
    for index, change in enumerate(sorted(changes, key=lambda c: c["date"])):
        used = False
        for key in targets.get(change["item"], ()):
            cur[key] = change["value"]
            used = True
        if change.get("new_code"):
            cur["certificate_code"] = change["new_code"]
            used = True
        if used:
            cur["from_change"] = index
    return cur
