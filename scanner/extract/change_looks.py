"""Second looks at the change record: where a block's row was read doubtfully, and which second
reading of it to keep.

A seal over a change block cuts detection boxes short (2015-11-1 for 2015-11-14) and splits rows;
the row read again, whole, from its label to the page's edge, often comes out whole. A second
reading of the same pixels is no independent witness, though: where it agrees with the first it
adds no certainty, and where it disagrees it leaves the character in doubt.
`change_probes` says where to look (pure), the caller reads the quads (`second_look`'s `look`), and
`second_look` keeps a new reading only when the record keeps its blocks and they carry fewer flags
(or as many, and fewer values off their closed list).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..fields import Flag
from ..ocr.base import OcrLine
from .changes import Block, ChangePage, Part, Survey, page_blocks, read_parts, survey_lines
from .layout import Token

Quad = tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class ChangeProbe:
    """A row of a change block read doubtfully (a date cut short by its seal, a value read in low
    confidence, a label whose value was not found): where to read it again, whole, from its label
    (or the value's start) to the page's edge, and the lines that reading would replace."""

    part: Part
    quad: Quad
    lines: tuple[int, ...]


# A second look reaches this far (character heights) beyond the last character read on the row.
_PROBE_REACH = 4.0
# The flags of a part that a second look may clear (a lost or doubtful character), not those of
# the print itself.
_PROBE_FLAGS = frozenset(
    {Flag.LOW_CONFIDENCE, Flag.REPAIRED, Flag.INCOMPLETE, Flag.INVALID_FORMAT, Flag.MISSING}
)


def change_probes(
    lines: Sequence[OcrLine], review_threshold: float, today: dt.date | None = None
) -> list[ChangeProbe]:
    """Where to look again at the change record: every row of a filled block whose part was read
    with a doubt a better reading can clear (`_PROBE_FLAGS`), as a quad in the lines' pixels."""
    survey = survey_lines(lines)
    owner = {id(t): i for i, toks in enumerate(survey.per_line) for t in toks}
    probes: list[ChangeProbe] = []
    for page in survey.pages:
        for block in page_blocks(page, survey.rows):
            reading = read_parts(block, review_threshold, today or dt.date.today())
            if reading is None:
                continue
            for part, read in reading.items():
                if not _PROBE_FLAGS.intersection(read.flags):
                    continue
                for tokens in _part_rows(block, part):
                    probes.append(_probe(part, tokens, page, survey, owner))
    return probes


def second_look(
    lines: Sequence[OcrLine],
    look: Callable[[ChangeProbe], Sequence[OcrLine]],
    review_threshold: float,
    today: dt.date | None = None,
) -> list[OcrLine]:
    """The lines with each doubtful change row (`change_probes`) read again by `look` (which reads
    the probe's quad in one or more views and returns their readings in the lines' pixels, the
    preferred view first), the reading leaving the fewest doubts (the first of equals) kept only
    when the record keeps its blocks and they carry fewer flags than with the reading it replaces
    (a date cut short by its seal read whole; a row that lost its label or a character is not
    kept), or as many with fewer values off their closed list (如户科专业 read again as 妇户科专业,
    which only 妇产科专业 fits). The second reading never makes a doubtful character sure
    (`_disputed`): it restores what the first lacked."""
    current = list(lines)
    probes = change_probes(current, review_threshold, today)
    if not probes:
        return current
    doubts = _doubts(current, review_threshold, today)
    floor = len(current)  # lines from here on were replaced: probes reaching them are stale
    # Rows are replaced from the last line index down, so the indices of earlier probes stay true.
    for probe in sorted(probes, key=lambda p: max(p.lines, default=-1), reverse=True):
        if not probe.lines or max(probe.lines) >= floor:
            continue
        gone = set(probe.lines)
        old = [current[i] for i in probe.lines]
        best: tuple[list[OcrLine], tuple[int, int, int]] | None = None
        for seen in look(probe):
            if not seen.text.strip():
                continue
            trial = [line for i, line in enumerate(current) if i not in gone]
            trial.insert(min(probe.lines), _disputed(old, seen))
            found = _doubts(trial, review_threshold, today)
            bar = doubts if best is None else best[1]
            if found[0] == doubts[0] and found[1:] < bar[1:]:
                best = trial, found
        if best is not None:
            current, doubts, floor = best[0], best[1], min(probe.lines)
    return current


def _disputed(old: Sequence[OcrLine], seen: OcrLine) -> OcrLine:
    """The second reading with the confidence two readings of the same pixels deserve: where they
    agree, no more than the first (the same recognizer on the same print adds no certainty); where
    they disagree, no better than a coin flip. Only characters the first reading lacked (a digit
    its box cut off) keep the second reading's own confidence."""
    before = sorted((c for line in old for c in line.chars), key=lambda c: c.box[0])
    after = list(seen.chars)
    matcher = difflib.SequenceMatcher(None, [c.text for c in before], [c.text for c in after], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                after[j] = replace(after[j], confidence=min(after[j].confidence, before[i].confidence))
        elif op in ("replace", "delete"):
            lo, hi = (j1, j2) if j2 > j1 else (max(j1 - 1, 0), min(j1 + 1, len(after)))
            for j in range(lo, hi):
                after[j] = replace(after[j], confidence=min(after[j].confidence, DISPUTED_CONFIDENCE))
    if after == list(seen.chars):
        return seen
    return replace(seen, chars=tuple(after), confidence=min((c.confidence for c in after), default=0.0))


# Characters two readings disagree on are worth no more than a coin flip.
DISPUTED_CONFIDENCE = 0.5


def _doubts(lines: Sequence[OcrLine], review_threshold: float, today: dt.date | None) -> tuple[int, int, int]:
    """How many blocks a reading of the change record finds, how many flags their parts carry
    (a part's own: one part read better counts even when another keeps the same flag), and how many
    of their values are no word of their closed list: with as many flags, a reading whose scope is
    an official one (filled from it, in doubt) is better than one that is no scope at all."""
    survey = survey_lines(lines)
    blocks = flags = off_list = 0
    for page in survey.pages:
        for block in page_blocks(page, survey.rows):
            reading = read_parts(block, review_threshold, today or dt.date.today())
            if reading is not None:
                blocks += 1
                flags += sum(len(part.flags) for part in reading.values())
                off_list += sum(Flag.NOT_IN_VOCABULARY in part.flags for part in reading.values())
    return blocks, flags, off_list


def _part_rows(block: Block, part: Part) -> list[list[Token]]:
    """The characters of each printed row a part takes: its label and value, or each value row."""
    if part is Part.VALUE:
        return [list(run) for run in block.value]
    if part not in block.tokens_of_label:
        return []
    toks = list(block.tokens_of_label.get(part, [])) + list(block.parts.get(part, []))
    return [toks] if toks else []


def _probe(
    part: Part, tokens: Sequence[Token], page: ChangePage, survey: Survey, owner: dict[int, int]
) -> ChangeProbe:
    h = statistics.median(max(t.h, t.x1 - t.x0) for t in tokens)
    cy = statistics.median(t.cy for t in tokens)
    x0 = min(t.x0 for t in tokens) - 0.3 * h
    x1 = min(max(t.x1 for t in tokens) + _PROBE_REACH * h, page.right)
    top, bottom = cy - 0.75 * h, cy + 0.75 * h
    cos, sin = math.cos(survey.skew), math.sin(survey.skew)
    corners = ((x0, top), (x1, top), (x1, bottom), (x0, bottom))
    quad = tuple((x * cos - y * sin, x * sin + y * cos) for x, y in corners)
    replaced = sorted(
        {
            owner[id(t)]
            for row in survey.rows
            for t in row.tokens
            if x0 <= (t.x0 + t.x1) / 2 <= x1 and top <= t.cy <= bottom and id(t) in owner
        }
    )
    return ChangeProbe(part, quad, tuple(replaced))  # type: ignore[arg-type]
