"""A doubtful value read again against the words it can be.

Most fields of a certificate come from short closed lists: 男/女, two levels, four categories, the
official scopes, Chongqing's districts, the issuers' names, the gazetteer's institutions. When OCR
is unsure of such a value (临米, 执业居师, 重庆审卫生健康委员会), its crop is recognised once more
and each word it can be is aligned with the recognizer's per-step probabilities, as CTC decoding
aligns text with them. A word's cost is how much less likely its best alignment is than the
recognizer's own best reading, in nats: 0 for the word the recognizer read, a few nats for one
character it thought second-likeliest, tens for a word it never saw there.

The word with the clearly lowest cost is taken only when no other comes close: such a repair is
unique, and the field stays marked for review, as every repair does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..ocr.base import ctc_steps

# What one time step outside the word costs when the recognizer saw something there: a stray
# colon or a label character the crop caught at its edges (nats per step).
JUNK_STEP_COST = 8.0
# A word is taken only when its alignment costs at most this much (nats) and every other value's
# costs this much more; when what was read cannot be right (not in the list, a failed check
# digit), the lesser margin.
MAX_COST = 30.0
MIN_MARGIN = 8.0
MIN_MARGIN_READ_WRONG = 3.0
# A digit changed under an ID number's or a date's rules must be one the recognizer itself doubted:
# its reading costs at most this much. A digit printed wrong on purpose (a forged ID number) and
# read clearly costs far more, and is left as printed for the checks to report.
MAX_RULED_COST = 10.0
# Probabilities are floored here before taking logarithms.
_FLOOR = 1e-9


@dataclass(frozen=True)
class Pick:
    """The value a crop most likely shows, its cost, and the best other value's (inf if none)."""

    value: str
    cost: float
    runner_up: float

    @property
    def margin(self) -> float:
        return self.runner_up - self.cost


def acceptable(found: Pick, read_wrong: bool, max_cost: float = MAX_COST) -> bool:
    """Whether a pick is sure enough to replace what was read (see MAX_COST, MIN_MARGIN)."""
    margin = MIN_MARGIN_READ_WRONG if read_wrong else MIN_MARGIN
    return found.cost <= max_cost and found.margin >= margin


def _class_index(keys: Sequence[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, k in enumerate(keys):
        if i and k not in index:
            index[k] = i
    return index


def alignment_costs(probs: np.ndarray, keys: Sequence[str], words: Sequence[str]) -> np.ndarray:
    """For each word, how much less likely (nats) its best CTC alignment with the per-step
    probabilities `probs` (steps × classes, class 0 the blank) is than the best reading of them.

    Steps before the word's first character and after its last cost nothing where the recognizer
    saw a gap, and `JUNK_STEP_COST` each where it saw print. A space counts as a gap. A word with
    a character the recognizer does not know costs inf.
    """
    index = _class_index(keys)
    logp = np.log(np.maximum(probs.astype(np.float64), _FLOOR))
    best = logp.max(axis=1)
    gap = logp[:, 0]
    if " " in index:
        gap = np.maximum(gap, logp[:, index[" "]])
    gap_cost = best - gap
    edge_cost = np.minimum(gap_cost, JUNK_STEP_COST)
    steps = len(logp)
    costs = np.full(len(words), np.inf)
    known = [i for i, w in enumerate(words) if w and all(c in index for c in w)]
    if not known or steps == 0:
        return costs
    states = 2 * max(len(words[i]) for i in known) + 1
    # Each word's CTC states: gap, c1, gap, c2, ..., cn, gap; -1 marks a gap, -2 padding.
    symbol = np.full((len(known), states), -2, dtype=np.int64)
    for row, i in enumerate(known):
        ids = [index[c] for c in words[i]]
        symbol[row, : 2 * len(ids) + 1] = -1
        symbol[row, 1 : 2 * len(ids) : 2] = ids
    is_gap, is_pad = symbol == -1, symbol == -2
    # A step may skip the gap between two characters unless they are the same character.
    skip = np.zeros_like(is_gap)
    skip[:, 2:] = (symbol[:, 2:] >= 0) & (symbol[:, 2:] != symbol[:, :-2])
    step_cost = best[:, None, None] - logp[:, np.maximum(symbol, 0)]
    step_cost = np.where(is_gap[None], gap_cost[:, None, None], step_cost)
    step_cost = np.where(is_pad[None], np.inf, step_cost)
    lengths = np.array([2 * len(words[i]) + 1 for i in known])
    rows = np.arange(len(known))
    before = np.concatenate(([0.0], np.cumsum(edge_cost)))  # cost of the steps before t
    after = np.concatenate((np.cumsum(edge_cost[::-1])[::-1], [0.0]))  # cost of steps from t on
    total = np.full(len(known), np.inf)
    reach = np.full((len(known), states), np.inf)
    for t in range(steps):
        prev = reach
        came = prev.copy()
        came[:, 1:] = np.minimum(came[:, 1:], prev[:, :-1])
        came[:, 2:] = np.where(skip[:, 2:], np.minimum(came[:, 2:], prev[:, :-2]), came[:, 2:])
        # The word may begin at this step, in its leading gap or on its first character.
        came[:, :2] = np.minimum(came[:, :2], before[t])
        reach = came + step_cost[t]
        ends = np.minimum(reach[rows, lengths - 1], reach[rows, lengths - 2])
        total = np.minimum(total, ends + after[t + 1])
    costs[known] = total
    return costs


def pick(probs: np.ndarray, keys: Sequence[str], words: Mapping[str, str]) -> Pick | None:
    """The value whose printed form (`words`: form → value) aligns at the lowest cost, and the cost
    of the best form of any other value."""
    return pick_in_views([(probs, keys)], words)


def pick_in_views(
    readings: Sequence[tuple[np.ndarray, Sequence[str]]], words: Mapping[str, str]
) -> Pick | None:
    """`pick` on several readings of one value (per-step probabilities and their classes, one for
    each view of it): each form's cost is the sum of its costs in them."""
    forms = list(words)
    if not forms or not readings:
        return None
    costs = np.sum([alignment_costs(probs, keys, forms) for probs, keys in readings], axis=0)
    order = np.argsort(costs, kind="stable")
    first = float(costs[order[0]])
    if not np.isfinite(first):
        return None
    value = words[forms[int(order[0])]]
    others = [float(costs[j]) for j in order[1:] if words[forms[int(j)]] != value]
    return Pick(value, first, others[0] if others else float("inf"))


def word_probability(probs: np.ndarray, found: Pick) -> float:
    """The probability of a picked word's best alignment: the recognizer's best reading's, less
    the word's cost."""
    best = float(np.log(np.maximum(probs.max(axis=1).astype(np.float64), _FLOOR)).sum())
    return float(np.exp(best - found.cost))


# ---------------------------------------------------------------- the words each field can be

# ---------------------------------------------------------------- digits with rules

# A digit the recognizer gave at least this probability at a character's place is one it may
# have meant there: two such changes at once are tried, one change to any digit always.
ALTERNATIVE_DIGIT_P = 0.001


def greedy(probs: np.ndarray, keys: Sequence[str], alphabet: str | None = None) -> list[tuple[str, int]]:
    """The recognizer's own reading of the steps: each character with the step it was read at.
    With an `alphabet`, the likeliest reading in its characters alone (a certificate code is
    digits, whatever else the recognizer thought it saw)."""
    if alphabet is not None:
        index = _class_index(keys)
        keep = np.zeros(probs.shape[1], dtype=bool)
        keep[0] = True
        keep[[index[c] for c in alphabet if c in index]] = True
        probs = np.where(keep, probs, 0.0)
    best = probs.argmax(axis=1).tolist()
    return [(keys[best[t]], t) for t in ctc_steps(best, keys)]


def digit_variants(probs: np.ndarray, keys: Sequence[str], alphabet: str | None = None) -> list[str]:
    """What the crop may print, as the recognizer read it (in `alphabet`, if given) with one digit
    changed to any other, one digit added beside a digit read (blurred print loses one: 190年 for
    1980年), or two digits changed to others it weighed at their places; the reading itself first.
    With X in the alphabet (an ID number's check digit), X is changed and changed to as a digit
    is."""
    read = greedy(probs, keys, alphabet)
    text = [c for c, _ in read]
    index = _class_index(keys)
    # An ID number's check digit may be X, read as a digit (8 for X) or a digit read as X.
    symbols = "0123456789" + ("X" if alphabet is not None and "X" in alphabet and "X" in index else "")
    places = [i for i, c in enumerate(text) if c in symbols]
    weighed: dict[int, list[str]] = {}
    for i in places:
        step = probs[read[i][1]]
        weighed[i] = [d for d in symbols if d != text[i] and step[index[d]] >= ALTERNATIVE_DIGIT_P]
    out = ["".join(text)]
    for i in places:
        for d in symbols:
            if d != text[i]:
                out.append("".join((*text[:i], d, *text[i + 1 :])))
    for i in sorted({p + side for p in places for side in (0, 1)}):
        for d in symbols:
            out.append("".join((*text[:i], d, *text[i:])))
    for a, i in enumerate(places):
        for j in places[a + 1 :]:
            for di in weighed[i]:
                for dj in weighed[j]:
                    changed = list(text)
                    changed[i], changed[j] = di, dj
                    out.append("".join(changed))
    return list(dict.fromkeys(out))
