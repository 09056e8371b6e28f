"""Where to look again: places a label promises a value that text detection did not find."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from ..fields import FieldKey
from ..ocr.base import OcrLine
from .documents import identify
from .driver import read_layout
from .labels import TABLES

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
    FieldKey.QUALIFICATION_CODE: 16,
}


@dataclass(frozen=True)
class Probe:
    """A place where a label promises a value that detection did not find: worth a second look."""

    key: FieldKey
    quad: tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]


def value_probes(lines: Sequence[OcrLine]) -> list[Probe]:
    """Where to look again for values whose label was read but whose text was not detected.

    Small values (a lone 男 or 女) are the ones text detection misses most. The value is expected where
    the other values of the same label column start, on the label's row, up to the next text. The
    labels are those of the document the lines show (the old booklet's 医师资格, a 资格证书's 类别).
    """
    skew, rows, runs = read_layout(lines, TABLES[identify(lines).form])
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
