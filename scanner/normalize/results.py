"""Match records: how a value was found (`Method`), why none is sure (`Unsure`), the candidates, and
`InstitutionMatch` with its one-line summary in each language; the scores by method.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..fields import Flag
from ..text import Lang

# Scores by how a match was found. A fuzzy score is the similarity scaled by FUZZY_SCALE, so a fuzzy
# match never outranks one found by rule.
SCORE_EXACT = 1.0
SCORE_ALIAS = 0.99
SCORE_RULE = 0.97
SCORE_OCR = 0.95
SCORE_BRANCH = 0.92
FUZZY_SCALE = 0.95


# Candidates listed for review: at most this many, with at least this similarity.
MAX_CANDIDATES = 5
CANDIDATE_CUTOFF = 0.6


class Method(StrEnum):
    """How a sure match was found."""

    EXACT = "exact"
    ALIAS = "alias"
    RULE = "rule"
    OCR = "ocr"
    FUZZY = "fuzzy"


class Unsure(StrEnum):
    """Why there is no sure match."""

    EMPTY = "empty"
    UNKNOWN = "unknown"
    OUTSIDE = "outside_chongqing"
    AMBIGUOUS = "ambiguous"
    CONFLICT = "conflict"
    BELOW_THRESHOLD = "below_threshold"


@dataclass(frozen=True)
class Candidate:
    """A known institution an input may mean."""

    name: str
    score: float
    district: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "score": round(self.score, 3), "district": self.district or None}


_METHOD_TEXT: dict[Lang, dict[Method, str]] = {
    "zh": {
        Method.EXACT: "官方全称",
        Method.ALIAS: "已知简称或曾用名",
        Method.RULE: "按简称规则",
        Method.OCR: "按识别易混字",
        Method.FUZZY: "近似匹配",
    },
    "en": {
        Method.EXACT: "official name",
        Method.ALIAS: "known alias or former name",
        Method.RULE: "shortening rules",
        Method.OCR: "OCR look-alike characters",
        Method.FUZZY: "fuzzy match",
    },
}
_UNSURE_TEXT: dict[Lang, dict[Unsure, str]] = {
    "zh": {
        Unsure.EMPTY: "没有可规范的内容",
        Unsure.UNKNOWN: "未收录的机构，按原样保留",
        Unsure.OUTSIDE: "看似重庆以外的机构，按原样保留",
        Unsure.AMBIGUOUS: "多个机构同样吻合，需人工复核",
        Unsure.CONFLICT: "序号、区县或机构类别与已知机构不一致，需人工复核",
        Unsure.BELOW_THRESHOLD: "把握不足，需人工复核",
    },
    "en": {
        Unsure.EMPTY: "nothing to normalize",
        Unsure.UNKNOWN: "not a known institution, kept as read",
        Unsure.OUTSIDE: "looks like an institution outside Chongqing, kept as read",
        Unsure.AMBIGUOUS: "several institutions fit equally, needs review",
        Unsure.CONFLICT: "number, district or kind differs from every known institution, needs review",
        Unsure.BELOW_THRESHOLD: "not sure enough, needs review",
    },
}


class Resolution:
    """What every match record shares: the text as read and the official value it surely means."""

    input: str
    match: str | None

    @property
    def sure(self) -> bool:
        return self.match is not None

    @property
    def value(self) -> str:
        """The value to report: the official one when sure, else the input unchanged."""
        return self.match if self.match is not None else self.input

    @property
    def changed(self) -> bool:
        return self.match is not None and self.match != self.input


@dataclass(frozen=True)
class InstitutionMatch(Resolution):
    """An institution name as read, and the official name it surely means (or None, with candidates).

    `score` is the match's score, or the best candidate's when there is no sure match; `review` is
    true when candidates exist but none is sure, so a person must decide. An unknown institution
    with no candidate passes through unchanged and needs no review on this account.
    """

    input: str
    match: str | None
    score: float
    candidates: tuple[Candidate, ...] = ()
    district: str | None = None
    method: Method | None = None
    unsure: Unsure | None = None

    @property
    def review(self) -> bool:
        return self.match is None and bool(self.candidates)

    @property
    def known(self) -> bool:
        """The name is the gazetteer's own, one of its short forms, or made by its naming rule: whole
        even without a 医院-like ending (重医附一院)."""
        return self.method in (Method.EXACT, Method.ALIAS, Method.RULE)

    @property
    def flags(self) -> tuple[Flag, ...]:
        """Field flags for the pipeline: `normalized` for a sure change, `not_in_vocabulary` when
        candidates exist but none is sure (that flag sets `review`)."""
        if self.changed:
            return (Flag.NORMALIZED,)
        return (Flag.NOT_IN_VOCABULARY,) if self.review else ()

    def to_json(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "match": self.match,
            "score": round(self.score, 3),
            "candidates": [c.to_json() for c in self.candidates],
            "district": self.district or None,
            "method": str(self.method) if self.method else None,
            "review": self.review,
            "unsure": str(self.unsure) if self.unsure else None,
        }

    def summary(self, lang: Lang = "zh") -> str:
        """One line for people."""
        if self.match is not None and self.method is not None:
            how = _METHOD_TEXT[lang][self.method]
            if lang == "zh":
                where = f"{self.district}；" if self.district else ""
                return f"{self.input} → {self.match}（{where}{how}，把握 {self.score:.2f}）"
            where = f"{self.district}; " if self.district else ""
            return f"{self.input} → {self.match} ({where}{how}, score {self.score:.2f})"
        why = _UNSURE_TEXT[lang][self.unsure or Unsure.UNKNOWN]
        shown = self.input or "∅"
        if lang == "zh":
            line = f"{shown} → 未匹配（{why}）"
            if self.candidates:
                line += "；候选：" + "、".join(f"{c.name} {c.score:.2f}" for c in self.candidates)
            return line
        line = f"{shown} → no match ({why})"
        if self.candidates:
            line += "; candidates: " + ", ".join(f"{c.name} {c.score:.2f}" for c in self.candidates)
        return line
