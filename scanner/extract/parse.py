"""Value parsers, field by field, and the field result built from a value's characters.

Parsing is lenient (dates in any printed form, ID numbers with letters OCR confuses for digits) and
every repair is flagged, so a changed value is always reviewed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from stdnum.cn import ric

from ..fields import CODE_LENGTH, ID_LENGTH, FieldKey, FieldResult, Flag, Sex
from ..normalize import (
    Method,
    VocabMatch,
    chongqing_districts,
    national_issuer,
    normalize_category,
    normalize_level,
    place_names,
)
from ..normalize.places import county_names_elsewhere
from ..vocab import name_lookalikes, transliterated_without_dot
from .forms import (
    _CITY,
    _CJK,
    _COMPLETE_ENDINGS,
    _DATE_RE,
    _DIGIT_CONFUSIONS,
    _EIGHT_DIGITS,
    _FULLWIDTH,
    _NAME_DOTS,
    _PLACE_FIRST,
    _PRINTED_YMD,
    _PUNCT_EDGES,
    _ends_complete,
)
from .layout import Token

# How many digits a 医师资格证书 code has (SPEC.md "Fields": 24-27).
QUALIFICATION_DIGITS = range(24, 28)


@dataclass(frozen=True)
class Parsed:
    """A value parsed from raw text, with the flags the parsing itself raises."""

    value: str | None
    flags: tuple[Flag, ...] = ()


def _strip(text: str) -> str:
    return text.strip(_PUNCT_EDGES)


def name_char(char: str) -> bool:
    """Whether a character can be part of a name: a CJK character or the '·' of minority names."""
    return bool(_CJK.match(char)) or char == "·"


def parse_name(raw: str) -> Parsed:
    """Names keep CJK characters and the '·' of minority names, which OCR reads in many forms."""
    text = _NAME_DOTS.sub("·", raw)
    text = "".join(c for c in text if name_char(c)).strip("·")
    if len(text.replace("·", "")) < 2:
        return Parsed(None, (Flag.MISSING,)) if not text else Parsed(text, (Flag.INVALID_FORMAT,))
    return Parsed(text)


def parse_sex(raw: str) -> Parsed:
    found = {c for c in raw if c in (Sex.MALE, Sex.FEMALE)}
    if len(found) == 1:
        value = found.pop()
        return Parsed(value, () if _strip(raw) == value else (Flag.REPAIRED,))
    return Parsed(_strip(raw) or None, (Flag.NOT_IN_VOCABULARY,))


def parse_date(raw: str) -> Parsed:
    """Dates printed as 2019年3月5日, 2019年03月05日, 2019-03-05 or 2019.03.05 → 2019-03-05."""
    text = raw.translate(_FULLWIDTH).replace(" ", "")
    repaired = False
    match = _DATE_RE.search(text)
    if match is None:
        fixed = text.translate(_DIGIT_CONFUSIONS)
        match = _DATE_RE.search(fixed)
        repaired = match is not None
    if match is None:
        match = _PRINTED_YMD.search(text) or _EIGHT_DIGITS.fullmatch(text.translate(_DIGIT_CONFUSIONS))
        repaired = match is not None
    if match is None:
        return Parsed(_strip(raw) or None, (Flag.INVALID_FORMAT,))
    y, m, d = match.groups()
    value = f"{y}-{int(m):02d}-{int(d):02d}"
    return Parsed(value, (Flag.REPAIRED,) if repaired else ())


def _digits_only(raw: str, length: int, allow_x: bool) -> Parsed:
    """A run of `length` digits (an ID may end in X); letters OCR confuses for digits are repaired."""
    text = raw.translate(_FULLWIDTH).replace(" ", "").replace("×", "X")
    pattern = re.compile(rf"\d{{{length - 1}}}[\dXx]" if allow_x else rf"\d{{{length}}}")
    match = pattern.search(text)
    if match and _isolated(text, match):
        return Parsed(match.group().upper())
    fixed = text.translate(_DIGIT_CONFUSIONS)
    match = pattern.search(fixed)
    if match and _isolated(fixed, match):
        return Parsed(match.group().upper(), (Flag.REPAIRED,))
    return Parsed(_strip(raw) or None, (Flag.INVALID_FORMAT,))


def _isolated(text: str, match: re.Match[str]) -> bool:
    """The digit run is not part of a longer one (a 15-digit code inside an 18-digit ID)."""
    before = text[match.start() - 1] if match.start() > 0 else ""
    after = text[match.end()] if match.end() < len(text) else ""
    return not before.isdigit() and not after.isdigit()


def parse_id_number(raw: str) -> Parsed:
    return _digits_only(raw, ID_LENGTH, allow_x=True)


def parse_code(raw: str) -> Parsed:
    return _digits_only(raw, CODE_LENGTH, allow_x=False)


def parse_qualification_code(raw: str) -> Parsed:
    """The 医师资格证书 code: one run of QUALIFICATION_DIGITS digits (letters OCR confuses for digits
    repaired and flagged); any other length is kept as read and flagged."""
    text = raw.translate(_FULLWIDTH).replace(" ", "")
    for candidate, flags in ((text, ()), (text.translate(_DIGIT_CONFUSIONS), (Flag.REPAIRED,))):
        runs = re.findall(r"\d+", candidate)
        longest = max(runs, key=len, default="")
        if len(longest) in QUALIFICATION_DIGITS and len(runs) == 1:
            return Parsed(longest, flags)
    digits = re.sub(r"\D", "", text.translate(_DIGIT_CONFUSIONS))
    return Parsed(digits or _strip(raw) or None, (Flag.INVALID_FORMAT,))


def _closed(raw: str, found: VocabMatch) -> Parsed:
    """A closed-vocabulary value as the normalization stage settles it: the official value (a
    repair beyond the printed form or its 类别 suffix is flagged, so reviewed), else as read."""
    if found.match is None:
        return Parsed(re.sub(r"\s", "", _strip(raw)) or None, (Flag.NOT_IN_VOCABULARY,))
    return Parsed(found.match, () if found.method in (Method.EXACT, Method.RULE) else (Flag.REPAIRED,))


def parse_level(raw: str) -> Parsed:
    return _closed(raw, normalize_level(raw))


def parse_category(raw: str) -> Parsed:
    return _closed(raw, normalize_category(raw))


def parse_scope(raw: str) -> Parsed:
    """Scopes as printed, several joined by 、 (OCR's commas and semicolons mean the same)."""
    text = re.sub(r"[,，;；]", "、", re.sub(r"\s", "", _strip(raw)))
    return Parsed(text or None)


def parse_text(raw: str) -> Parsed:
    """Free text (place, institution, authority): spaces dropped, brackets in full-width form."""
    text = re.sub(r"\s", "", _strip(raw)).replace("(", "（").replace(")", "）")
    return Parsed(text or None)


PARSERS = {
    FieldKey.NAME: parse_name,
    FieldKey.SEX: parse_sex,
    FieldKey.BIRTH_DATE: parse_date,
    FieldKey.ID_NUMBER: parse_id_number,
    FieldKey.LEVEL: parse_level,
    FieldKey.CATEGORY: parse_category,
    FieldKey.SCOPE: parse_scope,
    FieldKey.PRACTICE_PLACE: parse_text,
    FieldKey.INSTITUTION: parse_text,
    FieldKey.AUTHORITY: parse_text,
    FieldKey.ISSUE_DATE: parse_date,
    FieldKey.CERTIFICATE_CODE: parse_code,
    FieldKey.QUALIFICATION_CODE: parse_qualification_code,
}


# Letters only, at least three of them: a word, not a value (an ID's X stands beside digits).
_LATIN_WORDS = re.compile(r"(?:[A-Za-z] *){3,}")


def _result(
    key: FieldKey, tokens: Sequence[Token], threshold: float, lookalike_threshold: float | None = None
) -> FieldResult:
    """A field from its tokens: parsed value, raw text, weakest character's confidence, flags."""
    text = "".join(t.text for t in tokens)
    if not text.strip(_PUNCT_EDGES):
        return FieldResult.missing()
    # What OCR read, before traditional forms were simplified: a name may really hold 昇 (not 升).
    raw = "".join(t.read if t.converted else t.text for t in tokens)
    if _LATIN_WORDS.fullmatch(text):
        # No field is a word of Latin letters: it is the label in Zhuang on a bilingual booklet
        # (Ndanghfaenh cwngq hauh beside 身份证号), where the value itself is covered or missing.
        return FieldResult(None, raw, 0.0, (Flag.MISSING,))
    parsed = PARSERS[key](text)
    if parsed.value is None:
        return FieldResult(None, raw, 0.0, parsed.flags or (Flag.MISSING,))
    # The weakest character decides: one misread character makes the whole value wrong.
    meaningful = [t for t in tokens if t.text not in _PUNCT_EDGES] or list(tokens)
    confidence = min(t.confidence for t in meaningful)
    flags = list(parsed.flags)
    if confidence < threshold:
        flags.append(Flag.LOW_CONFIDENCE)
    elif key is FieldKey.NAME and lookalike_threshold is not None:
        # A name has no check digit: a character with a look-alike (凤/风) must be read surely.
        lookalikes = name_lookalikes()
        if any(t.text in lookalikes and t.confidence < lookalike_threshold for t in meaningful):
            flags.append(Flag.LOW_CONFIDENCE)
    if key in _COMPLETE_ENDINGS and key is not FieldKey.SCOPE and not _ends_complete(key, parsed.value):
        # An authority or institution name that stops short (委员 for 委员会) lost its last characters.
        flags.append(Flag.INCOMPLETE)
    elif (
        key in _PLACE_FIRST
        and not parsed.value.startswith(place_names())
        and not _county_first(key, parsed.value)
        and not (key is FieldKey.AUTHORITY and national_issuer(parsed.value))
    ):
        # A practice place or authority begins with a place's full name (the national ministry with
        # none: 国家卫生健康委员会): 庆市 lost its first character.
        flags.append(Flag.INCOMPLETE)
    elif key in _PLACE_FIRST and _unknown_district(key, parsed.value):
        # 重庆市北区 (渝 lost), 重庆市方州区 (万 misread): no such district or county.
        flags.append(Flag.NOT_IN_VOCABULARY)
    if key is FieldKey.NAME and any(t.converted for t in meaningful):
        # Rare name characters can look traditional to OCR (乾 is not 干 in a name): a person checks.
        flags.append(Flag.REPAIRED)
    if key is FieldKey.NAME and transliterated_without_dot(parsed.value):
        # 古丽娜艾力: a transliterated name whose '·' OCR lost (or never saw) is not whole.
        flags.append(Flag.INCOMPLETE)
    value = parsed.value
    if key is FieldKey.ID_NUMBER:
        repaired = repair_id_number(value, [t.confidence for t in meaningful], threshold)
        if repaired is not None:
            value = repaired
            flags.append(Flag.REPAIRED)
    box = meaningful[0].box
    for tok in meaningful[1:]:
        box = box.union(tok.box)
    return FieldResult(value, raw, confidence, tuple(dict.fromkeys(flags)), box)


def repair_id_number(value: str, confidences: Sequence[float], threshold: float) -> str | None:
    """The one ID number that fixes a failed check digit by changing the single doubtful character.

    Only when exactly one character was read with low confidence: MOD 11-2 then allows exactly one
    value at that position, so the repair is unique. Returns None when no such repair exists.
    """
    if not re.fullmatch(r"\d{17}[\dX]", value) or len(confidences) != len(value):
        return None
    if ric.calc_check_digit(value) == value[-1]:
        return None
    doubtful = [i for i, c in enumerate(confidences) if c < threshold]
    if len(doubtful) != 1:
        return None
    pos = doubtful[0]
    options = "0123456789X" if pos == 17 else "0123456789"
    fixes = [
        v for v in (value[:pos] + o + value[pos + 1 :] for o in options) if ric.calc_check_digit(v) == v[-1]
    ]
    return fixes[0] if len(fixes) == 1 else None


@cache
def _counties_elsewhere() -> tuple[str, ...]:
    """The full names of China's county-level places outside Chongqing (朝阳区, 洪山区, 武侯区),
    longest first (GB/T 2260, as `scanner.normalize` reads it)."""
    full = (n for n in county_names_elsewhere() if len(n) > 2 and n[-1] in "市县区旗")
    return tuple(sorted(full, key=len, reverse=True))


def _county_first(key: FieldKey, value: str) -> bool:
    """Whether an authority begins with a county-level place of another province without its city
    (朝阳区卫生局: the old booklet and other provinces print it so), then an organ's name."""
    return key is FieldKey.AUTHORITY and value.startswith(_counties_elsewhere())


_DISTRICT_RE = re.compile(r"[\u4e00-\u9fff]{1,12}?[区县]")


def _unknown_district(key: FieldKey, value: str) -> bool:
    """Whether a Chongqing practice place or authority names a district or county that does not
    exist (a practice place is 重庆市 or 重庆市 and one district; an authority may name one)."""
    if not value.startswith(_CITY):
        return False
    rest = value[len(_CITY) :]
    if key is FieldKey.PRACTICE_PLACE:
        return bool(rest) and rest not in chongqing_districts()
    district = _DISTRICT_RE.match(rest)
    return district is not None and district.group() not in chongqing_districts()
