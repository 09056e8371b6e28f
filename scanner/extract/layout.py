"""The page as rows of characters: tokens in the page frame, rows, and runs cut at the labels.

Nothing here depends on one layout: rows are rebuilt from the text boxes in a frame turned by the
page's own skew, so label and value may sit in one OCR box or in several. `attach_neighbours` then
finds values printed off their label's row and lets long values wrap.
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..fields import Box, FieldKey
from ..ocr.base import OcrLine, quad_bounds, spread_chars
from .forms import (
    _CJK,
    _FULL_LENGTH,
    _FULLWIDTH,
    _SEPARATORS,
    _STRUCTURED,
    WRAPPING,
    _ends_complete,
)
from .labels import CURRENT_TABLE, LabelTable

# Row geometry, in units of the row's character height.
_FIRST_GAP = 14.0  # label to value (labels and values may sit in separate columns)
_BREAK_GAP = 2.6  # inside a value; a larger gap ends it
_WRAP_INDENT = 2.5  # a wrapped line starts this close to the value's left edge
_WRAP_DROP = 2.4  # and at most this far below
# Text joins a row whose print is at most this many times larger or smaller than its own.
SIZE_RATIO = 1.4
# A lone character's box says less of its print size (a blurred pair of characters read as one,
# 口腔 as 啦, is boxed half as tall again as the row's line): it joins a row within this ratio.
LONE_SIZE_RATIO = 2.0


@dataclass(frozen=True)
class Token:
    """One character with its box in the page frame (turned by the skew) and in the image."""

    text: str
    confidence: float
    x0: float
    x1: float
    cy: float
    h: float
    box: Box
    # The character was read in traditional script and converted (names then need review).
    converted: bool = False
    # The character as OCR returned it, before conversion; `raw` reports this.
    read: str = ""


@dataclass
class Row:
    """Tokens of one printed row, left to right."""

    tokens: list[Token]

    @property
    def cy(self) -> float:
        return statistics.median(t.cy for t in self.tokens)

    @property
    def h(self) -> float:
        return statistics.median(t.h for t in self.tokens)

    @property
    def text(self) -> str:
        return "".join(t.text for t in self.tokens)


@dataclass
class Run:
    """A stretch of a row: a value after a label, or free text no label claims."""

    row: int
    tokens: list[Token]
    key: FieldKey | None = None
    label_x0: float = 0.0
    label_x1: float = 0.0
    label_cy: float = 0.0
    label_h: float = 0.0
    claimed: bool = False
    # Its label was only half read (性制, 社名): the value is known by its place, and reviewed.
    doubtful: bool = False
    # A label of no canonical field (签发人, 学历) with its value: nobody's text (always claimed).
    other: bool = False
    # A redaction box lies where its value is printed: the value is hidden, and nothing else is it.
    covered: bool = False
    before: list[list[Token]] = field(default_factory=list)
    extra: list[list[Token]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(t.text for t in self.tokens)


def page_skew(lines: Sequence[OcrLine]) -> float:
    """The page's rotation in radians, the median direction of the longer text lines."""
    angles = []
    for line in lines:
        (x0, y0), (x1, y1), _, (x3, y3) = line.quad
        width = math.hypot(x1 - x0, y1 - y0)
        height = math.hypot(x3 - x0, y3 - y0)
        if width > 2 * height:
            angles.append(math.atan2(y1 - y0, x1 - x0))
    return statistics.median(angles) if angles else 0.0


def tokens_of(lines: Sequence[OcrLine], skew: float) -> list[list[Token]]:
    """Each line's characters as tokens in the page frame, normalized to simplified half-width forms."""
    cos, sin = math.cos(skew), math.sin(skew)
    out: list[list[Token]] = []
    for line in lines:
        (qx0, qy0), (qx1, qy1), _, (qx3, qy3) = line.quad
        line_h = max(math.hypot(qx3 - qx0, qy3 - qy0), 1.0)
        line_w = max(math.hypot(qx1 - qx0, qy1 - qy0), 1.0)
        chars = line.chars
        stacked = line_h > 1.5 * line_w and len(chars) > 1
        if stacked:
            # Widely spaced labels (姓　　名) stacked in a column can be detected as one vertical
            # line (姓 over 性); give each character its own slice so it rejoins its printed row.
            chars = spread_chars(
                [(c.text, c.confidence) for c in chars], quad_bounds(line.quad), vertical=True
            )
            line_h = line_w
        toks: list[Token] = []
        for ch in chars:
            read = unicodedata.normalize("NFKC", ch.text).translate(_FULLWIDTH)
            text, converted = simplified(read)
            if not text.strip():
                continue
            bx0, by0, bx1, by1 = ch.box
            cx, cy = (bx0 + bx1) / 2, (by0 + by1) / 2
            rx, ry = cx * cos + cy * sin, -cx * sin + cy * cos
            half_w = (bx1 - bx0) / 2
            box = Box(bx0, by0, bx1, by1)
            toks.append(
                Token(text, ch.confidence, rx - half_w, rx + half_w, ry, line_h, box, converted, read)
            )
        if stacked:
            out.extend([t] for t in toks)
        elif toks:
            out.append(toks)
    return out


@cache
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


@cache
def simplified(char: str) -> tuple[str, bool]:
    """The simplified form of a character. PP-OCRv6 reads Chinese in both scripts and sometimes
    returns a traditional form for a simplified glyph; certificates are printed in simplified script.
    """
    if not _CJK.match(char):
        return char, False
    out = _t2s().convert(char)
    if len(out) != 1 or out == char:
        return char, False
    return out, True


def build_rows(lines_tokens: Sequence[list[Token]]) -> list[Row]:
    """Group lines whose centres lie on one printed row; rows come out top to bottom.

    Lines of several characters make the rows: a line joins the nearest row whose centre is within
    half a character height and whose print has a similar size, so a large title never swallows the
    small text beside it. Lone characters (a spaced-out label's 姓, a value 男) have tight boxes
    whose height says little about the print size, so they join the nearest row afterwards.
    """
    several = [toks for toks in lines_tokens if len(toks) > 1]
    lone = [toks for toks in lines_tokens if len(toks) == 1]
    rows: list[Row] = []
    for toks in sorted(several, key=lambda t: statistics.median(x.cy for x in t)):
        cy = statistics.median(t.cy for t in toks)
        h = statistics.median(t.h for t in toks)
        best = _nearest_row(rows[-4:], cy, h, toks)
        _join(rows, best, toks)
    for toks in sorted(lone, key=lambda t: t[0].cy):
        # A CJK character is about as wide as its print is high; the tight box height is not.
        size = max(toks[0].h, toks[0].x1 - toks[0].x0)
        best = _nearest_row(rows, toks[0].cy, size, toks, reach=0.5 * max(size, 1.0), ratio=LONE_SIZE_RATIO)
        _join(rows, best, toks)
    rows.sort(key=lambda r: r.cy)
    return rows


def _nearest_row(
    rows: Sequence[Row],
    cy: float,
    h: float,
    toks: Sequence[Token],
    reach: float | None = None,
    ratio: float = SIZE_RATIO,
) -> Row | None:
    """The row nearest to `cy`, of a similar print size `h`, within half a character height (or
    `reach`). Text on one row never overlaps, so a row already holding text above or below these
    tokens is another row (tight two-line cells)."""
    best: Row | None = None
    x0, x1 = min(t.x0 for t in toks), max(t.x1 for t in toks)
    for row in rows:
        limit = 0.5 * min(row.h, h) if reach is None else max(0.5 * row.h, reach)
        if abs(row.cy - cy) >= limit or max(row.h, h) > ratio * min(row.h, h):
            continue
        if any(min(x1, t.x1) - max(x0, t.x0) > 0.5 * (t.x1 - t.x0) for t in row.tokens):
            continue
        if best is None or abs(row.cy - cy) < abs(best.cy - cy):
            best = row
    return best


def _join(rows: list[Row], row: Row | None, toks: list[Token]) -> None:
    if row is None:
        rows.append(Row(sorted(toks, key=lambda t: t.x0)))
    else:
        row.tokens.extend(toks)
        row.tokens.sort(key=lambda t: t.x0)


def split_row(index: int, row: Row, table: LabelTable = CURRENT_TABLE) -> list[Run]:
    """Cut a row at the labels of `table`: each label's value, and the free text around them. A
    label of no canonical field keeps its value as a claimed run, so no field takes it."""
    text = row.text
    tokens = row.tokens
    h = row.h
    runs: list[Run] = []
    matches = list(table.regex.finditer(text))
    bounds = [(m.start(), m.end(), table.group_key[str(m.lastgroup)]) for m in matches]
    if not bounds:
        return _free_runs(index, tokens, h)
    runs += _free_runs(index, tokens[: bounds[0][0]], h)
    for n, (start, end, key) in enumerate(bounds):
        stop = bounds[n + 1][0] if n + 1 < len(bounds) else len(tokens)
        label_end = tokens[end - 1].x1
        value: list[Token] = []
        rest: list[Token] = []
        for tok in tokens[end:stop]:
            if rest:
                rest.append(tok)
                continue
            if not value and tok.text in _SEPARATORS:  # the label's own colon
                continue
            prev_x1 = value[-1].x1 if value else label_end
            limit = _BREAK_GAP if value else _FIRST_GAP
            if tok.x0 - prev_x1 > limit * h:
                rest.append(tok)
            else:
                value.append(tok)
        if _own_label(value):
            # Text with a colon of its own is another label, misread, and its value (执业类别
            # 业地点：重庆市铜梁区, the category's value lost): this label's value was not read.
            rest, value = value + rest, []
        label = tokens[start:end]
        if key is None:
            label_cy = statistics.median(t.cy for t in label)
            runs.append(Run(index, label + value, claimed=True, other=True, label_cy=label_cy))
            runs += _free_runs(index, rest, h)
            continue
        runs.append(
            Run(
                index,
                value,
                key=key,
                label_x0=label[0].x0,
                label_x1=label_end,
                label_cy=statistics.median(t.cy for t in label),
                label_h=statistics.median(t.h for t in label),
            )
        )
        runs += _free_runs(index, rest, h)
    return runs


def _free_runs(index: int, tokens: Sequence[Token], h: float) -> list[Run]:
    """Unlabelled text, cut at wide gaps and where a Latin word meets Chinese characters."""
    runs: list[Run] = []
    current: list[Token] = []
    for tok in tokens:
        if current and tok.x0 - current[-1].x1 > _BREAK_GAP * h:
            runs.extend(Run(index, part) for part in _by_script(current))
            current = []
        current.append(tok)
    if current:
        runs.extend(Run(index, part) for part in _by_script(current))
    return runs


# A run of Latin letters this long is a word: on a bilingual booklet, a label's Zhuang (Gihgvanh fat
# cwngq under 发证机关), which may run on into the wrapped line of a value beside it.
LATIN_WORD = 3


def latin(tok: Token) -> bool:
    """Whether a token is Latin script: letters, and the spaces and marks between words (Hanghmoeg,
    bienq: a space read as a comma); digits are not."""
    return tok.text.isascii() and not tok.text.isdigit()


def _by_script(tokens: list[Token]) -> list[list[Token]]:
    """Tokens cut where a Latin word (letters, and the spaces and marks between them) meets Chinese
    characters: no value is written half in one, half in the other."""
    parts: list[list[Token]] = []
    start = 0
    for i in range(1, len(tokens) + 1):
        if i < len(tokens) and latin(tokens[i]) == latin(tokens[i - 1]):
            continue
        parts.append(tokens[start:i])
        start = i
    words = [latin(p[0]) and sum(c.isalpha() for t in p for c in t.text) >= LATIN_WORD for p in parts]
    if not any(words):
        return [tokens]
    # Letters too few to be a word (a B超 room, a stray mark) stay with the text beside them.
    merged: list[list[Token]] = []
    for k, (part, word) in enumerate(zip(parts, words, strict=True)):
        if merged and not word and not words[k - 1]:
            merged[-1] = merged[-1] + part
        else:
            merged.append(part)
    return merged


def attach_neighbours(runs: list[Run], rows: Sequence[Row], table: LabelTable = CURRENT_TABLE) -> None:
    """Find values printed off their label's row, and let long values wrap.

    A label with no value on its row takes the free text level with it (a table cell may centre its
    value a little higher or lower) or else the free text just below it. A value that does not look
    whole continues with the free text starting at its left edge on the next rows, or, in a table
    cell that centres a two-line value on its label, begins with the free text just above it. An
    institution that looks whole continues with a branch's name right below it (`_branch_tail`).
    """
    free = [r for r in runs if r.key is None]
    labels = [r for r in runs if r.key is not None]
    # Every label's row, of a field or not (签发人 under a wrapped 发证机关): a row's own text.
    every_label = [*labels, *(r for r in runs if r.other)]
    for run in labels:
        h = run.label_h or rows[run.row].h
        if run.covered or run.key is None:
            continue
        if not run.tokens:
            found = _free_beside(free, labels, run, h) or _free_below(free, rows, run.row, run.label_x0, h)
            if found is not None:
                found.claimed = True
                run.tokens = found.tokens
                run.row = found.row
        kind = table.kind(run.key)
        if kind in _DATES and run.tokens:
            _join_offset_digits(run, free, rows, h)
        if kind not in WRAPPING or not run.tokens:
            continue
        start_x = run.tokens[0].x0
        last_row = run.row
        text = run.text
        if kind is not FieldKey.NAME:
            above = _free_above(free, rows, run.row, start_x, h)
            # Text just above that is whole by itself is something else, not this value's head; a
            # number or date takes a head only when that is what completes it.
            if (
                above is not None
                and not _ends_complete(kind, above.text)
                and (
                    kind not in _STRUCTURED
                    or (_ends_complete(kind, above.text + text) and not _ends_complete(kind, text))
                )
            ):
                above.claimed = True
                run.before.append(above.tokens)
                text = above.text + text
        while not _ends_complete(kind, text) and len(run.extra) < 2:
            nxt = _free_below(free, rows, last_row, start_x, h)
            if nxt is None or (kind is FieldKey.NAME and not _name_tail(nxt, rows, last_row, labels)):
                break
            if not _continues(kind, text, nxt.text) or _label_remnant(nxt.text, table):
                break
            if run.extra and _level_with_label(
                statistics.median(t.cy for t in nxt.tokens), h, -1, every_label
            ):
                break  # a second line down level with a label is that label's value (签发人's name)
            nxt.claimed = True
            run.extra.append(nxt.tokens)
            last_row = nxt.row
            text += nxt.text
        if kind is FieldKey.INSTITUTION and not run.extra:
            tail = _free_below(free, rows, last_row, start_x, h)
            if tail is not None and _branch_tail(tail, rows, last_row, labels):
                tail.claimed = True
                run.extra.append(tail.tokens)


# Dates whose digits may be typed off the pre-printed 年 月 日 they belong over.
_DATES = (FieldKey.BIRTH_DATE, FieldKey.ISSUE_DATE)
# The 年 月 日 printed on the form, which typed digits fill in.
_DATE_MARKS = frozenset("年月日")
# Typed digits lie at most this many character heights above or below their 年 月 日.
_DIGITS_OFFSET = 1.2


def _join_offset_digits(run: Run, free: Sequence[Run], rows: Sequence[Row], h: float) -> None:
    """A date typed over a pre-printed 年 月 日 and misaligned: the 年 月 日 were read with the label
    and the digits, a little higher or lower, as a row of their own. Digits-only free text just
    above or below the value, within its stretch of the row, is taken into the value, every
    character in its place from left to right (2015 年 12 月 27 日)."""
    text = run.text
    if not _DATE_MARKS & set(text) or sum(c.isdigit() for c in text) >= 6:
        return
    # From the label's end (the year is typed before the first mark) to just past the last mark.
    x0 = min(run.label_x1, run.tokens[0].x0) - 0.2 * h
    x1 = run.tokens[-1].x1 + h
    cy = statistics.median(t.cy for t in run.tokens)
    taken: list[Run] = []
    for cand in free:
        if cand.claimed or not cand.tokens or not all(t.text.isdigit() for t in cand.tokens):
            continue
        ccy = statistics.median(t.cy for t in cand.tokens)
        if abs(ccy - cy) > _DIGITS_OFFSET * h or cand.tokens[0].x0 < x0 or cand.tokens[-1].x1 > x1:
            continue
        taken.append(cand)
    if not taken:
        return
    for cand in taken:
        cand.claimed = True
    tokens = run.tokens + [t for cand in taken for t in cand.tokens]
    run.tokens = sorted(tokens, key=lambda t: (t.x0 + t.x1) / 2)


def _continues(key: FieldKey, text: str, more: str) -> bool:
    """Whether text on the next row can continue a value: a long number wraps onto digits alone,
    and no further than its longest form."""
    if key is not FieldKey.QUALIFICATION_CODE:
        return True
    digits = re.sub(r"\D", "", text)
    return more.isdigit() and len(digits) + len(more) <= _FULL_LENGTH[key]


def cover_values(runs: Sequence[Run], covered: Sequence[Box], skew: float = 0.0) -> None:
    """Mark the labels whose value a redaction box hides (`covered`, boxes in the lines' pixels): a
    box level with the label, starting right after it (before any value text left of it), with no
    other label between. Such a label keeps no value and takes none from its neighbours."""
    if not covered:
        return
    cos, sin = math.cos(skew), math.sin(skew)
    frames = []
    for box in covered:
        corners = [(x, y) for x in (box.x0, box.x1) for y in (box.y0, box.y1)]
        xs = [x * cos + y * sin for x, y in corners]
        ys = [-x * sin + y * cos for x, y in corners]
        frames.append((min(xs), min(ys), max(xs), max(ys)))
    labels = [r for r in runs if r.key is not None]
    for run in labels:
        h = run.label_h
        for x0, y0, _, y1 in frames:
            level = y0 - 0.5 * h <= run.label_cy <= y1 + 0.5 * h
            beside = run.label_x1 - 0.5 * h <= x0 <= run.label_x1 + _FIRST_GAP * h
            if not (level and beside) or (run.tokens and run.tokens[0].x0 < x0 - h):
                continue
            between = any(
                other is not run
                and abs(other.label_cy - run.label_cy) < 0.8 * h
                and run.label_x1 <= other.label_x0 < x0
                for other in labels
            )
            if not between:
                run.covered, run.tokens = True, []
                break


def _own_label(tokens: Sequence[Token]) -> bool:
    """Whether text holds a label of its own, too poorly read to be known, before a colon
    (业地点：重庆市铜梁区, 号：500114197303107440): it is that label's value, no other's."""
    return any(
        t.text == ":" and (i >= 2 or (i == 1 and _CJK.match(tokens[0].text))) for i, t in enumerate(tokens)
    )


def _free_beside(free: Sequence[Run], labels: Sequence[Run], run: Run, h: float) -> Run | None:
    """The nearest unclaimed free text to the right of a label and level with it, no label between."""
    best: Run | None = None
    for cand in free:
        if cand.claimed or not cand.tokens or _own_label(cand.tokens):
            continue
        x0 = cand.tokens[0].x0
        cy = statistics.median(t.cy for t in cand.tokens)
        if (
            abs(cy - run.label_cy) > 0.8 * h
            or not run.label_x1 - 0.2 * h <= x0 <= run.label_x1 + _FIRST_GAP * h
        ):
            continue
        between = any(
            run.label_x1 <= other.label_x0 < x0 and abs(other.label_cy - run.label_cy) <= 0.8 * h
            for other in labels
            if other is not run
        )
        if not between and (best is None or x0 < best.tokens[0].x0):
            best = cand
    return best


def _free_above(free: Sequence[Run], rows: Sequence[Row], row: int, x0: float, h: float) -> Run | None:
    """The unclaimed free run starting at x0 on the row just above `row`, within a line's height."""
    best: Run | None = None
    for cand in free:
        if cand.claimed or cand.row >= row or not cand.tokens or _own_label(cand.tokens):
            continue
        if rows[row].cy - rows[cand.row].cy > 1.3 * h or abs(cand.tokens[0].x0 - x0) > 1.0 * h:
            continue
        if best is None or cand.row > best.row:
            best = cand
    return best


# A name's next line (a name's wrapped end, a branch under its parent) lies at most this many
# heights below the line before: a line of the same value, nearer than the next row of the form.
_LINE_DROP = 1.6


def _name_tail(cand: Run, rows: Sequence[Row], row: int, labels: Sequence[Run]) -> bool:
    """Whether a free run can be the wrapped end of a name: a few CJK characters right below,
    not level with any label (that would be the next field's value)."""
    text = cand.text
    h = rows[row].h
    cy = statistics.median(t.cy for t in cand.tokens)
    close = cy - rows[row].cy <= _LINE_DROP * h
    return (
        close
        and not _level_with_label(cy, h, row, labels)
        and 0 < len(text) <= 4
        and all(_CJK.match(c) or c == "·" for c in text)
    )


def _level_with_label(cy: float, h: float, row: int, labels: Sequence[Run]) -> bool:
    """Whether text at height cy is level with a label of another row (so it is that label's value)."""
    return any(abs(r.label_cy - cy) < 0.6 * h for r in labels if r.row != row)


def _label_remnant(text: str, table: LabelTable) -> bool:
    """Whether text begins with one of the form's longer labels, whole or without its last character
    (签发 of 签发人 whose 人 was lost): the next row's label, never the end of a wrapped value."""
    return any(len(label) >= 3 and text.startswith(label[:-1]) for label in table.owner)


# A branch's name is no longer than this (金山医院, 礼嘉分院, 医院 under 重庆三峡中心).
_BRANCH_LENGTH = 8


def _branch_tail(cand: Run, rows: Sequence[Row], row: int, labels: Sequence[Run]) -> bool:
    """Whether a free run continues an institution's name that looks whole by itself: the name of a
    branch or campus under its parent's (重庆医科大学附属第一医院 / 金山医院 or （金山医院）,
    …儿童医院 / 礼嘉分院), or 医院 under a name ending in 中心 (重庆三峡中心 / 医院). It is a short
    name that itself ends as an institution's does, right below, not level with any label."""
    text = cand.text
    h = rows[row].h
    cy = statistics.median(t.cy for t in cand.tokens)
    return (
        cy - rows[row].cy <= _LINE_DROP * h
        and not _level_with_label(cy, h, row, labels)
        and len(text) <= _BRANCH_LENGTH
        and all(_CJK.match(c) or c in "（）()" for c in text)
        and _ends_complete(FieldKey.INSTITUTION, text)
    )


def _free_below(free: Sequence[Run], rows: Sequence[Row], row: int, x0: float, h: float) -> Run | None:
    """The unclaimed free run starting near x0 on a row just below `row`."""
    best: Run | None = None
    for cand in free:
        if cand.claimed or cand.row <= row or _own_label(cand.tokens):
            continue
        drop = rows[cand.row].cy - rows[row].cy
        if drop > _WRAP_DROP * h:
            continue
        if abs(cand.tokens[0].x0 - x0) <= _WRAP_INDENT * h and (best is None or cand.row < best.row):
            best = cand
    return best
