"""How each part of a change block is parsed and normalized: the closed list of change items,
dates as written, the new values, the 新证书编码 and the 批准机关.

Each parser returns the value and the flags of its reading (`scanner.extract.changes` adds the
confidence flags): strict forms pass clean, anything repaired, cut short or off its list is flagged
so the block is reviewed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from rapidfuzz.distance import Levenshtein

from ..fields import CODE_LENGTH, Change, FieldKey, FieldResult, Flag
from ..normalize import (
    InstitutionMatcher,
    Method,
    authority_forms,
    checked_authority,
    chongqing_districts,
    named_district,
    normalize_category,
    normalize_level,
    normalize_scope,
    organ_names,
)
from ..normalize.words import closed_words
from .forms import _CJK, _DIGIT_CONFUSIONS, _EIGHT_DIGITS, _PUNCT_EDGES, _ends_complete
from .layout import LATIN_WORD, Token, latin

# The items a registration can change, as printed (a closed list: a misread item is matched to it
# and reviewed), with what each item's value is, for its parsing and its completeness check.
ITEM_KIND: dict[str, FieldKey] = {
    "主要执业机构变更": FieldKey.INSTITUTION,
    "执业机构变更": FieldKey.INSTITUTION,
    "执业地点变更": FieldKey.PRACTICE_PLACE,
    "执业范围变更": FieldKey.SCOPE,
    "执业类别变更": FieldKey.CATEGORY,
    "执业级别变更": FieldKey.LEVEL,
}
CHANGE_ITEMS: tuple[str, ...] = tuple(ITEM_KIND)
# An item read with at most this many characters wrong is taken as the list's item, reviewed.
ITEM_EDITS = 2
# Registration under the 执业医师法 began in 1999: an earlier change date is misread.
FIRST_CHANGE_YEAR = 1999


def item_of(text: str) -> tuple[str | None, bool]:
    """The list's item a printed item means, and whether it was read exactly."""
    clean = re.sub(r"[\s" + re.escape(_PUNCT_EDGES) + "]", "", text)
    if not clean:
        return None, False
    if clean in CHANGE_ITEMS:
        return clean, True
    scored = sorted((Levenshtein.distance(clean, item), item) for item in CHANGE_ITEMS)
    best, second = scored[0], scored[1]
    if best[0] <= ITEM_EDITS and best[0] < second[0] and best[0] < len(best[1]) // 2:
        return best[1], False
    return None, False


def item_settled(text: str, doubtful: Sequence[int]) -> bool:
    """Whether an item read exactly is sure with these characters doubtful: no other item of the
    list reads the same everywhere else (执业类别变更 and 执业级别变更 differ in one character, so
    that one is never settled)."""
    if text not in CHANGE_ITEMS:
        return False
    for item in CHANGE_ITEMS:
        if item != text and len(item) == len(text):
            differ = {i for i, (a, b) in enumerate(zip(item, text, strict=True)) if a != b}
            if differ <= set(doubtful):
                return False
    return True


def authority_settled(text: str, doubtful: Sequence[int]) -> bool:
    """Whether a Chongqing authority on its closed list is sure with these characters doubtful: no
    other entry (重庆市 or a district, then an organ's full name) reads the same everywhere else.
    江北区 and 江津区 differ in one character, so that one is never settled; nor is a short form."""
    split = authority_forms(text)
    if split is None or checked_authority(FieldResult(text, text, 1.0)).flags:
        return False
    place, organ = split
    if organ not in organ_names() or place + organ != text:
        return False
    places = {"重庆市", *chongqing_districts(), *("重庆市" + d for d in chongqing_districts())}
    if place not in places:
        return False
    entries = [(p, o) for p in places if len(p) == len(place) for o in organ_names() if len(o) == len(organ)]
    for other_place, other_organ in entries:
        other = other_place + other_organ
        if other != text and {i for i, (a, b) in enumerate(zip(other, text, strict=True)) if a != b} <= set(
            doubtful
        ):
            return False
    return True


def date_settled(text: str, doubtful: Sequence[int], today: dt.date) -> bool:
    """Whether a date read cleanly is sure with these characters doubtful: each is a digit (or a
    separator) that no other digit could replace and still give a plausible date (the first two
    digits of a year since registration began)."""
    for i in doubtful:
        if not text[i].isdigit():
            continue
        for digit in "0123456789":
            if digit == text[i]:
                continue
            value, flags = parse_change_date(text[:i] + digit + text[i + 1 :], today)
            if value is not None and not flags:
                return False
    return True


_STRICT_DATE = (
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
    re.compile(r"(\d{4})\.(\d{2})\.(\d{2})"),
    re.compile(r"(\d{4})-(\d{2})-(\d{2})"),
    re.compile(r"(\d{4})/(\d{2})/(\d{2})"),
)
_LENIENT_DATE = re.compile(r"(\d{4})\D{1,2}(\d{1,2})\D{1,2}(\d{1,2})")


def parse_change_date(text: str, today: dt.date) -> tuple[str | None, tuple[Flag, ...]]:
    """A change date as written (2020年7月15日, 2020.07.15, 2020-07-15) in ISO form, with the flags
    of its reading: repaired when it is not one of the printed forms in full (a digit or 日 lost under
    the seal, separators read as spaces or lost: 2023 02 25, 20230225), invalid when no such day
    exists, implausible before registration began or after today."""
    edges = text.strip(_PUNCT_EDGES)
    clean = edges.replace(" ", "")
    flags: list[Flag] = []
    match = next((found for p in _STRICT_DATE if (found := p.fullmatch(clean))), None)
    if match is None:
        fixed = clean.translate(_DIGIT_CONFUSIONS)
        match = (
            _LENIENT_DATE.search(fixed)
            or _LENIENT_DATE.search(re.sub(r"\s+", " ", edges).translate(_DIGIT_CONFUSIONS))
            or _EIGHT_DIGITS.fullmatch(fixed)
        )
        if match is None:
            return None, (Flag.INVALID_FORMAT,)
        flags.append(Flag.REPAIRED)
    year, month, mday = (int(g) for g in match.groups())
    try:
        day = dt.date(year, month, mday)
    except ValueError:
        return None, (*flags, Flag.INVALID_DATE)
    if day.year < FIRST_CHANGE_YEAR or day > today:
        flags.append(Flag.IMPLAUSIBLE)
    return day.isoformat(), tuple(flags)


def parse_item(text: str) -> tuple[str | None, tuple[Flag, ...]]:
    """The item on the closed list, repaired when misread, kept as read when off the list."""
    item, exact = item_of(text)
    if item is None:
        printed = re.sub(r"\s", "", text.strip(_PUNCT_EDGES)) or None
        return printed, (Flag.MISSING if printed is None else Flag.NOT_IN_VOCABULARY,)
    return item, () if exact else (Flag.REPAIRED,)


def parse_date_part(text: str, today: dt.date) -> tuple[str | None, tuple[Flag, ...]]:
    """The 变更日期 part: missing when nothing was written."""
    text = text.strip(_PUNCT_EDGES)
    return parse_change_date(text, today) if text else (None, (Flag.MISSING,))


def parse_authority(text: str) -> tuple[str | None, tuple[Flag, ...]]:
    """The 批准机关 as printed; cut short when it does not end as an authority's name does."""
    authority = re.sub(r"\s", "", text.strip(_PUNCT_EDGES)).replace("(", "（").replace(")", "）") or None
    if authority is None:
        return None, (Flag.MISSING,)
    return authority, () if _ends_complete(FieldKey.AUTHORITY, authority) else (Flag.INCOMPLETE,)


def parse_new_code(text: str) -> tuple[str | None, tuple[Flag, ...]]:
    """The 15-digit 新证书编码, or None when the block has none."""
    printed = text.strip(_PUNCT_EDGES).replace(" ", "")
    if not printed:
        return None, ()
    digits = printed.translate(_DIGIT_CONFUSIONS)
    if re.fullmatch(rf"\d{{{CODE_LENGTH}}}", digits):
        return digits, () if digits == printed else (Flag.REPAIRED,)
    return digits, (Flag.INVALID_FORMAT,)


def parse_value(item: str | None, text: str) -> tuple[str | None, list[Flag]]:
    """An item's new value in its printed form, with the flags of its reading."""
    clean = re.sub(r"\s", "", text.strip(_PUNCT_EDGES)).replace("(", "（").replace(")", "）")
    if not clean:
        return None, [Flag.MISSING]
    kind = ITEM_KIND.get(item or "")
    if kind is FieldKey.SCOPE:
        clean = re.sub(r"[,，;；·・]", "、", clean)
        scope = normalize_scope(clean)
        if scope.match is None:
            return clean, [Flag.NOT_IN_VOCABULARY]
        # Official scopes printed one after another with the 、 between them lost (or unread) are
        # given with it, as the field's are; otherwise the value stays as printed.
        run_on = scope.match.replace("、", "") == clean.replace("、", "")
        return (scope.match if run_on else clean), []
    if kind in (FieldKey.CATEGORY, FieldKey.LEVEL):
        found = normalize_category(clean) if kind is FieldKey.CATEGORY else normalize_level(clean)
        if found.match is None:
            return clean, [Flag.NOT_IN_VOCABULARY]
        return found.match, [] if found.method in (Method.EXACT, Method.RULE) else [Flag.REPAIRED]
    if kind is FieldKey.INSTITUTION and not _ends_complete(FieldKey.INSTITUTION, clean):
        return clean, [Flag.INCOMPLETE]
    if kind is FieldKey.PRACTICE_PLACE and not (
        _ends_complete(FieldKey.INSTITUTION, clean) or _ends_complete(FieldKey.PRACTICE_PLACE, clean)
    ):
        return clean, [Flag.INCOMPLETE]
    return clean, []


def without_latin_words(tokens: list[Token]) -> list[Token]:
    """The tokens without a leading or trailing run of Latin letters (at least LATIN_WORD of them)
    when Chinese characters remain; none when Latin words are all there is (an empty block of a
    bilingual booklet, its labels' Zhuang under them: Hanghmoeg bienq, Gihgvanh baezcinj). A word
    of Latin letters before or after a Chinese value is the label's Zhuang (壮文) beside it, never
    part of a name, place or scope."""
    if tokens and all(latin(t) for t in tokens):
        letters = sum(c.isalpha() for t in tokens for c in t.text)
        return [] if letters >= LATIN_WORD else tokens
    start, end = 0, len(tokens)
    while start < end and latin(tokens[start]):
        start += 1
    while end > start and latin(tokens[end - 1]):
        end -= 1
    kept = tokens[start:end]
    cut = [t for t in (*tokens[:start], *tokens[end:]) if t.text.isalpha()]
    if not cut or not any("\u4e00" <= t.text <= "\u9fff" for t in kept):
        return tokens
    lead, trail = tokens[:start], tokens[end:]
    if 0 < sum(t.text.isalpha() for t in lead) < LATIN_WORD:
        kept = lead + kept
    if 0 < sum(t.text.isalpha() for t in trail) < LATIN_WORD:
        kept = kept + trail
    return kept


# A value is filled from its list only when its word differs from what was read in at most this
# share of its characters, every one of them read in doubt.
FILL_DOUBT_SHARE = 0.34


def filled_value(text: str, doubtful: Sequence[int], words: Iterable[str]) -> str | None:
    """The one word of a closed list (the gazetteer's printed names, the official scopes) that reads
    as `text` wherever the recognizer was sure, and differs from it in a few doubtful characters
    only: what was read, its doubts filled from the word. None when no word or several fit
    (重庆医科大学附属第一医院 and …第二医院 when 一 is in doubt), or `text` is a word itself."""
    doubt = {i for i in doubtful if 0 <= i < len(text)}
    most = FILL_DOUBT_SHARE * len(text)
    fits: set[str] = set()
    for word in words:
        if word == text:
            return None  # read as a word of the list: another word is never forced on it
        if len(word) != len(text):
            continue
        differ = [i for i, (a, b) in enumerate(zip(word, text, strict=True)) if a != b]
        if len(differ) <= most and doubt.issuperset(differ):
            fits.add(word)
    return fits.pop() if len(fits) == 1 else None


def value_words(item: str | None, institutions: Iterable[str], text: str = "") -> Iterable[str]:
    """The closed list an item's new value comes from: the gazetteer's printed names for an
    institution (and for the old booklet's 执业地点, which names one), the official scopes for a
    scope; nothing for the rest (levels and categories are matched as read). When what was read
    (`text`) names a district, only the institutions naming that district: a doubtful character of
    重庆市巴南医院 is never filled into 重庆市东南医院, another hospital."""
    kind = ITEM_KIND.get(item or "")
    if kind in (FieldKey.INSTITUTION, FieldKey.PRACTICE_PLACE):
        district = named_district(text) if text else None
        if district is None:
            return institutions
        return (word for word in institutions if named_district(word) == district)
    if kind is FieldKey.SCOPE:
        return closed_words(FieldKey.SCOPE)
    return ()


def normalized_changes(changes: Sequence[Change], matcher: InstitutionMatcher) -> tuple[Change, ...]:
    """The changes with an institution value on the gazetteer's official name and the authority
    held to its closed list, as the fields' own are (`pipeline.normalized_institution`,
    `normalize.checked_authority`).

    An institution value is one a 主要执业机构变更 / 执业机构变更 sets, or a 执业地点变更 whose value
    the gazetteer knows or that names an institution (the old booklet registered doctors to one); a
    province or district is a place, kept. Values from other provinces are kept as printed.
    """
    out: list[Change] = []
    for change in changes:
        flags = list(change.flags)
        value = change.value
        kind = ITEM_KIND.get(change.item or "")
        if value is not None and kind in (FieldKey.INSTITUTION, FieldKey.PRACTICE_PLACE):
            match = matcher.match(value)
            names = kind is FieldKey.INSTITUTION or match.sure or _ends_complete(FieldKey.INSTITUTION, value)
            if names:
                if match.known:
                    flags = [f for f in flags if f is not Flag.INCOMPLETE]
                value = match.value
                flags.extend(match.flags)
        authority = change.authority
        if authority is not None:
            checked = checked_authority(FieldResult(authority, authority, change.confidence, ()))
            authority = checked.value
            flags.extend(checked.flags)
        out.append(replace(change, value=value, authority=authority, flags=tuple(dict.fromkeys(flags))))
    return tuple(out)


def dated_after_issue(changes: Sequence[Change], issue_date: str | None) -> tuple[Change, ...]:
    """The changes with one dated before the certificate's 发证日期 (ISO) flagged implausible: a
    booklet records the changes made after it was issued, so such a date, or the issue date, is
    misread (or the booklet is not what it claims)."""
    if issue_date is None:
        return tuple(changes)
    return tuple(
        c.with_flags(Flag.IMPLAUSIBLE) if c.date is not None and c.date < issue_date else c for c in changes
    )


def text_of(tokens: Iterable[Token]) -> str:
    """The characters of some tokens, as one string."""
    return "".join(t.text for t in tokens)


def meaningful_tokens(tokens: Sequence[Token]) -> list[Token]:
    """The tokens without punctuation at a value's edges."""
    return [t for t in tokens if t.text not in _PUNCT_EDGES]


def digits_only(tokens: Sequence[Token]) -> bool:
    """Whether a run holds digits and nothing else but separators."""
    meaningful = meaningful_tokens(tokens)
    return bool(meaningful) and all(t.text.isdigit() for t in meaningful)


def written_in_chinese(tokens: Sequence[Token]) -> bool:
    """Whether a run holds a Chinese character. Every part of a block that follows its label a row
    down or wraps (a value, an authority) is written in Chinese; a run without one is none of them:
    a date's digits printed off its row, or a second script's word under a bilingual label read as
    Latin letters, digits and marks (130<5132533 for a Uyghur word)."""
    return any(_CJK.search(t.text) for t in tokens)


def item_split(tokens: list[Token]) -> tuple[list[Token], list[Token]]:
    """An item and the value written after it on its own row (执业地点变更重庆市第五人民医院)."""
    text = text_of(tokens)
    if len(text) == len(tokens):
        for item in CHANGE_ITEMS:
            if text.startswith(item) and meaningful_tokens(tokens[len(item) :]):
                return tokens[: len(item)], tokens[len(item) :]
    return tokens, []
