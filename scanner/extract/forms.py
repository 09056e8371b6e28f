"""What printed values and characters look like: lengths, complete endings, OCR's character slips.

Shared by the layout (whether a value is whole or wrapped), the parsers, the label repairs and the
finders.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from ..fields import CODE_LENGTH, ID_LENGTH, NAME_DOTS, FieldKey
from ..normalize import words as closed_lists

# Fields whose printed value may wrap onto the next row (long minority names and numbers in narrow
# cells too).
WRAPPING = (
    FieldKey.NAME,
    FieldKey.BIRTH_DATE,
    FieldKey.ID_NUMBER,
    FieldKey.SCOPE,
    FieldKey.PRACTICE_PLACE,
    FieldKey.INSTITUTION,
    FieldKey.AUTHORITY,
    FieldKey.ISSUE_DATE,
    FieldKey.CERTIFICATE_CODE,
    FieldKey.QUALIFICATION_CODE,
)
# Values with a fixed form: complete when the form is, not by their last word.
_STRUCTURED = (
    FieldKey.BIRTH_DATE,
    FieldKey.ID_NUMBER,
    FieldKey.ISSUE_DATE,
    FieldKey.CERTIFICATE_CODE,
    FieldKey.QUALIFICATION_CODE,
)
# Numbers are complete at their length (a 医师资格证书 code at its longest, 27 digits).
_FULL_LENGTH = {
    FieldKey.ID_NUMBER: ID_LENGTH,
    FieldKey.CERTIFICATE_CODE: CODE_LENGTH,
    FieldKey.QUALIFICATION_CODE: 27,
}

# A complete value of these fields ends with one of these words; anything else may have wrapped.
_COMPLETE_ENDINGS: dict[FieldKey, tuple[str, ...]] = {
    FieldKey.INSTITUTION: (
        "医院",
        "中心",
        "卫生院",
        "卫生室",
        "诊所",
        "门诊部",
        "保健院",
        "研究所",
        "研究院",
        "医学院",
        "卫生服务站",
        "疗养院",
        "分院",
        "院区",
        "）",
        ")",
    ),
    FieldKey.AUTHORITY: ("委员会", "卫生局", "管理局", "卫健委", "卫计委", "卫生部", "卫生厅"),
    FieldKey.SCOPE: ("专业",),
    FieldKey.PRACTICE_PLACE: ("市", "区", "县", "省", "自治县"),
}

_CITY = "重庆市"
# Values that begin with the full name of a place (重庆市, 重庆市渝中区卫生健康委员会).
_PLACE_FIRST = frozenset({FieldKey.PRACTICE_PLACE, FieldKey.AUTHORITY})

# Characters OCR reads for digits; used only where the field can hold nothing but digits.
_DIGIT_CONFUSIONS = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "Q": "0",
        "I": "1",
        "l": "1",
        "|": "1",
        "i": "1",
        "Z": "2",
        "z": "2",
        "S": "5",
        "s": "5",
        "B": "8",
        "G": "6",
        "b": "6",
        "g": "9",
        "q": "9",
        "T": "7",
    }
)
# Half-width forms, and the box symbol □ that OCR returns for 口 (never printed on a certificate).
_FULLWIDTH = str.maketrans(
    {
        "□": "口",
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "：": ":",
        "（": "(",
        "）": ")",
        "．": ".",
        "Ｘ": "X",
        "ｘ": "x",
        "－": "-",
        "／": "/",
    }
)
_PUNCT_EDGES = " :：;；,，.。、·•・-—_|'\"“”‘’"
# What OCR reads between a label and its value. Tokens are NFKC-folded, so ： and ， are : and , here.
_SEPARATORS = ":;,.、"
# The dot of a minority name (热合曼·买买提), in the forms OCR reads it (fields.NAME_DOTS).
NAME_DOT_CHARS = NAME_DOTS
_NAME_DOTS = re.compile(f"[{re.escape(NAME_DOT_CHARS)}]")
_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")

# OCR often reads the dot of 2019.03.05 as a comma and a hyphen as a tilde; the digits are what matter.
_DATE_RE = re.compile(r"(\d{4})\s*[年.\-/,，~～]+\s*(\d{1,2})\s*[月.\-/,，~～]+\s*(\d{1,2})\s*日?")
# A date typed over a form's pre-printed 年 月 日, with marks read between them (a seal's stroke
# read as 医 or 用, before or after a printed character: 2012专年): the three numbers before their
# printed characters.
_MARKS = r"[^\d年月日]{0,2}"
_PRINTED_YMD = re.compile(rf"(\d{{4}}){_MARKS}年{_MARKS}(\d{{1,2}}){_MARKS}月{_MARKS}(\d{{1,2}}){_MARKS}日")
# A date whose separators OCR lost in part (2015.0102, 201503-16): its eight digits alone.
_EIGHT_DIGITS = re.compile(r"\D*(\d{4})\D?(\d{2})\D?(\d{2})\D*")


def cut_short(key: FieldKey, text: str) -> bool:
    """Whether a name that ends in a known way (an institution's 医院, an issuer's 委员会) stops
    before its end (重庆医科大学附属口)."""
    return key in _COMPLETE_ENDINGS and not _ends_complete(key, text)


def _ends_complete(key: FieldKey, text: str) -> bool:
    """Whether a value looks whole, so nothing on the next row belongs to it."""
    if key in _FULL_LENGTH:
        return len(re.sub(r"[^0-9Xx]", "", text)) >= _FULL_LENGTH[key]
    if key in (FieldKey.BIRTH_DATE, FieldKey.ISSUE_DATE):
        return _DATE_RE.search(text.replace(" ", "")) is not None
    return text.rstrip(_PUNCT_EDGES).endswith(_COMPLETE_ENDINGS.get(key, ()))


# Fields whose printed values say what they are wherever they stand.
SELF_EVIDENT = closed_lists.CLOSED_FIELDS


@cache
def _closed_forms() -> frozenset[str]:
    """Every printed form of every closed-list field's values (男, 执业医师, 临床, 内科专业 …)."""
    return frozenset(form for key in SELF_EVIDENT for form in closed_lists.closed_words(key))


def _word_agreement(text: str, words: Iterable[str]) -> int:
    """The most characters text has in place in any one of the words as long as it (0 if none is)."""
    return max((_label_agreement(text, word) for word in words if len(word) == len(text)), default=0)


def _label_agreement(text: str, label: str) -> int:
    """How many characters of `label` the start of `text` has in the same places."""
    return sum(a == b for a, b in zip(text, label, strict=False))
