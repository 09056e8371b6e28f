"""The change-of-registration record (变更注册记录): its pages found by their labels, each block read.

A booklet's change pages carry pre-printed blocks, each 新证书编码 / 变更项目 (the item on the label's
row, the new value on the next row, which may wrap) / 变更日期 / 批准机关, a filled block under its own
red seal. The pages may sit beside the personal page (a spread) or below it (stacked spreads), so
nothing here trusts a fixed share of the picture: a change page is the column its labels line up in,
bounded on the left by the labels, on the right by the fold (twice the title's centre less the
labels' margin, or the next change page), above by its title or first label and below by its last
block. Every line inside belongs to the record, so the field extractor never reads a 变更日期 as a
birth date or a 批准机关 as the 发证机关; lines of the pages beside it are left alone.

Blocks are read top to bottom: a label that comes no later in a block than the last one read
starts the next block; a label read with two characters wrong counts where its column and its
block expect it, and an item of the closed list whose label was lost stands for it. Rows without a
label hold the item's value (which may wrap), a wrapped authority, or the digits of a date typed off
its pre-printed 年 月 日.

Each part is parsed strictly (`change_parts`: an item from a closed list, a date in one of the
printed forms, a 15-digit new code) and every doubt, repair or gap sets a flag, so a block is
reviewed unless all of it was read surely. A doubtful character stands only where nothing else can
(an item of the list, a year's 20). Rows read doubtfully can be read again (`change_looks`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from rapidfuzz.distance import Levenshtein

from ..fields import Box, Change, FieldKey, Flag, chronological
from ..labels import PRINTED_LABELS
from ..ocr.base import OcrLine
from .change_parts import (
    CHANGE_ITEMS,
    authority_settled,
    date_settled,
    dated_after_issue,
    digits_only,
    filled_value,
    item_of,
    item_settled,
    item_split,
    meaningful_tokens,
    normalized_changes,
    parse_authority,
    parse_change_date,
    parse_date_part,
    parse_item,
    parse_new_code,
    parse_value,
    text_of,
    value_words,
    without_latin_words,
    written_in_chinese,
)
from .forms import _ends_complete
from .layout import Row, Token, build_rows, page_skew, tokens_of

__all__ = [
    "CHANGE_ITEMS",
    "ChangeRecord",
    "Part",
    "dated_after_issue",
    "normalized_changes",
    "parse_change_date",
    "read_change_record",
]


class Part(StrEnum):
    """The pre-printed parts of a change block, in printed order."""

    NEW_CODE = "new_code"
    ITEM = "item"
    VALUE = "value"  # the new value, on the rows below the item, under no label of its own
    DATE = "date"
    AUTHORITY = "authority"


# The printed label of each part.
PART_LABELS: dict[Part, str] = {
    Part.NEW_CODE: "新证书编码",
    Part.ITEM: "变更项目",
    Part.DATE: "变更日期",
    Part.AUTHORITY: "批准机关",
}
_ORDER = tuple(PART_LABELS)
# The printed row of each part in its block: the item's value takes the row after the item.
_SLOT: dict[Part, int] = {Part.NEW_CODE: 0, Part.ITEM: 1, Part.VALUE: 2, Part.DATE: 3, Part.AUTHORITY: 4}
CHANGE_TITLE = "变更注册记录"

# Geometry, in units of the print's character height.
_COLUMN_GAP = 4.0  # labels of one page line up within this; another page's labels lie further off
_LEFT_REACH = 1.5  # values and wraps may start this far left of the labels
_FOLD_MARGIN = 1.5  # beyond the right margin mirrored from the labels' left margin
_TOP_REACH = 1.0  # above the title or first label
_WRAP_REACH = 1.8  # a wrapped authority or value line lies within this below the line before
_WRAP_INDENT = 2.5  # and starts this close to the line before
_VALUE_GAP = 2.6  # a wider gap ends a value (seal remnants beside it are not part of it)
_FIRST_GAP = 14.0  # label to value
_DATE_GAP = 6.0  # between a date's pre-printed 年 月 日
_WEAK_ALIGN = 1.0  # a label read with two characters wrong starts this close to the label column
_DATE_DRIFT = 1.2  # digits typed over a pre-printed 年月日 (or a new code) sit at most this far off its row
# A part with more doubtful characters than this is never settled by what it can be.
_SETTLED_DOUBTS = 2


def _slip_pattern(label: str, fixed: int = 0) -> str:
    """The label exact or with one character misread (not among its first `fixed` characters:
    新证书编码 without its 新 is the 证书编码 of a personal page)."""
    options = [re.escape(label)]
    for i in range(fixed, len(label)):
        options.append(re.escape(label[:i]) + "[\u4e00-\u9fff]" + re.escape(label[i + 1 :]))
    return "|".join(options)


_PART_RE = re.compile(
    "|".join(
        f"(?P<{part.value}>{_slip_pattern(text, 1 if part is Part.NEW_CODE else 0)})"
        for part, text in PART_LABELS.items()
    )
)
# Labels of the personal pages (both layouts), which no change page prints.
_PERSONAL_LABELS: tuple[str, ...] = (
    *(
        label
        for labels in PRINTED_LABELS.values()
        for label in labels
        if len(label) >= 4 or label in ("姓名", "性别")
    ),
    "医师资格",
    "签发人",
)
# A label with this many characters misread is still taken where its column and block expect it.
_WEAK_EDITS = 2
# The title, with at most two characters misread (its print is large and spaced out).
_TITLE_EDITS = 2


@dataclass(frozen=True)
class ChangeRecord:
    """The change record of a picture: its blocks in date order (in printed order when a date is
    missing: `fields.chronological`), and the indices into the OCR lines of everything on the change
    pages."""

    changes: tuple[Change, ...]
    lines: frozenset[int]


@dataclass
class _Hit:
    """A change label (or the title) found in a row."""

    part: Part | None  # None for the title
    row: int
    start: int  # token index in the row where the label begins
    end: int
    x0: float
    x1: float
    cy: float
    h: float


@dataclass
class ChangePage:
    """One change page: the labels in its column and its bounds in the page frame."""

    hits: list[_Hit]
    left: float
    right: float
    top: float
    bottom: float


@dataclass
class Block:
    """One block as laid out: the characters of each labelled part and of its label, the value's
    rows, and where the reading stands (the last label, row and left edges seen)."""

    parts: dict[Part, list[Token]] = field(default_factory=dict)
    tokens_of_label: dict[Part, list[Token]] = field(default_factory=dict)
    value: list[list[Token]] = field(default_factory=list)
    last: Part | None = None
    value_x0: float | None = None
    auth_x0: float | None = None
    last_cy: float = 0.0
    date_cy: float | None = None
    date_x1: float = 0.0
    tokens: list[Token] = field(default_factory=list)
    # Free text no part claimed (digits printed off the row of a date's pre-printed 年月日, a seal's
    # remnant), with its row's centre.
    loose: list[tuple[float, list[Token]]] = field(default_factory=list)


@dataclass
class Survey:
    """The lines laid out: each line's tokens (index for index), the rows, the change pages found,
    and the page's skew (the frame's rotation)."""

    per_line: list[list[Token]]
    rows: list[Row]
    pages: list[ChangePage]
    skew: float


def survey_lines(lines: Sequence[OcrLine]) -> Survey:
    """The lines as tokens in the page frame, their rows, and the change pages among them."""
    skew = page_skew(lines)
    per_line = [[t for group in tokens_of([line], skew) for t in group] for line in lines]
    rows = build_rows([toks for toks in per_line if toks])
    fences = [
        (toks[0].x0, statistics.median(t.cy for t in toks))
        for toks in per_line
        if toks and _personal(text_of(toks))
    ]
    return Survey(per_line, rows, _pages(rows, fences), skew)


def read_change_record(
    lines: Sequence[OcrLine],
    review_threshold: float,
    today: dt.date | None = None,
    institutions: Collection[str] = (),
) -> ChangeRecord:
    """The 变更注册记录 blocks in the OCR lines of one flattened picture, and the lines they take.

    Empty blocks (labels with no value) give no change but their lines are taken all the same. A
    value read with doubtful characters that only one name of `institutions` (the gazetteer's
    printed names) or one official scope fits is filled from it, and reviewed all the same.
    """
    survey = survey_lines(lines)
    if not survey.pages:
        return ChangeRecord((), frozenset())
    taken = frozenset(
        index
        for index, toks in enumerate(survey.per_line)
        if toks and any(_inside(page, toks) for page in survey.pages) and not _personal(text_of(toks))
    )
    printed: list[Change] = []
    for page in survey.pages:
        for block in page_blocks(page, survey.rows):
            reading = read_parts(block, review_threshold, today or dt.date.today(), institutions)
            if reading is not None:
                printed.append(_change(block, reading))
    return ChangeRecord(tuple(printed[i] for i in chronological(printed)), taken)


def _inside(page: ChangePage, toks: Sequence[Token]) -> bool:
    """Whether most of a line's characters lie on the page."""
    inside = sum(
        page.left <= (t.x0 + t.x1) / 2 <= page.right and page.top <= t.cy <= page.bottom for t in toks
    )
    return inside * 2 > len(toks)


def _personal(text: str) -> bool:
    """Whether a line holds a label of a personal page (姓名, 发证日期, 医师资格 ...) and none of the
    change record's: it belongs to the page beside, whatever the geometry says."""
    if _PART_RE.search(text) or _title_spans(text):
        return False
    for item in CHANGE_ITEMS:
        text = text.replace(item, "")
    return any(label in text for label in _PERSONAL_LABELS)


def _hits(rows: Sequence[Row]) -> list[_Hit]:
    """Every change label and title in the rows."""
    hits: list[_Hit] = []
    for r, row in enumerate(rows):
        # A token may hold several characters (a Latin word): match on the text, cut at tokens.
        at = [i for i, tok in enumerate(row.tokens) for _ in tok.text]
        text = row.text
        spans: list[tuple[Part | None, int, int]] = [
            (Part(str(m.lastgroup)), m.start(), m.end()) for m in _PART_RE.finditer(text)
        ]
        spans += [(None, start, end) for start, end in _title_spans(text)]
        for part, start, end in spans:
            first, last = at[start], at[end - 1] + 1
            hits.append(_hit(part, r, first, last, row.tokens[first:last]))
    return hits


def _hit(part: Part | None, r: int, start: int, end: int, toks: Sequence[Token]) -> _Hit:
    return _Hit(
        part,
        r,
        start,
        end,
        toks[0].x0,
        toks[-1].x1,
        statistics.median(t.cy for t in toks),
        statistics.median(max(t.h, t.x1 - t.x0) for t in toks),
    )


def _title_spans(text: str) -> list[tuple[int, int]]:
    """Where the title stands in a row's text (two characters may be misread, but 变更 or 注册 is
    read): each title of the change pages side by side. Of the windows that overlap, the one
    closest to the title: a mark left of it on the same row (a guilloche band's last stroke read as
    a letter) is not part of the title, whose centre bounds the page."""
    n = len(CHANGE_TITLE)

    def edits(i: int) -> int:
        return Levenshtein.distance(text[i : i + n], CHANGE_TITLE)

    spans: list[tuple[int, int]] = []
    i = 0
    while i <= len(text) - n + _TITLE_EDITS:
        window = text[i : i + n]
        if edits(i) <= _TITLE_EDITS and ("变更" in window or "注册" in window):
            best = min(range(i, min(i + _TITLE_EDITS, len(text) - 1) + 1), key=lambda j: (edits(j), j))
            spans.append((best, min(best + n, len(text))))
            i = best + n
        else:
            i += 1
    return spans


def _pages(rows: Sequence[Row], fences: Sequence[tuple[float, float]] = ()) -> list[ChangePage]:
    """The change pages: labels grouped into columns by where they start, each bounded by its
    title's centre (the page's middle), the next column or a personal page's labels beside it
    (`fences`, where their lines start), its title or first label, and its last block."""
    hits = _hits(rows)
    labels = sorted((h for h in hits if h.part is not None), key=lambda h: h.x0)
    titles = [h for h in hits if h.part is None]
    columns: list[list[_Hit]] = []
    for hit in labels:
        if columns and hit.x0 - statistics.median(h.x0 for h in columns[-1]) <= _COLUMN_GAP * hit.h:
            columns[-1].append(hit)
        else:
            columns.append([hit])
    pages: list[ChangePage] = []
    for n, column in enumerate(columns):
        if len({h.part for h in column}) < 2:
            continue  # one label alone is no change page (a 证书编码 half read, a stray word)
        column.sort(key=lambda h: h.cy)
        h = statistics.median(x.h for x in column)
        left = min(x.x0 for x in column)
        nxt = columns[n + 1] if n + 1 < len(columns) else None
        right = min(x.x0 for x in nxt) - _LEFT_REACH * h if nxt is not None else float("inf")
        top = column[0].cy - _TOP_REACH * h
        title = _title_of(titles, column, left, right, h)
        if title is not None:
            right = min(right, 2 * (title.x0 + title.x1) / 2 - left + _FOLD_MARGIN * h)
            top = min(top, title.cy - title.h)
        pitch = _pitch(column, h)
        last = column[-1]
        after = _SLOT[Part.AUTHORITY] - _SLOT[last.part] if last.part else 0
        bottom = last.cy + after * pitch + (_WRAP_REACH + 0.5) * h
        for x0, cy in fences:
            if x0 > left + _COLUMN_GAP * h and top <= cy <= bottom:
                right = min(right, x0 - _LEFT_REACH * h)
        pages.append(ChangePage(column, left - _LEFT_REACH * h, right, top, bottom))
    return pages


def _title_of(
    titles: Sequence[_Hit], column: Sequence[_Hit], left: float, right: float, h: float
) -> _Hit | None:
    """The title over a column: right of its labels, left of the next column, above its first label
    and not more than a few rows above it."""
    first = column[0]
    best: _Hit | None = None
    for title in titles:
        cx = (title.x0 + title.x1) / 2
        if not left < cx < right or title.cy >= first.cy or first.cy - title.cy > 8 * h:
            continue
        if best is None or title.cy > best.cy:
            best = title
    return best


def _pitch(column: Sequence[_Hit], h: float) -> float:
    """The distance between printed rows of a block (an item's value takes a row of its own)."""
    steps = []
    for a, b in itertools.pairwise(column):
        if a.part is not None and b.part is not None and _SLOT[b.part] > _SLOT[a.part]:
            steps.append((b.cy - a.cy) / (_SLOT[b.part] - _SLOT[a.part]))
    return statistics.median(steps) if steps else 2.5 * h


def page_blocks(page: ChangePage, rows: Sequence[Row]) -> list[Block]:
    """The blocks of a page, top to bottom: a label that comes no later in a block than the last
    one read starts the next block; rows without a label hold an item's value or a wrapped line."""
    by_row: dict[int, list[_Hit]] = {}
    for hit in page.hits:
        by_row.setdefault(hit.row, []).append(hit)
    blocks: list[Block] = []
    current: Block | None = None
    for r, row in enumerate(rows):
        toks = [t for t in row.tokens if page.left <= (t.x0 + t.x1) / 2 <= page.right]
        if not toks or not page.top <= statistics.median(t.cy for t in toks) <= page.bottom:
            continue
        hits = sorted(by_row.get(r, []), key=lambda x: x.x0)
        weak = None if hits else _weak_hit(r, row, toks, page, current)
        hits = [weak] if weak is not None else hits
        if not hits:
            if current is not None and not _free_row(current, toks):
                h = statistics.median(max(t.h, t.x1 - t.x0) for t in toks)
                cy = statistics.median(t.cy for t in toks)
                current.loose.extend((cy, run) for run in _runs(toks, h))
            continue
        for k, hit in enumerate(hits):
            assert hit.part is not None
            if (
                current is None
                or hit.part in current.parts
                or (current.last is not None and _ORDER.index(hit.part) < _ORDER.index(current.last))
            ):
                current = Block()
                blocks.append(current)
            stop = hits[k + 1].start if k + 1 < len(hits) else len(row.tokens)
            value = _value_after(row.tokens[hit.end : stop], hit, page.right)
            current.parts[hit.part] = value
            current.last = hit.part
            current.last_cy = hit.cy
            current.tokens.extend(row.tokens[hit.start : hit.end])
            current.tokens_of_label[hit.part] = row.tokens[hit.start : hit.end]
            if hit.part is Part.DATE:
                current.date_cy, current.date_x1 = hit.cy, hit.x1
            if hit.part is Part.AUTHORITY and value:
                current.auth_x0 = value[0].x0
    _claim_level_codes(blocks)
    return blocks


def _claim_level_codes(blocks: Sequence[Block]) -> None:
    """An empty 新证书编码 takes the digits level with its label and right of it that no part
    claimed: on a tilted photo the code may be built into a row of its own just above the label's
    row, and so fall loose into the block before (a code lost that way left `current` on the
    booklet's first code, unreviewed)."""
    for i, block in enumerate(blocks):
        label = block.tokens_of_label.get(Part.NEW_CODE)
        if not label or block.parts.get(Part.NEW_CODE):
            continue
        h = statistics.median(max(t.h, t.x1 - t.x0) for t in label)
        cy = statistics.median(t.cy for t in label)
        for owner in blocks[max(i - 1, 0) : i + 1]:
            level = [
                k
                for k, (run_cy, run) in enumerate(owner.loose)
                if abs(run_cy - cy) <= _DATE_DRIFT * h and digits_only(run) and run[0].x0 > label[-1].x1 - h
            ]
            if level:
                block.parts[Part.NEW_CODE] = owner.loose.pop(level[0])[1]
                break


def _weak_hit(
    r: int, row: Row, toks: Sequence[Token], page: ChangePage, current: Block | None
) -> _Hit | None:
    """A label read with up to `_WEAK_EDITS` characters wrong (变意项日), taken only where a label
    stands: at the start of a row, in the page's label column, and one the block expects next (a
    later part of this block, or the first of the next). An item of the closed list whose label
    was lost altogether stands for its label."""
    text = text_of(toks)
    if len(text) != len(toks):
        return None
    start = row.tokens.index(toks[0])
    h = statistics.median(x.h for x in page.hits)
    if abs(toks[0].x0 - statistics.median(x.x0 for x in page.hits)) <= _WEAK_ALIGN * h:
        after = _ORDER.index(current.last) + 1 if current is not None and current.last is not None else 0
        best: tuple[int, Part] | None = None
        for part in dict.fromkeys((*_ORDER[after:], Part.NEW_CODE, Part.ITEM)):
            label = PART_LABELS[part]
            edits = Levenshtein.distance(text[: len(label)], label)
            if edits <= _WEAK_EDITS and (best is None or edits < best[0]):
                best = (edits, part)
        if best is not None:
            end = start + len(PART_LABELS[best[1]])
            return _hit(best[1], r, start, end, row.tokens[start:end])
    if current is not None and Part.ITEM in current.parts and current.last is not Part.AUTHORITY:
        return None  # an item comes first in a block: only after the last block's end
    found = next((text.find(item) for item in CHANGE_ITEMS if item in text), -1)
    if found < 0:
        return None
    anchor = row.tokens[start + found]
    return _Hit(Part.ITEM, r, start + found, start + found, anchor.x0, anchor.x0, anchor.cy, anchor.h)


def _value_after(tokens: Sequence[Token], hit: _Hit, right: float) -> list[Token]:
    """The value on a label's row: from the label to the first wide gap (a seal's remnant or the
    page beside it is no part of it). A date's pre-printed 年 月 日 stand apart, with room for the
    digits between them."""
    value: list[Token] = []
    prev = hit.x1
    gap = _DATE_GAP if hit.part is Part.DATE else _VALUE_GAP
    for tok in tokens:
        if (tok.x0 + tok.x1) / 2 > right:
            break
        if not value and tok.text in ":;,.、":
            prev = tok.x1
            continue
        if tok.x0 - prev > (gap if value else _FIRST_GAP) * hit.h:
            break
        value.append(tok)
        prev = tok.x1
    return value


def _runs(toks: Sequence[Token], h: float) -> list[list[Token]]:
    runs: list[list[Token]] = []
    for tok in toks:
        if runs and tok.x0 - runs[-1][-1].x1 <= _VALUE_GAP * h:
            runs[-1].append(tok)
        else:
            runs.append([tok])
    return runs


def _free_row(block: Block, toks: Sequence[Token]) -> bool:
    """A row without a label: the item's value (and its wrap), a wrapped authority, or a value
    written a row below its label. Returns whether the row was taken into a part."""
    h = statistics.median(max(t.h, t.x1 - t.x0) for t in toks)
    cy = statistics.median(t.cy for t in toks)
    runs = _runs(toks, h)
    # Names wrap onto Chinese words, never onto bare digits or another script's word.
    worded = [run for run in runs if written_in_chinese(run)]
    if block.last is Part.ITEM:
        if not block.value and worded:
            run = worded[0]
            if block.parts.get(Part.ITEM) == [] and item_of(text_of(run))[0] is not None:
                block.parts[Part.ITEM] = run  # the item written a row below its label
            else:
                block.value.append(run)
                block.value_x0 = run[0].x0
            block.last_cy = cy
            return True
        if block.value_x0 is not None and worded and cy - block.last_cy <= _WRAP_REACH * h:
            run = min(worded, key=lambda r: abs(r[0].x0 - (block.value_x0 or 0.0)))
            if abs(run[0].x0 - block.value_x0) <= _WRAP_INDENT * h:
                block.value.append(run)
                block.last_cy = cy
                return True
        return False
    if block.last is Part.AUTHORITY:
        auth = block.parts.get(Part.AUTHORITY) or []
        if not worded or cy - block.last_cy > _WRAP_REACH * h:
            return False
        if not auth:
            block.parts[Part.AUTHORITY] = worded[0]
            block.auth_x0 = worded[0][0].x0
            block.last_cy = cy
            return True
        if block.auth_x0 is None or _ends_complete(FieldKey.AUTHORITY, text_of(auth)):
            return False
        run = min(worded, key=lambda r: abs(r[0].x0 - (block.auth_x0 or 0.0)))
        if abs(run[0].x0 - block.auth_x0) <= _WRAP_INDENT * h:
            block.parts[Part.AUTHORITY] = auth + run
            block.last_cy = cy
            return True
        return False
    late = block.last in (Part.DATE, Part.NEW_CODE) and not block.parts.get(block.last)
    if late and cy - block.last_cy <= _WRAP_REACH * h and any(t.text.isdigit() for t in runs[0]):
        assert block.last is not None
        block.parts[block.last] = runs[0]
        block.last_cy = cy
        return True
    return False


def _date_tokens(block: Block) -> list[Token]:
    """The date's characters. Digits typed over a pre-printed 年 月 日 may sit off its row (and
    be detected apart): the digits level with it, right of its label, are merged in by position."""
    date = list(block.parts.get(Part.DATE, []))
    if not date or block.date_cy is None or any(t.text.isdigit() for t in date):
        return date
    h = statistics.median(max(t.h, t.x1 - t.x0) for t in date)
    for cy, run in block.loose:
        if abs(cy - block.date_cy) <= _DATE_DRIFT * h and digits_only(run) and run[0].x0 > block.date_x1 - h:
            date.extend(run)
    # A pre-printed 年 月 日 with no digits is an empty date, not a date misread.
    return sorted(date, key=lambda t: (t.x0 + t.x1) / 2) if any(t.text.isdigit() for t in date) else []


@dataclass(frozen=True)
class PartReading:
    """One part of a block as read: its value, the flags of its reading, its characters."""

    value: str | None
    flags: tuple[Flag, ...]
    tokens: tuple[Token, ...]


def read_parts(
    block: Block, threshold: float, today: dt.date, institutions: Collection[str] = ()
) -> dict[Part, PartReading] | None:
    """Each part of a block parsed, with its own flags; None for an empty block. A value with
    doubtful characters is filled from its closed list when one word fits (`filled_value`), repaired
    and still doubtful."""
    item_toks, beside = item_split(block.parts.get(Part.ITEM, []))
    toks = {
        Part.NEW_CODE: block.parts.get(Part.NEW_CODE, []),
        Part.ITEM: item_toks,
        Part.VALUE: without_latin_words(beside + [t for run in block.value for t in run]),
        Part.DATE: _date_tokens(block),
        Part.AUTHORITY: without_latin_words(block.parts.get(Part.AUTHORITY, [])),
    }
    if not any(meaningful_tokens(t) for t in toks.values()) or _labels_alone(block, threshold):
        return None
    item, item_flags = parse_item(text_of(toks[Part.ITEM]))
    found: dict[Part, tuple[str | None, Sequence[Flag]]] = {
        Part.NEW_CODE: parse_new_code(text_of(toks[Part.NEW_CODE])),
        Part.ITEM: (item, item_flags),
        Part.VALUE: parse_value(item, text_of(toks[Part.VALUE])),
        Part.DATE: parse_date_part(text_of(toks[Part.DATE]), today),
        Part.AUTHORITY: parse_authority(text_of(toks[Part.AUTHORITY])),
    }
    out: dict[Part, PartReading] = {}
    for part, (value, flags) in found.items():
        meaningful = meaningful_tokens(toks[part])
        extra: list[Flag] = []
        doubtful = [i for i, t in enumerate(toks[part]) if t in meaningful and t.confidence < threshold]
        if doubtful and not (flags == () and _settled(part, toks[part], doubtful, today)):
            extra.append(Flag.LOW_CONFIDENCE)
            fill = _filled(part, item, toks[part], doubtful, institutions)
            if fill is not None:
                value, flags = fill, (Flag.REPAIRED,)
        if any(t.converted for t in meaningful):
            extra.append(Flag.REPAIRED)  # read in traditional script: a person checks
        out[part] = PartReading(value, tuple(dict.fromkeys((*flags, *extra))), tuple(meaningful))
    return out


def _filled(
    part: Part,
    item: str | None,
    tokens: Sequence[Token],
    doubtful: Sequence[int],
    institutions: Collection[str],
) -> str | None:
    """A value whose doubtful characters one word of its closed list fills (`filled_value`)."""
    text = text_of(tokens)
    if part is not Part.VALUE or len(text) != len(tokens):
        return None
    return filled_value(text, doubtful, value_words(item, institutions, text))


def _labels_alone(block: Block, threshold: float) -> bool:
    """Whether nothing is written beside any of the block's labels and all that lies between their
    rows was read in doubt: an empty block of a bilingual booklet, whose labels' own words in 蒙/藏/维
    script under them the recognizer makes into stray digits (19 55), is no change. A block with its
    item, date or 批准机关 written beside the label is read, however badly."""
    for part, label in block.tokens_of_label.items():
        if not label:
            continue
        cy = statistics.median(t.cy for t in label)
        h = statistics.median(t.h for t in label)
        if any(abs(t.cy - cy) <= 0.5 * h for t in meaningful_tokens(block.parts.get(part, []))):
            return False
    between = [t for toks in (*block.parts.values(), *block.value) for t in meaningful_tokens(toks)]
    return all(t.confidence < threshold for t in between)


def _settled(part: Part, tokens: Sequence[Token], doubtful: Sequence[int], today: dt.date) -> bool:
    """Whether a part read cleanly is sure despite its doubtful characters, because no other
    character there gives a value the part can have: an item of the closed list (no two items lie
    one character apart), a date's digits (any other digit gives no plausible date: the 2 of 2013),
    a Chongqing authority of its closed list."""
    text = text_of(tokens)
    if len(text) != len(tokens) or len(doubtful) > _SETTLED_DOUBTS:
        return False
    if part is Part.ITEM:
        return item_settled(text, doubtful)
    if part is Part.DATE:
        return date_settled(text, doubtful, today)
    if part is Part.AUTHORITY:
        return authority_settled(text, doubtful)
    return False


def _change(block: Block, reading: dict[Part, PartReading]) -> Change:
    """The change a block records: its parts, the weakest character's confidence, every part's
    flags."""
    tokens = [t for part in reading.values() for t in part.tokens]
    flags = [
        f
        for part in (Part.ITEM, Part.VALUE, Part.DATE, Part.AUTHORITY, Part.NEW_CODE)
        for f in reading[part].flags
    ]
    box: Box | None = None
    for tok in [*block.tokens, *tokens]:
        box = tok.box if box is None else box.union(tok.box)
    return Change(
        reading[Part.ITEM].value,
        reading[Part.VALUE].value,
        reading[Part.DATE].value,
        reading[Part.AUTHORITY].value,
        reading[Part.NEW_CODE].value,
        min(t.confidence for t in tokens),
        tuple(dict.fromkeys(flags)),
        box,
    )
