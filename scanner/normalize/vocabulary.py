"""Closed vocabularies: 医师级别, 执业类别 and 执业范围 onto their official values, or unsure."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from rapidfuzz import fuzz

from ..fields import Category, Level
from ..vocab import compound_scopes, scopes_by_category, split_printed_scopes
from .data import data_rows
from .results import (
    CANDIDATE_CUTOFF,
    FUZZY_SCALE,
    SCORE_ALIAS,
    SCORE_EXACT,
    SCORE_OCR,
    SCORE_RULE,
    Method,
    Resolution,
)
from .text import (
    clean,
    fold,
)


@dataclass(frozen=True)
class VocabMatch(Resolution):
    """A closed-vocabulary value (level, category, scope) as read, and the official value it surely
    means, or None with candidates."""

    input: str
    match: str | None
    score: float
    candidates: tuple[str, ...] = ()
    method: Method | None = None

    @property
    def review(self) -> bool:
        return self.match is None

    def to_json(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "match": self.match,
            "score": round(self.score, 3),
            "candidates": list(self.candidates),
            "method": str(self.method) if self.method else None,
        }


@cache
def _vocab_variants() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for row in data_rows("vocabulary_variants.csv"):
        out.setdefault(row["field"], {})[clean(row["variant"])] = row["value"]
    return out


# A closed value is repaired by fuzzy matching only above this similarity and this margin.
_VOCAB_SIMILARITY = 0.8
_VOCAB_MARGIN = 0.1


def _closed(
    text: str,
    options: Sequence[str],
    variants: Mapping[str, str],
    rewrite: Sequence[tuple[str, str]] = (),
) -> VocabMatch:
    """A value from `options`: exact, a known variant, a rewrite rule, OCR look-alikes folded, or the
    one clearly closest option; else None with the options it could be."""
    c = clean(text)
    if not c:
        return VocabMatch(text, None, 0.0)
    if c in options:
        return VocabMatch(text, c, SCORE_EXACT, (c,), Method.EXACT)
    if c in variants:
        return VocabMatch(text, variants[c], SCORE_ALIAS, (variants[c],), Method.ALIAS)
    for pattern, repl in rewrite:
        r = re.sub(pattern, repl, c)
        if r in options:
            return VocabMatch(text, r, SCORE_RULE, (r,), Method.RULE)
        c = r  # compare the rewritten form below (X科 → X科专业 is closer to 外科专业)
    folded = {fold(o): o for o in options}
    if fold(c) in folded:
        value = folded[fold(c)]
        return VocabMatch(text, value, SCORE_OCR, (value,), Method.OCR)
    scored = sorted(((fuzz.ratio(fold(c), f) / 100, o) for f, o in folded.items()), reverse=True)
    best, second = scored[0], (scored[1][0] if len(scored) > 1 else 0.0)
    if best[0] >= _VOCAB_SIMILARITY and best[0] - second >= _VOCAB_MARGIN:
        return VocabMatch(text, best[1], best[0] * FUZZY_SCALE, (best[1],), Method.FUZZY)
    cands = tuple(o for s, o in scored[:3] if s >= CANDIDATE_CUTOFF)
    return VocabMatch(text, None, best[0] * FUZZY_SCALE, cands)


def normalize_level(text: str) -> VocabMatch:
    """医师级别 onto 执业医师 or 执业助理医师; 执业助医师 is unsure (助理 half read)."""
    return _closed(text, [str(v) for v in Level], _vocab_variants().get("level", {}))


def normalize_category(text: str) -> VocabMatch:
    """执业类别 onto 临床, 中医, 口腔 or 公共卫生 (临床类别 → 临床)."""
    return _closed(text, [str(v) for v in Category], _vocab_variants().get("category", {}), [(r"类别?$", "")])


def _run_on(part: str, options: Sequence[str]) -> list[str]:
    """A part that is several official scopes with the 、 between them lost (内科专业预防保健专业, the
    small mark unread or never printed) as those scopes; any other part as it is."""
    known = {clean(o): o for o in options}
    pieces = [p for p in re.split(r"(?<=专业)", clean(part)) if p]
    if len(pieces) > 1 and all(p in known for p in pieces):
        return [known[p] for p in pieces]
    return [part]


def normalize_scope(text: str, category: Category | str | None = None) -> VocabMatch:
    """执业范围 onto the official list of the category (all categories when it is unknown).

    A printed scope may list several (内科专业、全科医学专业): each must be surely known, and the
    match joins them with 、. A missing 专业 is added (内科 → 内科专业).
    """
    cat = Category(category) if category in frozenset(Category) else None
    table = scopes_by_category()
    options = list(table[cat]) if cat else sorted({s for v in table.values() for s in v})
    variants = _vocab_variants().get("scope", {})
    # Split on the printed separators, keeping a scope whose own name holds 、 whole.
    raw = unicodedata.normalize("NFKC", text)
    parts = [
        q
        for p in split_printed_scopes(raw, compound_scopes(options))
        if clean(p)
        for q in _run_on(p, options)
    ]
    if not parts:
        return VocabMatch(text, None, 0.0)
    found = [_closed(p, options, variants, [(r"(?<!专业)$", "专业")]) for p in parts]
    if all(f.match is not None for f in found):
        joined = "、".join(f.match for f in found if f.match is not None)
        worst = min(found, key=lambda f: f.score)
        return VocabMatch(text, joined, worst.score, (joined,), worst.method)
    cands: list[str] = []
    for i, f in enumerate(found):
        if f.match is None:
            for option in f.candidates:
                cands.append(
                    "、".join(option if j == i else (g.match or g.input) for j, g in enumerate(found))
                )
            break
    worst = min(found, key=lambda f: f.score)
    return VocabMatch(text, None, worst.score, tuple(cands[:3]))
