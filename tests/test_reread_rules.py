"""The second looks (`scanner.reread`), one test at least per named rule, on printed lines and cards
read by the real recognizer, and the order of the two rule tables."""

from __future__ import annotations

import random
from collections.abc import Mapping

import cv2
import numpy as np
import pytest
from helpers import FAINT_FORM, card, make_id

from benchmarks.confusiongen import LOOK
from scanner.fields import Box, FieldKey, FieldResult, Flag
from scanner.normalize.words import elsewhere_authority_words
from scanner.pipeline import suppress_red
from scanner.reread import ctc
from scanner.reread.crops import value_crop, wrapped_lines
from scanner.reread.page import PAGE_LOOKS, PageSight, faint_page, read_as_word, under_seal, undetected_values
from scanner.reread.values import (
    DIGIT_FIELDS,
    LONG_DIGIT_FIELDS,
    RULED_DIGIT_FIELDS,
    VALUE_LOOKS,
    WORD_FIELDS,
    ValueSight,
    closed_list,
    code_digits,
    digit_rules,
    long_digits,
    name_alone,
    reread_values,
    small_digits,
)
from scanner.synth.line import LineLook, print_line


def sight(scanner, flat: np.ndarray, print_px: Mapping[FieldKey, float] | None = None) -> ValueSight:
    """What the scanner's second looks at values on `flat` see with."""
    config = scanner.config
    names = scanner.matcher.printed_names()
    return ValueSight(scanner.engine, flat, config.today, config.review_threshold, names, print_px or {})


def printed(text: str, seed: int) -> tuple[np.ndarray, Box]:
    """`text` printed alone on a flat patch, and the value's box on it."""
    flat = print_line(text, random.Random(seed), LOOK)
    return flat, Box(4.0, 4.0, flat.shape[1] - 4.0, flat.shape[0] - 4.0)


def page_sight(scanner, image: np.ndarray) -> PageSight:
    """What the scanner's second looks at a page see with (`image` in colour)."""
    return PageSight(scanner.engine, image, suppress_red(image), scanner.fields_found)


# ---------------------------------------------------------------- the tables


def test_the_second_looks_run_in_the_documented_order():
    assert [r.name for r in PAGE_LOOKS] == ["under_seal", "faint_page", "undetected_values"]
    assert [r.look for r in PAGE_LOOKS] == [under_seal, faint_page, undetected_values]
    assert [(r.name, r.keys) for r in VALUE_LOOKS] == [
        ("small_digits", DIGIT_FIELDS),
        ("long_digits", LONG_DIGIT_FIELDS),
        ("name_alone", (FieldKey.NAME,)),
        ("closed_list", WORD_FIELDS),
        ("digit_rules", RULED_DIGIT_FIELDS),
        ("code_digits", (FieldKey.CERTIFICATE_CODE,)),
    ]
    assert [r.look for r in VALUE_LOOKS] == [
        small_digits,
        long_digits,
        name_alone,
        closed_list,
        digit_rules,
        code_digits,
    ]
    # The ID number's rules before the birth date's, which is checked against it.
    assert RULED_DIGIT_FIELDS.index(FieldKey.ID_NUMBER) < RULED_DIGIT_FIELDS.index(FieldKey.BIRTH_DATE)
    # Every rule says what it recovers and when it runs.
    for rule in (*PAGE_LOOKS, *VALUE_LOOKS):
        assert rule.recovers and rule.look.__doc__


def test_values_with_nothing_to_look_at_again_come_back_in_a_new_mapping():
    fields = {key: FieldResult.missing() for key in FieldKey}
    flat = np.full((40, 40, 3), 255, np.uint8)
    found = reread_values(ValueSight(None, flat, None, 0.9, {}), fields)  # type: ignore[arg-type]
    assert found == fields and found is not fields
    assert list(found) == list(fields)


# ---------------------------------------------------------------- looks at the page


def _sealed(image: np.ndarray, centre: tuple[int, int], radius: int) -> np.ndarray:
    """The image with a half-transparent red seal (a filled disc) stamped over it."""
    seal = image.copy()
    cv2.circle(seal, centre, radius, (220, 40, 40), -1)
    return cv2.addWeighted(seal, 0.45, image, 0.55, 0)


@pytest.mark.slow
def test_a_line_under_the_red_seal_is_read_again_from_the_colour_image(scanner):
    page = card([("发证机关：重庆市渝北区卫生健康委员会", 30, 40), ("姓名：张伟", 30, 150)], 30, 225, 24)
    sealed = _sealed(page, (330, 55), 45)
    looked = page_sight(scanner, sealed)
    lines = scanner.engine.read(looked.ocr_image)
    again = under_seal(looked, lines)
    pairs = dict(zip((line.text for line in lines), zip(lines, again, strict=True), strict=True))
    name = next(pair for text, pair in pairs.items() if "张伟" in text)
    assert name[1] is name[0]  # no seal ink on it: not read again
    issuer = next(pair for text, pair in pairs.items() if "卫生" in text)
    assert issuer[1] is not issuer[0]  # read also in colour, the better reading kept
    assert "卫生健康委员会" in issuer[1].text


@pytest.mark.slow
def test_labels_lost_to_detection_on_a_grey_page_are_found_with_its_contrast_stretched(scanner):
    faint = card(FAINT_FORM, ink=150, paper=175, size=12)
    looked = page_sight(scanner, faint)
    first = scanner.engine.read(looked.ocr_image)
    assert not {line.text for line in first} & {"姓名", "性别", "执业地点"}
    read = {line.text for line in faint_page(looked, first)}
    assert {"姓名", "性别", "执业地点", "重庆市渝北区"} <= read


@pytest.mark.slow
def test_a_value_detection_missed_beside_its_label_is_read_where_the_label_promises_it(scanner):
    page = card([("姓名", 40, 40), ("张伟", 160, 40), ("性别", 40, 130), ("男", 160, 130)], 30, 225, 28)
    looked = page_sight(scanner, page)
    lines = [line for line in scanner.engine.read(looked.ocr_image) if line.text != "男"]
    assert "男" not in {line.text for line in lines} and "性别" in {line.text for line in lines}
    found = undetected_values(looked, lines)
    assert found[: len(lines)] == lines
    assert [line.text for line in found[len(lines) :]] == ["男"]


@pytest.mark.slow
def test_small_digits_are_read_a_second_time_only_in_small_print(scanner):
    code = "115001152266391"
    flat, box = printed(code, 4)
    misread = FieldResult(code[:5] + "7" + code[6:], code[:5] + "7" + code[6:], 0.999, (), box)
    key = FieldKey.CERTIFICATE_CODE
    small = small_digits(sight(scanner, flat, {key: 14.0}), key, misread, {})
    # Two more readings agree on the code printed: it replaces the misreading, still reviewed.
    assert small.value == code and small.raw == misread.value and small.review
    assert {Flag.LOW_CONFIDENCE, Flag.REPAIRED} <= set(small.flags)
    # Large print, or print not measured, is not read again.
    assert small_digits(sight(scanner, flat, {key: 30.0}), key, misread, {}) is misread
    assert small_digits(sight(scanner, flat), key, misread, {}) is misread


@pytest.mark.slow
def test_digits_in_doubt_are_read_again_at_any_print_size_but_never_into_breaking_their_rules(scanner):
    code = "115001152266391"
    flat, box = printed(code, 4)
    key = FieldKey.CERTIFICATE_CODE
    # Two readings under a seal disagreed on a digit: settled by two more, whatever the print size.
    doubted = FieldResult(
        code[:5] + "7" + code[6:], code[:5] + "7" + code[6:], 0.5, (Flag.LOW_CONFIDENCE,), box
    )
    settled = small_digits(sight(scanner, flat, {key: 30.0}), key, doubted, {})
    assert settled.value == code and settled.review
    # An ID number printed with a wrong check digit (a forgery) whose first reading, in doubt, was a
    # lawful number: readings of the print do not replace it, and it stays reviewed.
    valid = make_id()
    forged = valid[:-1] + str((int(valid[-1]) + 1) % 10 if valid[-1] != "X" else 0)
    flat, box = printed(forged, 4)
    first = FieldResult(valid, valid, 0.5, (Flag.LOW_CONFIDENCE,), box)
    fields = {FieldKey.ID_NUMBER: first, FieldKey.BIRTH_DATE: FieldResult.missing()}
    kept = small_digits(sight(scanner, flat, {FieldKey.ID_NUMBER: 30.0}), FieldKey.ID_NUMBER, first, fields)
    assert kept.value == valid and kept.review


@pytest.mark.slow
def test_a_long_code_is_read_a_second_time_at_any_print_size(scanner):
    code = "20252223182819970307558953"
    flat, box = printed(code, 5)
    key = FieldKey.QUALIFICATION_CODE
    # One digit dropped: still 25 digits, a valid form, read surely.
    dropped = FieldResult(code[:6] + code[7:], code[:6] + code[7:], 0.999, (), box)
    again = long_digits(sight(scanner, flat, {key: 40.0}), key, dropped, {})
    # Reviewed, but not replaced by readings of another length: enlarged, long codes lose digits.
    assert again.value == dropped.value and Flag.LOW_CONFIDENCE in again.flags
    right = FieldResult(code, code, 0.999, (), box)
    assert long_digits(sight(scanner, flat, {key: 40.0}), key, right, {}) == right


# ---------------------------------------------------------------- looks at values


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
    fixed = closed_list(sight(scanner, flat), FieldKey.AUTHORITY, field, {})
    assert fixed.value == "重庆市城口县卫生健康委员会"
    assert fixed.raw == "重庆市域口發卫生健康委質会" and Flag.REPAIRED in fixed.flags and fixed.review
    # A value read surely is left alone, and so is one whose crop shows no word of the list.
    sure = FieldResult("重庆市城口县卫生健康委员会", "重庆市城口县卫生健康委员会", 0.99, (), field.box)
    assert closed_list(sight(scanner, flat), FieldKey.AUTHORITY, sure, {}) is sure
    name_line = print_line("黄天龙", random.Random(5), LOOK)
    other = _doubtful(name_line, "黄天龙")
    assert closed_list(sight(scanner, name_line), FieldKey.AUTHORITY, other, {}).value == "黄天龙"


@pytest.mark.slow
def test_pipeline_repairs_a_doubtful_id_number_to_the_one_lawful_reading(scanner):
    number = make_id(region="500110", birth="19930408", seq="088")
    flat = print_line(number, random.Random(7), LOOK)
    wrong = number[:8] + ("0" if number[8] != "0" else "1") + number[9:]
    field = _doubtful(flat, wrong)
    fields = {FieldKey.BIRTH_DATE: FieldResult.missing(), FieldKey.ID_NUMBER: field}
    fixed = digit_rules(sight(scanner, flat), FieldKey.ID_NUMBER, field, fields)
    assert fixed.value == number and Flag.REPAIRED in fixed.flags and fixed.review
    # The birth date then may only be the one the ID number gives.
    date_line = print_line("1993.04.08", random.Random(7), SMALL)
    fields[FieldKey.ID_NUMBER] = fixed
    birth = _doubtful(date_line, "1998.04.08")
    assert digit_rules(sight(scanner, date_line), FieldKey.BIRTH_DATE, birth, fields).value == "1993-04-08"


@pytest.mark.slow
def test_a_closed_value_read_short_is_read_again_with_the_characters_beside_it(scanner):
    # Detection boxed only 业 of 内科专业: the second look reaches as far as the shortest word would.
    flat = print_line("内科专业", random.Random(2), LOOK)
    whole = _line_box(flat)
    last = Box(whole.x1 - (whole.x1 - whole.x0) / 4, whole.y0, whole.x1, whole.y1)
    field = FieldResult("业", "业", 0.4, (Flag.NOT_IN_VOCABULARY,), last)
    fixed = closed_list(
        sight(scanner, flat), FieldKey.SCOPE, field, {FieldKey.CATEGORY: FieldResult.missing()}
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
    read = "".join(c for c, _ in ctc.greedy(probs, keys, "0123456789X"))
    assert len(read) < len(number)
    field = _doubtful(condensed, read)
    fields = {FieldKey.BIRTH_DATE: FieldResult.missing(), FieldKey.ID_NUMBER: field}
    fixed = digit_rules(sight(scanner, condensed), FieldKey.ID_NUMBER, field, fields)
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
    fixed = digit_rules(sight(scanner, flat), FieldKey.ID_NUMBER, field, fields)
    assert fixed.value == number and Flag.REPAIRED in fixed.flags and fixed.review


@pytest.mark.slow
def test_a_name_read_as_one_character_is_read_again_from_the_labels_colon(scanner):
    # 姓名：周嘉 was read 姓名：嘉, the surname lost between the colon and the given name.
    for printed, expected in (("姓名：周嘉", "周嘉"), ("姓名周嘉", "嘉")):
        flat = print_line(printed, random.Random(6), LOOK)
        whole = _line_box(flat)
        last = Box(whole.x1 - (whole.x1 - whole.x0) / len(printed), whole.y0, whole.x1, whole.y1)
        field = FieldResult("嘉", "嘉", 0.99, (Flag.INVALID_FORMAT,), last)
        # Without the colon read, what lies before may be the label's own 名: the name is left alone.
        assert name_alone(sight(scanner, flat), FieldKey.NAME, field, {}).value == expected


@pytest.mark.slow
def test_pipeline_rereads_a_doubtful_name_alone(scanner):
    flat = print_line("高宁佳", random.Random(3), LOOK)
    field = _doubtful(flat, "离宁佳")
    again = name_alone(sight(scanner, flat), FieldKey.NAME, field, {})
    assert again.value == "高宁佳" and again.raw == "离宁佳" and again.review


@pytest.mark.slow
def test_pipeline_reads_a_code_not_read_as_15_digits_again_in_digits_alone(scanner):
    flat = print_line("115001152266391", random.Random(4), LOOK)
    box = _line_box(flat)
    field = FieldResult("11500年152266391", "11500年152266391", 0.5, (Flag.INVALID_FORMAT,), box)
    fixed = code_digits(sight(scanner, flat), FieldKey.CERTIFICATE_CODE, field, {})
    assert fixed.value == "115001152266391" and Flag.REPAIRED in fixed.flags and fixed.review
    # The flag about the replaced reading's form goes with it.
    assert Flag.INVALID_FORMAT not in fixed.flags and fixed.raw == "11500年152266391"
    # A code read as 15 digits is not read again: without a check digit nothing could tell it wrong.
    sure = FieldResult("115001152266390", "115001152266390", 0.5, (Flag.LOW_CONFIDENCE,), box)
    assert code_digits(sight(scanner, flat), FieldKey.CERTIFICATE_CODE, sure, {}) is sure
    # Printed condensed, it loses digits as printed and is read whole stretched.
    printed = print_line("115001100733131", random.Random(13), SMALL)
    condensed = cv2.resize(printed, None, fx=0.55, fy=1.0, interpolation=cv2.INTER_AREA)
    short = FieldResult("1150010073131", "1150010073131", 0.5, (Flag.INVALID_FORMAT,), _line_box(condensed))
    assert (
        code_digits(sight(scanner, condensed), FieldKey.CERTIFICATE_CODE, short, {}).value
        == "115001100733131"
    )


@pytest.mark.slow
def test_pipeline_reads_a_sex_read_as_neither_again(scanner):
    flat = print_line("女", random.Random(6), SMALL)
    field = _doubtful(flat, "大")
    fixed = closed_list(sight(scanner, flat), FieldKey.SEX, field, {})
    assert fixed.value == "女" and fixed.raw == "大" and fixed.review


@pytest.mark.slow
def test_a_sure_name_the_second_reading_does_not_confirm_is_reviewed(scanner):
    flat = print_line("吴春雨", random.Random(3), LOOK)
    box = _line_box(flat)
    misread = FieldResult("美春雨", "美春雨", 0.98, (), box)
    again = name_alone(sight(scanner, flat), FieldKey.NAME, misread, {})
    assert again.value == "美春雨" and again.review and Flag.LOW_CONFIDENCE in again.flags
    right = FieldResult("吴春雨", "吴春雨", 0.98, (), box)
    assert name_alone(sight(scanner, flat), FieldKey.NAME, right, {}) == right


@pytest.mark.slow
def test_an_id_number_printed_wrong_and_read_clearly_is_not_repaired(scanner):
    # A forged number fails its check digit in print: the checks must see it as printed.
    number = make_id(region="500110", birth="19930408", seq="088")
    forged = number[:15] + str((int(number[15]) + 1) % 10) + number[16:]
    flat = print_line(forged, random.Random(7), LOOK)
    field = _doubtful(flat, forged)
    fields = {FieldKey.BIRTH_DATE: FieldResult.missing(), FieldKey.ID_NUMBER: field}
    assert digit_rules(sight(scanner, flat), FieldKey.ID_NUMBER, field, fields).value == forged


# Faint, soft print: what recognition reads as a stray character or drops as too unsure.
FAINT = LineLook(height=(12.0, 14.0), ink=(90, 120), paper=(200, 215), blur=(0.7, 0.9), quality=(40, 50))


@pytest.mark.slow
def test_a_probed_closed_value_is_read_as_the_word_its_list_clearly_favours(scanner):
    for sex, seed in (("男", 2), ("男", 5), ("女", 1), ("女", 4)):
        crop = print_line(sex, random.Random(seed), FAINT)
        assert scanner.engine.recognize(crop).text != sex  # type: ignore[union-attr]
        seen = read_as_word(scanner.engine, FieldKey.SEX, crop)
        assert seen is not None and seen.text == sex and [c.text for c in seen.chars] == [sex]
        # Its confidence is the word's own probability: low, so the value is reviewed.
        assert 0.0 < seen.confidence < scanner.config.review_threshold
    # Where the list's words are no clearer than each other, nothing is read.
    assert read_as_word(scanner.engine, FieldKey.SEX, print_line("女", random.Random(0), FAINT)) is None
    # Blank paper, or a value of another list, is no word of this one.
    blank = np.full((18, 40, 3), 210, np.uint8)
    assert read_as_word(scanner.engine, FieldKey.SEX, blank) is None
    assert read_as_word(scanner.engine, FieldKey.SEX, print_line("临床", random.Random(6), SMALL)) is None
    # Only closed lists: a name has none.
    assert read_as_word(scanner.engine, FieldKey.NAME, print_line("黄天龙", random.Random(5), SMALL)) is None


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
    fixed = closed_list(sight(scanner, flat), FieldKey.AUTHORITY, field, {})
    assert fixed.value == "重庆市北碚区卫生健康委员会" and Flag.REPAIRED in fixed.flags and fixed.review
    # One line is no wrapped value.
    one = print_line("重庆市北碚区卫生健康委员会", rng, LOOK)
    assert wrapped_lines(one, _line_box(one)) == []
    # A name that stops short goes on, its next line not detected: it is read with that line.
    first, second = print_line("重庆医科大学附属口", rng, LOOK), print_line("腔医院", rng, LOOK)
    flat = _stacked(first, second)
    box = Box(4.0, 4.0, first.shape[1] - 4.0, first.shape[0] - 4.0)
    short = FieldResult("重庆医科大学附属口", "重庆医科大学附属口", 0.4, (Flag.INCOMPLETE,), box)
    fixed = closed_list(sight(scanner, flat), FieldKey.INSTITUTION, short, {})
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
        closed_list(sight(scanner, flat), FieldKey.AUTHORITY, misread, {}).value
        == "重庆市北碚区卫生健康委员会"
    )


@pytest.mark.slow
def test_another_provinces_district_authority_whose_organ_lost_a_character_is_never_a_chongqing_one(
    scanner,
):
    # 沙依巴克区卫生局 (乌鲁木齐, printed without its city) with 卫 read as 2: once made 巴南区卫生局.
    flat, box = printed("沙依巴克区卫生局", 5)
    field = FieldResult("沙依巴克区2生局", "沙依巴克区2生局", 0.5, (Flag.LOW_CONFIDENCE,), box)
    fixed = closed_list(sight(scanner, flat), FieldKey.AUTHORITY, field, {})
    assert fixed.value == "沙依巴克区卫生局" and fixed.review


@pytest.mark.slow
def test_another_provinces_authority_cut_short_is_read_again_as_a_whole_organ_name_not_a_short_form(
    scanner,
):
    # 员会 wrapped onto the next line and not read: once read again as the short form 卫生和计生委,
    # which no certificate prints.
    rng = random.Random(4)
    first = print_line("新疆维吾尔自治区乌鲁木齐市卫生和计划生育委", rng, LOOK)
    flat = _stacked(first, print_line("员会", rng, LOOK))
    box = Box(4.0, 4.0, first.shape[1] - 4.0, first.shape[0] - 4.0)
    read = "新疆维吾尔自治区乌鲁木齐市卫生和计划生育委"
    field = FieldResult(read, read, 0.9, (Flag.LOW_CONFIDENCE, Flag.INCOMPLETE), box)
    fixed = closed_list(sight(scanner, flat), FieldKey.AUTHORITY, field, {})
    assert fixed.value in (read, "新疆维吾尔自治区乌鲁木齐市卫生和计划生育委员会") and fixed.review
    assert not elsewhere_authority_words("新疆维吾尔自治区乌鲁木齐市").keys() & {
        "新疆维吾尔自治区乌鲁木齐市卫生和计生委",
        "新疆维吾尔自治区乌鲁木齐市卫计委",
    }


@pytest.mark.slow
def test_another_provinces_authority_wrapped_under_a_seal_is_completed_from_the_organs_names(scanner):
    # 广西: the organ's end wrapped onto a second line, a seal's red ring across the gap between
    # the lines. Its place is kept as read; its organ is one of the health authority's names.
    rng = random.Random(3)
    first = print_line("广西壮族自治区南宁市兴宁区卫生和计划", rng, LOOK)
    flat = _stacked(first, print_line("生育委员会", rng, LOOK))
    h, w = flat.shape[:2]
    cv2.circle(flat, (w // 2, h * 2), int(h * 1.55), (205, 60, 60), max(2, h // 12))
    assert len(wrapped_lines(flat, _line_box(flat))) == 2
    field = _doubtful(flat, "广西壮族自治区南宁市兴宁区卫生和计划育委会")
    fixed = closed_list(sight(scanner, flat), FieldKey.AUTHORITY, field, {})
    assert fixed.value == "广西壮族自治区南宁市兴宁区卫生和计划生育委员会"
    assert Flag.REPAIRED in fixed.flags and fixed.review


@pytest.mark.slow
def test_a_county_authority_printed_without_the_city_is_read_against_the_list_not_kept_as_elsewhere(scanner):
    # 恭江县 is no place anywhere: 綦江县卫生局 (printed without 重庆市) misread, not another province's.
    flat, box = printed("綦江县卫生局", 11)
    field = FieldResult("恭江县卫生局", "恭江县卫生局", 0.4, (Flag.LOW_CONFIDENCE,), box)
    fixed = closed_list(sight(scanner, flat), FieldKey.AUTHORITY, field, {})
    assert fixed.value == "綦江县卫生局" and Flag.REPAIRED in fixed.flags and fixed.review
    # A real province's department read as printed stays as printed, never a Chongqing name.
    flat, box = printed("四川省卫生厅", 11)
    field = FieldResult("四川省卫生厅", "四川省卫生厅", 0.4, (Flag.LOW_CONFIDENCE,), box)
    assert closed_list(sight(scanner, flat), FieldKey.AUTHORITY, field, {}).value == "四川省卫生厅"
