"""The extraction driver: lay the page out, read the labelled values, then apply the finders in order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from types import MappingProxyType

from ..fields import FieldKey, FieldResult, Flag
from ..ocr.base import OcrLine
from .finders import FINDERS, Reading
from .layout import Row, Run, attach_neighbours, build_rows, page_skew, split_row, tokens_of
from .parse import _result
from .repair import LABEL_REPAIRS

# The page's skew, its rows and the runs on them (`read_layout`).
Layout = tuple[float, list[Row], list[Run]]


def read_layout(lines: Sequence[OcrLine]) -> Layout:
    """The page's skew, its rows, and the label values and free text on them."""
    skew = page_skew(lines)
    rows = build_rows(tokens_of(lines, skew))
    runs = [run for i, row in enumerate(rows) for run in split_row(i, row)]
    for repair in LABEL_REPAIRS:
        runs = repair.apply(runs)
    attach_neighbours(runs, rows)
    return skew, rows, runs


def extract_fields(
    lines: Sequence[OcrLine],
    review_threshold: float,
    lookalike_threshold: float | None = None,
    today: dt.date | None = None,
    institutions: Collection[str] = (),
    layout: Layout | None = None,
) -> dict[FieldKey, FieldResult]:
    """Every canonical field read from OCR lines; fields not found are marked missing.

    `review_threshold` is the confidence every character of a value needs; `lookalike_threshold`, if
    given, is the higher one a name character with a look-alike (凤/风) needs. `today` (by default
    the day it runs) tells a lone date without its label that is too recent to be a birth date;
    `institutions`, the names institutions are printed under, an institution without its label.
    `layout`, when the caller has laid the same lines out already (`read_layout`), is used as it is.
    """
    _, rows, runs = layout or read_layout(lines)
    fields = labelled_values(runs, review_threshold, lookalike_threshold)
    page = Reading(runs, rows, review_threshold, today, institutions)
    for rule in FINDERS:
        fields.update(rule.apply(page, MappingProxyType(fields)))
    return {key: fields.get(key, FieldResult.missing()) for key in FieldKey}


def labelled_values(
    runs: Sequence[Run], review_threshold: float, lookalike_threshold: float | None = None
) -> dict[FieldKey, FieldResult]:
    """The values found after their labels; a label read twice with different values keeps the
    surer one, reviewed."""
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
    return fields
