"""Doubtful values read again against what they can be: CTC alignment of candidate words with the
recognizer's per-step probabilities, and the pipeline stages built on it, on printed lines."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from helpers import make_id

from benchmarks.confusiongen import LOOK
from scanner.checks import id_number_valid
from scanner.fields import Box, FieldKey, FieldResult, Flag
from scanner.pipeline import value_crop, wrapped_lines
from scanner.reread import ctc as lexicon
from scanner.synth.line import LineLook, print_line

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
    costs = lexicon.alignment_costs(probs, KEYS, ["临床", "中医", "口腔", "临", "临床临床", "外科"])
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
    variants = lexicon.digit_variants(probs, KEYS)
    assert variants[0] == wrong and number in variants
    lawful = {v: v for v in variants if id_number_valid(v)}
    found = lexicon.pick(probs, KEYS, lawful)
    assert found is not None and found.value == number
    assert lexicon.acceptable(found, read_wrong=True)


def test_a_check_digit_x_read_as_a_digit_is_among_the_readings_tried():
    number = next(n for n in (make_id(seq=f"{i:03d}") for i in range(100)) if n.endswith("X"))
    wrong = number[:-1] + "8"
    probs = steps(number, misread={17: "8"})
    variants = lexicon.digit_variants(probs, KEYS, "0123456789X")
    assert variants[0] == wrong and number in variants
    lawful = {v: v for v in variants if id_number_valid(v)}
    found = lexicon.pick(probs, KEYS, lawful)
    assert found is not None and found.value == number and lexicon.acceptable(found, read_wrong=True)
    # Without X in the alphabet, digits alone are tried.
    assert number not in lexicon.digit_variants(probs, KEYS)


def test_a_pick_between_two_words_the_recognizer_cannot_tell_apart_is_refused():
    probs = steps("中医", misread={0: "口"})  # 口 at 0.6, 中 at 0.35
    found = lexicon.pick(probs, KEYS, {"中医": "中医", "口医": "口医"})
    assert found is not None and found.value == "口医"
    assert found.margin < lexicon.MIN_MARGIN and not lexicon.acceptable(found, read_wrong=False)


# Small, soft print, as on a hard photo: what the first reading often gets wrong.
SMALL = LineLook(height=(16.0, 18.0), ink=(20, 60), paper=(200, 230), blur=(0.4, 0.6), quality=(55, 65))


def _line_box(image: np.ndarray) -> Box:
    """The box of the one printed line an image holds."""
    h, w = image.shape[:2]
    return Box(4.0, 4.0, w - 4.0, h - 4.0)


def _doubtful(image: np.ndarray, read: str) -> FieldResult:
    return FieldResult(read, read, 0.4, (Flag.LOW_CONFIDENCE,), _line_box(image))


@pytest.mark.slow
def test_pipeline_reads_doubtful_closed_values_again_against_their_lists(scanner):
    flat = print_line("重庆市城口县卫生健康委员会", random.Random(5), LOOK)
    field = _doubtful(flat, "重庆市域口發卫生健康委質会")
    fixed = scanner.read_against_words(flat, FieldKey.AUTHORITY, field, {})
    assert fixed.value == "重庆市城口县卫生健康委员会"
    assert fixed.raw == "重庆市域口發卫生健康委質会" and Flag.REPAIRED in fixed.flags and fixed.review
    # A value read surely is left alone, and so is one whose crop shows no word of the list.
    sure = FieldResult("重庆市城口县卫生健康委员会", "重庆市城口县卫生健康委员会", 0.99, (), field.box)
    assert scanner.read_against_words(flat, FieldKey.AUTHORITY, sure, {}) is sure
    name_line = print_line("黄天龙", random.Random(5), LOOK)
    other = _doubtful(name_line, "黄天龙")
    assert scanner.read_against_words(name_line, FieldKey.AUTHORITY, other, {}).value == "黄天龙"


@pytest.mark.slow
def test_pipeline_repairs_a_doubtful_id_number_to_the_one_lawful_reading(scanner):
    number = make_id(region="500110", birth="19930408", seq="088")
    flat = print_line(number, random.Random(7), LOOK)
    wrong = number[:8] + ("0" if number[8] != "0" else "1") + number[9:]
    field = _doubtful(flat, wrong)
    fields = {FieldKey.BIRTH_DATE: FieldResult.missing(), FieldKey.ID_NUMBER: field}
    fixed = scanner.read_against_rules(flat, FieldKey.ID_NUMBER, field, fields)
    assert fixed.value == number and Flag.REPAIRED in fixed.flags and fixed.review
    # The birth date then may only be the one the ID number gives.
    date_line = print_line("1993.04.08", random.Random(7), SMALL)
    fields[FieldKey.ID_NUMBER] = fixed
    birth = _doubtful(date_line, "1998.04.08")
    assert scanner.read_against_rules(date_line, FieldKey.BIRTH_DATE, birth, fields).value == "1993-04-08"


@pytest.mark.slow
def test_a_closed_value_read_short_is_read_again_with_the_characters_beside_it(scanner):
    # Detection boxed only 业 of 内科专业: the second look reaches as far as the shortest word would.
    flat = print_line("内科专业", random.Random(2), LOOK)
    whole = _line_box(flat)
    last = Box(whole.x1 - (whole.x1 - whole.x0) / 4, whole.y0, whole.x1, whole.y1)
    field = FieldResult("业", "业", 0.4, (Flag.NOT_IN_VOCABULARY,), last)
    fixed = scanner.read_against_words(
        flat, FieldKey.SCOPE, field, {FieldKey.CATEGORY: FieldResult.missing()}
    )
    assert fixed.value == "内科专业" and Flag.REPAIRED in fixed.flags and fixed.review


@pytest.mark.slow
def test_an_id_number_printed_condensed_is_read_again_stretched(scanner):
    # In a narrow cell the digits stand close: the recognizer, a step every few pixels, reads the
    # 99 of 1998 as one 9 and loses a 0, a reading no one or two digit changes make lawful.
    number = make_id(region="500222", birth="19980728", seq="534")
    printed = print_line(number, random.Random(0), SMALL)
    condensed = cv2.resize(printed, None, fx=0.55, fy=1.0, interpolation=cv2.INTER_AREA)
    probs, keys = scanner.engine.step_probabilities(condensed)
    read = "".join(c for c, _ in lexicon.greedy(probs, keys, "0123456789X"))
    assert len(read) < len(number)
    field = _doubtful(condensed, read)
    fields = {FieldKey.BIRTH_DATE: FieldResult.missing(), FieldKey.ID_NUMBER: field}
    fixed = scanner.read_against_rules(condensed, FieldKey.ID_NUMBER, field, fields)
    assert fixed.value == number and Flag.REPAIRED in fixed.flags and fixed.review


@pytest.mark.slow
def test_an_id_number_that_ends_on_the_next_line_is_read_with_it(scanner):
    # In a narrow cell the last two digits went on to a line of their own, not detected.
    number = make_id(region="500101", birth="19940207", seq="367")
    rng = random.Random(5)
    first, second = print_line(number[:16], rng, LOOK), print_line(number[16:], rng, LOOK)
    flat = _stacked(first, second)
    box = Box(4.0, 4.0, first.shape[1] - 4.0, first.shape[0] - 4.0)
    field = FieldResult(number[:16], number[:16], 0.99, (Flag.INVALID_FORMAT,), box)
    fields = {FieldKey.BIRTH_DATE: FieldResult.missing(), FieldKey.ID_NUMBER: field}
    fixed = scanner.read_against_rules(flat, FieldKey.ID_NUMBER, field, fields)
    assert fixed.value == number and Flag.REPAIRED in fixed.flags and fixed.review


def test_views_of_a_value_add_up_their_evidence():
    # The first view weighs another digit above the tenth one printed; the second sees it surely.
    number = make_id()
    other = number[:9] + ("8" if number[9] != "8" else "0") + number[10:]
    unsure = steps(number, sure=0.95, misread={9: other[9]})
    sure = steps(number)
    words = {number: number, other: other}
    alone = lexicon.pick(unsure, KEYS, words)
    assert alone is not None and alone.value == other
    both = lexicon.pick_in_views([(unsure, KEYS), (sure, KEYS)], words)
    assert both is not None and both.value == number
    assert both.cost == pytest.approx(
        sum(lexicon.alignment_costs(p, KEYS, [number])[0] for p in (unsure, sure))
    )


@pytest.mark.slow
def test_a_name_read_as_one_character_is_read_again_from_the_labels_colon(scanner):
    # 姓名：周嘉 was read 姓名：嘉, the surname lost between the colon and the given name.
    for printed, expected in (("姓名：周嘉", "周嘉"), ("姓名周嘉", "嘉")):
        flat = print_line(printed, random.Random(6), LOOK)
        whole = _line_box(flat)
        last = Box(whole.x1 - (whole.x1 - whole.x0) / len(printed), whole.y0, whole.x1, whole.y1)
        field = FieldResult("嘉", "嘉", 0.99, (Flag.INVALID_FORMAT,), last)
        # Without the colon read, what lies before may be the label's own 名: the name is left alone.
        assert scanner.read_name_again(flat, field).value == expected


@pytest.mark.slow
def test_pipeline_rereads_a_doubtful_name_alone(scanner):
    flat = print_line("高宁佳", random.Random(3), LOOK)
    field = _doubtful(flat, "离宁佳")
    again = scanner.read_name_again(flat, field)
    assert again.value == "高宁佳" and again.raw == "离宁佳" and again.review


@pytest.mark.slow
def test_pipeline_reads_a_code_not_read_as_15_digits_again_in_digits_alone(scanner):
    flat = print_line("115001152266391", random.Random(4), LOOK)
    box = _line_box(flat)
    field = FieldResult("11500年152266391", "11500年152266391", 0.5, (Flag.INVALID_FORMAT,), box)
    fixed = scanner.read_code_again(flat, field)
    assert fixed.value == "115001152266391" and Flag.REPAIRED in fixed.flags and fixed.review
    # The flag about the replaced reading's form goes with it.
    assert Flag.INVALID_FORMAT not in fixed.flags and fixed.raw == "11500年152266391"
    # A code read as 15 digits is not read again: without a check digit nothing could tell it wrong.
    sure = FieldResult("115001152266390", "115001152266390", 0.5, (Flag.LOW_CONFIDENCE,), box)
    assert scanner.read_code_again(flat, sure) is sure
    # Printed condensed, it loses digits as printed and is read whole stretched.
    printed = print_line("115001100733131", random.Random(13), SMALL)
    condensed = cv2.resize(printed, None, fx=0.55, fy=1.0, interpolation=cv2.INTER_AREA)
    short = FieldResult("1150010073131", "1150010073131", 0.5, (Flag.INVALID_FORMAT,), _line_box(condensed))
    assert scanner.read_code_again(condensed, short).value == "115001100733131"


@pytest.mark.slow
def test_pipeline_reads_a_sex_read_as_neither_again(scanner):
    flat = print_line("女", random.Random(6), SMALL)
    field = _doubtful(flat, "大")
    fixed = scanner.read_against_words(flat, FieldKey.SEX, field, {})
    assert fixed.value == "女" and fixed.raw == "大" and fixed.review


@pytest.mark.slow
def test_a_sure_name_the_second_reading_does_not_confirm_is_reviewed(scanner):
    flat = print_line("吴春雨", random.Random(3), LOOK)
    box = _line_box(flat)
    misread = FieldResult("美春雨", "美春雨", 0.98, (), box)
    again = scanner.read_name_again(flat, misread)
    assert again.value == "美春雨" and again.review and Flag.LOW_CONFIDENCE in again.flags
    right = FieldResult("吴春雨", "吴春雨", 0.98, (), box)
    assert scanner.read_name_again(flat, right) == right


@pytest.mark.slow
def test_an_id_number_printed_wrong_and_read_clearly_is_not_repaired(scanner):
    # A forged number fails its check digit in print: the checks must see it as printed.
    number = make_id(region="500110", birth="19930408", seq="088")
    forged = number[:15] + str((int(number[15]) + 1) % 10) + number[16:]
    flat = print_line(forged, random.Random(7), LOOK)
    field = _doubtful(flat, forged)
    fields = {FieldKey.BIRTH_DATE: FieldResult.missing(), FieldKey.ID_NUMBER: field}
    assert scanner.read_against_rules(flat, FieldKey.ID_NUMBER, field, fields).value == forged


# Faint, soft print: what recognition reads as a stray character or drops as too unsure.
FAINT = LineLook(height=(12.0, 14.0), ink=(90, 120), paper=(200, 215), blur=(0.7, 0.9), quality=(40, 50))


@pytest.mark.slow
def test_a_probed_closed_value_is_read_as_the_word_its_list_clearly_favours(scanner):
    for sex, seed in (("男", 2), ("男", 5), ("女", 1), ("女", 4)):
        crop = print_line(sex, random.Random(seed), FAINT)
        assert scanner.engine.recognize(crop).text != sex  # type: ignore[union-attr]
        seen = scanner.read_as_word(FieldKey.SEX, crop)
        assert seen is not None and seen.text == sex and [c.text for c in seen.chars] == [sex]
        # Its confidence is the word's own probability: low, so the value is reviewed.
        assert 0.0 < seen.confidence < scanner.config.review_threshold
    # Where the list's words are no clearer than each other, nothing is read.
    assert scanner.read_as_word(FieldKey.SEX, print_line("女", random.Random(0), FAINT)) is None
    # Blank paper, or a value of another list, is no word of this one.
    blank = np.full((18, 40, 3), 210, np.uint8)
    assert scanner.read_as_word(FieldKey.SEX, blank) is None
    assert scanner.read_as_word(FieldKey.SEX, print_line("临床", random.Random(6), SMALL)) is None
    # Only closed lists: a name has none.
    assert scanner.read_as_word(FieldKey.NAME, print_line("黄天龙", random.Random(5), SMALL)) is None


def _stacked(*images: np.ndarray) -> np.ndarray:
    """Printed lines one under the other, left-aligned on the paper of the first."""
    width = max(i.shape[1] for i in images)
    paper = int(np.median(images[0]))
    rows = [np.pad(i, ((0, 0), (0, width - i.shape[1]), (0, 0)), constant_values=paper) for i in images]
    return np.vstack(rows)


@pytest.mark.slow
def test_a_doubtful_value_wrapped_over_two_lines_is_read_again_line_after_line(scanner):
    rng = random.Random(8)
    flat = _stacked(print_line("重庆市北碚区卫生", rng, LOOK), print_line("健康委员会", rng, LOOK))
    assert len(wrapped_lines(flat, _line_box(flat))) == 2
    # A crop of the whole box would hold two lines: the one-line reading refuses it.
    assert value_crop(flat, _line_box(flat), "重成市北碚区卫生健康委员金") is None
    field = _doubtful(flat, "重成市北碚区卫生健康委员金")
    fixed = scanner.read_against_words(flat, FieldKey.AUTHORITY, field, {})
    assert fixed.value == "重庆市北碚区卫生健康委员会" and Flag.REPAIRED in fixed.flags and fixed.review
    # One line is no wrapped value.
    one = print_line("重庆市北碚区卫生健康委员会", rng, LOOK)
    assert wrapped_lines(one, _line_box(one)) == []
    # A name that stops short goes on, its next line not detected: it is read with that line.
    first, second = print_line("重庆医科大学附属口", rng, LOOK), print_line("腔医院", rng, LOOK)
    flat = _stacked(first, second)
    box = Box(4.0, 4.0, first.shape[1] - 4.0, first.shape[0] - 4.0)
    short = FieldResult("重庆医科大学附属口", "重庆医科大学附属口", 0.4, (Flag.INCOMPLETE,), box)
    fixed = scanner.read_against_words(flat, FieldKey.INSTITUTION, short, {})
    assert fixed.value == "重庆医科大学附属口腔医院" and Flag.REPAIRED in fixed.flags
    # A name whole on its line is read on its line alone, whatever the line below holds.
    first, second = (
        print_line("重庆市北碚区卫生健康委员会", rng, LOOK),
        print_line("发证日期：2021年05月06日", rng, LOOK),
    )
    flat = _stacked(first, second)
    box = Box(4.0, 4.0, first.shape[1] - 4.0, first.shape[0] - 4.0)
    misread = FieldResult(
        "重成市北碚区卫生健康委员会", "重成市北碚区卫生健康委员会", 0.4, (Flag.INCOMPLETE,), box
    )
    assert (
        scanner.read_against_words(flat, FieldKey.AUTHORITY, misread, {}).value
        == "重庆市北碚区卫生健康委员会"
    )
