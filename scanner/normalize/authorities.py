"""Issuing authorities (发证机关): the issuer under today's names, and the printed authority held to
its closed list (`checked_authority`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from ..fields import FieldResult, Flag
from .data import data_rows, split_list
from .places import (
    District,
    _district_of,
    _district_re,
    county_names_elsewhere,
    districts,
    place_names,
    place_names_outside,
)
from .results import (
    FUZZY_SCALE,
    SCORE_ALIAS,
    SCORE_EXACT,
    SCORE_OCR,
    Method,
    Resolution,
)
from .text import (
    clean,
    fold,
)
from .vocabulary import (
    _VOCAB_MARGIN,
)


@dataclass(frozen=True)
class AuthorityMatch(Resolution):
    """A 发证机关 as read and the issuer's current name it surely means (重庆市XX区卫生健康委员会).

    Former names (卫生和计划生育委员会 2013–2019, 卫生局 before) mean the same issuer: `former` says
    the certificate printed one, `organ` which.
    """

    input: str
    match: str | None
    score: float
    district: str | None = None
    organ: str | None = None
    former: bool = False
    candidates: tuple[str, ...] = ()
    method: Method | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "match": self.match,
            "score": round(self.score, 3),
            "district": self.district,
            "organ": self.organ,
            "former": self.former,
            "candidates": list(self.candidates),
            "method": str(self.method) if self.method else None,
        }


@cache
def _organs() -> tuple[str, dict[str, str]]:
    """The current organ name, and every organ name or short form → its full organ name."""
    current = ""
    forms: dict[str, str] = {}
    for row in data_rows("authority_names.csv"):
        if row["current"] == "yes":
            current = row["organ"]
        for form in (row["organ"], *split_list(row["short_forms"])):
            forms[form] = row["organ"]
    return current, forms


def organ_forms() -> tuple[str, ...]:
    """Every printed form of the health authority's organ, full and short (卫生健康委员会, 卫健委 …)."""
    return tuple(_organs()[1])


def organ_names() -> tuple[str, ...]:
    """The health authority's organ names, today's and former (卫生健康委员会, ..., 卫生局)."""
    return tuple(dict.fromkeys(_organs()[1].values()))


def _organ_of(text: str) -> tuple[str | None, float, Method | None]:
    """The organ a (cleaned) text names: exact, OCR look-alikes, or one clearly closest name."""
    _, forms = _organs()
    if text in forms:
        return forms[text], SCORE_EXACT, Method.EXACT
    folded = {fold(f): o for f, o in forms.items()}
    if fold(text) in folded:
        return folded[fold(text)], SCORE_OCR, Method.OCR
    scored = sorted(((fuzz.ratio(fold(text), f) / 100, o) for f, o in folded.items()), reverse=True)
    best = scored[0]
    others = [s for s, o in scored if o != best[1]]
    if best[0] >= 0.85 and best[0] - (others[0] if others else 0.0) >= _VOCAB_MARGIN:
        return best[1], best[0] * FUZZY_SCALE, Method.FUZZY
    return None, 0.0, None


def normalize_authority(text: str) -> AuthorityMatch:
    """重庆市璧山县卫生局 → 重庆市璧山区卫生健康委员会: the issuer under today's names.

    The district (today's, short, former or OCR-damaged) and the organ (卫生健康委员会 and its former
    names and short forms) must both be sure; the city-level 重庆市卫生健康委员会 has no district.
    Functional areas (两江新区 ...) and other issuers pass through unchanged.
    """
    current, _ = _organs()
    printed = clean(text)
    city_read = _city_read(printed)
    c = city_read.replace("重庆市", "重庆")
    if not c:
        return AuthorityMatch(text, None, 0.0)
    rest = c.removeprefix("重庆")
    district: str | None = None
    score = SCORE_EXACT if city_read == printed else SCORE_OCR
    m = _district_re().match(rest)
    if m is None:
        folded_forms = {fold(f): d for f, d in _district_of().items()}
        for form in sorted(folded_forms, key=len, reverse=True):
            if fold(rest).startswith(form):
                district, rest, score = folded_forms[form], rest[len(form) :], SCORE_OCR
                break
    else:
        district, rest = _district_of()[m.group()], rest[m.end() :]
    organ, organ_score, method = _organ_of(rest)
    info = {d.name: d for d in districts()}
    if district is not None and not info[district].administrative:
        return AuthorityMatch(text, None, 0.0, district=district)
    if organ is None:
        if district is None and rest:
            # Something stands before the organ that is no district we know: list close districts.
            head = re.split("卫生", rest, maxsplit=1)[0]
            names = [d.name for d in districts() if d.administrative]
            close = process.extract(head, names, scorer=fuzz.ratio, score_cutoff=60, limit=3)
            cands = tuple(f"重庆市{n}{current}" for n, _, _ in close)
            return AuthorityMatch(text, None, 0.0, candidates=cands)
        return AuthorityMatch(text, None, 0.0, district=district)
    if district is None and not c.startswith("重庆"):
        return AuthorityMatch(text, None, 0.0, organ=organ)
    name = f"重庆市{district or ''}{current}"
    if method is Method.FUZZY:
        final = organ_score
    elif method is Method.OCR or score < SCORE_EXACT:
        method, final = Method.OCR, SCORE_OCR
    elif clean(text) == name:
        method, final = Method.EXACT, SCORE_EXACT
    else:
        # A former name (卫生局, 璧山县) or a short form (卫健委, no 重庆市) of the same issuer.
        method, final = Method.ALIAS, SCORE_ALIAS
    return AuthorityMatch(text, name, final, district, organ, organ != current, (name,), method)


CITY = "重庆市"


def _city_read(text: str) -> str:
    """A cleaned authority with its city read: 重庆市 with one character misread or lost (重成市巴南区…,
    重庆有巴南区…, 庆市万州区…, 重成市卫生健康委员会) before a district's or an organ's name is 重庆市,
    for no place of China is one character from it; any other text as it is."""
    if text.startswith("重庆") and _district_re().match(text.removeprefix("重庆")) is not None:
        return text  # 重庆 (市 or not) before a district, as printed
    for size in (len(CITY), len(CITY) - 1):
        head, tail = text[:size], text[size:]
        if (
            head != CITY
            and tail
            and Levenshtein.distance(head, CITY) == 1
            and (_district_re().match(tail) is not None or tail.startswith(organ_forms()))
        ):
            return CITY + tail
    return text


def same_authority(a: str, b: str) -> bool | None:
    """Whether two printed authorities are one issuer (卫生局 and 卫生健康委员会 of one district are);
    None when either cannot be surely normalized."""
    ma, mb = normalize_authority(a), normalize_authority(b)
    if ma.match is None or mb.match is None:
        return None
    return ma.match == mb.match


# A printed authority off the closed list is the list entry it resembles only when one character
# was dropped, added or misread in the organ's name (重庆市渝中区生健康委员会); more than that may be
# another issuer, and a person decides.
AUTHORITY_REPAIR_EDITS = 1


# A province's health department before the 2013 reform (四川省卫生厅): never Chongqing's, whose
# health authority was the 重庆市卫生局.
PROVINCIAL_ORGAN = "卫生厅"
PROVINCES_ENDING = ("省", "自治区")


def authority_forms(text: str) -> tuple[str, str] | None:
    """A printed authority split as the closed list builds it: (place, organ form), the organ form
    one of the health authority's names of some era (卫生局, 卫生和计划生育委员会, 卫生健康委员会 and their
    short forms), the place the text before it; None when it ends with none of them."""
    _, forms = _organs()
    c = clean(text)
    for form in sorted(forms, key=len, reverse=True):
        if c.endswith(form) and len(c) > len(form):
            return c[: -len(form)], form
    place = c.removesuffix(PROVINCIAL_ORGAN)
    if place != c and place.endswith(PROVINCES_ENDING):
        return place, PROVINCIAL_ORGAN
    return None


# The national health ministry of each era, which signs the 医师资格证书 (and seals the old booklet's
# preamble), printed with or without 中华人民共和国 before it: 卫生部 until the 2013 reform, then the
# 国家卫生和计划生育委员会, since 2018 the 国家卫生健康委员会.
NATIONAL_ISSUERS = frozenset({"卫生部", "国家卫生和计划生育委员会", "国家卫生健康委员会"})


def national_issuer(text: str) -> bool:
    """Whether a printed authority is the national ministry of some era (NATIONAL_ISSUERS), which
    begins with no place's name."""
    return clean(text).removeprefix("中华人民共和国") in NATIONAL_ISSUERS


def _on_chongqing_list(text: str) -> bool:
    """Whether a Chongqing authority is an entry of its closed list as printed: 重庆市, a district or
    county under one of its names of some era (or none, for the city's own), and an organ form."""
    split = authority_forms(text)
    if split is None:
        return False
    place, _ = split
    if place == "重庆市":
        return True
    rest = place.removeprefix("重庆市")
    return rest in _district_of() and _district_info(rest).administrative


def _district_info(form: str) -> District:
    name = _district_of()[form]
    return next(d for d in districts() if d.name == name)


def checked_authority(field: FieldResult) -> FieldResult:
    """The 发证机关 held to its closed list (SPEC.md: kept as printed, but a value no issuer ever
    printed is no value to trust).

    A Chongqing authority not on the list is rewritten to the one entry it can only be, flagged
    `normalized` and `repaired` so it is reviewed (重庆市渝北区卫生健委员会 → …卫生健康委员会, the organ
    of the era printed, the district as printed); one that is no single entry is marked
    `not_in_vocabulary`. An authority elsewhere in China is kept as printed, and marked only when it
    has not even the shape of one (a real place of China, then an organ name of some era: 重成卫生局
    is 重庆 misread, no issuer elsewhere). The national ministry
    of each era (`national_issuer`, a 资格证书's signer) is on the list."""
    if field.value is None or national_issuer(field.value):
        return field
    text = field.value
    found = normalize_authority(text)
    if not _chongqing(text, found):
        # Elsewhere: as printed, when it has the shape of an issuer and its place is one of China.
        issuer = authority_forms(text) is not None and elsewhere_place(text) is not None
        return field if issuer else field.with_flags(Flag.NOT_IN_VOCABULARY)
    if _on_chongqing_list(text):
        return field
    repaired = _repaired_authority(text, found)
    if repaired is None:
        return field.with_flags(Flag.NOT_IN_VOCABULARY)
    return replace(field, value=repaired).with_flags(Flag.NORMALIZED, Flag.REPAIRED)


def _chongqing(text: str, found: AuthorityMatch) -> bool:
    c = _city_read(clean(text))
    return c.startswith("重庆") or found.district is not None or _district_with_no_place_before(c)


def _district_with_no_place_before(text: str) -> bool:
    """Whether an authority's place ends in a Chongqing district's name with no place elsewhere in
    China before it (庆市万州区卫生局, 市万州区卫生局: the city's name damaged), rather than another
    province's district of the same name (宁波市江北区, 济南市市中区)."""
    split = authority_forms(text)
    if split is None:
        return False
    place = split[0]
    district = max((f for f in _district_of() if len(f) >= 2 and place.endswith(f)), key=len, default=None)
    if district is None:
        return False
    return not _ends_with_place(place[: -len(district)], _places_elsewhere())


@cache
def _places_elsewhere() -> frozenset[str]:
    """Place names of China outside Chongqing: provinces, prefectures and counties of any year."""
    return county_names_elsewhere() | frozenset(place_names_outside())


# No place name of China is longer (双江拉祜族佤族布朗族傣族自治县 and 积石山保安族东乡族撒拉族自治县
# have 15 characters).
LONGEST_PLACE = 15


def elsewhere_place(text: str) -> str | None:
    """The place an authority outside Chongqing names, as read: the text before its organ (before
    卫生, or the character before 生, when the organ is damaged), ending in the name of a real place
    of China (兴宁区; not 恭江县, a Chongqing county misread). None for a Chongqing authority, one
    with no organ begun, or one whose place is no real place."""
    if national_issuer(text) or _chongqing(text, normalize_authority(text)):
        return None
    split = authority_forms(text)
    c = clean(text)
    start = c.rfind("卫生")
    if start < 0 and (second := c.rfind("生")) >= 2:
        start = second - 1  # 卫 misread (沙依巴克区2生局)
    place = split[0] if split is not None else c[:start] if start > 0 else ""
    known = _places_of_china()
    return place if _ends_with_place(place, known) else None


def _ends_with_place(text: str, places: frozenset[str]) -> bool:
    """Whether `text` ends with one of `places` (names of two characters or more)."""
    return any(text[-n:] in places for n in range(2, min(len(text), LONGEST_PLACE) + 1))


@cache
def _places_of_china() -> frozenset[str]:
    """Every place name of China an authority's place may end with: provinces, prefectures and
    counties of any year, Chongqing's districts under any of their names."""
    return _places_elsewhere() | frozenset(place_names())


def _repaired_authority(text: str, found: AuthorityMatch) -> str | None:
    """The list entry a damaged Chongqing authority can only be, or None: the district read surely
    (as printed, or today's name when OCR damaged it) and the organ a single edit away from one
    organ's name, printed in that organ's full name."""
    if found.match is None or found.organ is None:
        return None
    c = _city_read(clean(text)).replace("重庆市", "重庆", 1).removeprefix("重庆")
    _, forms = _organs()
    organ_forms = [f for f, o in forms.items() if o == found.organ]
    printed_district = _district_re().match(c)
    if printed_district is not None and found.district == _district_of()[printed_district.group()]:
        district, organ_text = printed_district.group(), c[printed_district.end() :]
        if district != found.district and organ_text[1:] in organ_forms:
            # A short form, one stray character, then the organ: the district's own 区 or 县
            # misread (巴南有卫生健康委员会), not a character to drop.
            district, organ_text = found.district, organ_text[1:]
    elif found.district is None:
        district, organ_text = "", c
    else:
        district, organ_text = found.district, _organ_tail(c)
    if min(Levenshtein.distance(fold(organ_text), fold(f)) for f in organ_forms) > AUTHORITY_REPAIR_EDITS:
        return None
    return f"重庆市{district}{found.organ}"


def _organ_tail(text: str) -> str:
    """What follows the district (its last 区 or 县) in a Chongqing authority."""
    cut = max(text.find("区"), text.find("县"))
    return text[cut + 1 :] if cut >= 0 else text
