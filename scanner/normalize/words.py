"""The printed forms of a closed field's values: what a doubtful value can be.

Most fields of a certificate come from short closed lists: 男/女, two levels, four categories, the
official scopes, Chongqing's districts and the issuers' names. Extraction knows an unlabelled value
by them, and the second looks (`scanner.reread`) read a doubtful value again against them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache

from rapidfuzz import fuzz, process

from ..fields import Category, FieldKey, Level, Sex
from ..vocab import all_scopes, scopes_by_category
from .authorities import PROVINCES_ENDING, PROVINCIAL_ORGAN, organ_names
from .places import districts

# A field whose printed forms outnumber this is checked against the ones closest to what was read.
MAX_WORDS = 24
# Scopes: pairs (内科专业、外科专业) are formed from this many singles closest to the reading.
PAIRED_SCOPES = 5


@cache
def _place_forms() -> tuple[str, ...]:
    """Chongqing's districts and counties as printed after 重庆市: today's names and former ones."""
    forms = [f for d in districts() if d.administrative for f in (d.name, *d.former)]
    return tuple(dict.fromkeys(forms))


@cache
def place_words() -> dict[str, str]:
    """执业地点 as printed: 重庆市, or 重庆市 and a district or county."""
    return {f"重庆市{f}": f"重庆市{f}" for f in ("", *_place_forms())}


@cache
def authority_words() -> dict[str, str]:
    """发证机关 as printed: the city's or a district's health authority under any of its names."""
    return {f"重庆市{f}{o}": f"重庆市{f}{o}" for f in ("", *_place_forms()) for o in organ_names()}


@cache
def uncity_authority_words() -> dict[str, str]:
    """`authority_words` of the districts and counties also as many are printed, without the city
    before them (綦江县卫生局): what a doubtful authority is read again against. Finders do not
    know an unlabelled value by them: three characters of a district's name alone would make a
    place (重庆东渝北区) resemble an authority as much as a 执业地点."""
    return authority_words() | {f"{f}{o}": f"{f}{o}" for f in _place_forms() for o in organ_names()}


def elsewhere_authority_words(place: str) -> dict[str, str]:
    """发证机关 of a place outside Chongqing (`authorities.elsewhere_place`), its place as read: the
    place and each name the health authority's organ has had (卫生局, 卫生和计划生育委员会 …; a
    province's 卫生厅), printed whole on a certificate as Chongqing's are: a doubtful one is never
    read again as a short form (卫生和计生委 for 卫生和计划生育委 whose 员会 wrapped)."""
    provincial = (PROVINCIAL_ORGAN,) if place.endswith(PROVINCES_ENDING) else ()
    return {f"{place}{o}": f"{place}{o}" for o in (*organ_names(), *provincial)}


@cache
def level_words() -> dict[str, str]:
    return {str(v): str(v) for v in Level}


@cache
def category_words() -> dict[str, str]:
    return {form: str(v) for v in Category for form in (str(v), f"{v}类别")}


@cache
def sex_words() -> dict[str, str]:
    return {str(v): str(v) for v in Sex}


_CLOSED_TABLES: dict[FieldKey, Callable[[], Mapping[str, str]]] = {
    FieldKey.SEX: sex_words,
    FieldKey.LEVEL: level_words,
    FieldKey.CATEGORY: category_words,
    FieldKey.SCOPE: lambda: {s: s for s in all_scopes()},
    FieldKey.PRACTICE_PLACE: place_words,
    FieldKey.AUTHORITY: authority_words,
}
# Fields whose every value is one of a closed list of printed forms (institutions are not: a
# gazetteer never knows them all).
CLOSED_FIELDS: tuple[FieldKey, ...] = tuple(_CLOSED_TABLES)


def closed_words(key: FieldKey) -> Mapping[str, str]:
    """The printed forms of a closed field's values, each with the value it stands for (every
    official scope for 执业范围; nothing for a field without a list)."""
    table = _CLOSED_TABLES.get(key)
    return table() if table is not None else {}


def scope_words(read: str, category: str | None) -> dict[str, str]:
    """The official scopes of the category (of every category when it is unknown), and pairs of
    those closest to what was read."""
    table = scopes_by_category()
    singles = list(table[Category(category)]) if category in frozenset(Category) else sorted(all_scopes())
    near = [s for s, _, _ in process.extract(read, singles, scorer=fuzz.ratio, limit=PAIRED_SCOPES)]
    pairs = [f"{a}、{b}" for a in near for b in near if a != b]
    return {w: w for w in (*singles, *pairs)}


def nearest(words: Mapping[str, str], read: str, limit: int = MAX_WORDS) -> dict[str, str]:
    """The `limit` printed forms closest to what was read (all of them when there are few)."""
    if len(words) <= limit:
        return dict(words)
    near = process.extract(read, list(words), scorer=fuzz.ratio, limit=limit)
    return {w: words[w] for w, _, _ in near}
