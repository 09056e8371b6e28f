"""Institution keys: the generic rules by which Chinese institution names are shortened, compiled from
the naming vocabulary, and `institution_key`, which applies them (with district repairs for OCR).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from ..lookalike import looks_alike
from .data import data_rows, split_list
from .places import (
    _district_of,
    county_names_elsewhere,
    districts,
)
from .text import (
    _CJK,
    _ZH_DIGITS,
    fold,
)


@dataclass(frozen=True)
class NameWord:
    """A word institution names are built from: prefix, org, affix, kind or generic."""

    word: str
    role: str
    kind_class: str
    short: tuple[str, ...]


@cache
def name_words() -> tuple[NameWord, ...]:
    """The naming vocabulary (institution_words.csv)."""
    return tuple(
        NameWord(r["word"], r["role"], r["class"], tuple(split_list(r["short_forms"])))
        for r in data_rows("institution_words.csv")
    )


def _words(role: str) -> dict[str, NameWord]:
    return {w.word: w for w in name_words() if w.role == role}


@dataclass(frozen=True)
class _Rules:
    """The naming rules as compiled patterns, over plain text or over OCR-folded text.

    Folding is a character-for-character map, so running the same rules with folded vocabularies
    on folded text gives the folded key of the undamaged name, and damaged structural words
    (附属第一医阮) are still recognized.
    """

    f: Any
    # 区, 院 and 医 in this tier's spelling (folded, 区 reads as 医).
    qu: str
    yuan: str
    yi: str
    city: str
    city_long: str
    # OCR tier only: a city prefix that lost a character (重市, 庆市) is still the city prefix.
    city_damaged: re.Pattern[str] | None
    pla: re.Pattern[str]
    pla_short: str
    armed_police: str
    armed_police_short: str
    # Renamed parent organizations (第三军医大学 → 陆军军医大学), from organization_renamings.csv.
    renamed: re.Pattern[str]
    renamed_to: dict[str, str]
    campus: re.Pattern[str]
    branch: re.Pattern[str]
    reorder: re.Pattern[str]
    reorder_back: re.Pattern[str]
    number: re.Pattern[str]
    broken_number: re.Pattern[str]
    district: re.Pattern[str]
    district_of: dict[str, str]
    district_forms: tuple[str, ...]
    # Short forms (璧山) become the district (璧山区), except before a bare 医院: 永川医院 is the
    # hospital named after the place, not 永川区医院.
    short_district: re.Pattern[str]
    # OCR tier only: a district that lost one character, recognized right after the city prefix
    # (重庆市足区 → 大足区) or opening the name when no place elsewhere is so named (`places_elsewhere`);
    # unique ones only. Long ones (酉阳土族苗族自治县) are in `district`.
    district_damaged: dict[str, str]
    # County-level names elsewhere in China (see `county_names_elsewhere`), in this tier's spelling.
    places_elsewhere: frozenset[str]
    # Those names with each character in turn as "?" (see `district_misread`).
    misread_elsewhere: frozenset[str]
    # OCR tier only: a district with one character misread, as patterns with "?" for that character
    # (重庆市大?区 → 大足区); unique ones only. Recognized right after the city prefix, or anywhere
    # for names of five characters or more (`district_misread_long`).
    district_misread: dict[str, frozenset[str]]
    district_misread_lengths: tuple[int, ...]
    district_misread_long: re.Pattern[str] | None
    # OCR tier only: every way of writing a district (short forms too) with one character as "?",
    # and the districts with the character that stood there: a character read for a look-alike
    # (默江 → 黔江, 撞南县 → 潼南县) is repaired opening the name or after the city prefix when one
    # district fits.
    district_alike: dict[str, frozenset[tuple[str, str]]]
    district_alike_lengths: tuple[int, ...]
    # Characters of district names (today's and former): an extra one may be what is left of a
    # district (重庆市开人民医院), never mere noise.
    district_chars: frozenset[str]
    # Parent organizations, full names (医科大学, 大学): 重庆大学 is not 重庆医科大学.
    org: re.Pattern[str]
    kind: re.Pattern[str]
    # Kind word → the kinds it may be (two when a damaged word fits both: 民医院 is 人民医院 or 民族医院).
    kind_class: dict[str, frozenset[str]]
    damaged_kinds: frozenset[str]
    generic: re.Pattern[str]
    org_start: re.Pattern[str]


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _district_alternation(forms: Iterable[str], folded: bool) -> str:
    """District forms, longest first. Folded, 区 reads as 医 (an OCR look-alike), so a form ending
    in it must not swallow the 医 of 医院 (永川医院 is 永川 + 医院)."""
    if not folded:
        return _alternation(forms)
    qu, yuan = fold("区"), fold("院")
    return "|".join(
        re.escape(f) + (f"(?!{yuan})" if f.endswith(qu) else "")
        for f in sorted(set(forms), key=len, reverse=True)
    )


@cache
def _rules(folded: bool) -> _Rules:
    def f(text: str) -> str:
        return fold(text) if folded else text

    kinds = {f(w.word): frozenset({w.kind_class}) for w in _words("kind").values()}
    if folded:
        # A long kind that lost one character (人医院, 人民医, 妇幼保健) is still that kind, unless the
        # remainder is another kind (中心医院 without 心 is 中医院); one that fits two kinds
        # (民医院: 人民医院 or 民族医院) may be either.
        damaged: dict[str, set[str]] = {}
        for w in _words("kind").values():
            if len(w.word) >= 4:
                for i in range(len(w.word)):
                    damaged.setdefault(f(w.word[:i] + w.word[i + 1 :]), set()).add(w.kind_class)
        exact = dict(kinds)
        suffix = re.compile(f"({_alternation(exact)})$")
        for form, classes in damaged.items():
            # 康医院 may be 康复医院 that lost 复, or a hospital named …康.
            m = suffix.search(form)
            kinds.setdefault(form, frozenset(classes) | (exact[m.group()] if m else frozenset()))
    exact_kinds = {f(w) for w in _words("kind")}
    generic = [f(w) for w in (*_words("generic"), *_words("affix"), *_words("prefix"), "肿瘤", "外科")]
    orgs = [f(form) for w in _words("org").values() for form in (w.word, *w.short) if len(form) >= 2]
    district_of = {f(form): f(name) for form, name in _district_of().items()}
    district_damaged: dict[str, str] = {}
    if folded:
        lost: dict[str, set[str]] = {}
        for d in districts():
            for form in (d.name, *d.former, *(x for x in d.short if len(x) >= 5)):
                # Losing the final 区/县 of a short name gives its short form, already known.
                for i in range(len(form) if len(form) >= 5 else len(form) - 1):
                    lost.setdefault(f(form[:i] + form[i + 1 :]), set()).add(f(d.name))
        district_damaged = {
            form: names.pop() for form, names in lost.items() if len(names) == 1 and form not in district_of
        }
    misread: dict[str, set[str]] = {}
    if folded:
        for d in districts():
            for form in (d.name, *d.former, *(x for x in d.short if len(x) >= 5)):
                for i in range(len(form) if len(form) >= 3 else 0):
                    misread.setdefault(f(form[:i]) + "?" + f(form[i + 1 :]), set()).add(f(d.name))
    long_misread = [p for p, names in misread.items() if len(p) >= 5 and len(names) == 1]
    alike: dict[str, set[tuple[str, str]]] = {}
    if folded:
        for d in districts():
            for form in (d.name, *d.former, *(x for x in d.short if len(x) >= 2)):
                for i in range(len(form)):
                    alike.setdefault(f(form[:i]) + "?" + f(form[i + 1 :]), set()).add((f(d.name), f(form[i])))
    full = {f(d.name) for d in districts()} | {f(x) for d in districts() for x in d.former}
    # A name of three or more characters that lost one is no other place's: recognized anywhere.
    district_of |= {form: name for form, name in district_damaged.items() if len(form) >= 3}
    hospital = f("医院")
    renamed_to = {f(r["former"]): f(r["current"]) for r in data_rows("organization_renamings.csv")}
    # A bare number counts only before what numbers a hospital (附一院, 市三院, 九五八医院).
    number_follows = _alternation(f(w) for w in ("附", "医院", "院", "人民", "中心", "分院"))
    return _Rules(
        f=f,
        qu=f("区"),
        yuan=f("院"),
        yi=f("医"),
        city=f("重庆"),
        city_long=f("重庆市"),
        # 重市, 庆市, 重X市, X庆市, X庆 (not 余庆县; folded, 区 reads as the 医 of 医科大学): the prefix
        # with one character lost or misread.
        # A real place (安庆, 大庆) is caught before, as outside Chongqing.
        city_damaged=re.compile(
            f"^(?:{f('重市')}|{f('庆市')}|{f('重')}.{f('市')}|.{f('庆市')}|.{f('庆')}(?![{f('县市')}]|{f('区')}(?!{f('科')}))"
            # 重X before a district's full name (重广高新区): the city with 庆 misread.
            f"|{f('重')}.(?={_alternation(f(n) for d in districts() for n in (d.name, *d.former))}))"
        )
        if folded
        else None,
        # OCR tier: after 中国人民, 解放军 with one character lost or misread is still the army.
        pla=re.compile(
            f"{f('中')}?{f('国')}?{f('人')}?{f('民')}?{f('解放军')}"
            + (
                f"|{f('中国人民')}(?:.{f('放军')}|{f('解')}.{f('军')}|{f('放军')}|{f('解军')})"
                if folded
                else ""
            )
        ),
        pla_short=f("解放军"),
        armed_police=f("中国人民武装警察部队"),
        armed_police_short=f("武警"),
        renamed=re.compile(_alternation(renamed_to)),
        renamed_to=renamed_to,
        campus=re.compile(rf"(?<=[{f('院心')}])[{_CJK}]{{1,6}}{f('院区')}$"),
        branch=re.compile(rf"^(.*?(?:{f('院')}|{f('中心')}))([{_CJK}]{{1,6}}(?:{f('分院')}|{f('分部')}))$"),
        # A name cut short after 医 (附属第一医) is still reordered, so it stays one edit away.
        reorder=re.compile(rf"{f('附属')}{f('第')}?([{_ZH_DIGITS}]+)({hospital}|{f('医')}|{f('院')})"),
        reorder_back=re.compile(rf"{f('第')}([{_ZH_DIGITS}]+){f('附属')}({hospital}|{f('医')}|{f('院')})"),
        number=re.compile(rf"{f('第')}([{_ZH_DIGITS}]+)|([{_ZH_DIGITS}]+)(?={number_follows})"),
        broken_number=re.compile(rf"{f('第')}(?![{_ZH_DIGITS}])"),
        district=re.compile(_district_alternation(district_of, folded)),
        short_district=re.compile(
            "|".join(
                re.escape(f) + (f"(?!{hospital})" if len(f) < len(district_of[f]) and f not in full else "")
                for f in sorted(district_of, key=len, reverse=True)
            )
        ),
        district_of=district_of,
        district_forms=tuple(district_of),
        district_damaged=district_damaged,
        places_elsewhere=frozenset(f(n) for n in county_names_elsewhere()),
        misread_elsewhere=frozenset(
            f(n[:i]) + "?" + f(n[i + 1 :]) for n in county_names_elsewhere() for i in range(len(n))
        )
        if folded
        else frozenset(),
        district_misread={p: frozenset(names) for p, names in misread.items()},
        district_misread_lengths=tuple(sorted({len(p) for p in misread}, reverse=True)),
        district_alike={p: frozenset(v) for p, v in alike.items()},
        district_alike_lengths=tuple(sorted({len(p) for p in alike}, reverse=True)),
        district_misread_long=re.compile(
            "|".join(re.escape(p).replace(re.escape("?"), ".") for p in long_misread)
        )
        if long_misread
        else None,
        kind=re.compile(f"({_alternation(kinds)})$"),
        kind_class=kinds,
        damaged_kinds=frozenset(k for k in kinds if k not in exact_kinds),
        generic=re.compile(_alternation(generic)),
        org_start=re.compile(f"^(?:{_alternation(orgs)})"),
        district_chars=frozenset(f(c) for d in districts() for n in (d.name, *d.former) for c in n),
        org=re.compile(_alternation(f(w) for w in _words("org"))),
    )


def split_branch(key: str, folded: bool = False) -> tuple[str, str]:
    """An institution key and its branch (重医附二院江南分院 → 重医附二院, 江南分院)."""
    m = _rules(folded).branch.match(key)
    return (m.group(1), m.group(2)) if m else (key, "")


def _has_proper_head(rest: str, r: _Rules, folded: bool) -> bool:
    """Whether a name without its 重庆 prefix still names one institution (三峡中心医院: yes;
    中医院, 第五人民医院, 医科大学附属第一医院: no, those are generic or need the city)."""
    base, _ = split_branch(rest, folded)
    core = r.kind.sub("", base)
    core = r.number.sub("", core)
    core = r.generic.sub("", core)
    return bool(core) and not r.org_start.match(core)


@lru_cache(maxsize=100_000)
def institution_key(cleaned: str, folded: bool = False, drop_city: bool = True, repair: bool = True) -> str:
    """The canonical key of a cleaned name: the generic naming rules applied.

    重庆市 ≡ 重庆 and is dropped before a district or a proper name of its own; former county names
    become today's district (璧山县 → 璧山区, 开县 → 开州区); 附属第N医院 becomes 第N附属医院; a
    trailing campus (…院区) is dropped; 中国人民解放军 is written 解放军. With `folded`, the text
    is OCR-folded (see `fold`) and the rules run with folded vocabularies; `drop_city` False keeps
    the city prefix (fuzzy matching compares both forms, so a damaged kind cannot decide it);
    `repair` False leaves districts that lost or misread a character as they are.
    """
    r = _rules(folded)
    k = r.city_damaged.sub(r.city, cleaned) if r.city_damaged else cleaned
    k = k.replace(r.city_long, r.city)
    # 中国人民武装警察部队 is written 武警, and its units name the place before or after it
    # (武警重庆总队医院 = 重庆市武警总队医院).
    k = k.replace(r.armed_police, r.armed_police_short)
    k = k.replace(r.armed_police_short + r.city, r.city + r.armed_police_short)
    k = r.renamed.sub(lambda m: r.renamed_to[m.group()], k)
    k = r.campus.sub("", k)
    k = r.reorder.sub(lambda m: f"{r.f('第')}{m.group(1)}{r.f('附属')}{m.group(2)}", k)
    k = r.pla.sub(r.pla_short, k)
    if repair and r.district_misread_long:
        k = r.district_misread_long.sub(lambda m: _repair_district(m.group(), 0, r), k)
    k = r.short_district.sub(lambda m: r.district_of[m.group()], k)
    if repair and r.city_damaged and _cut_after_yi(k, r):
        k += r.yuan  # a name cut short after 医 (重庆北安医): the line's last character lost
    # A district that lost a character, right after the city prefix or opening the name (足区中医院:
    # 大足区); opening it, only when what is left names no place elsewhere in China (丰县 is one).
    at = len(r.city) if k.startswith(r.city) else 0
    if repair and r.district_damaged and not r.district.match(k, at):
        for n in (5, 4, 3, 2):
            lost = k[at : at + n]
            if lost.endswith(r.qu) and k[at + n : at + n + 1] == r.yuan:
                continue  # 区 read as 医 of 医院 (see `_district_alternation`)
            if lost in r.district_damaged and (at or lost not in r.places_elsewhere):
                k = k[:at] + r.district_damaged[lost] + k[at + n :]
                break
    if repair and r.district_misread and not r.district.match(k, at):
        k = _repair_district(k, at, r, national=not at)
    if repair and r.district_alike and not r.district.search(k):
        k = _repair_alike_district(k, r)
    for prefix in (r.city, r.pla_short):
        if drop_city and k.startswith(prefix):
            rest = k[len(prefix) :]
            if r.district.match(rest) or _has_proper_head(rest, r, folded):
                k = rest
    return k


def _cut_after_yi(key: str, r: _Rules) -> bool:
    """Whether a folded key ends in 医 where 医院 was cut short: not 医院 itself, not a district
    (区 folds to 医), and a proper name or place before it."""
    if not key.endswith(r.yi) or len(key) < 4 or key.endswith(r.yi + r.yuan):
        return False
    return not key.endswith(r.district_forms)


def _repair_district(key: str, at: int, r: _Rules, national: bool = False) -> str:
    """`key` with the district that starts at `at` and has one character misread written right,
    when exactly one district reads so (see `_Rules.district_misread`). With `national` (no city
    prefix says the name is Chongqing's), also no county-level name elsewhere in China may read so:
    韦都县 may be 丰都县, or 于都县 in Jiangxi."""
    found: dict[str, int] = {}
    for n in r.district_misread_lengths:
        text = key[at : at + n]
        if len(text) < n or (text.endswith(r.qu) and key[at + n : at + n + 1] == r.yuan):
            continue  # 区 read as 医 of 医院 (see `_district_alternation`)
        if sum(c in r.district_chars for c in text) < n - 1:
            continue  # more than one character that no district has
        patterns = [text[:i] + "?" + text[i + 1 :] for i in range(n)]
        # Every district the text may be (长川区: 长寿区 or 合川区 …) counts, not only unique ones.
        names = {name for p in patterns for name in r.district_misread.get(p, ())}
        if names and national and any(p in r.misread_elsewhere for p in patterns):
            names.add("")  # a place elsewhere may be meant: never sure
        for name in names:
            found.setdefault(name, n)
    if len(found) != 1 or "" in found:
        return key
    name, n = found.popitem()
    return key[:at] + name + key[at + n :]


def _repair_alike_district(key: str, r: _Rules) -> str:
    """`key` with a district opening it (after the city prefix, if any) written with one character
    read for a look-alike (默江 → 黔江) set right, when exactly one district reads so
    (`_Rules.district_alike`); else `key` unchanged."""
    found: dict[str, tuple[int, int]] = {}
    # Where districts stand: opening the name or right after the city prefix.
    starts = (0, len(r.city)) if key.startswith(r.city) else (0,)
    for n in r.district_alike_lengths:
        for at in starts:
            text = key[at : at + n]
            if len(text) < n or (text.endswith(r.qu) and key[at + n : at + n + 1] == r.yuan):
                continue  # 区 read as 医 of 医院 (see `_district_alternation`)
            if sum(c in r.district_chars for c in text) < n - 1:
                continue  # more than one character that no district has
            for i in range(n):
                if at + i == 0 and text[i] == r.city[0]:
                    continue  # 重 opening a name is the city's (重庆, 重医, 重钢), not a misread
                for name, char in r.district_alike.get(text[:i] + "?" + text[i + 1 :], ()):
                    if looks_alike(text[i], char):
                        found.setdefault(name, (at, n))
    if len(found) != 1:
        return key
    name, (at, n) = found.popitem()
    return key[:at] + name + key[at + n :]
