"""Doubtful values read again against what they can be: CTC alignment of candidate words with the
recognizer's per-step probabilities (`scanner.reread.ctc`). The second looks built on it are tested
in test_reread_rules.py."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import make_id

from scanner.checks import id_number_valid
from scanner.reread import ctc

KEYS = ["blank", *"0123456789", " ", *"临床中医口腔", "X"]


def steps(text: str, sure: float = 0.95, misread: dict[int, str] | None = None) -> np.ndarray:
    """Per-step probabilities as a recognizer gives them: each character on one step between gaps;
    a misread character is the likeliest at its step, with the printed one second."""
    index = {k: i for i, k in enumerate(KEYS)}
    rows = []
    for i, ch in enumerate(text):
        gap = np.full(len(KEYS), 0.01 / len(KEYS))
        gap[0] = 0.99
        rows.append(gap)
        row = np.full(len(KEYS), (1 - sure) / len(KEYS))
        shown = (misread or {}).get(i)
        if shown is None:
            row[index[ch]] = sure
        else:
            row[index[shown]], row[index[ch]] = 0.6, 0.35
        rows.append(row)
    rows.append(rows[0])
    return np.array(rows)


def test_the_word_read_costs_nothing_and_others_cost_what_the_recognizer_doubted():
    probs = steps("临床")
    costs = ctc.alignment_costs(probs, KEYS, ["临床", "中医", "口腔", "临", "临床临床", "外科"])
    assert costs[0] == pytest.approx(0.0, abs=1e-6)
    assert costs[1] > 5 and costs[2] > 5
    # Dropping or repeating a character is as dear as misreading it; an unknown character is never.
    assert costs[3] > 5 and costs[4] > 5
    assert costs[5] == np.inf


def test_a_check_digit_picks_the_one_lawful_reading_among_one_and_two_digit_changes():
    number = make_id()
    wrong = number[:9] + str((int(number[9]) + 3) % 10) + number[10:]
    assert not id_number_valid(wrong)
    probs = steps(number, misread={9: wrong[9]})
    variants = ctc.digit_variants(probs, KEYS)
    assert variants[0] == wrong and number in variants
    lawful = {v: v for v in variants if id_number_valid(v)}
    found = ctc.pick(probs, KEYS, lawful)
    assert found is not None and found.value == number
    assert ctc.acceptable(found, read_wrong=True)


def test_a_check_digit_x_read_as_a_digit_is_among_the_readings_tried():
    number = next(n for n in (make_id(seq=f"{i:03d}") for i in range(100)) if n.endswith("X"))
    wrong = number[:-1] + "8"
    probs = steps(number, misread={17: "8"})
    variants = ctc.digit_variants(probs, KEYS, "0123456789X")
    assert variants[0] == wrong and number in variants
    lawful = {v: v for v in variants if id_number_valid(v)}
    found = ctc.pick(probs, KEYS, lawful)
    assert found is not None and found.value == number and ctc.acceptable(found, read_wrong=True)
    # Without X in the alphabet, digits alone are tried.
    assert number not in ctc.digit_variants(probs, KEYS)


def test_a_digit_the_recognizer_dropped_is_among_the_readings_tried():
    # Blurred print loses a digit (1980 read 190): the blank outweighs the 8 at its step.
    printed = "19800811"
    probs = steps(printed, misread={2: "blank"})
    variants = ctc.digit_variants(probs, KEYS)
    assert variants[0] == "1900811" and printed in variants
    # The one date the ID number allows is picked, at the little the recognizer doubted.
    found = ctc.pick(probs, KEYS, {printed: printed})
    assert found is not None and found.value == printed
    assert ctc.acceptable(found, read_wrong=True, max_cost=ctc.MAX_RULED_COST)


def test_a_pick_between_two_words_the_recognizer_cannot_tell_apart_is_refused():
    probs = steps("中医", misread={0: "口"})  # 口 at 0.6, 中 at 0.35
    found = ctc.pick(probs, KEYS, {"中医": "中医", "口医": "口医"})
    assert found is not None and found.value == "口医"
    assert found.margin < ctc.MIN_MARGIN and not ctc.acceptable(found, read_wrong=False)


def test_views_of_a_value_add_up_their_evidence():
    # The first view weighs another digit above the tenth one printed; the second sees it surely.
    number = make_id()
    other = number[:9] + ("8" if number[9] != "8" else "0") + number[10:]
    unsure = steps(number, sure=0.95, misread={9: other[9]})
    sure = steps(number)
    words = {number: number, other: other}
    alone = ctc.pick(unsure, KEYS, words)
    assert alone is not None and alone.value == other
    both = ctc.pick_in_views([(unsure, KEYS), (sure, KEYS)], words)
    assert both is not None and both.value == number
    assert both.cost == pytest.approx(sum(ctc.alignment_costs(p, KEYS, [number])[0] for p in (unsure, sure)))
