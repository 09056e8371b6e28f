"""Extraction stage: OCR lines → labelled certificate fields, anchored on the printed labels.

The certificate is read the way a person reads it: find the labels (姓名, 身份证号 ...), take the text
that follows each label on its row, let long values wrap onto the next row, and find the certificate
code wherever it is printed. Nothing here depends on one layout: rows are rebuilt from the text boxes
in a frame turned by the page's own skew, so label and value may sit in one OCR box or in several.

Parsing is lenient (dates in any printed form, ID numbers with letters OCR confuses for digits) and
every repair is flagged, so a changed value is always reviewed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import statistics
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from rapidfuzz import fuzz, process
from stdnum.cn import ric

from ..checks import FIRST_CERTIFICATES, MIN_LICENSING_AGE, add_years, id_birth_date
from ..fields import NAME_DOTS, Box, FieldKey, FieldResult, Flag, Sex
from ..lookalike import looks_alike
from ..normalize import (
    Method,
    VocabMatch,
    chongqing_districts,
    normalize_category,
    normalize_level,
    place_names,
)
from ..ocr.base import OcrLine, quad_bounds, spread_chars
from ..reread import ctc as lexicon
from ..vocab import name_lookalikes, transliterated_without_dot

# Printed label variants per field. Longer variants are tried first, so 主要执业机构 wins over 执业机构.
LABELS: dict[FieldKey, tuple[str, ...]] = {
    FieldKey.NAME: ("姓名",),
    FieldKey.SEX: ("性别",),
    FieldKey.BIRTH_DATE: ("出生日期", "出生年月"),
    FieldKey.ID_NUMBER: ("公民身份号码", "身份证件号码", "身份证号码", "身份证号", "证件号码"),
    FieldKey.LEVEL: ("医师级别", "执业级别"),
    FieldKey.CATEGORY: ("执业类别",),
    FieldKey.SCOPE: ("执业范围",),
    FieldKey.PRACTICE_PLACE: ("执业地点",),
    FieldKey.INSTITUTION: ("主要执业机构", "执业机构"),
    FieldKey.AUTHORITY: ("发证机关", "签发机关"),
    FieldKey.ISSUE_DATE: ("发证日期", "签发日期"),
    FieldKey.CERTIFICATE_CODE: ("证书编码", "证书编号"),
}

_LABEL_OF: dict[str, FieldKey] = {v: k for k, vs in LABELS.items() for v in vs}


def _one_slip_patterns() -> dict[str, FieldKey]:
    """Labels of four or more characters with any one character misread (执业类制 for 执业类别).

    A pattern that two fields' labels share (执业?别: 执业类别 and 执业级别) is dropped: it would
    not say which field follows.
    """
    owners: dict[str, set[FieldKey]] = {}
    for label, key in _LABEL_OF.items():
        if len(label) < 4:
            continue
        for i in range(len(label)):
            pattern = re.escape(label[:i]) + "[\u4e00-\u9fff]" + re.escape(label[i + 1 :])
            owners.setdefault(pattern, set()).add(key)
    return {p: next(iter(keys)) for p, keys in owners.items() if len(keys) == 1}


_SLIP_OF = _one_slip_patterns()
# Exact labels first (longest first), then the one-slip forms: at one position an exact label wins.
_LABEL_RE = re.compile(
    "|".join(
        [f"(?P<x{i}>{re.escape(v)})" for i, v in enumerate(sorted(_LABEL_OF, key=len, reverse=True))]
        + [f"(?P<s{i}>{p})" for i, p in enumerate(sorted(_SLIP_OF, key=len, reverse=True))]
    )
)
_GROUP_KEY: dict[str, FieldKey] = {
    **{f"x{i}": _LABEL_OF[v] for i, v in enumerate(sorted(_LABEL_OF, key=len, reverse=True))},
    **{f"s{i}": _SLIP_OF[p] for i, p in enumerate(sorted(_SLIP_OF, key=len, reverse=True))},
}

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
)
# Values with a fixed form: complete when the form is, not by their last word.
_STRUCTURED = (FieldKey.BIRTH_DATE, FieldKey.ID_NUMBER, FieldKey.ISSUE_DATE, FieldKey.CERTIFICATE_CODE)
# Numbers are complete at their length.
# How many characters an ID number and a certificate code have.
ID_LENGTH, CODE_LENGTH = 18, 15
_FULL_LENGTH = {FieldKey.ID_NUMBER: ID_LENGTH, FieldKey.CERTIFICATE_CODE: CODE_LENGTH}

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
    FieldKey.AUTHORITY: ("委员会", "卫生局", "管理局", "卫健委", "卫计委"),
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

# Row geometry, in units of the row's character height.
_FIRST_GAP = 14.0  # label to value (labels and values may sit in separate columns)
_BREAK_GAP = 2.6  # inside a value; a larger gap ends it
_WRAP_INDENT = 2.5  # a wrapped line starts this close to the value's left edge
_WRAP_DROP = 2.4  # and at most this far below


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
        best = _nearest_row(rows, toks[0].cy, size, toks, reach=0.5 * max(size, 1.0))
        _join(rows, best, toks)
    rows.sort(key=lambda r: r.cy)
    return rows


def _nearest_row(
    rows: Sequence[Row], cy: float, h: float, toks: Sequence[Token], reach: float | None = None
) -> Row | None:
    """The row nearest to `cy`, of a similar print size `h`, within half a character height (or
    `reach`). Text on one row never overlaps, so a row already holding text above or below these
    tokens is another row (tight two-line cells)."""
    best: Row | None = None
    x0, x1 = min(t.x0 for t in toks), max(t.x1 for t in toks)
    for row in rows:
        limit = 0.5 * min(row.h, h) if reach is None else max(0.5 * row.h, reach)
        if abs(row.cy - cy) >= limit or max(row.h, h) > 1.4 * min(row.h, h):
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


def split_row(index: int, row: Row) -> list[Run]:
    """Cut a row at its labels: each label's value, and the free text around them."""
    text = row.text
    tokens = row.tokens
    h = row.h
    runs: list[Run] = []
    matches = list(_LABEL_RE.finditer(text))
    bounds = [(m.start(), m.end(), _GROUP_KEY[str(m.lastgroup)]) for m in matches]
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
    """Unlabelled text, cut at wide gaps."""
    runs: list[Run] = []
    current: list[Token] = []
    for tok in tokens:
        if current and tok.x0 - current[-1].x1 > _BREAK_GAP * h:
            runs.append(Run(index, current))
            current = []
        current.append(tok)
    if current:
        runs.append(Run(index, current))
    return runs


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


def attach_neighbours(runs: list[Run], rows: Sequence[Row]) -> None:
    """Find values printed off their label's row, and let long values wrap.

    A label with no value on its row takes the free text level with it (a table cell may centre its
    value a little higher or lower) or else the free text just below it. A value that does not look
    whole continues with the free text starting at its left edge on the next rows, or, in a table
    cell that centres a two-line value on its label, begins with the free text just above it.
    """
    free = [r for r in runs if r.key is None]
    labels = [r for r in runs if r.key is not None]
    for run in labels:
        h = run.label_h or rows[run.row].h
        if not run.tokens:
            found = _free_beside(free, labels, run, h) or _free_below(free, rows, run.row, run.label_x0, h)
            if found is not None:
                found.claimed = True
                run.tokens = found.tokens
                run.row = found.row
        if run.key not in WRAPPING or not run.tokens:
            continue
        start_x = run.tokens[0].x0
        last_row = run.row
        text = run.text
        if run.key is not FieldKey.NAME:
            above = _free_above(free, rows, run.row, start_x, h)
            # Text just above that is whole by itself is something else, not this value's head; a
            # number or date takes a head only when that is what completes it.
            if (
                above is not None
                and not _ends_complete(run.key, above.text)
                and (
                    run.key not in _STRUCTURED
                    or (_ends_complete(run.key, above.text + text) and not _ends_complete(run.key, text))
                )
            ):
                above.claimed = True
                run.before.append(above.tokens)
                text = above.text + text
        while not _ends_complete(run.key, text) and len(run.extra) < 2:
            nxt = _free_below(free, rows, last_row, start_x, h)
            if nxt is None or (run.key is FieldKey.NAME and not _name_tail(nxt, rows, last_row, labels)):
                break
            nxt.claimed = True
            run.extra.append(nxt.tokens)
            last_row = nxt.row
            text += nxt.text


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


def _name_tail(cand: Run, rows: Sequence[Row], row: int, labels: Sequence[Run]) -> bool:
    """Whether a free run can be the wrapped end of a name: a few CJK characters right below,
    not level with any label (that would be the next field's value)."""
    text = cand.text
    h = rows[row].h
    cy = statistics.median(t.cy for t in cand.tokens)
    close = cy - rows[row].cy <= 1.6 * h
    level_with_label = any(abs(r.label_cy - cy) < 0.6 * h for r in labels if r.row != row)
    return (
        close and not level_with_label and 0 < len(text) <= 4 and all(_CJK.match(c) or c == "·" for c in text)
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


# ---------------------------------------------------------------- value parsing, field by field


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


# OCR often reads the dot of 2019.03.05 as a comma and a hyphen as a tilde; the digits are what matter.
_DATE_RE = re.compile(r"(\d{4})\s*[年.\-/,，~～]+\s*(\d{1,2})\s*[月.\-/,，~～]+\s*(\d{1,2})\s*日?")
# A date whose separators OCR lost in part (2015.0102, 201503-16): its eight digits alone.
_EIGHT_DIGITS = re.compile(r"\D*(\d{4})\D?(\d{2})\D?(\d{2})\D*")


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
        match = _EIGHT_DIGITS.fullmatch(text.translate(_DIGIT_CONFUSIONS))
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
    return _digits_only(raw, 15, allow_x=False)


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
}


def _result(
    key: FieldKey, tokens: Sequence[Token], threshold: float, lookalike_threshold: float | None = None
) -> FieldResult:
    """A field from its tokens: parsed value, raw text, weakest character's confidence, flags."""
    text = "".join(t.text for t in tokens)
    if not text.strip(_PUNCT_EDGES):
        return FieldResult.missing()
    parsed = PARSERS[key](text)
    # What OCR read, before traditional forms were simplified: a name may really hold 昇 (not 升).
    raw = "".join(t.read if t.converted else t.text for t in tokens)
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
    elif key in _PLACE_FIRST and not parsed.value.startswith(place_names()):
        # A practice place or authority begins with a place's full name: 庆市 lost its first character.
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


def _free(runs: Sequence[Run]) -> Iterator[Run]:
    """The runs of free text: no label's value, not claimed as part of one."""
    return (run for run in runs if run.key is None and not run.claimed)


def _code_anywhere(runs: Sequence[Run], threshold: float) -> FieldResult | None:
    """The certificate code printed away from the fields: a lone 15-digit run in unclaimed text."""
    found: list[FieldResult] = []
    for run in _free(runs):
        digits = [t for t in run.tokens if t.text.isdigit()]
        if len(digits) == 15 and parse_code(run.text).value is not None:
            found.append(_result(FieldKey.CERTIFICATE_CODE, digits, threshold))
    distinct = {f.value for f in found}
    if len(distinct) == 1:
        return max(found, key=lambda f: f.confidence)
    return None


# Fields whose printed values say what they are wherever they stand.
SELF_EVIDENT = lexicon.CLOSED_FIELDS
# A value of at least this many characters is known also behind a few misread label characters
# (西件单制执业助理医师); shorter ones (男, 临床, 重庆市) only standing alone or after a colon.
TELLING_LENGTH = 4
# The longest label (主要执业机构) is this long: more text before a value is no misread label.
LONGEST_LABEL = 6


def _value_tokens(run: Run, keep: str = "") -> list[Token]:
    """A free run's characters after its last colon (a label too poorly read to be known still
    ends there: 邮级别：执业医师), punctuation left out but for the marks in `keep`."""
    tokens = run.tokens
    colons = [i for i, t in enumerate(tokens) if t.text == ":"]
    if colons:
        tokens = tokens[colons[-1] + 1 :]
    return [t for t in tokens if (t.text not in _PUNCT_EDGES or t.text in keep) and t.text.strip()]


def _closed_anywhere(runs: Sequence[Run], key: FieldKey, threshold: float) -> FieldResult | None:
    """A value whose label was not read, known by its form: a run of unclaimed text that is one of
    the field's printed forms, or ends in a long one behind what can only be a misread label, or
    in any one behind a misread label ending as the field's does (and no other run holds another
    one)."""
    forms = lexicon.closed_words(key)
    tails = {label[-1] for label in LABELS[key]}
    found: list[FieldResult] = []
    for run in _free(runs):
        meaningful = _value_tokens(run)
        text = "".join(t.text for t in meaningful)
        form = text if text in forms else None
        if form is None and len(meaningful) == len(text):
            for cut in range(1, min(LONGEST_LABEL, len(text) - 1) + 1):
                # Behind a label's last character read right (社美别中医), a short value is known too.
                if text[cut:] in forms and (len(text) - cut >= TELLING_LENGTH or text[cut - 1] in tails):
                    form, meaningful = text[cut:], meaningful[cut:]
                    break
        if form is not None:
            result = _result(key, meaningful, threshold)
            found.append(replace(result, value=forms[form]).with_flags(Flag.UNLABELLED))
    distinct = {f.value for f in found}
    return found[0] if len(distinct) == 1 else None


# A value behind a colon whose label was unreadable, and itself misread (热业医维), is the one missing
# closed-list field it resembles: this similar (rapidfuzz ratio, 0-100) to one of that field's words
# of about its length (within LENGTH_SLACK characters), and to no other missing field's. The second
# look then reads it against those words.
RESEMBLES = 50.0
LENGTH_SLACK = 2


# A page where detection found at most this many labels but at least this many runs of other text
# lost its labels to faint print (labels printed small on shaded cells) or glare: every misread
# value there is without its label, colon or not.
FEW_LABELS = 3
MANY_VALUES = 6


def _resembling_values(fields: dict[FieldKey, FieldResult], runs: Sequence[Run], threshold: float) -> None:
    """Closed-list values behind a colon, misread, whose labels were not read: each taken as the one
    missing field it resembles, when no other run resembles that field too. On a page that lost
    nearly all its labels, values need no colon before them."""
    missing = [k for k in SELF_EVIDENT if _absent(fields.get(k))]
    labelled = {r.key for r in runs if r.key is not None}
    labels_lost = len(labelled) <= FEW_LABELS and len(list(_free(runs))) >= MANY_VALUES
    found: dict[FieldKey, list[FieldResult]] = {}
    for run in _free(runs):
        if not labels_lost and not any(t.text == ":" for t in run.tokens):
            continue
        meaningful = _value_tokens(run)
        text = "".join(t.text for t in meaningful)
        if len(text) < 2:
            continue
        near = [k for k in missing if _resemblance(text, lexicon.closed_words(k)) >= RESEMBLES]
        if len(near) == 1:
            found.setdefault(near[0], []).append(
                _result(near[0], meaningful, threshold).with_flags(Flag.UNLABELLED)
            )
    for key, results in found.items():
        if len(results) == 1:
            fields[key] = results[0]


def _resemblance(text: str, words: Iterable[str]) -> float:
    """How like the likest word of about its length a text is (rapidfuzz ratio)."""
    alike = [w for w in words if abs(len(w) - len(text)) <= LENGTH_SLACK]
    best = process.extractOne(text, alike, scorer=fuzz.ratio)
    return float(best[1]) if best else 0.0


def _dates_anywhere(runs: Sequence[Run], threshold: float) -> list[FieldResult]:
    """Dates in unclaimed text (生日南1984-02-02: a label lost to small print), in page order."""
    found: list[FieldResult] = []
    for run in _free(runs):
        meaningful = [t for t in run.tokens if t.text.strip()]
        text = "".join(t.text for t in meaningful)
        if len(text) != len(meaningful):
            continue
        match = _DATE_RE.search(text.translate(_FULLWIDTH))
        if match is not None:
            found.append(_result(FieldKey.BIRTH_DATE, meaningful[match.start() : match.end()], threshold))
    return found


def _place_dates(
    fields: dict[FieldKey, FieldResult], runs: Sequence[Run], threshold: float, today: dt.date
) -> None:
    """Birth and issue dates whose labels were not read, told apart by what they must be: the birth
    date is the one the ID number gives, or of two dates the one at least 18 years earlier; a date
    before the first certificates were issued is a birth date, and one less than 18 years ago an
    issue date."""
    missing = [k for k in (FieldKey.BIRTH_DATE, FieldKey.ISSUE_DATE) if _absent(fields.get(k))]
    free = [d for d in _dates_anywhere(runs, threshold) if _iso(d) and Flag.INVALID_FORMAT not in d.flags]
    if not missing or not free:
        return
    id_number = fields.get(FieldKey.ID_NUMBER)
    in_id = _born_per_id(id_number.value if id_number else None)
    birth, issue = _iso(fields.get(FieldKey.BIRTH_DATE)), _iso(fields.get(FieldKey.ISSUE_DATE))
    dated = sorted({d.value: d for d in free}.values(), key=lambda d: str(d.value))
    assigned: dict[FieldKey, FieldResult] = {}
    if len(dated) == 2 and _years_apart(str(dated[0].value), str(dated[1].value)) >= MIN_LICENSING_AGE:
        assigned = {FieldKey.BIRTH_DATE: dated[0], FieldKey.ISSUE_DATE: dated[1]}
    elif len(dated) == 1:
        day = str(dated[0].value)
        birth_like = (
            day == in_id
            or day < FIRST_CERTIFICATES.isoformat()
            or bool(issue and _years_apart(day, issue) >= MIN_LICENSING_AGE)
        )
        issue_like = day > add_years(today, -MIN_LICENSING_AGE).isoformat() or bool(
            birth and _years_apart(birth, day) >= MIN_LICENSING_AGE
        )
        if birth_like != issue_like:
            assigned = {FieldKey.BIRTH_DATE if birth_like else FieldKey.ISSUE_DATE: dated[0]}
    for key, result in assigned.items():
        if key in missing:
            fields[key] = result.with_flags(Flag.UNLABELLED)


# A Han name is two to four characters (a double surname and a double given name at most); longer
# runs of characters are titles and headings. Minority names are longer, but joined by a '·'.
LONGEST_HAN_NAME = 4


# A two-character label (姓名, 性别) misread beyond recognition leaves at most this many characters
# before its value (件例女, 社名刘义).
SHORT_LABEL_REMNANT = 2


def _name_like(tokens: Sequence[Token]) -> bool:
    """Whether text could be a whole name: two to four characters, or a minority name with its '·'."""
    text = _NAME_DOTS.sub("·", "".join(t.text for t in tokens))
    if not text or not all(name_char(c) for c in text):
        return False
    return "·" in text.strip("·") or 2 <= len(text) <= LONGEST_HAN_NAME


@cache
def _closed_forms() -> frozenset[str]:
    """Every printed form of every closed-list field's values (男, 执业医师, 临床, 内科专业 …)."""
    return frozenset(form for key in SELF_EVIDENT for form in lexicon.closed_words(key))


def _word_agreement(text: str, words: Iterable[str]) -> int:
    """The most characters text has in place in any one of the words as long as it (0 if none is)."""
    return max((_label_agreement(text, word) for word in words if len(word) == len(text)), default=0)


def _like_a_word(text: str, words: Iterable[str]) -> bool:
    """Whether text is one of the words, or as long as one and has half its characters in place
    (找业新师 is 执业医师 misread, no name)."""
    return bool(text) and 2 * _word_agreement(text, words) >= len(text)


def _name_by_place(runs: Sequence[Run], threshold: float) -> FieldResult | None:
    """The name whose label was not read, known by its place: every certificate prints the name as
    its first field, so it is the name-like run of unclaimed text before every value (above them,
    or left of the first one on its row in a two-column form), in the column of the values below
    it, and no other field's printed word. A label misread beyond recognition and read as one with
    the name (社名刘义) is left out: only what lies in the values' column is the name."""
    values = [r for r in runs if r.key not in (None, FieldKey.NAME, FieldKey.CERTIFICATE_CODE) and r.tokens]
    if not values:
        return None
    first = min(values, key=lambda r: (r.row, r.tokens[0].x0))
    words = _closed_forms()
    found: list[FieldResult] = []
    for run in _free(runs):
        # A minority name keeps its dot (库尔班·麦麦提).
        tokens = _value_tokens(run, keep=NAME_DOT_CHARS)
        while tokens and _NAME_DOTS.fullmatch(tokens[0].text):
            tokens = tokens[1:]
        while tokens and _NAME_DOTS.fullmatch(tokens[-1].text):
            tokens = tokens[:-1]
        below = [v.tokens[0].x0 for v in values if v.row > run.row]
        if not tokens or not below:
            continue
        h = statistics.median(t.h for t in tokens)
        # Where the text starts, behind as much of a label's remnant as puts it nearest the column.
        starts = range(min(SHORT_LABEL_REMNANT, max(len(tokens) - 2, 0)) + 1)
        cut = min(starts, key=lambda i: min(abs(x - tokens[i].x0) for x in below))
        meaningful = tokens[cut:]
        x0 = meaningful[0].x0
        if (
            _name_like(meaningful)
            and not _like_a_word("".join(t.text for t in meaningful), words)
            and (run.row, x0) < (first.row, first.tokens[0].x0)
            and min(abs(x - x0) for x in below) <= 1.5 * h
        ):
            found.append(_result(FieldKey.NAME, meaningful, threshold).with_flags(Flag.UNLABELLED))
    return found[0] if len(found) == 1 else None


def _sex_by_place(runs: Sequence[Run], threshold: float) -> FieldResult | None:
    """The sex whose label was misread beyond recognition (件例女, 制女), known by its place: every
    certificate prints it right after the name, so it is the unclaimed text ending in 男 or 女 behind
    at most two other characters, after the name and before every other value."""
    names = [r for r in runs if r.key is FieldKey.NAME and r.tokens]
    others = [r for r in runs if r.key not in (None, FieldKey.NAME, FieldKey.CERTIFICATE_CODE) and r.tokens]
    if len(names) != 1 or not others:
        return None
    name, next_row = names[0], min(r.row for r in others)
    found: list[FieldResult] = []
    for run in _free(runs):
        meaningful = [t for t in run.tokens if t.text not in _PUNCT_EDGES and t.text.strip()]
        text = "".join(t.text for t in meaningful)
        if not (1 <= len(text) <= SHORT_LABEL_REMNANT + 1 and text[-1] in (Sex.MALE, Sex.FEMALE)):
            continue
        if Sex.MALE in text[:-1] or Sex.FEMALE in text[:-1]:
            continue
        after_name = run.row > name.row or (run.row == name.row and meaningful[0].x0 > name.tokens[-1].x1)
        if after_name and run.row < next_row:
            found.append(_result(FieldKey.SEX, meaningful[-1:], threshold).with_flags(Flag.UNLABELLED))
    return found[0] if len(found) == 1 else None


# Unlabelled text is an institution of the gazetteer when at least this like one of its names
# (rapidfuzz ratio: four characters in five in common), and likest to that one alone.
INSTITUTION_RESEMBLES = 80.0
# Shorter text is no institution's name (重庆市 is a practice place).
SHORTEST_INSTITUTION = 4


def _institution_anywhere(
    runs: Sequence[Run], rows: Sequence[Row], names: Collection[str], threshold: float
) -> FieldResult | None:
    """The institution whose label was not read, known by its name: unclaimed text, alone or with
    the line below that it wraps onto (重庆市渝北区人 / 民医院), like one name of the gazetteer
    (`names`) more than any other, when no other text is."""
    free = [r for r in runs if r.key is None]
    found: list[FieldResult] = []
    for run in _free(runs):
        tokens = _value_tokens(run)
        if len(tokens) < SHORTEST_INSTITUTION:
            continue
        h = statistics.median(t.h for t in tokens)
        below = _free_below(free, rows, run.row, tokens[0].x0, h)
        readings = [tokens] + ([tokens + _value_tokens(below)] if below is not None else [])
        for reading in reversed(readings):
            text = "".join(t.text for t in reading)
            best = process.extract(text, names, scorer=fuzz.ratio, limit=2)
            if best and best[0][1] >= INSTITUTION_RESEMBLES and (len(best) < 2 or best[1][1] < best[0][1]):
                found.append(_result(FieldKey.INSTITUTION, reading, threshold).with_flags(Flag.UNLABELLED))
                break
    return found[0] if len(found) == 1 else None


def _years_apart(earlier: str, later: str) -> int:
    """Whole years from one ISO date to a later one (negative when it is earlier)."""
    years = int(later[:4]) - int(earlier[:4])
    return years - 1 if later[5:] < earlier[5:] else years


def _iso(field: FieldResult | None) -> str | None:
    """A field's value if it is a date in ISO form (the checks decide whether it is a real one)."""
    value = field.value if field else None
    return value if value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None


def _sex_taken_as_name(runs: Sequence[Run], threshold: float) -> FieldResult | None:
    """The sex read as the name's value: 姓名 whose own value was lost (under glare) takes the
    next text on its row, which is 男 or 女 when the 性别 label between was lost too."""
    for run in runs:
        if run.key is FieldKey.NAME:
            tokens = _value_tokens(run)
            if "".join(t.text for t in tokens) in (Sex.MALE, Sex.FEMALE):
                return _result(FieldKey.SEX, tokens, threshold).with_flags(Flag.UNLABELLED)
    return None


def _born_per_id(id_number: str | None) -> str | None:
    """The birth date (ISO) a whole ID number gives, if it is a real date."""
    born = id_birth_date(id_number) if id_number and len(id_number) == ID_LENGTH else None
    return born.isoformat() if born else None


def _absent(field: FieldResult | None) -> bool:
    return field is None or field.value is None


def _id_anywhere(runs: Sequence[Run], threshold: float, born: str | None) -> FieldResult | None:
    """The ID number whose label was not read: a lone 18-character run in unclaimed text whose
    check digit holds (a stray number passes the GB 11643 check only once in eleven), or that holds
    the birth date read (`born`, ISO) where an ID number does (then it is misread, and reviewed)."""
    found: list[FieldResult] = []
    for run in _free(runs):
        chars = [t for t in run.tokens if t.text.translate(_DIGIT_CONFUSIONS).isdigit() or t.text in "Xx"]
        parsed = parse_id_number(run.text)
        value = parsed.value
        if len(chars) != ID_LENGTH or value is None or Flag.INVALID_FORMAT in parsed.flags:
            continue
        checked = ric.calc_check_digit(value) == value[-1]
        if checked or (born is not None and _born_per_id(value) == born):
            result = _result(FieldKey.ID_NUMBER, chars, threshold)
            found.append(result if checked else result.with_flags(Flag.UNLABELLED))
    distinct = {f.value for f in found}
    if len(distinct) == 1:
        return max(found, key=lambda f: f.confidence)
    return None


def read_layout(lines: Sequence[OcrLine]) -> tuple[float, list[Row], list[Run]]:
    """The page's skew, its rows, and the label values and free text on them."""
    skew = page_skew(lines)
    rows = build_rows(tokens_of(lines, skew))
    runs = [run for i, row in enumerate(rows) for run in split_row(i, row)]
    recover_cut_labels(runs)
    recover_misread_labels(runs)
    attach_neighbours(runs, rows)
    return skew, rows, runs


# Two-character labels printed spaced out (姓　　名, 性　　别) lose their first character to text
# detection more often than anything else; the second one then starts a free run of text.
_CUT_LABELS: dict[str, FieldKey] = {"名": FieldKey.NAME, "别": FieldKey.SEX}


# Either half of 姓名 or 性别 standing alone (名：, 性), or 性 and a misread 别 (性祭), is that label,
# its value not read.
_BARE_HALVES: dict[str, FieldKey] = {
    "姓": FieldKey.NAME,
    "名": FieldKey.NAME,
    "性": FieldKey.SEX,
    "别": FieldKey.SEX,
}


def _bare_label(run: Run) -> FieldKey | None:
    """The field whose label a free run is, cut or misread, with nothing after it."""
    chars = [t.text for t in run.tokens if t.text not in _SEPARATORS]
    if len(chars) == 1:
        return _BARE_HALVES.get(chars[0])
    if (
        len(chars) == 2
        and chars[0] == "性"
        and chars[1] not in (Sex.MALE, Sex.FEMALE)
        and _CJK.match(chars[1])
    ):
        return FieldKey.SEX
    return None


def recover_cut_labels(runs: Sequence[Run]) -> None:
    """Read a free run that starts with the surviving half of a missing 姓名/性别 label as that
    field, when what follows is a clean value for it (男 or 女; a name of CJK characters); or that
    is such a label alone, cut or misread (名：, 性, 性祭), as that label with its value not read
    (found beside or below it, or looked for again where it should be)."""
    found = {r.key for r in runs if r.key is not None}
    for run in runs:
        if run.key is not None or len(run.tokens) < 2:
            continue
        key = _CUT_LABELS.get(run.tokens[0].text)
        if key is None or key in found:
            continue
        rest = _after_separators(run.tokens[1:])
        parsed = PARSERS[key]("".join(t.text for t in rest)) if rest else Parsed(None)
        if parsed.value is None or parsed.flags:
            continue
        label = run.tokens[0]
        run.key, run.label_x0, run.label_x1 = key, label.x0, label.x1
        run.label_cy, run.label_h = label.cy, label.h
        run.tokens = list(rest)
        found.add(key)
    # A label half with a value is surer than one alone (姓 before 名李晶凤 is the same label).
    for run in runs:
        bare = _bare_label(run) if run.key is None and run.tokens else None
        if bare is not None and bare not in found:
            first, last = run.tokens[0], run.tokens[-1]
            run.key, run.label_x0, run.label_x1 = bare, first.x0, last.x1
            run.label_cy, run.label_h = first.cy, first.h
            run.tokens = []
            found.add(bare)


def _after_separators(tokens: Sequence[Token]) -> Sequence[Token]:
    """Tokens after the colon (or comma, point) that may open them."""
    start = 0
    while start < len(tokens) and tokens[start].text in _SEPARATORS:
        start += 1
    return tokens[start:]


def _label_agreement(text: str, label: str) -> int:
    """How many characters of `label` the start of `text` has in the same places."""
    return sum(a == b for a, b in zip(text, label, strict=False))


def _one_off_word(text: str, words: Iterable[str]) -> bool:
    """Whether text is one of the words of four characters or more with one character misread."""
    return len(text) >= 4 and _word_agreement(text, words) >= len(text) - 1


def _misread_alike(printed: str, label: str) -> bool:
    """Whether every character of `printed` that differs from `label` looks like the one meant."""
    return all(a == b or looks_alike(a, b) for a, b in zip(printed, label, strict=True))


def _label_forms(key: FieldKey) -> Iterator[tuple[str, bool]]:
    """A field's labels as they may start a run, each with whether every character must be read
    right: as printed, and a long one without its first character (业类别 for 执业类别)."""
    for label in LABELS[key]:
        yield label, False
        if len(label) >= 4:
            yield label[1:], True


def recover_misread_labels(runs: Sequence[Run]) -> None:
    """Read a free run that starts like a missing field's label, with up to half of its characters
    misread (纂夏日期 for 发证日期 in small bold print; in a label shorter than four characters only
    by a look-alike, 性名 for 姓名, before a colon, 姓息：, or before 男 or 女) or a long label
    without its first character (业类别临床), as that field, when exactly one missing field's label
    fits that well AND its value parses cleanly (behind a short label's colon it need not):
    证作考码 fits 证件号码 and 证书编码 alike, and only the ID number's form tells which it was.
    """
    found = {r.key for r in runs if r.key is not None and r.tokens}
    missing = [k for k in FieldKey if k not in found]
    words = _closed_forms()
    for i, run in enumerate(runs):
        if run.key is not None or run.claimed:
            continue
        if _one_off_word(run.text, words):
            # A printed value with one character misread (执业动理医师), not 执业 of a label.
            continue
        after = runs[i + 1] if i + 1 < len(runs) else None
        if after is not None and (after.row != run.row or after.key is not None or after.claimed):
            after = None
        alone = after is not None and any(
            len(run.text) == len(label) for key in missing for label, _ in _label_forms(key)
        )
        if alone and after is not None:
            # A label standing alone before free text on its row (社名 … 玛依拉迪丽·阿米娜): the
            # gap marks where it ends, as a colon would.
            end = run.tokens[-1]
            joined = [*run.tokens, replace(end, text=":", x0=end.x1), *after.tokens]
            text = "".join(t.text for t in joined)
        else:
            joined, text = run.tokens, run.text
        fits: dict[FieldKey, tuple[int, int]] = {}
        for key in missing:
            for label, whole in _label_forms(key):
                agree = _label_agreement(text, label)
                if 2 * agree < len(label) or len(text) <= len(label) or (whole and agree < len(label)):
                    continue
                colon = text[len(label)] == ":"
                rest = _after_separators(joined[len(label) :])
                parsed = PARSERS[key]("".join(t.text for t in rest)) if rest else Parsed(None)
                clean = parsed.value is not None and not parsed.flags
                short = len(label) < 4 and not whole
                # A half-read short label needs more: its colon, a look-alike (性名 for 姓名), or a
                # value only it can have (性制男).
                evident = colon or (clean and key is FieldKey.SEX)
                if short and not evident and not _misread_alike(text[: len(label)], label):
                    continue
                # Behind a colon the label is surely one: its value need not read cleanly (性制：易).
                taken = clean or (short and colon and parsed.value is not None)
                if taken and (agree, len(label)) > fits.get(key, (0, 0)):
                    fits[key] = (agree, len(label))
        best = max((agree for agree, _ in fits.values()), default=0)
        winners = [k for k, (agree, _) in fits.items() if agree == best]
        if len(winners) != 1:
            continue
        key = winners[0]
        size = fits[key][1]
        printed, value = joined[:size], _after_separators(joined[size:])
        if not value:
            continue
        if joined is not run.tokens and after is not None:
            after.claimed, after.tokens = True, []
        run.doubtful = size < 4
        run.key, run.label_x0, run.label_x1 = key, printed[0].x0, printed[-1].x1
        run.label_cy = statistics.median(t.cy for t in printed)
        run.label_h = statistics.median(t.h for t in printed)
        run.tokens = list(value)
        missing.remove(key)


# How far a value may reach to the right of its start, in character heights, for a second look.
_VALUE_SPAN: dict[FieldKey, float] = {
    FieldKey.NAME: 6,
    FieldKey.SEX: 2.5,
    FieldKey.BIRTH_DATE: 8,
    FieldKey.ID_NUMBER: 11,
    FieldKey.LEVEL: 7,
    FieldKey.CATEGORY: 5,
    FieldKey.SCOPE: 12,
    FieldKey.PRACTICE_PLACE: 8,
    FieldKey.INSTITUTION: 16,
    FieldKey.AUTHORITY: 16,
    FieldKey.ISSUE_DATE: 8,
    FieldKey.CERTIFICATE_CODE: 10,
}


@dataclass(frozen=True)
class Probe:
    """A place where a label promises a value that detection did not find: worth a second look."""

    key: FieldKey
    quad: tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]


def value_probes(lines: Sequence[OcrLine]) -> list[Probe]:
    """Where to look again for values whose label was read but whose text was not detected.

    Small values (a lone 男 or 女) are the ones text detection misses most. The value is expected where
    the other values of the same label column start, on the label's row, up to the next text.
    """
    skew, rows, runs = read_layout(lines)
    labelled = [r for r in runs if r.key is not None]
    found = {r.key for r in labelled if r.tokens}
    cos, sin = math.cos(skew), math.sin(skew)
    probes: list[Probe] = []
    for run in labelled:
        if run.tokens or run.key in found or run.key is None:
            continue
        row = rows[run.row]
        h = run.label_h
        starts = [
            r.tokens[0].x0
            for r in labelled
            if r.tokens and abs(r.label_x0 - run.label_x0) < 3 * h and r.row != run.row
        ]
        start = statistics.median(starts) if starts else run.label_x1 + 0.3 * h
        start = max(start - 0.4 * h, run.label_x1 + 0.1 * h)
        stop = start + _VALUE_SPAN[run.key] * h
        following = [t.x0 for t in row.tokens if t.x0 > run.label_x1 + 0.1 * h]
        if following:
            stop = min(stop, min(following) - 0.2 * h)
        if stop - start < 0.8 * h:
            continue
        top, bottom = run.label_cy - 0.8 * h, run.label_cy + 0.8 * h
        corners = ((start, top), (stop, top), (stop, bottom), (start, bottom))
        quad = tuple((x * cos - y * sin, x * sin + y * cos) for x, y in corners)
        probes.append(Probe(run.key, quad))  # type: ignore[arg-type]
        found.add(run.key)
    return probes


def extract_fields(
    lines: Sequence[OcrLine],
    review_threshold: float,
    lookalike_threshold: float | None = None,
    today: dt.date | None = None,
    institutions: Collection[str] = (),
) -> dict[FieldKey, FieldResult]:
    """Every canonical field read from OCR lines; fields not found are marked missing.

    `review_threshold` is the confidence every character of a value needs; `lookalike_threshold`, if
    given, is the higher one a name character with a look-alike (凤/风) needs. `today` (by default
    the day it runs) tells a lone date without its label that is too recent to be a birth date;
    `institutions`, the names institutions are printed under, an institution without its label.
    """
    _, rows, runs = read_layout(lines)

    fields: dict[FieldKey, FieldResult] = {}
    for run in runs:
        if run.key is None or not run.tokens:
            continue
        tokens = (
            [t for part in run.before for t in part] + run.tokens + [t for part in run.extra for t in part]
        )
        result = _result(run.key, tokens, review_threshold, lookalike_threshold)
        if run.doubtful:
            result = result.with_flags(Flag.UNLABELLED)
        previous = fields.get(run.key)
        if previous is None or (previous.value is None and result.value is not None):
            fields[run.key] = result
        elif result.value is not None and result.value != previous.value:
            # The same label twice with different values: keep the surer one, but review it.
            best = max(previous, result, key=lambda f: f.confidence)
            fields[run.key] = best.with_flags(Flag.LOW_CONFIDENCE)

    code = fields.get(FieldKey.CERTIFICATE_CODE)
    if code is None or code.value is None:
        anywhere = _code_anywhere(runs, review_threshold)
        if anywhere is not None:
            fields[FieldKey.CERTIFICATE_CODE] = anywhere
    id_number = fields.get(FieldKey.ID_NUMBER)
    if id_number is None or id_number.value is None:
        unlabelled = _id_anywhere(runs, review_threshold, _iso(fields.get(FieldKey.BIRTH_DATE)))
        if unlabelled is not None:
            fields[FieldKey.ID_NUMBER] = unlabelled
    sex = _sex_taken_as_name(runs, review_threshold) if _absent(fields.get(FieldKey.SEX)) else None
    if sex is not None:
        fields[FieldKey.SEX], fields[FieldKey.NAME] = sex, FieldResult.missing()
    for key in SELF_EVIDENT:
        if _absent(fields.get(key)):
            evident = _closed_anywhere(runs, key, review_threshold)
            if evident is not None:
                fields[key] = evident
    if _absent(fields.get(FieldKey.INSTITUTION)) and institutions:
        institution = _institution_anywhere(runs, rows, institutions, review_threshold)
        if institution is not None:
            fields[FieldKey.INSTITUTION] = institution
    _resembling_values(fields, runs, review_threshold)
    _place_dates(fields, runs, review_threshold, today or dt.date.today())
    for key, by_place in ((FieldKey.NAME, _name_by_place), (FieldKey.SEX, _sex_by_place)):
        # A name of one character (性, a label's remnant) is none: a name has two at least.
        if _absent(fields.get(key)) or Flag.INVALID_FORMAT in fields[key].flags:
            found = by_place(runs, review_threshold)
            if found is not None:
                fields[key] = found
    return {key: fields.get(key, FieldResult.missing()) for key in FieldKey}
