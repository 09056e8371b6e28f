"""Normalization stage: institution names, issuing authorities and closed vocabularies onto one form.

People, HR rosters and OCR write one institution many ways (重医附一院, 重庆医科大学第一附属医院,
重庆医科大学附属第一医阮); lookup and comparison only work once these meet on the official name. A
wrong normalization is worse than none: mapping 重医附一院 to the 附二院 would turn a genuine
certificate into a "mismatch". So every normalizer here either returns a value it is sure of, or
returns None with the candidates it considered, so a person decides.

The institution matcher tries, in order: the exact official name; a known alias or former name; the
generic rules by which Chinese institution names are shortened (head characters of each segment,
重庆市 dropped before a district, 附属第N医院 = 第N附属医院, campuses and bracketed co-names dropped,
old county names → today's district); the same keys with characters OCR confuses folded together;
then fuzzy matching that refuses a different number (第一/第二), district or kind (人民医院/中医院).
A character misread for one of like shape (设/没, 黔/默: judged from how characters are built, see
`lookalike`) is no such difference, except in a number.

All reference data (gazetteer, districts, naming words, OCR confusions, authority names, places
outside Chongqing) lives in `scanner/data/` with its sources in `scanner/data/README.md`. Users add
institutions with CSV files of the gazetteer's columns, passed in or dropped into
`$CERTSCAN_CONFIG_DIR/institutions/` (default `~/.config/certscan/institutions/`).
"""

from __future__ import annotations

import csv
import itertools
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum, StrEnum
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from ..errors import ConfigError
from ..fields import Category, FieldResult, Flag, Level
from ..lookalike import looks_alike
from ..vocab import scopes_by_category

Lang = Literal["zh", "en"]

# Scores by how a match was found. A fuzzy score is the similarity scaled by FUZZY_SCALE, so a fuzzy
# match never outranks one found by rule.
SCORE_EXACT = 1.0
SCORE_ALIAS = 0.99
SCORE_RULE = 0.97
SCORE_OCR = 0.95
SCORE_BRANCH = 0.92
FUZZY_SCALE = 0.95
# A match scoring below this is not sure: `match` is None, the candidates are listed for review.
SURE_THRESHOLD = 0.85
# The best fuzzy candidate must beat the next institution by this much similarity to be sure.
FUZZY_MARGIN = 0.05
# A name one edit away from a known one (see `one_edit`) is that institution when its key has at
# least this many characters (one is then a small part of it) and every other institution is at
# least one more edit away; it scores SCORE_ONE_EDIT.
ONE_EDIT_MIN_LENGTH = 6
SCORE_ONE_EDIT = 0.9
# A name shorter than ONE_EDIT_MIN_LENGTH but of at least this many characters is still that
# institution when one character of its kind or generic words is misread for a look-alike.
SHORT_ALIKE_LENGTH = 4
# A name of at least this many characters may lose or misread one character of a short proper name
# (see `one_edit`) when every other institution is at least a misread character further away.
LONG_NAME = 6
# Candidates listed for review: at most this many, with at least this similarity.
MAX_CANDIDATES = 5
CANDIDATE_CUTOFF = 0.6
# Abbreviation keys enumerated per name variant are capped; a name with more segment choices than
# this keeps only its full key.
MAX_ABBREVIATIONS = 4096

_CJK = "\u4e00-\u9fff"
_ZH_DIGITS = "〇零一二三四五六七八九十"
_DIGIT_VALUE = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_ZH_OF = "〇一二三四五六七八九"


# ---------------------------------------------------------------- reference data


def _data_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("scanner.data").joinpath(name).read_text("utf-8")
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(text.splitlines())]


def _split(value: str) -> list[str]:
    return [p.strip() for p in value.split(";") if p.strip()]


@dataclass(frozen=True)
class District:
    """A district or county of Chongqing (or a functional area institutions are named after)."""

    name: str
    short: tuple[str, ...]
    former: tuple[str, ...]
    parent: tuple[str, ...]

    @property
    def administrative(self) -> bool:
        """A real district or county (it has a 卫生健康委员会), not a functional area."""
        return not self.parent


@cache
def districts() -> tuple[District, ...]:
    """Chongqing's districts and counties with their short and former names (chongqing_districts.csv)."""
    return tuple(
        District(r["name"], tuple(_split(r["short"])), tuple(_split(r["former"])), tuple(_split(r["parent"])))
        for r in _data_rows("chongqing_districts.csv")
    )


@cache
def _district_of() -> dict[str, str]:
    """Every way of writing a district (today's, short, former) → today's name."""
    out: dict[str, str] = {}
    for d in districts():
        for form in (d.name, *d.short, *d.former):
            out.setdefault(form, d.name)
    return out


@cache
def _district_re() -> re.Pattern[str]:
    forms = sorted(_district_of(), key=len, reverse=True)
    return re.compile("|".join(re.escape(f) for f in forms))


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
        NameWord(r["word"], r["role"], r["class"], tuple(_split(r["short_forms"])))
        for r in _data_rows("institution_words.csv")
    )


def _words(role: str) -> dict[str, NameWord]:
    return {w.word: w for w in name_words() if w.role == role}


@cache
def _confusion_table() -> dict[int, str]:
    """Characters OCR confuses, each mapped to the first of its group (ocr_confusions.csv)."""
    table: dict[int, str] = {}
    for row in _data_rows("ocr_confusions.csv"):
        chars = row["chars"]
        for c in chars[1:]:
            table[ord(c)] = chars[0]
    return table


def fold(text: str) -> str:
    """Text with every character OCR confuses replaced by one representative (阮 → 院, 壁 → 璧)."""
    return text.translate(_confusion_table())


@cache
def _places_outside() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Names of provinces and prefectures outside Chongqing: (full names, short names)."""
    rows = _data_rows("china_places.csv")
    full = tuple(sorted({r["name"] for r in rows}, key=len, reverse=True))
    short = tuple(sorted({r["short"] for r in rows if r["short"]}, key=len, reverse=True))
    return full, short


@cache
def chongqing_districts() -> frozenset[str]:
    """Full names of Chongqing's districts and counties, present and former (渝北区, 江北县)."""
    return frozenset(name for d in districts() for name in (d.name, *d.former))


@cache
def place_names() -> tuple[str, ...]:
    """Full names of China's provinces and prefectures and of Chongqing's districts and counties,
    longest first: what a 执业地点 or a 发证机关 begins with."""
    # The districts file lists the parts of 重庆市, not the municipality's own name.
    names = {"重庆市", *chongqing_districts(), *_places_outside()[0]}
    return tuple(sorted(names, key=len, reverse=True))


@cache
def _county_names_elsewhere() -> frozenset[str]:
    """County-level names of China outside Chongqing, past and present, with and without their
    final 市/县/区 (GB/T 2260 as shipped in python-stdnum's cn/loc.dat). Chongqing's own places are
    left out, also where they were listed under Sichuan before 1997."""
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text("utf-8")
    ours = {form for d in districts() for n in (d.name, *d.short, *d.former) for form in (n, n[:-1])}
    names: set[str] = set()
    province = ""
    for line in text.splitlines():
        if not line.startswith(" "):
            province = line.split(" ", 1)[0]
            continue
        m = re.search(r'county="(?:\[[^\]]*\])?([^"]+)"', line)
        if m and province != "50":
            name = m.group(1)
            names.update({name, name[:-1]} if len(name) > 2 and name[-1] in "市县区" else {name})
    return frozenset(names - ours)


# ---------------------------------------------------------------- text rules


@cache
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


_OPEN, _CLOSE = "（(【[［〔<《", "）)】]］〕>》"
_BRACKETED = re.compile(rf"[{re.escape(_OPEN)}][^{re.escape(_CLOSE)}]*[{re.escape(_CLOSE)}]")
_UNCLOSED = re.compile(rf"[{re.escape(_OPEN)}][^{re.escape(_CLOSE)}]*$")
_DASH_ONE = re.compile(rf"(?<=第)[-—－–‐](?![{_ZH_DIGITS}])|(?<=附)[-—－–‐](?=院)")
_NOT_NAME = re.compile(rf"[^{_CJK}0-9A-Za-z]")
_ORDINAL_DIGITS = re.compile(r"第(\d+)")
_DIGITS = re.compile(r"\d+")


def _zh_ordinal(n: int) -> str:
    """13 → 十三, 20 → 二十, 5 → 五: how 第N is written."""
    if 10 <= n < 100:
        tens, units = divmod(n, 10)
        return ("" if tens == 1 else _ZH_OF[tens]) + "十" + (_ZH_OF[units] if units else "")
    return "".join(_ZH_OF[int(c)] for c in str(n))


def clean(text: str) -> str:
    """The characters of a name that carry meaning: simplified script, no spaces or punctuation.

    Full-width forms become half-width, traditional characters simplified, bracketed co-names and
    campuses dropped (重庆市妇幼保健院(七星岗院区)), a dash after 第 read as 一, and Arabic numbers
    written as Chinese (第13 → 第十三, 324 → 三二四) so both spellings meet.
    """
    t = unicodedata.normalize("NFKC", text)
    t = _t2s().convert(t)
    t = _DASH_ONE.sub("一", t)
    t = _UNCLOSED.sub("", _BRACKETED.sub("", t))
    t = _NOT_NAME.sub("", t)
    t = _ORDINAL_DIGITS.sub(lambda m: "第" + _zh_ordinal(int(m.group(1))), t)
    return _DIGITS.sub(lambda m: "".join(_ZH_OF[int(c)] for c in m.group()), t)


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
    # County-level names elsewhere in China (see `_county_names_elsewhere`), in this tier's spelling.
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
    renamed_to = {f(r["former"]): f(r["current"]) for r in _data_rows("organization_renamings.csv")}
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
        places_elsewhere=frozenset(f(n) for n in _county_names_elsewhere()),
        misread_elsewhere=frozenset(
            f(n[:i]) + "?" + f(n[i + 1 :]) for n in _county_names_elsewhere() for i in range(len(n))
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


def _zh_value(text: str) -> int | None:
    """九五八 → 958, 十三 → 13, 一 → 1; None for text that is no number."""
    if "十" in text:
        head, _, tail = text.partition("十")
        if len(head) > 1 or len(tail) > 1 or "十" in tail:
            return None
        return (_DIGIT_VALUE.get(head, 1) if head else 1) * 10 + (_DIGIT_VALUE.get(tail, 0) if tail else 0)
    digits = [_DIGIT_VALUE.get(c) for c in text]
    if not digits or any(d is None for d in digits):
        return None
    return int("".join(str(d) for d in digits))


@dataclass(frozen=True)
class NameShape:
    """What must agree between two names for them to be one institution: numbers, district, kind."""

    numbers: tuple[int, ...]
    number_unknown: bool
    district: str | None
    kind: frozenset[str] | None
    # Whether the kind was read whole (not a damaged form such as 人医院).
    kind_exact: bool
    # Whether a proper name stands before the kind (三峡, 协和); None when the kind is unknown.
    proper: bool | None
    branch: bool
    # Positions (in the folded key) where a lost character means another institution: numbers and
    # the district (大足区 without 大 could be 足区 anywhere).
    protected: frozenset[int]
    # Positions where a replaced character means another institution: those above, and short
    # proper names (新桥 → 新华 is another hospital).
    identity: frozenset[int]
    # The 区 or 县 that ends a district: misread, the rest of the district still names it.
    district_suffix: frozenset[int] = frozenset()
    # The parent organization word (医科大学, 大学), when one is read whole.
    org: str | None = None
    # Positions of the digits of numbers: no character there may be misread, however alike.
    number_positions: frozenset[int] = frozenset()


@lru_cache(maxsize=100_000)
def shape(folded_key: str) -> NameShape:
    """The shape of a folded institution key (see `NameShape`)."""
    r = _rules(True)
    protected: set[int] = set()
    district: str | None = None
    masked = folded_key
    suffix: set[int] = set()
    for m in r.district.finditer(folded_key):
        district = district or r.district_of.get(m.group(), m.group())
        protected.update(range(m.start(), m.end()))
        if m.end() - m.start() >= 3 and m.group()[-1] in r.f("区县"):
            suffix.add(m.end() - 1)
        masked = masked[: m.start()] + "＿" * (m.end() - m.start()) + masked[m.end() :]
    base, branch = split_branch(masked, folded=True)
    kind_match = r.kind.search(base)
    kind = r.kind_class[kind_match.group()] if kind_match else None
    kind_exact = kind_match is not None and kind_match.group() not in r.damaged_kinds
    numbers: list[int] = []
    digit_positions: set[int] = set()
    for m in r.number.finditer(masked):
        value = _zh_value(m.group(1) or m.group(2))
        if value is not None:
            numbers.append(value)
            # The digits, not 第: 附属笫二医院 still says 二.
            digits = 1 if m.group(1) else 2
            protected.update(range(m.start(digits), m.end(digits)))
            digit_positions.update(range(m.start(digits), m.end(digits)))
    number_unknown = bool(r.broken_number.search(masked))
    # A short proper name (新桥, 西南, 三峡) is the institution's identity: no character of it may be
    # read as misread.
    identity = set(protected)
    head_end = kind_match.start() if kind_match else len(base)
    head = r.generic.sub(lambda g: "＿" * len(g.group()), masked[:head_end])
    parts = [p for p in re.finditer(rf"[^＿{_ZH_DIGITS}{r.f('第')}]+", head) if r.number.sub("", p.group())]
    for part in parts:
        if len(part.group()) <= 2 and not r.org_start.match(part.group()):
            identity.update(range(part.start(), part.end()))
    proper = bool(parts) if kind_exact else None
    return NameShape(
        tuple(numbers),
        number_unknown,
        district,
        kind,
        kind_exact,
        proper,
        bool(branch),
        frozenset(protected),
        frozenset(identity),
        frozenset(suffix),
        org.group() if (org := r.org.search(base)) else None,
        frozenset(digit_positions),
    )


def compatible(a: NameShape, b: NameShape, strict_kind: bool = True) -> bool:
    """Whether two shapes may be one institution: same numbers, district and branchness, a proper
    name on both or neither, and the same kind where both are known (人民医院 never becomes 中医院).
    With `strict_kind` False the kinds need not agree (to find rivals of a damaged name)."""
    if a.number_unknown or b.number_unknown or a.numbers != b.numbers:
        return False
    if a.district != b.district or a.branch != b.branch:
        return False
    if a.org is not None and b.org is not None and a.org != b.org:
        return False
    if a.proper is not None and b.proper is not None and a.proper != b.proper:
        return False
    return not strict_kind or a.kind is None or b.kind is None or bool(a.kind & b.kind)


def _edits_allowed(text: str, target: str, target_shape: NameShape) -> bool:
    """No character of `target` that carries identity was replaced, its first character was not
    replaced (空军军医大学 is not 陆军军医大学), and no number, district or short proper name lost a
    character: a difference there is another institution (重庆市安医院 is no 重庆北安医院). A longer
    proper name that lost a character is still the one it came from. A character misread for a
    look-alike (`lookalike`) is no such difference, except in a number."""
    for op in list(Levenshtein.editops(text, target)):
        if (
            op.tag == "replace"
            and (op.dest_pos == 0 or op.dest_pos in target_shape.identity)
            and not _alike_misread(text, op.src_pos, target, op.dest_pos, target_shape)
        ):
            return False
        if op.tag == "insert" and op.dest_pos in target_shape.identity:
            return False
        if op.tag == "delete" and not _harmless_extra(text, op.src_pos, op.dest_pos, target_shape):
            return False
    return True


def _alike_misread(text: str, at: int, target: str, dest: int, target_shape: NameShape) -> bool:
    """Whether the character at `at` of `text` may be the target's character at `dest` misread for
    its shape (设 → 没, 黔 → 默; see `lookalike`): never a digit of a number."""
    return dest not in target_shape.number_positions and looks_alike(text[at], target[dest])


@lru_cache(maxsize=1024)
def _one_kind_reads(kind: str, at: int) -> bool:
    """Whether the folded kind word `kind` (four characters or more) with its character at `at`
    unknown reads as kinds of one class only."""
    r = _rules(True)
    if len(kind) < 4:
        return False
    pattern = re.compile(re.escape(kind[:at]) + "." + re.escape(kind[at + 1 :]))
    classes = {
        c
        for word, cs in r.kind_class.items()
        if len(word) == len(kind) and pattern.fullmatch(word)
        for c in cs
    }
    return len(classes) == 1


def _harmless_extra(text: str, at: int, before: int, target_shape: NameShape) -> bool:
    """Whether the character at `at` of `text`, absent from the target before its position `before`,
    may be noise: not a digit or 第 (another number), not a character of a district name (what is
    left of a district), and not beside a short proper name (西南铅医院 is no 西南医院)."""
    r = _rules(True)
    if text[at] in f"{_ZH_DIGITS}{r.f('第')}" or text[at] in r.district_chars:
        return False
    proper = target_shape.identity - target_shape.protected
    return before not in proper and before - 1 not in proper


class Reach(IntEnum):
    """How far `one_edit` may reach into what tells institutions apart, and so how much nearer than
    every other institution the match must be (`margin`)."""

    # Nothing that tells institutions apart is touched.
    STRICT = 0
    # One character of a short proper name, in a long name.
    LONG = 1
    # One character anywhere but a number or a district, in a name of four characters or more.
    WIDE = 2

    @property
    def margin(self) -> int:
        """Weighted edits (see _EDIT_WEIGHTS) every other institution must lie further away: a lost
        character, a misread one, two misread ones."""
        return (min(_EDIT_WEIGHTS), max(_EDIT_WEIGHTS), 2 * max(_EDIT_WEIGHTS))[self]


def one_edit(text: str, target: str, target_shape: NameShape, reach: Reach = Reach.STRICT) -> bool:
    """Whether `text` is `target` with one character lost, added or misread where that cannot make
    it another institution: not the first character, no number, no district name (its final 区/县
    may be misread), no character of a short proper name (新桥, 西南), and the kind not turned into
    another kind (中心医院 without 心 is 中医院). Folded keys both.

    A character misread for one of like shape (`lookalike`: 设 → 没, 黔 → 默) is no such change, even
    in a district or proper name: what OCR read is still that character's shape. In a short name it
    is accepted only outside the proper name and district (望江医浣 → 望江医院).

    With a wider `reach`, a name of LONG_NAME characters or more may also have lost or misread one
    character of a short proper name (重庆三峡民康医院 → 重庆三峡康医院), and with the widest any name
    of SHORT_ALIKE_LENGTH or more one character anywhere but a number or a district (重钢总匿院,
    重医属永川医院): the rest of the name still tells which institution it is, so the caller asks for
    a wider margin to every other one instead (`Reach.margin`).
    """
    ops = list(Levenshtein.editops(text, target))
    if len(ops) != 1:
        return False
    op = ops[0]
    alike = op.tag == "replace" and _alike_misread(text, op.src_pos, target, op.dest_pos, target_shape)
    proper = target_shape.identity - target_shape.protected if len(target) >= LONG_NAME else frozenset()
    free = op.dest_pos not in target_shape.protected and len(target) >= SHORT_ALIKE_LENGTH
    loose = (reach >= Reach.LONG and op.dest_pos in proper) or (reach >= Reach.WIDE and free)
    if len(target) < ONE_EDIT_MIN_LENGTH and not (
        (alike and len(target) >= SHORT_ALIKE_LENGTH and op.dest_pos not in target_shape.identity)
        or (reach >= Reach.WIDE and free)
    ):
        return False
    if op.dest_pos == 0 and op.tag != "delete" and not (alike or (loose and op.tag == "insert")):
        return False
    if (
        op.tag == "replace"
        and op.dest_pos in target_shape.identity - target_shape.district_suffix
        and not (alike or loose)
    ):
        return False
    if op.tag == "insert" and op.dest_pos in target_shape.identity and not loose:
        return False
    if op.tag == "delete" and not _harmless_extra(text, op.src_pos, op.dest_pos, target_shape):
        return False
    mine = shape(text)
    if mine.numbers != target_shape.numbers or mine.number_unknown or mine.branch != target_shape.branch:
        return False
    if mine.district is not None and mine.district != target_shape.district:
        return False
    r = _rules(True)
    kind = r.kind.search(split_branch(target, folded=True)[0])
    bare = mine.kind_exact and mine.kind == r.kind_class[r.f("医院")]
    if op.tag == "replace" and kind is not None and kind.start() <= op.dest_pos < kind.end() - 2:
        # A character misread at the head of a longer kind: still that kind only when a bare 医院
        # is left (中医院 → 申医院, 总医院 → 怠医院); 康复医院 → 永复医院 may be 永川医院. A
        # look-alike keeps the kind (妇幻保健院 is 妇幼保健院), and so does a misread inside a long
        # kind that no other kind reads as (妇纺保健院: only 妇幼保健院 reads 妇?保健院; its head only
        # in a kind of five characters or more: 惠民医院 is no misread 人民医院).
        inner = (op.dest_pos > kind.start() or kind.end() - kind.start() >= 5) and _one_kind_reads(
            kind.group(), op.dest_pos - kind.start()
        )
        return bare or alike or inner
    # Otherwise the kinds must not differ: 中心医院 without 心 is 中医院.
    return (
        mine.kind is None
        or not mine.kind_exact
        or target_shape.kind is None
        or bool(mine.kind & target_shape.kind)
    )


# ---------------------------------------------------------------- abbreviations


@cache
def _segment_re() -> tuple[re.Pattern[str], dict[str, str]]:
    vocab: dict[str, str] = {}
    for role in ("org", "affix", "kind"):
        for w in _words(role):
            vocab[w] = role
    for d in districts():
        vocab[d.name] = "district"
    pattern = re.compile(
        _alternation(vocab) + rf"|第[{_ZH_DIGITS}]+|[{_ZH_DIGITS}]+(?=附|医院|院|人民|中心|$)"
    )
    return pattern, vocab


def _segments(key: str) -> list[tuple[str, str]] | None:
    """A key cut into (role, text) segments: prefix, org, affix, number, district, proper, kind, branch."""
    base, branch = split_branch(key)
    kind_match = _rules(False).kind.search(base)
    if not kind_match:
        return None
    head = base[: kind_match.start()]
    token, vocab = _segment_re()
    segs: list[tuple[str, str]] = []
    pos = 0
    for prefix in ("重庆", "解放军"):
        if head.startswith(prefix):
            segs.append(("prefix", prefix))
            pos = len(prefix)
            break
    for m in token.finditer(head, pos):
        if m.start() > pos:
            segs.append(("proper", head[pos : m.start()]))
        text = m.group()
        segs.append((vocab.get(text, "number"), text))
        pos = m.end()
    if pos < len(head):
        segs.append(("proper", head[pos:]))
    segs.append(("kind", kind_match.group()))
    if branch:
        segs.append(("branch", branch))
    return segs


def _realizations(segs: list[tuple[str, str]], i: int) -> list[str]:
    """How segment i may be written in a shortened name: head characters kept, in order."""
    role, text = segs[i]
    nxt = segs[i + 1][0] if i + 1 < len(segs) else ""
    rest_roles = {r for r, _ in segs[i + 1 :]}
    if role == "prefix":
        forms = [text]
        if text == "重庆":
            if nxt == "org":
                forms.append("重")
            if nxt == "number":
                forms.append("市")
        elif text == "解放军" and rest_roles & {"proper", "district"}:
            forms.append("")
        return forms
    if role == "kind":
        # 院 alone stands for a hospital only beside its number (附一院, 市三院, 一附院).
        has_number = any(r == "number" for r, _ in segs)
        return [text, *(s for s in _words(role)[text].short if len(s) > 1 or has_number)]
    if role == "org":
        return [text, *_words(role)[text].short]
    if role == "affix":
        return [text, *_words("affix")[text].short, ""]
    if role == "number":
        digits = text.removeprefix("第")
        return [f"第{digits}", digits]
    if role == "proper":
        return [text, text[0]] if nxt == "org" and len(text) > 1 else [text]
    return [text]


_REORDER_BACK = re.compile(rf"第([{_ZH_DIGITS}]+)附属医院")


def abbreviations(key: str) -> set[str]:
    """The shortened forms of a canonical key (重庆医科大学附属第一医院 → 重医附一院, 重医附属第一医院 ...).

    Each segment keeps its head characters, in order; the number and the kind are always kept, and
    at least one distinctive part (the city, a district or a proper name) stays. The forms come out
    as keys (see `institution_key`).
    """
    out: set[str] = set()
    reorder = _rules(False).reorder
    for variant in {key, _REORDER_BACK.sub(r"附属第\1医院", key)}:
        segs = _segments(variant)
        if not segs:
            continue
        options = [_realizations(segs, i) for i in range(len(segs))]
        count = 1
        for o in options:
            count *= len(o)
        if count > MAX_ABBREVIATIONS:
            continue
        for combo in itertools.product(*options):
            distinctive = any(
                form and role in ("prefix", "proper", "district")
                for form, (role, _) in zip(combo, segs, strict=True)
            )
            text = "".join(combo)
            if distinctive and len(text) >= 3:
                out.add(institution_key(reorder.sub(r"第\1附属\2", text)))
    out.discard(key)
    return out


# ---------------------------------------------------------------- the gazetteer


@dataclass(frozen=True)
class Institution:
    """One gazetteer row: the official name, its aliases and former names, district, grade, sources."""

    name: str
    aliases: tuple[str, ...] = ()
    district: str = ""
    level: str = ""
    source: str = ""


# Accepted column names of an institutions CSV (English as in the bundled gazetteer, or Chinese).
_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "名称", "机构名称"),
    "aliases": ("aliases", "别名"),
    "district": ("district", "区县"),
    "level": ("level", "等级", "级别"),
    "source": ("source", "来源"),
}


def parse_institutions(text: str, origin: str) -> tuple[Institution, ...]:
    """Institutions from CSV text with the gazetteer's columns; `origin` names the file in errors."""
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    columns: dict[str, str] = {}
    for key, names in _COLUMNS.items():
        for raw, h in zip(reader.fieldnames or [], header, strict=True):
            if h in names:
                columns[key] = raw
    if "name" not in columns:
        raise ConfigError(
            f"{origin}: the first line must name the columns (name,aliases,district,level,source)."
        )
    out: list[Institution] = []
    for row in reader:

        def get(key: str, row: dict[str, str] = row) -> str:
            return (row.get(columns[key]) or "").strip() if key in columns else ""

        name = get("name")
        if not name:
            raise ConfigError(f"{origin}: line {reader.line_num} has no institution name.")
        out.append(
            Institution(
                name, tuple(_split(get("aliases"))), get("district"), get("level"), get("source") or origin
            )
        )
    return tuple(out)


def read_institutions(path: Path) -> tuple[Institution, ...]:
    """Institutions from a CSV file (UTF-8, the gazetteer's columns)."""
    if Path(path).is_dir():
        raise ConfigError(
            f"{path} is a folder; name the institutions CSV file itself.",
            f"{path} 是文件夹，请指定机构CSV文件本身。",
        )
    try:
        text = Path(path).read_text("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"institutions file not found: {path}", f"机构文件不存在：{path}") from None
    except UnicodeDecodeError:
        raise ConfigError(
            f"{path} is not a UTF-8 CSV file; save it as CSV UTF-8.",
            f"{path} 不是UTF-8编码的CSV文件，请另存为CSV UTF-8。",
        ) from None
    except OSError:
        raise ConfigError(f"cannot read institutions file {path}.", f"无法读取机构文件：{path}") from None
    return parse_institutions(text, str(path))


@cache
def bundled_gazetteer() -> tuple[Institution, ...]:
    """The Chongqing gazetteer shipped with certscan (scanner/data/chongqing_institutions.csv)."""
    text = resources.files("scanner.data").joinpath("chongqing_institutions.csv").read_text("utf-8")
    return parse_institutions(text, "chongqing_institutions.csv")


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    """certscan's configuration folder: $CERTSCAN_CONFIG_DIR, else ~/.config/certscan."""
    value = (os.environ if env is None else env).get("CERTSCAN_CONFIG_DIR")
    return Path(value) if value else Path.home() / ".config" / "certscan"


def user_institution_files(env: Mapping[str, str] | None = None) -> list[Path]:
    """The users' own institution CSVs: <config dir>/institutions/*.csv, in name order."""
    folder = config_dir(env) / "institutions"
    return sorted(folder.glob("*.csv")) if folder.is_dir() else []


def merge_institutions(base: Sequence[Institution], extra: Iterable[Institution]) -> tuple[Institution, ...]:
    """The gazetteer with users' rows added: a row naming a known institution adds its aliases (and
    fills an empty district or grade); any other row is a new institution."""
    merged = list(base)
    index = {clean(inst.name): i for i, inst in enumerate(merged)}
    for inst in extra:
        key = clean(inst.name)
        if key not in index:
            index[key] = len(merged)
            merged.append(inst)
            continue
        old = merged[index[key]]
        merged[index[key]] = replace(
            old,
            aliases=tuple(dict.fromkeys((*old.aliases, *inst.aliases))),
            district=old.district or inst.district,
            level=old.level or inst.level,
            source=";".join(s for s in (old.source, inst.source) if s),
        )
    return tuple(merged)


# ---------------------------------------------------------------- match results


class Method(StrEnum):
    """How a sure match was found."""

    EXACT = "exact"
    ALIAS = "alias"
    RULE = "rule"
    OCR = "ocr"
    FUZZY = "fuzzy"


class Unsure(StrEnum):
    """Why there is no sure match."""

    EMPTY = "empty"
    UNKNOWN = "unknown"
    OUTSIDE = "outside_chongqing"
    AMBIGUOUS = "ambiguous"
    CONFLICT = "conflict"
    BELOW_THRESHOLD = "below_threshold"


@dataclass(frozen=True)
class Candidate:
    """A known institution an input may mean."""

    name: str
    score: float
    district: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "score": round(self.score, 3), "district": self.district or None}


_METHOD_TEXT: dict[Lang, dict[Method, str]] = {
    "zh": {
        Method.EXACT: "官方全称",
        Method.ALIAS: "已知简称或曾用名",
        Method.RULE: "按简称规则",
        Method.OCR: "按识别易混字",
        Method.FUZZY: "近似匹配",
    },
    "en": {
        Method.EXACT: "official name",
        Method.ALIAS: "known alias or former name",
        Method.RULE: "shortening rules",
        Method.OCR: "OCR look-alike characters",
        Method.FUZZY: "fuzzy match",
    },
}
_UNSURE_TEXT: dict[Lang, dict[Unsure, str]] = {
    "zh": {
        Unsure.EMPTY: "没有可规范的内容",
        Unsure.UNKNOWN: "未收录的机构，按原样保留",
        Unsure.OUTSIDE: "看似重庆以外的机构，按原样保留",
        Unsure.AMBIGUOUS: "多个机构同样吻合，需人工复核",
        Unsure.CONFLICT: "序号、区县或机构类别与已知机构不一致，需人工复核",
        Unsure.BELOW_THRESHOLD: "把握不足，需人工复核",
    },
    "en": {
        Unsure.EMPTY: "nothing to normalize",
        Unsure.UNKNOWN: "not a known institution, kept as read",
        Unsure.OUTSIDE: "looks like an institution outside Chongqing, kept as read",
        Unsure.AMBIGUOUS: "several institutions fit equally, needs review",
        Unsure.CONFLICT: "number, district or kind differs from every known institution, needs review",
        Unsure.BELOW_THRESHOLD: "not sure enough, needs review",
    },
}


class Resolution:
    """What every match record shares: the text as read and the official value it surely means."""

    input: str
    match: str | None

    @property
    def sure(self) -> bool:
        return self.match is not None

    @property
    def value(self) -> str:
        """The value to report: the official one when sure, else the input unchanged."""
        return self.match if self.match is not None else self.input

    @property
    def changed(self) -> bool:
        return self.match is not None and self.match != self.input


@dataclass(frozen=True)
class InstitutionMatch(Resolution):
    """An institution name as read, and the official name it surely means (or None, with candidates).

    `score` is the match's score, or the best candidate's when there is no sure match; `review` is
    true when candidates exist but none is sure, so a person must decide. An unknown institution
    with no candidate passes through unchanged and needs no review on this account.
    """

    input: str
    match: str | None
    score: float
    candidates: tuple[Candidate, ...] = ()
    district: str | None = None
    method: Method | None = None
    unsure: Unsure | None = None

    @property
    def review(self) -> bool:
        return self.match is None and bool(self.candidates)

    @property
    def flags(self) -> tuple[Flag, ...]:
        """Field flags for the pipeline: `normalized` for a sure change, `not_in_vocabulary` when
        candidates exist but none is sure (that flag sets `review`)."""
        if self.changed:
            return (Flag.NORMALIZED,)
        return (Flag.NOT_IN_VOCABULARY,) if self.review else ()

    def to_json(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "match": self.match,
            "score": round(self.score, 3),
            "candidates": [c.to_json() for c in self.candidates],
            "district": self.district or None,
            "method": str(self.method) if self.method else None,
            "review": self.review,
            "unsure": str(self.unsure) if self.unsure else None,
        }

    def summary(self, lang: Lang = "zh") -> str:
        """One line for people."""
        if self.match is not None and self.method is not None:
            how = _METHOD_TEXT[lang][self.method]
            if lang == "zh":
                where = f"{self.district}；" if self.district else ""
                return f"{self.input} → {self.match}（{where}{how}，把握 {self.score:.2f}）"
            where = f"{self.district}; " if self.district else ""
            return f"{self.input} → {self.match} ({where}{how}, score {self.score:.2f})"
        why = _UNSURE_TEXT[lang][self.unsure or Unsure.UNKNOWN]
        shown = self.input or "∅"
        if lang == "zh":
            line = f"{shown} → 未匹配（{why}）"
            if self.candidates:
                line += "；候选：" + "、".join(f"{c.name} {c.score:.2f}" for c in self.candidates)
            return line
        line = f"{shown} → no match ({why})"
        if self.candidates:
            line += "; candidates: " + ", ".join(f"{c.name} {c.score:.2f}" for c in self.candidates)
        return line


# ---------------------------------------------------------------- the matcher


@dataclass(frozen=True)
class _Variant:
    """One name or alias of an institution, keyed for fuzzy matching."""

    entry: int
    folded: str
    shape: NameShape


@dataclass
class _Index:
    """Dictionary tiers: text → institution indices."""

    exact: dict[str, set[int]] = field(default_factory=dict)
    alias: dict[str, set[int]] = field(default_factory=dict)
    key: dict[str, set[int]] = field(default_factory=dict)
    abbrev: dict[str, set[int]] = field(default_factory=dict)
    folded_key: dict[str, set[int]] = field(default_factory=dict)
    folded_abbrev: dict[str, set[int]] = field(default_factory=dict)


def _add(table: dict[str, set[int]], text: str, entry: int) -> None:
    if text:
        table.setdefault(text, set()).add(entry)


# Costs of a lost, an added and a replaced character when weighing which institution a damaged name
# is closest to. Look-alike characters are already folded together, so a replaced character is an
# arbitrary misreading, rarer in OCR than a lost one: it costs one and a half.
_EDIT_WEIGHTS = (2, 2, 3)


_UNIVERSITY = re.compile(rf"^[{_CJK}]{{2,6}}?(?:军医大学|医科大学|大学)")


def _fuzzy_forms(folded_clean: str) -> list[str]:
    """The folded keys fuzzy matching compares: with and without the city prefix, and with both
    orders of 附属 and 第N, so a name damaged where a rule looks still lines up with its original."""
    r = _rules(True)
    keys = [
        institution_key(folded_clean, folded=True),
        institution_key(folded_clean, folded=True, drop_city=False),
    ]
    backs = [r.reorder_back.sub(lambda m: f"{r.f('附属第')}{m.group(1)}{m.group(2)}", k) for k in keys]
    return list(dict.fromkeys((*keys, *backs)))


class InstitutionMatcher:
    """Normalizes institution names onto the gazetteer's official names; load once, match often.

    Built from the bundled gazetteer (or the institutions given), plus the users' CSVs from the
    config folder and `extra_files`. `match` is cached by input string, so bulk HR files with many
    repeats cost one dictionary lookup per repeat.
    """

    def __init__(
        self,
        institutions: Sequence[Institution] | None = None,
        *,
        extra_files: Sequence[Path] = (),
        use_config_dir: bool = True,
        sure_threshold: float = SURE_THRESHOLD,
        cache_size: int = 200_000,
    ) -> None:
        if not 0.0 < sure_threshold <= 1.0:
            raise ConfigError("sure_threshold must lie in (0, 1].")
        base = bundled_gazetteer() if institutions is None else tuple(institutions)
        files = [*(user_institution_files() if use_config_dir else []), *extra_files]
        extra = [inst for path in files for inst in read_institutions(path)]
        self.institutions: tuple[Institution, ...] = merge_institutions(base, extra)
        self.sure_threshold = sure_threshold
        self._cache_size = cache_size
        self._cache: dict[str, InstitutionMatch] = {}
        self._index = _Index()
        self._variants: list[_Variant] = []
        self._entry_keys: list[set[str]] = [set() for _ in self.institutions]
        self._printed: dict[str, str] | None = None
        self._build()

    def _build(self) -> None:
        idx = self._index
        seen: set[tuple[int, str]] = set()
        starts: set[str] = set()
        for entry, inst in enumerate(self.institutions):
            names = [inst.name, *inst.aliases]
            for n, name in enumerate(names):
                c = clean(name)
                if not c:
                    continue
                starts.add(c)
                _add(idx.exact if n == 0 else idx.alias, c, entry)
                key = institution_key(c)
                if (entry, key) in seen:
                    continue
                seen.add((entry, key))
                folded = institution_key(fold(c), folded=True)
                _add(idx.key, key, entry)
                _add(idx.folded_key, folded, entry)
                self._entry_keys[entry].add(key)
                for short in abbreviations(key):
                    _add(idx.abbrev, short, entry)
                    _add(idx.folded_abbrev, fold(short), entry)
                for form in _fuzzy_forms(fold(c)):
                    self._variants.append(_Variant(entry, form, shape(form)))
        self._folded_list = [v.folded for v in self._variants]
        # Institutions whose branches the gazetteer lists as institutions of their own (礼嘉分院 of
        # 重庆医科大学附属儿童医院): an unknown branch of these is not surely the parent.
        self._branch_parents: set[str] = set()
        for key, entries in idx.key.items():
            base, branch = split_branch(key)
            owners = idx.key.get(base, set()) | idx.abbrev.get(base, set())
            if branch and owners and not entries <= owners:
                self._branch_parents.update(self.institutions[e].name for e in owners)
        # A place name that begins (or, spelled out, appears in) a known institution's name is no
        # sign of another province.
        full_names, short_names = _places_outside()
        leading = [p for p in (*full_names, *short_names) if not any(n.startswith(p) for n in starts)]
        inner = [p for p in full_names if not any(p in n for n in starts)]
        self._outside_start_re = re.compile(f"^(?:{_alternation(leading)})") if leading else None
        self._outside_any_re = re.compile(_alternation(inner)) if inner else None

    # ------------------------------------------------------------ public API

    def match(self, text: str) -> InstitutionMatch:
        """The official name `text` surely means, or None with the candidates considered."""
        hit = self._cache.get(text)
        if hit is None:
            hit = self._match(text)
            if len(self._cache) >= self._cache_size:
                self._cache.clear()
            self._cache[text] = hit
        return hit

    def match_many(self, texts: Iterable[str]) -> list[InstitutionMatch]:
        """`match` for each text, in order (bulk HR files)."""
        return [self.match(t) for t in texts]

    def printed_names(self) -> dict[str, str]:
        """Every name and alias an institution may be printed under → its official name (an alias
        two institutions share is left out)."""
        if self._printed is None:
            owners: dict[str, set[str]] = {}
            for inst in self.institutions:
                for form in (inst.name, *inst.aliases):
                    owners.setdefault(form, set()).add(inst.name)
            self._printed = {form: next(iter(names)) for form, names in owners.items() if len(names) == 1}
        return self._printed

    def same_institution(self, a: str, b: str) -> bool | None:
        """Whether two names surely mean one institution: True/False when both normalize surely
        (or are literally equal), None when either is unsure (a person compares)."""
        ma, mb = self.match(a), self.match(b)
        if ma.match is not None and mb.match is not None:
            return ma.match == mb.match
        if clean(a) and clean(a) == clean(b):
            return True
        return None

    def institution(self, name: str) -> Institution | None:
        """The gazetteer row of an official name."""
        for inst in self.institutions:
            if inst.name == name:
                return inst
        return None

    # ------------------------------------------------------------ stages

    def _result(
        self, text: str, entries: set[int], score: float, method: Method, bonus: Sequence[Candidate] = ()
    ) -> InstitutionMatch:
        if len(entries) == 1:
            entry = next(iter(entries))
            inst = self.institutions[entry]
            cand = Candidate(inst.name, score, inst.district)
            return InstitutionMatch(text, inst.name, score, (cand,), inst.district or None, method)
        cands = tuple(
            sorted(
                (Candidate(self.institutions[e].name, score, self.institutions[e].district) for e in entries),
                key=lambda c: c.name,
            )
        )
        return InstitutionMatch(text, None, score, cands[:MAX_CANDIDATES], None, None, Unsure.AMBIGUOUS)

    def _outside(self, cleaned: str) -> bool:
        """A name that starts with, or spells out, a province or prefecture other than Chongqing."""
        if self._outside_start_re is not None and self._outside_start_re.match(cleaned):
            return True
        return self._outside_any_re is not None and self._outside_any_re.search(cleaned) is not None

    def _match(self, text: str) -> InstitutionMatch:
        idx = self._index
        c = clean(text)
        if not c:
            return InstitutionMatch(text, None, 0.0, unsure=Unsure.EMPTY)
        if c in idx.exact:
            return self._result(text, idx.exact[c], SCORE_EXACT, Method.EXACT)
        if c in idx.alias:
            return self._result(text, idx.alias[c], SCORE_ALIAS, Method.ALIAS)
        if self._outside(c):
            return InstitutionMatch(text, None, 0.0, unsure=Unsure.OUTSIDE)
        key = institution_key(c)
        folded = institution_key(fold(c), folded=True)
        found = self._by_key(text, key, folded, SCORE_RULE, SCORE_OCR)
        if found is not None:
            return found
        found = self._by_university(text, key)
        if found is not None:
            return found
        base, branch = split_branch(key)
        folded_base, folded_branch = split_branch(folded, folded=True)
        if branch or folded_branch:
            # A campus or branch (重医附二院江南分院) of a known institution is that institution,
            # unless the gazetteer lists that institution's branches as institutions of their own.
            found = self._by_key(text, base, folded_base, SCORE_BRANCH, SCORE_BRANCH)
            if found is not None and found.match not in self._branch_parents:
                return found
        # One damage at a time: a name whose district was repaired gets no further one-edit repair.
        repaired = folded != institution_key(fold(c), folded=True, repair=False)
        return self._fuzzy(text, _fuzzy_forms(fold(c)), one_edit_ok=not repaired)

    def _by_university(self, text: str, key: str) -> InstitutionMatch | None:
        """A university's name before one of its hospitals' own names (陆军军医大学新桥医院 =
        新桥医院): the hospital, when it belongs to that university."""
        m = _UNIVERSITY.match(key)
        if not m or len(key) - m.end() < 3:
            return None
        rest = key[m.end() :]
        entries = self._index.key.get(rest, set()) | self._index.abbrev.get(rest, set())
        owned = {e for e in entries if any(m.group() in k for k in self._entry_keys[e])}
        return self._result(text, owned, SCORE_RULE, Method.RULE) if len(owned) == 1 else None

    def _by_key(
        self, text: str, key: str, folded: str, rule_score: float, ocr_score: float
    ) -> InstitutionMatch | None:
        idx = self._index
        if key in idx.key:
            return self._result(text, idx.key[key], rule_score, Method.RULE)
        if key in idx.abbrev:
            return self._result(text, idx.abbrev[key], rule_score, Method.RULE)
        if folded in idx.folded_key:
            return self._result(text, idx.folded_key[folded], ocr_score, Method.OCR)
        if folded in idx.folded_abbrev:
            return self._result(text, idx.folded_abbrev[folded], ocr_score, Method.OCR)
        return None

    def _sure_fuzzy(
        self, text: str, entry: int, score: float, cands: Sequence[Candidate]
    ) -> InstitutionMatch:
        inst = self.institutions[entry]
        first = Candidate(inst.name, score, inst.district)
        rest = tuple(c for c in cands if c.name != inst.name)
        return InstitutionMatch(
            text, inst.name, score, (first, *rest)[:MAX_CANDIDATES], inst.district or None, Method.FUZZY
        )

    def _fuzzy(self, text: str, queries: Sequence[str], one_edit_ok: bool = True) -> InstitutionMatch:
        """Similar names whose number, district and kind agree; sure only with a clear margin."""
        best_any: dict[int, float] = {}
        best_ok: dict[int, float] = {}
        edits_ok: dict[int, int] = {}
        # Fewest edits to every institution found, whatever its shape (rivals: 垫江县民医院 may be
        # 人民医院 or 中医院); and the institutions one harmless edit away (see `one_edit`).
        edits_any: dict[int, int] = {}
        single: dict[Reach, dict[int, int]] = {reach: {} for reach in Reach}
        for query in dict.fromkeys(queries):
            mine = shape(query)
            found = process.extract(
                query,
                self._folded_list,
                scorer=fuzz.ratio,
                score_cutoff=CANDIDATE_CUTOFF * 100,
                limit=4 * MAX_CANDIDATES,
            )
            for _, score, i in found:
                variant = self._variants[i]
                entry, sim = variant.entry, score / 100
                best_any[entry] = max(best_any.get(entry, 0.0), sim)
                edits = Levenshtein.distance(query, variant.folded, weights=_EDIT_WEIGHTS)
                edits_any[entry] = min(edits_any.get(entry, edits), edits)
                if one_edit_ok and edits <= max(_EDIT_WEIGHTS):
                    for reach in Reach:
                        if one_edit(query, variant.folded, variant.shape, reach):
                            near = single[reach]
                            near[entry] = min(near.get(entry, edits), edits)
                            break
                if compatible(mine, variant.shape) and _edits_allowed(query, variant.folded, variant.shape):
                    best_ok[entry] = max(best_ok.get(entry, 0.0), sim)
                    edits_ok[entry] = min(edits_ok.get(entry, edits), edits)
        if not best_any:
            return InstitutionMatch(text, None, 0.0, unsure=Unsure.UNKNOWN)
        ranked = sorted(best_ok.items(), key=lambda kv: -kv[1])
        cands = tuple(
            Candidate(self.institutions[e].name, s * FUZZY_SCALE, self.institutions[e].district)
            for e, s in sorted(best_any.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_CANDIDATES]
        )
        reach = next((r for r in Reach if single[r]), Reach.STRICT)
        if len(single[reach]) == 1:
            entry, edits = next(iter(single[reach].items()))
            rival_edits = min((n for e, n in edits_any.items() if e != entry), default=len(text) + 99)
            # Further than the nearest other institution by the reach's margin: at least a lost
            # character more, more when a proper name or more was touched.
            if rival_edits >= edits + reach.margin:
                score = max(SCORE_ONE_EDIT, best_any[entry] * FUZZY_SCALE)
                if score >= self.sure_threshold:
                    return self._sure_fuzzy(text, entry, score, cands)
        if ranked:
            entry, sim = ranked[0]
            runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
            score = sim * FUZZY_SCALE
            # Any institution as close counts as a rival, even one whose district the input lost
            # (附属永复医院: 康复医院, or 永川医院 with 川 misread?).
            rival_edits = min((n for e, n in edits_any.items() if e != entry), default=len(text) + 99)
            clear = sim - runner_up >= FUZZY_MARGIN and rival_edits > edits_ok[entry]
            if score >= self.sure_threshold and clear:
                return self._sure_fuzzy(text, entry, score, cands)
            reason = Unsure.BELOW_THRESHOLD if score < self.sure_threshold else Unsure.AMBIGUOUS
        else:
            reason = Unsure.CONFLICT
        return InstitutionMatch(text, None, cands[0].score, cands, None, None, reason)


# ---------------------------------------------------------------- closed vocabularies


@dataclass(frozen=True)
class VocabMatch(Resolution):
    """A closed-vocabulary value (level, category, scope) as read, and the official value it surely
    means, or None with candidates."""

    input: str
    match: str | None
    score: float
    candidates: tuple[str, ...] = ()
    method: Method | None = None

    @property
    def review(self) -> bool:
        return self.match is None

    def to_json(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "match": self.match,
            "score": round(self.score, 3),
            "candidates": list(self.candidates),
            "method": str(self.method) if self.method else None,
        }


@cache
def _vocab_variants() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for row in _data_rows("vocabulary_variants.csv"):
        out.setdefault(row["field"], {})[clean(row["variant"])] = row["value"]
    return out


# A closed value is repaired by fuzzy matching only above this similarity and this margin.
_VOCAB_SIMILARITY = 0.8
_VOCAB_MARGIN = 0.1


def _closed(
    text: str,
    options: Sequence[str],
    variants: Mapping[str, str],
    rewrite: Sequence[tuple[str, str]] = (),
) -> VocabMatch:
    """A value from `options`: exact, a known variant, a rewrite rule, OCR look-alikes folded, or the
    one clearly closest option; else None with the options it could be."""
    c = clean(text)
    if not c:
        return VocabMatch(text, None, 0.0)
    if c in options:
        return VocabMatch(text, c, SCORE_EXACT, (c,), Method.EXACT)
    if c in variants:
        return VocabMatch(text, variants[c], SCORE_ALIAS, (variants[c],), Method.ALIAS)
    for pattern, repl in rewrite:
        r = re.sub(pattern, repl, c)
        if r in options:
            return VocabMatch(text, r, SCORE_RULE, (r,), Method.RULE)
        c = r  # compare the rewritten form below (X科 → X科专业 is closer to 外科专业)
    folded = {fold(o): o for o in options}
    if fold(c) in folded:
        value = folded[fold(c)]
        return VocabMatch(text, value, SCORE_OCR, (value,), Method.OCR)
    scored = sorted(((fuzz.ratio(fold(c), f) / 100, o) for f, o in folded.items()), reverse=True)
    best, second = scored[0], (scored[1][0] if len(scored) > 1 else 0.0)
    if best[0] >= _VOCAB_SIMILARITY and best[0] - second >= _VOCAB_MARGIN:
        return VocabMatch(text, best[1], best[0] * FUZZY_SCALE, (best[1],), Method.FUZZY)
    cands = tuple(o for s, o in scored[:3] if s >= CANDIDATE_CUTOFF)
    return VocabMatch(text, None, best[0] * FUZZY_SCALE, cands)


def normalize_level(text: str) -> VocabMatch:
    """医师级别 onto 执业医师 or 执业助理医师; 执业助医师 is unsure (助理 half read)."""
    return _closed(text, [str(v) for v in Level], _vocab_variants().get("level", {}))


def normalize_category(text: str) -> VocabMatch:
    """执业类别 onto 临床, 中医, 口腔 or 公共卫生 (临床类别 → 临床)."""
    return _closed(text, [str(v) for v in Category], _vocab_variants().get("category", {}), [(r"类别?$", "")])


def normalize_scope(text: str, category: Category | str | None = None) -> VocabMatch:
    """执业范围 onto the official list of the category (all categories when it is unknown).

    A printed scope may list several (内科专业、全科医学专业): each must be surely known, and the
    match joins them with 、. A missing 专业 is added (内科 → 内科专业).
    """
    cat = Category(category) if category in frozenset(Category) else None
    table = scopes_by_category()
    options = list(table[cat]) if cat else sorted({s for v in table.values() for s in v})
    variants = _vocab_variants().get("scope", {})
    compounds = sorted((o for o in options if "、" in o), key=len, reverse=True)
    # Split on the printed separators, keeping a scope whose own name holds 、 whole.
    raw = unicodedata.normalize("NFKC", text)
    marks: dict[str, str] = {}
    for i, compound in enumerate(compounds):
        mark = f"\x00{i}\x00"
        marks[mark] = compound
        for form in (compound, compound.removesuffix("专业")):
            raw = raw.replace(form, mark)
    parts: list[str] = []
    for part in re.split(r"[、，,；;\s]+", raw):
        for mark, compound in marks.items():
            part = part.replace(mark, compound)
        if clean(part):
            parts.append(part)
    if not parts:
        return VocabMatch(text, None, 0.0)
    found = [_closed(p, options, variants, [(r"(?<!专业)$", "专业")]) for p in parts]
    if all(f.match is not None for f in found):
        joined = "、".join(f.match for f in found if f.match is not None)
        worst = min(found, key=lambda f: f.score)
        return VocabMatch(text, joined, worst.score, (joined,), worst.method)
    cands: list[str] = []
    for i, f in enumerate(found):
        if f.match is None:
            for option in f.candidates:
                cands.append(
                    "、".join(option if j == i else (g.match or g.input) for j, g in enumerate(found))
                )
            break
    worst = min(found, key=lambda f: f.score)
    return VocabMatch(text, None, worst.score, tuple(cands[:3]))


# ---------------------------------------------------------------- issuing authorities


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
    for row in _data_rows("authority_names.csv"):
        if row["current"] == "yes":
            current = row["organ"]
        for form in (row["organ"], *_split(row["short_forms"])):
            forms[form] = row["organ"]
    return current, forms


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
    c = clean(text).replace("重庆市", "重庆")
    if not c:
        return AuthorityMatch(text, None, 0.0)
    rest = c.removeprefix("重庆")
    district: str | None = None
    score = SCORE_EXACT
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


def authority_forms(text: str) -> tuple[str, str] | None:
    """A printed authority split as the closed list builds it: (place, organ form), the organ form
    one of the health authority's names of some era (卫生局, 卫生和计划生育委员会, 卫生健康委员会 and their
    short forms), the place the text before it; None when it ends with none of them."""
    _, forms = _organs()
    c = clean(text)
    for form in sorted(forms, key=len, reverse=True):
        if c.endswith(form) and len(c) > len(form):
            return c[: -len(form)], form
    return None


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
    has not even the shape of one (a place, then an organ name of some era)."""
    if field.value is None:
        return field
    text = field.value
    found = normalize_authority(text)
    chongqing = clean(text).startswith("重庆") or found.district is not None
    if not chongqing:
        return field if authority_forms(text) is not None else field.with_flags(Flag.NOT_IN_VOCABULARY)
    if _on_chongqing_list(text):
        return field
    repaired = _repaired_authority(text, found)
    if repaired is None:
        return field.with_flags(Flag.NOT_IN_VOCABULARY)
    return replace(field, value=repaired).with_flags(Flag.NORMALIZED, Flag.REPAIRED)


def _repaired_authority(text: str, found: AuthorityMatch) -> str | None:
    """The list entry a damaged Chongqing authority can only be, or None: the district read surely
    (as printed, or today's name when OCR damaged it) and the organ a single edit away from one
    organ's name, printed in that organ's full name."""
    if found.match is None or found.organ is None:
        return None
    c = clean(text).replace("重庆市", "重庆", 1).removeprefix("重庆")
    printed_district = _district_re().match(c)
    if printed_district is not None and found.district == _district_of()[printed_district.group()]:
        district, organ_text = printed_district.group(), c[printed_district.end() :]
    elif found.district is None:
        district, organ_text = "", c
    else:
        district, organ_text = found.district, _organ_tail(c)
    _, forms = _organs()
    organ_forms = [f for f, o in forms.items() if o == found.organ]
    if min(Levenshtein.distance(fold(organ_text), fold(f)) for f in organ_forms) > AUTHORITY_REPAIR_EDITS:
        return None
    return f"重庆市{district}{found.organ}"


def _organ_tail(text: str) -> str:
    """What follows the district (its last 区 or 县) in a Chongqing authority."""
    cut = max(text.find("区"), text.find("县"))
    return text[cut + 1 :] if cut >= 0 else text
