"""The institution matcher: exact name, alias, key and abbreviation tiers (plain and OCR-folded), then
fuzzy matching that refuses a different number, district or kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from ..errors import ConfigError
from .abbreviations import (
    abbreviations,
)
from .gazetteer import (
    Institution,
    bundled_gazetteer,
    merge_institutions,
)
from .keys import (
    _alternation,
    _rules,
    institution_key,
    split_branch,
)
from .places import (
    _places_outside,
)
from .results import (
    CANDIDATE_CUTOFF,
    FUZZY_SCALE,
    MAX_CANDIDATES,
    SCORE_ALIAS,
    SCORE_BRANCH,
    SCORE_EXACT,
    SCORE_OCR,
    SCORE_RULE,
    Candidate,
    InstitutionMatch,
    Method,
    Unsure,
)
from .shapes import (
    _EDIT_WEIGHTS,
    SCORE_ONE_EDIT,
    NameShape,
    Reach,
    _edits_allowed,
    compatible,
    one_edit,
    shape,
)
from .text import (
    _CJK,
    clean,
    fold,
)

# A match scoring below this is not sure: `match` is None, the candidates are listed for review.
SURE_THRESHOLD = 0.85
# The best fuzzy candidate must beat the next institution by this much similarity to be sure.
FUZZY_MARGIN = 0.05


@dataclass(frozen=True)
class _Variant:
    """One name or alias of an institution, keyed for fuzzy matching."""

    entry: int
    folded: str
    shape: NameShape


@dataclass
class _Index:
    """Dictionary tiers: text → institution indices."""

    exact: dict[str, set[int]] = field(default_factory=dict)
    alias: dict[str, set[int]] = field(default_factory=dict)
    key: dict[str, set[int]] = field(default_factory=dict)
    abbrev: dict[str, set[int]] = field(default_factory=dict)
    folded_key: dict[str, set[int]] = field(default_factory=dict)
    folded_abbrev: dict[str, set[int]] = field(default_factory=dict)


def _add(table: dict[str, set[int]], text: str, entry: int) -> None:
    if text:
        table.setdefault(text, set()).add(entry)


_UNIVERSITY = re.compile(rf"^[{_CJK}]{{2,6}}?(?:军医大学|医科大学|大学)")


def _fuzzy_forms(folded_clean: str) -> list[str]:
    """The folded keys fuzzy matching compares: with and without the city prefix, and with both
    orders of 附属 and 第N, so a name damaged where a rule looks still lines up with its original."""
    r = _rules(True)
    keys = [
        institution_key(folded_clean, folded=True),
        institution_key(folded_clean, folded=True, drop_city=False),
    ]
    backs = [r.reorder_back.sub(lambda m: f"{r.f('附属第')}{m.group(1)}{m.group(2)}", k) for k in keys]
    return list(dict.fromkeys((*keys, *backs)))


class InstitutionMatcher:
    """Normalizes institution names onto the gazetteer's official names; load once, match often.

    Built from the bundled gazetteer (or the institutions given) merged with `extra`, the users' own
    rows, which the caller loads (`load_user_institutions`): the matcher reads no file. `match` is
    cached by input string, so bulk HR files with many repeats cost one dictionary lookup per repeat.
    """

    def __init__(
        self,
        institutions: Sequence[Institution] | None = None,
        *,
        extra: Sequence[Institution] = (),
        sure_threshold: float = SURE_THRESHOLD,
        cache_size: int = 200_000,
    ) -> None:
        if not 0.0 < sure_threshold <= 1.0:
            raise ConfigError("sure_threshold must lie in (0, 1].")
        base = bundled_gazetteer() if institutions is None else tuple(institutions)
        self.institutions: tuple[Institution, ...] = merge_institutions(base, extra)
        self.sure_threshold = sure_threshold
        self._cache_size = cache_size
        self._cache: dict[str, InstitutionMatch] = {}
        self._index = _Index()
        self._variants: list[_Variant] = []
        self._entry_keys: list[set[str]] = [set() for _ in self.institutions]
        self._printed: dict[str, str] | None = None
        self._build()

    def _build(self) -> None:
        idx = self._index
        seen: set[tuple[int, str]] = set()
        starts: set[str] = set()
        for entry, inst in enumerate(self.institutions):
            names = [inst.name, *inst.aliases]
            for n, name in enumerate(names):
                c = clean(name)
                if not c:
                    continue
                starts.add(c)
                _add(idx.exact if n == 0 else idx.alias, c, entry)
                key = institution_key(c)
                if (entry, key) in seen:
                    continue
                seen.add((entry, key))
                folded = institution_key(fold(c), folded=True)
                _add(idx.key, key, entry)
                _add(idx.folded_key, folded, entry)
                self._entry_keys[entry].add(key)
                for short in abbreviations(key):
                    _add(idx.abbrev, short, entry)
                    _add(idx.folded_abbrev, fold(short), entry)
                for form in _fuzzy_forms(fold(c)):
                    self._variants.append(_Variant(entry, form, shape(form)))
        self._folded_list = [v.folded for v in self._variants]
        # Institutions whose branches the gazetteer lists as institutions of their own (礼嘉分院 of
        # 重庆医科大学附属儿童医院): an unknown branch of these is not surely the parent.
        self._branch_parents: set[str] = set()
        for key, entries in idx.key.items():
            base, branch = split_branch(key)
            owners = idx.key.get(base, set()) | idx.abbrev.get(base, set())
            if branch and owners and not entries <= owners:
                self._branch_parents.update(self.institutions[e].name for e in owners)
        # A place name that begins (or, spelled out, appears in) a known institution's name is no
        # sign of another province.
        full_names, short_names = _places_outside()
        leading = [p for p in (*full_names, *short_names) if not any(n.startswith(p) for n in starts)]
        inner = [p for p in full_names if not any(p in n for n in starts)]
        self._outside_start_re = re.compile(f"^(?:{_alternation(leading)})") if leading else None
        self._outside_any_re = re.compile(_alternation(inner)) if inner else None

    # ------------------------------------------------------------ public API

    def match(self, text: str) -> InstitutionMatch:
        """The official name `text` surely means, or None with the candidates considered."""
        hit = self._cache.get(text)
        if hit is None:
            hit = self._match(text)
            if len(self._cache) >= self._cache_size:
                self._cache.clear()
            self._cache[text] = hit
        return hit

    def match_many(self, texts: Iterable[str]) -> list[InstitutionMatch]:
        """`match` for each text, in order (bulk HR files)."""
        return [self.match(t) for t in texts]

    def printed_names(self) -> dict[str, str]:
        """Every name and alias an institution may be printed under → its official name (an alias
        two institutions share is left out)."""
        if self._printed is None:
            owners: dict[str, set[str]] = {}
            for inst in self.institutions:
                for form in (inst.name, *inst.aliases):
                    owners.setdefault(form, set()).add(inst.name)
            self._printed = {form: next(iter(names)) for form, names in owners.items() if len(names) == 1}
        return self._printed

    def same_institution(self, a: str, b: str) -> bool | None:
        """Whether two names surely mean one institution: True/False when both normalize surely
        (or are literally equal), None when either is unsure (a person compares)."""
        ma, mb = self.match(a), self.match(b)
        if ma.match is not None and mb.match is not None:
            return ma.match == mb.match
        if clean(a) and clean(a) == clean(b):
            return True
        return None

    def institution(self, name: str) -> Institution | None:
        """The gazetteer row of an official name."""
        for inst in self.institutions:
            if inst.name == name:
                return inst
        return None

    # ------------------------------------------------------------ stages

    def _result(
        self, text: str, entries: set[int], score: float, method: Method, bonus: Sequence[Candidate] = ()
    ) -> InstitutionMatch:
        if len(entries) == 1:
            entry = next(iter(entries))
            inst = self.institutions[entry]
            cand = Candidate(inst.name, score, inst.district)
            return InstitutionMatch(text, inst.name, score, (cand,), inst.district or None, method)
        cands = tuple(
            sorted(
                (Candidate(self.institutions[e].name, score, self.institutions[e].district) for e in entries),
                key=lambda c: c.name,
            )
        )
        return InstitutionMatch(text, None, score, cands[:MAX_CANDIDATES], None, None, Unsure.AMBIGUOUS)

    def _outside(self, cleaned: str) -> bool:
        """A name that starts with, or spells out, a province or prefecture other than Chongqing."""
        if self._outside_start_re is not None and self._outside_start_re.match(cleaned):
            return True
        return self._outside_any_re is not None and self._outside_any_re.search(cleaned) is not None

    def _match(self, text: str) -> InstitutionMatch:
        idx = self._index
        c = clean(text)
        if not c:
            return InstitutionMatch(text, None, 0.0, unsure=Unsure.EMPTY)
        if c in idx.exact:
            return self._result(text, idx.exact[c], SCORE_EXACT, Method.EXACT)
        if c in idx.alias:
            return self._result(text, idx.alias[c], SCORE_ALIAS, Method.ALIAS)
        if self._outside(c):
            return InstitutionMatch(text, None, 0.0, unsure=Unsure.OUTSIDE)
        key = institution_key(c)
        folded = institution_key(fold(c), folded=True)
        found = self._by_key(text, key, folded, SCORE_RULE, SCORE_OCR)
        if found is not None:
            return found
        found = self._by_university(text, key)
        if found is not None:
            return found
        base, branch = split_branch(key)
        folded_base, folded_branch = split_branch(folded, folded=True)
        if branch or folded_branch:
            # A campus or branch (重医附二院江南分院) of a known institution is that institution,
            # unless the gazetteer lists that institution's branches as institutions of their own.
            found = self._by_key(text, base, folded_base, SCORE_BRANCH, SCORE_BRANCH)
            if found is not None and found.match not in self._branch_parents:
                return found
        # One damage at a time: a name whose district was repaired gets no further one-edit repair.
        repaired = folded != institution_key(fold(c), folded=True, repair=False)
        return self._fuzzy(text, _fuzzy_forms(fold(c)), one_edit_ok=not repaired)

    def _by_university(self, text: str, key: str) -> InstitutionMatch | None:
        """A university's name before one of its hospitals' own names (陆军军医大学新桥医院 =
        新桥医院): the hospital, when it belongs to that university."""
        m = _UNIVERSITY.match(key)
        if not m or len(key) - m.end() < 3:
            return None
        rest = key[m.end() :]
        entries = self._index.key.get(rest, set()) | self._index.abbrev.get(rest, set())
        owned = {e for e in entries if any(m.group() in k for k in self._entry_keys[e])}
        return self._result(text, owned, SCORE_RULE, Method.RULE) if len(owned) == 1 else None

    def _by_key(
        self, text: str, key: str, folded: str, rule_score: float, ocr_score: float
    ) -> InstitutionMatch | None:
        idx = self._index
        if key in idx.key:
            return self._result(text, idx.key[key], rule_score, Method.RULE)
        if key in idx.abbrev:
            return self._result(text, idx.abbrev[key], rule_score, Method.RULE)
        if folded in idx.folded_key:
            return self._result(text, idx.folded_key[folded], ocr_score, Method.OCR)
        if folded in idx.folded_abbrev:
            return self._result(text, idx.folded_abbrev[folded], ocr_score, Method.OCR)
        return None

    def _sure_fuzzy(
        self, text: str, entry: int, score: float, cands: Sequence[Candidate]
    ) -> InstitutionMatch:
        inst = self.institutions[entry]
        first = Candidate(inst.name, score, inst.district)
        rest = tuple(c for c in cands if c.name != inst.name)
        return InstitutionMatch(
            text, inst.name, score, (first, *rest)[:MAX_CANDIDATES], inst.district or None, Method.FUZZY
        )

    def _fuzzy(self, text: str, queries: Sequence[str], one_edit_ok: bool = True) -> InstitutionMatch:
        """Similar names whose number, district and kind agree; sure only with a clear margin."""
        best_any: dict[int, float] = {}
        best_ok: dict[int, float] = {}
        edits_ok: dict[int, int] = {}
        # Fewest edits to every institution found, whatever its shape (rivals: 垫江县民医院 may be
        # 人民医院 or 中医院); and the institutions one harmless edit away (see `one_edit`).
        edits_any: dict[int, int] = {}
        single: dict[Reach, dict[int, int]] = {reach: {} for reach in Reach}
        for query in dict.fromkeys(queries):
            mine = shape(query)
            found = process.extract(
                query,
                self._folded_list,
                scorer=fuzz.ratio,
                score_cutoff=CANDIDATE_CUTOFF * 100,
                limit=4 * MAX_CANDIDATES,
            )
            for _, score, i in found:
                variant = self._variants[i]
                entry, sim = variant.entry, score / 100
                best_any[entry] = max(best_any.get(entry, 0.0), sim)
                edits = Levenshtein.distance(query, variant.folded, weights=_EDIT_WEIGHTS)
                edits_any[entry] = min(edits_any.get(entry, edits), edits)
                if one_edit_ok and edits <= max(_EDIT_WEIGHTS):
                    for reach in Reach:
                        if one_edit(query, variant.folded, variant.shape, reach):
                            near = single[reach]
                            near[entry] = min(near.get(entry, edits), edits)
                            break
                if compatible(mine, variant.shape) and _edits_allowed(query, variant.folded, variant.shape):
                    best_ok[entry] = max(best_ok.get(entry, 0.0), sim)
                    edits_ok[entry] = min(edits_ok.get(entry, edits), edits)
        if not best_any:
            return InstitutionMatch(text, None, 0.0, unsure=Unsure.UNKNOWN)
        ranked = sorted(best_ok.items(), key=lambda kv: -kv[1])
        cands = tuple(
            Candidate(self.institutions[e].name, s * FUZZY_SCALE, self.institutions[e].district)
            for e, s in sorted(best_any.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_CANDIDATES]
        )
        reach = next((r for r in Reach if single[r]), Reach.STRICT)
        if len(single[reach]) == 1:
            entry, edits = next(iter(single[reach].items()))
            rival_edits = min((n for e, n in edits_any.items() if e != entry), default=len(text) + 99)
            # Further than the nearest other institution by the reach's margin: at least a lost
            # character more, more when a proper name or more was touched.
            if rival_edits >= edits + reach.margin:
                score = max(SCORE_ONE_EDIT, best_any[entry] * FUZZY_SCALE)
                if score >= self.sure_threshold:
                    return self._sure_fuzzy(text, entry, score, cands)
        if ranked:
            entry, sim = ranked[0]
            runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
            score = sim * FUZZY_SCALE
            # Any institution as close counts as a rival, even one whose district the input lost
            # (附属永复医院: 康复医院, or 永川医院 with 川 misread?).
            rival_edits = min((n for e, n in edits_any.items() if e != entry), default=len(text) + 99)
            clear = sim - runner_up >= FUZZY_MARGIN and rival_edits > edits_ok[entry]
            if score >= self.sure_threshold and clear:
                return self._sure_fuzzy(text, entry, score, cands)
            reason = Unsure.BELOW_THRESHOLD if score < self.sure_threshold else Unsure.AMBIGUOUS
        else:
            reason = Unsure.CONFLICT
        return InstitutionMatch(text, None, cands[0].score, cands, None, None, reason)
