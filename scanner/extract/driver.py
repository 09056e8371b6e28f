"""The extraction driver: lay the page out, read the labelled values, then apply the finders in order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from types import MappingProxyType

from ..fields import Box, FieldKey, FieldResult, Flag
from ..ocr.base import OcrLine
from .finders import FINDERS, Reading
from .labels import CURRENT_TABLE, LabelTable
from .layout import (
    Row,
    Run,
    Token,
    attach_neighbours,
    build_rows,
    cover_values,
    page_skew,
    split_row,
    tokens_of,
)
from .parse import _result
from .repair import LABEL_REPAIRS

# The page's skew, its rows and the runs on them (`read_layout`).
Layout = tuple[float, list[Row], list[Run]]


def read_layout(
    lines: Sequence[OcrLine], table: LabelTable = CURRENT_TABLE, covered: Sequence[Box] = ()
) -> Layout:
    """The page's skew, its rows, and the label values and free text on them, cut at the labels of
    `table` (the printed form's). Text under a redaction box (`covered`, in the lines' pixels) is
    nobody's, and a label with a box beside it has no value: it never borrows its neighbour's."""
    skew = page_skew(lines)
    tokens = tokens_of(lines, skew)
    covered = [box for box in covered if not _read_through(tokens, box)]
    rows = build_rows(_uncovered(tokens, covered))
    runs = [run for i, row in enumerate(rows) for run in split_row(i, row, table)]
    for repair in LABEL_REPAIRS:
        runs = repair.apply(runs, table)
    cover_values(runs, covered, skew)
    attach_neighbours(runs, rows, table)
    return skew, rows, runs


def _uncovered(lines_tokens: Sequence[list[Token]], covered: Sequence[Box]) -> list[list[Token]]:
    """The tokens whose centre lies under no redaction box (what OCR makes of a box is noise)."""
    if not covered:
        return list(lines_tokens)
    out = []
    for toks in lines_tokens:
        kept = [t for t in toks if not any(_inside(t.box, box) for box in covered)]
        if kept:
            out.append(kept)
    return out


# A redaction box is opaque: OCR reads at most a stray mark in it. One in which this many characters
# were read this surely is print on a shaded cell, not a box over a value.
READ_THROUGH_CHARS = 2
READ_THROUGH_CONFIDENCE = 0.8


def _read_through(lines_tokens: Sequence[list[Token]], box: Box) -> bool:
    """Whether text was read surely inside a box: then it hides nothing."""
    sure = [
        t
        for toks in lines_tokens
        for t in toks
        if t.confidence >= READ_THROUGH_CONFIDENCE and _inside(t.box, box)
    ]
    return len(sure) >= READ_THROUGH_CHARS


def _inside(token: Box, box: Box) -> bool:
    cx, cy = (token.x0 + token.x1) / 2, (token.y0 + token.y1) / 2
    return box.x0 <= cx <= box.x1 and box.y0 <= cy <= box.y1


def extract_fields(
    lines: Sequence[OcrLine],
    review_threshold: float,
    lookalike_threshold: float | None = None,
    today: dt.date | None = None,
    institutions: Collection[str] = (),
    layout: Layout | None = None,
    table: LabelTable = CURRENT_TABLE,
) -> dict[FieldKey, FieldResult]:
    """Every canonical field read from OCR lines; fields not found are marked missing.

    `review_threshold` is the confidence every character of a value needs; `lookalike_threshold`, if
    given, is the higher one a name character with a look-alike (凤/风) needs. `today` (by default
    the day it runs) tells a lone date without its label that is too recent to be a birth date;
    `institutions`, the names institutions are printed under, an institution without its label.
    `layout`, when the caller has laid the same lines out already (`read_layout`), is used as it is;
    otherwise the lines are cut at the labels of `table`. A field whose value lies under a redaction
    box stays missing: no finder fills it from other text.
    """
    _, rows, runs = layout or read_layout(lines, table)
    fields = labelled_values(runs, review_threshold, lookalike_threshold, table)
    hidden = {run.key for run in runs if run.covered and run.key is not None}
    page = Reading(runs, rows, review_threshold, today, institutions, table)
    for rule in FINDERS:
        found = rule.apply(page, MappingProxyType(fields))
        fields.update({key: value for key, value in found.items() if key not in hidden})
    for key in hidden:
        fields[key] = FieldResult.missing()
    return {key: fields.get(key, FieldResult.missing()) for key in FieldKey}


def labelled_values(
    runs: Sequence[Run],
    review_threshold: float,
    lookalike_threshold: float | None = None,
    table: LabelTable = CURRENT_TABLE,
) -> dict[FieldKey, FieldResult]:
    """The values found after their labels (each parsed in the form its field has on `table`'s
    document); a label read twice with different values keeps the surer one, reviewed."""
    fields: dict[FieldKey, FieldResult] = {}
    for run in runs:
        if run.key is None or not run.tokens:
            continue
        tokens = (
            [t for part in run.before for t in part] + run.tokens + [t for part in run.extra for t in part]
        )
        result = _result(table.kind(run.key), tokens, review_threshold, lookalike_threshold)
        if run.doubtful:
            result = result.with_flags(Flag.UNLABELLED)
        previous = fields.get(run.key)
        if previous is None or (previous.value is None and result.value is not None):
            fields[run.key] = result
        elif result.value is not None and result.value != previous.value:
            # The same label twice with different values: keep the surer one, but review it.
            best = max(previous, result, key=lambda f: f.confidence)
            fields[run.key] = best.with_flags(Flag.LOW_CONFIDENCE)
    return fields
