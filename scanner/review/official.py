"""The official check, prepared and recorded: what the national query asks for, and what it showed.

The procedure certscan automates ends at the national query (国家卫生健康委员会 医师执业注册信息查询). It
has a captcha and lets one query through a minute, so certscan never fetches or frames it: it gives
the person exactly what the query asks for (省份, 医师姓名, 所在医疗机构 under its full official name,
since short names such as 重医附一院 find nothing there), the address as text with the reminder that
the real site's domain ends in .gov.cn, and then compares what the person saw there with the
certificate field by field, as a registry entry is compared (`scanner.verify`), with the same
explanations (a registry days to weeks behind a change, a doctor who moved).

Booklets are compared by the registration they show today (`record.current`: the printed values
with the 变更注册记录 applied), which is what the query shows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

from ..fields import (
    CURRENT_KEYS,
    FIELD_LABELS_EN,
    FIELD_LABELS_ZH,
    CertificateLayout,
    CertificateRecord,
    Change,
    Document,
    FieldKey,
    FieldResult,
    Flag,
)
from ..normalize import InstitutionMatcher, clean, districts, normalize_authority
from ..registry import RegistryEntry
from ..report.advice import advice, explanation, masked
from ..text import Lang
from ..verify import Verdict, Verification, Verifier
from .session import OfficialResult, ReviewRefused, ready_for_lookup

# The national query, written out for people to type or tap; certscan never opens it.
OFFICIAL_ADDRESS = "https://zgcx.nhc.gov.cn/doctor"
OFFICIAL_DOMAIN = "zgcx.nhc.gov.cn"
# What the query shows that a person may record, in the order its result page lists them.
OFFICIAL_KEYS: tuple[FieldKey, ...] = (
    FieldKey.NAME,
    FieldKey.LEVEL,
    FieldKey.CATEGORY,
    FieldKey.SCOPE,
    FieldKey.PRACTICE_PLACE,
    FieldKey.INSTITUTION,
    FieldKey.AUTHORITY,
)

_TEXT: dict[Lang, dict[str, str]] = {
    "zh": {
        "title": "到官方平台核验",
        "province": "省份",
        "name": "医师姓名",
        "institution": "所在医疗机构",
        "intro": "在国家卫生健康委员会的医师执业注册信息查询中输入下面三项，填写验证码后查询。",
        "domain": "请自己输入网址或从国家卫生健康委员会官网进入，并确认域名以 .gov.cn 结尾；"
        "不要打开他人发来的链接，仿冒网站可能显示假的“查询通过”。",
        "throttle": "查询需要填写验证码，约每分钟只能查询一次；certscan 不会替你打开或查询该网站。",
        "lag": "变更注册后，查询结果可能要数天至数周才更新。",
        "province_from": "由发证机关「{authority}」得出",
        "province_from_change": "由最近一次变更注册（{date}）的批准机关「{authority}」得出",
        "province_from_institution": "由执业机构「{institution}」得出",
        "province_unknown": "发证机关和执业机构都不能确定省份：请选择医师注册所在的省份",
        "institution_official": "证书上为「{printed}」，查询须用全称",
        "institution_from_change": "取自变更注册记录（{date}）",
        "institution_no_changes": "照片中没有读到变更注册记录："
        "证书后面如有变更注册记录页，以其中最新一条为准",
        "institution_unknown": "certscan 不认识「{printed}」：如果这是简称，"
        "请改按机构《医疗机构执业许可证》上的全称输入，简称（如“重医附一院”）查不到",
        "institution_outside": "重庆以外的机构，按证书所印输入；查不到时请用该机构的全称",
        "institution_none": "证书上没有读到执业机构：请问医师本人或其所在机构",
        "unsure": "此项识别把握不足，请先对照证书原件复核",
        "official_registry": "国家医师执业注册信息查询（zgcx.nhc.gov.cn）",
        "not_found": "官方查询未找到此医师。",
        "not_found_input": "先确认输入无误：姓名中的生僻字、机构全称（不用简称）、省份。",
        "not_found_lag": "新注册或刚变更注册的医师，可能要数天至数周才能查到："
        "可请医师出示注册或变更注册的受理回执。",
        "not_found_ask": "向证书上的发证机关{authority}核实（提供姓名和证书编码）。",
        "not_found_forged": "仅凭查询不到不能认定证书伪造；经发证机关确认伪造的，向卫生健康行政部门举报，"
        "并可向公安机关报案。",
        "found_nothing_to_compare": "官方查询找到了此医师，但没有记录可比对的信息。",
        "authority_default": "证书上的发证机关",
    },
    "en": {
        "title": "Check on the official site",
        "province": "Province",
        "name": "Doctor's name",
        "institution": "Institution",
        "intro": "Enter these three in the national physician registration query of the National Health "
        "Commission, fill in the captcha and search.",
        "domain": "Type the address yourself or go there from the National Health Commission's site, and "
        "make sure the domain ends in .gov.cn; do not open links others send: fake sites show fake "
        "“verified” results.",
        "throttle": "The query asks for a captcha and allows about one search a minute; certscan never "
        "opens or queries the site for you.",
        "lag": "After a change of registration the query may take days to weeks to show it.",
        "province_from": "from the issuing authority “{authority}”",
        "province_from_change": "from “{authority}”, which approved the latest change of registration "
        "({date})",
        "province_from_institution": "from the institution “{institution}”",
        "province_unknown": "neither the issuing authority nor the institution tells the province: choose "
        "the province where the doctor is registered",
        "institution_official": "printed as “{printed}”; the query needs the full name",
        "institution_from_change": "from the change-of-registration record ({date})",
        "institution_no_changes": "no change-of-registration record was read: if the booklet has such "
        "pages not in the picture, the newest change there names the institution",
        "institution_unknown": "certscan does not know “{printed}”: if it is a short name, type the full "
        "name on the institution's licence instead; short names (such as 重医附一院) find nothing",
        "institution_outside": "an institution outside Chongqing: type it as printed, or its full name "
        "if that finds nothing",
        "institution_none": "no institution was read: ask the doctor or the institution",
        "unsure": "read without certainty: compare it with the certificate first",
        "official_registry": "the national physician registration query (zgcx.nhc.gov.cn)",
        "not_found": "The official query did not find this doctor.",
        "not_found_input": "First make sure of what was typed: rare characters in the name, the "
        "institution's full name (no short form), the province.",
        "not_found_lag": "A new or just changed registration can take days to weeks to appear: ask the "
        "doctor for the receipt of the registration or of the change.",
        "not_found_ask": "Ask the issuing authority printed on the certificate, {authority}, to confirm "
        "(give the name and the certificate code).",
        "not_found_forged": "Not being found is no proof of forgery; once the issuing authority confirms "
        "a fake, report it to the health authority, and to the police.",
        "found_nothing_to_compare": "The official query found this doctor, but nothing it showed was "
        "recorded to compare.",
        "authority_default": "the issuing authority printed on the certificate",
    },
}


# A comparison with the official query in words (the registry's own say "the registry").
_VERDICT_TEXT: dict[Lang, dict[Verdict, str]] = {
    "zh": {
        Verdict.CONSISTENT: "✔ 一致：官方查询显示的各项与证书（目前的注册）相符",
        Verdict.MISMATCH: "✘ 不一致：官方查询找到了此医师，但信息与证书不同",
        Verdict.NOT_FOUND: "？ 未找到：官方查询没有此医师",
        Verdict.INVALID: "✘ 无效：证书未通过内在检查",
        Verdict.NEEDS_REVIEW: "⚠ 需人工复核：识别或比对把握不足，暂不下结论",
        Verdict.WRONG_DOCUMENT: "✘ 不是执业证书：图中没有医师执业证书",
    },
    "en": {
        Verdict.CONSISTENT: "✔ consistent: what the official query shows agrees with the certificate "
        "(as registered now)",
        Verdict.MISMATCH: "✘ mismatch: the official query found the doctor, but fields differ",
        Verdict.NOT_FOUND: "? not found: the official query does not know this doctor",
        Verdict.INVALID: "✘ invalid: the certificate fails intrinsic checks",
        Verdict.NEEDS_REVIEW: "⚠ needs review: readings or comparisons too unsure to decide",
        Verdict.WRONG_DOCUMENT: "✘ wrong document: the picture holds no practising certificate",
    },
}


# ------------------------------------------------------------------ the province


@cache
def _regions() -> tuple[dict[str, str], dict[str, set[str]]]:
    """From GB/T 2260 (python-stdnum's cn/loc.dat, every year): each province's full and short name →
    its full name, and each prefecture- or county-level name (full, and without its final 市/县/区)
    → the provinces that have had a place of that name. Chongqing's districts and counties, under
    any of their names (chongqing_districts.csv), are Chongqing's, also where GB/T 2260 listed them
    under Sichuan before 1997."""
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text("utf-8")
    chongqing = {form for d in districts() for form in (d.name, *d.short, *d.former)}
    provinces: dict[str, str] = {}
    places: dict[str, set[str]] = {name: {"重庆市"} for name in chongqing}
    province = ""
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if not line.startswith(" "):
            m = re.search(r'province="([^"]+)"', line)
            province = m.group(1) if m else ""
            short = re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$", "", province)
            provinces[province] = province
            provinces.setdefault(short, province)
            continue
        m = re.match(r'\s+\d{4} county="([^"]+)"', line)
        if not m:
            continue
        for named in m.group(1).split(","):
            name = re.sub(r"^\[[^\]]*\]", "", named)
            if name in _PLACEHOLDERS or province == "重庆市":
                continue
            for form in {name, name[:-1]} if len(name) > 2 and name[-1] in "市县区" else {name}:
                if form not in chongqing or province != "四川省":  # Sichuan's Chongqing before 1997
                    places.setdefault(form, set()).add(province)
    return provinces, places


# Rows of GB/T 2260 that group places rather than name one.
_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


def province_of(authority: str | None) -> str | None:
    """The province a 发证机关 belongs to, as the national query lists it (重庆市, 四川省), or None
    when the authority does not tell: a province named first, else the one place it names first
    (a prefecture, county or district) that only one province has had. 朝阳区卫生局 is no province:
    Beijing and Changchun both have a 朝阳区."""
    if not authority:
        return None
    text = clean(authority)
    provinces, places = _regions()
    for name in sorted(provinces, key=len, reverse=True):
        if text.startswith(name):
            return provinces[name]
    for name in sorted(places, key=len, reverse=True):
        if len(name) >= 2 and text.startswith(name):
            owners = places[name]
            return next(iter(owners)) if len(owners) == 1 else None
    return None


# ------------------------------------------------------------------ what the query asks for


def registered_now(record: CertificateRecord) -> CertificateRecord:
    """The record with the registration the certificate shows today (`record.current`) in its fields:
    a booklet's newest change moves the institution, place, scope, category or code, as the
    official query shows them, and the old booklet's 执业地点 names its institution. A value taken
    from a change is as sure as the change's block."""
    current = record.current
    if record.error or current is None:
        return record
    fields = dict(record.fields)
    old = record.layout is CertificateLayout.OLD_BOOKLET
    for key in CURRENT_KEYS:
        value = current.value(key)
        if value is None or value == (fields[key].value if key in fields else None):
            continue
        block = _source_change(record, value) if current.from_change is not None else None
        place = fields.get(FieldKey.PRACTICE_PLACE)
        if block is not None:
            flags = tuple(block.flags)
            fields[key] = FieldResult(value, value, block.confidence, flags, confirmed=block.confirmed)
        elif old and key is FieldKey.INSTITUTION and place is not None and place.value == value:
            fields[key] = place
        else:
            fields[key] = FieldResult(value, value, 0.0, (Flag.LOW_CONFIDENCE,))
    return replace(record, fields=fields)


def _source_change(record: CertificateRecord, value: str) -> Change | None:
    """The newest change block that set this value."""
    for change in sorted(record.changes, key=lambda c: c.date or "", reverse=True):
        if value in (change.value, change.new_code):
            return change
    return None


def official_query(
    record: CertificateRecord,
    matcher: InstitutionMatcher,
    lang: Lang = "zh",
    recorded: tuple[OfficialResult, ...] = (),
    today: dt.date | None = None,
) -> dict[str, Any]:
    """What the national query asks for, ready to copy: 省份 (from the 发证机关), 医师姓名 and
    所在医疗机构 under its full official name, each with a note and `sure` (false when OCR was
    unsure of what it rests on), plus the address as text and the reminders that go with it, and
    the result recorded last (`recorded`, see `official_view`) or None."""
    today = today or dt.date.today()
    last = official_view(record, recorded[-1], matcher, today, lang) if recorded else None
    text = _TEXT[lang]
    now = registered_now(record) if not record.error else record
    fields = now.fields

    def field(key: FieldKey) -> FieldResult:
        return fields.get(key) or FieldResult.missing()

    name = field(FieldKey.NAME)
    institution = field(FieldKey.INSTITUTION)
    province, province_note, province_sure = _province(now, institution, matcher, lang)
    official_name, institution_note, institution_sure = _official_institution(
        record, institution, province, matcher, lang
    )
    return {
        "title": text["title"],
        "intro": text["intro"],
        "address": OFFICIAL_ADDRESS,
        "domain": OFFICIAL_DOMAIN,
        "fields": [
            {
                "key": "province",
                "label": text["province"],
                "value": province,
                "note": province_note,
                "sure": province_sure,
            },
            {
                "key": "name",
                "label": text["name"],
                "value": name.value,
                "note": None if name.read_sure else text["unsure"],
                "sure": name.read_sure,
            },
            {
                "key": "institution",
                "label": text["institution"],
                "value": official_name,
                "printed": institution.value,
                "note": institution_note,
                "sure": institution_sure,
            },
        ],
        "notes": [text["domain"], text["throttle"], text["lag"]],
        "recorded": last,
    }


def _province(
    record: CertificateRecord, institution: FieldResult, matcher: InstitutionMatcher, lang: Lang
) -> tuple[str | None, str, bool]:
    """The province to choose, a note on where it came from, and whether it is sure.

    Where the doctor is registered now tells, in this order: the 批准机关 of the newest change (a
    doctor who moved registers where the change was approved: a Beijing booklet, then a change in
    Chongqing), else the 发证机关 (never for a doctor who moved since), and the institution
    registered today (one the gazetteer knows is in Chongqing; another named after its province or
    city). A province is sure only when what it rests on was read surely and no other source
    names another one.
    """
    text = _TEXT[lang]
    current = record.current
    authority = record.fields.get(FieldKey.AUTHORITY) or FieldResult.missing()
    sources: list[tuple[str | None, str, bool]] = []
    if current is not None and current.from_change is not None:
        change = record.changes[current.from_change]
        note = text["province_from_change"].format(authority=change.authority, date=change.date or "?")
        sources.append((province_of(change.authority), note, not change.review))
    elif authority.value is not None:
        note = text["province_from"].format(authority=authority.value)
        sources.append((province_of(authority.value), note, authority.read_sure))
    if institution.value is not None:
        known = matcher.match(institution.value).match is not None
        found = "重庆市" if known else province_of(institution.value)
        note = text["province_from_institution"].format(institution=institution.value)
        sources.append((found, note, institution.read_sure))
    named = [s for s in sources if s[0] is not None]
    if not named:
        return None, text["province_unknown"], False
    province, note, sure = named[0]
    return province, note, sure and all(s[0] == province for s in named)


def _official_institution(
    record: CertificateRecord,
    field: FieldResult,
    province: str | None,
    matcher: InstitutionMatcher,
    lang: Lang,
) -> tuple[str | None, str | None, bool]:
    """The institution's name for the query, a note on where it came from, and whether it is sure:
    the gazetteer's full official name; an institution outside Chongqing as printed (the gazetteer
    holds Chongqing's only); any other name as printed but unsure, since it may be a short name
    the query does not find."""
    text = _TEXT[lang]
    printed = field.value
    if printed is None:
        return None, text["institution_none"], False
    notes: list[str] = []
    current = record.current
    if current is not None and current.from_change is not None:
        change = record.changes[current.from_change]
        if change.value == printed:
            notes.append(text["institution_from_change"].format(date=change.date or "?"))
    elif record.document is Document.PRACTISING and not record.changes:
        notes.append(text["institution_no_changes"])
    found = matcher.match(printed).match
    sure = field.read_sure
    if found is not None:
        if found != printed:
            notes.append(text["institution_official"].format(printed=printed))
    elif province not in (None, "重庆市") or province_of(printed) not in (None, "重庆市"):
        notes.append(text["institution_outside"])
    else:
        notes.append(text["institution_unknown"].format(printed=printed))
        sure = False
    if not field.read_sure:
        notes.append(text["unsure"])
    return found or printed, ("；" if lang == "zh" else "; ").join(notes) or None, sure


# ------------------------------------------------------------------ what the query showed


def official_result(
    found: bool, values: Mapping[str, str | None], reviewer: str | None, at: str
) -> OfficialResult:
    """What a person recorded, held to the keys the query shows (others are refused with one
    sentence: ReviewRefused)."""
    known = {str(k): k for k in OFFICIAL_KEYS}
    unknown = sorted(k for k in values if k not in known)
    if unknown:
        labels = "、".join(FIELD_LABELS_ZH.get(FieldKey(k), k) if k in set(FieldKey) else k for k in unknown)
        raise ReviewRefused(
            f"the official query shows no {', '.join(unknown)}: record only what it shows",
            f"官方查询不显示{labels}：只记录查询结果中显示的内容",
        )
    kept = {known[k]: " ".join(v.split()) for k, v in values.items() if v and v.strip()}
    return OfficialResult(found, kept if found else {}, (reviewer or "").strip() or None, at)


@dataclass(frozen=True)
class _Shown(RegistryEntry):
    """What the official query showed, as a registry entry: it shows no certificate code (the
    entry's code is empty), so the code is not compared."""

    def value(self, key: FieldKey) -> str | None:
        return None if key is FieldKey.CERTIFICATE_CODE else super().value(key)


class _OfficialAnswer:
    """What the official query showed, as a registry of one entry (or none), so the comparison and
    its explanations are the registry's own: the query searched by name and institution."""

    def __init__(self, entry: RegistryEntry | None) -> None:
        self.entry = entry

    def by_code(self, certificate_code: str) -> list[RegistryEntry]:
        return []

    def by_name_and_id(self, name: str, id_number: str) -> list[RegistryEntry]:
        return []

    def by_name_and_institution(self, name: str, institution: str) -> list[RegistryEntry]:
        return [self.entry] if self.entry is not None else []

    def describe(self) -> str:
        return OFFICIAL_DOMAIN

    def close(self) -> None:
        pass


def compare_official(
    record: CertificateRecord, result: OfficialResult, matcher: InstitutionMatcher, today: dt.date
) -> Verification:
    """The certificate compared with what the official query showed, as with a registry entry: the
    verifier compares a booklet as registered today and tells a query behind the change record
    (registry lag) from a real difference. On the old booklet 执业地点 names the institution, so a
    执业地点 the query shows is compared as the institution when it names one, and not at all when
    it names a place (the verifier never compares the old booklet's place)."""
    now = ready_for_lookup(record, matcher, today)
    if now.error or now.document is not Document.PRACTISING:
        return Verification(now, Verdict.WRONG_DOCUMENT if not now.error else None, OFFICIAL_DOMAIN)
    values = dict(result.values)
    if now.layout is CertificateLayout.OLD_BOOKLET and FieldKey.PRACTICE_PLACE in values:
        place = values.pop(FieldKey.PRACTICE_PLACE)
        if FieldKey.INSTITUTION not in values and matcher.match(place).match is not None:
            values[FieldKey.INSTITUTION] = place
    entry = None
    if result.found:
        shown = {str(k): v for k, v in values.items() if k is not FieldKey.NAME}
        name = values.get(FieldKey.NAME) or now.value(FieldKey.NAME) or ""
        entry = _Shown(name=name, certificate_code="", **shown)  # type: ignore[arg-type]
    typed = values.get(FieldKey.INSTITUTION)
    current = now.current
    if typed and current is not None and current.value(FieldKey.INSTITUTION) is None:
        # The query searched by name and institution: with none read, the one the person typed
        # is what it searched by (an unsure value: it compares with nothing on the certificate).
        searched = FieldResult(typed, typed, 0.0, (Flag.MISSING,))
        now = replace(now, fields={**now.fields, FieldKey.INSTITUTION: searched})
    return Verifier(_OfficialAnswer(entry), matcher).verify(now)


def official_view(
    record: CertificateRecord,
    result: OfficialResult,
    matcher: InstitutionMatcher,
    today: dt.date,
    lang: Lang = "zh",
) -> dict[str, Any]:
    """A recorded official result for people and files: what was shown, who recorded it and when,
    the verdict of the comparison with its differences (values masked as summaries mask them),
    their explanations and what to do next."""
    text = _TEXT[lang]
    labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN
    v = compare_official(record, result, matcher, today)
    out: dict[str, Any] = {
        "found": result.found,
        "values": {str(k): result.values[k] for k in OFFICIAL_KEYS if k in result.values},
        "reviewer": result.reviewer,
        "at": result.at,
        "source": text["official_registry"],
        "verdict": str(v.verdict) if v.verdict else None,
        "text": _VERDICT_TEXT[lang][v.verdict] if v.verdict else None,
        "differences": [
            {
                "field": str(d.field),
                "label": labels[d.field],
                "certificate": masked(d.field, d.certificate),
                "official": masked(d.field, d.registry),
                "explanation": explanation(v, d, lang),
                "sure": d.sure,
            }
            for d in v.differences
        ],
    }
    if not result.found:
        authority = record.value(FieldKey.AUTHORITY) or text["authority_default"]
        today_name = normalize_authority(authority).match
        if today_name and today_name != authority:
            authority = f"{today_name}（{authority}）" if lang == "zh" else f"{today_name} ({authority})"
        out["advice"] = [
            text["not_found"],
            text["not_found_input"],
            text["not_found_lag"],
            text["not_found_ask"].format(authority=authority),
            text["not_found_forged"],
        ]
    elif not result.values:
        # Nothing shown was recorded: nothing agrees or differs, whatever the comparison says.
        out |= {"verdict": None, "text": None, "advice": [text["found_nothing_to_compare"]]}
    else:
        out["advice"] = advice(v, lang)
    return out


@dataclass(frozen=True)
class OfficialSummary:
    """The newest recorded official result and its verdict, for exports."""

    verdict: str | None
    found: bool
    reviewer: str | None
    at: str


def latest_official(
    record: CertificateRecord,
    results: tuple[OfficialResult, ...],
    matcher: InstitutionMatcher,
    today: dt.date,
) -> OfficialSummary | None:
    """The newest official result recorded for a certificate, with its verdict; None when none was."""
    if not results:
        return None
    result = results[-1]
    v = compare_official(record, result, matcher, today)
    verdict = str(v.verdict) if v.verdict and (result.values or not result.found) else None
    return OfficialSummary(verdict, result.found, result.reviewer, result.at)
