"""Text rules every normalizer shares: `clean` (the characters of a name that carry meaning) and
`fold` (characters OCR confuses folded together), with the Chinese numerals they use.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

from .data import data_rows

_CJK = "\u4e00-\u9fff"
_ZH_DIGITS = "〇零一二三四五六七八九十"
_DIGIT_VALUE = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_ZH_OF = "〇一二三四五六七八九"


@cache
def _confusion_table() -> dict[int, str]:
    """Characters OCR confuses, each mapped to the first of its group (ocr_confusions.csv)."""
    table: dict[int, str] = {}
    for row in data_rows("ocr_confusions.csv"):
        chars = row["chars"]
        for c in chars[1:]:
            table[ord(c)] = chars[0]
    return table


def fold(text: str) -> str:
    """Text with every character OCR confuses replaced by one representative (阮 → 院, 壁 → 璧)."""
    return text.translate(_confusion_table())


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
