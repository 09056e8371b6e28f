"""The pipeline around extraction: institution names normalized in the scanned record."""

from __future__ import annotations

from datetime import date

import cv2
import numpy as np
import pytest
from helpers import line, make_id

from scanner.fields import FieldKey, FieldResult, Flag
from scanner.ocr.base import OcrChar, OcrLine
from scanner.quality import red_channel, suppress_red
from scanner.reread.page import better_reading, seal_share
from scanner.reread.values import digit_rule


def test_short_institution_name_on_a_certificate_becomes_the_official_name(scanner):
    record = scanner.record_from_lines([line("主要执业机构：重医附一院", 100, 100)], "x.jpg")
    field = record.fields[FieldKey.INSTITUTION]
    assert field.value == "重庆医科大学附属第一医院"
    assert field.raw is not None and field.raw.endswith("重医附一院")
    assert field.flags == (Flag.NORMALIZED,) and not field.review


def test_unknown_institution_passes_through_unchanged(scanner):
    record = scanner.record_from_lines([line("主要执业机构：重庆渝中康宁诊所", 100, 100)], "x.jpg")
    field = record.fields[FieldKey.INSTITUTION]
    assert field.value == "重庆渝中康宁诊所" and Flag.NORMALIZED not in field.flags


def test_unsure_institution_keeps_the_reading_and_is_reviewed(scanner):
    # 第三 where the gazetteer knows only 第二 and unnumbered: no sure match.
    record = scanner.record_from_lines([line("主要执业机构：重庆市巴南区第三人民医院", 100, 100)], "x.jpg")
    field = record.fields[FieldKey.INSTITUTION]
    assert field.value == "重庆市巴南区第三人民医院"
    assert field.review


def test_pages_a_resumed_run_already_holds_are_not_read_again(scanner, tmp_path):
    import io

    from helpers import pdf_of_jpegs
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(buffer, "JPEG")
    pdf = tmp_path / "staff.pdf"
    pdf.write_bytes(pdf_of_jpegs([buffer.getvalue()] * 3, broken={2}))
    (only,) = scanner.read_file(pdf, skip={1, 3})
    assert only.record.page == 2 and only.record.error and only.pages == 3 and only.image is None


def test_a_practice_place_that_lost_its_first_character_is_reviewed(scanner):
    record = scanner.record_from_lines([line("执业地点：庆市", 100, 100)], "x.jpg")
    field = record.fields[FieldKey.PRACTICE_PLACE]
    assert field.value == "庆市" and Flag.INCOMPLETE in field.flags and field.review
    whole = scanner.record_from_lines([line("执业地点：重庆市", 100, 100)], "x.jpg")
    assert not whole.fields[FieldKey.PRACTICE_PLACE].review


def test_an_authority_must_begin_with_its_place(scanner):
    record = scanner.record_from_lines([line("发证机关：市渝中区卫生健康委员会", 100, 100)], "x.jpg")
    assert Flag.INCOMPLETE in record.fields[FieldKey.AUTHORITY].flags
    district = scanner.record_from_lines([line("发证机关：渝中区卫生健康委员会", 100, 100)], "x.jpg")
    assert not district.fields[FieldKey.AUTHORITY].review


def _reading(text: str, confidences: list[float]) -> OcrLine:
    chars = tuple(
        OcrChar(c, p, (10.0 * i, 0.0, 10.0 * i + 10, 20.0))
        for i, (c, p) in enumerate(zip(text, confidences, strict=True))
    )
    return OcrLine(
        text, min(confidences), ((0, 0), (10 * len(text), 0), (10 * len(text), 20), (0, 20)), chars
    )


def test_of_two_readings_of_a_line_under_a_seal_the_surer_is_kept():
    filtered = _reading("重庆市卫生局", [0.99, 0.99, 0.99, 0.6, 0.99, 0.99])
    colour = _reading("重庆市卫生局", [0.99, 0.99, 0.99, 0.97, 0.99, 0.99])
    kept = better_reading(filtered, colour)
    assert kept.text == "重庆市卫生局"
    assert [c.confidence for c in kept.chars] == [0.99, 0.99, 0.99, 0.6, 0.99, 0.99]
    assert better_reading(filtered, None) is filtered


def test_a_misreading_both_readings_share_is_no_surer_than_the_weaker_one():
    # Under a seal the colour reading can be confidently wrong where the filtered one doubts.
    filtered = _reading("重庆市西阳县", [0.99, 0.99, 0.99, 0.7, 0.9, 0.99])
    colour = _reading("重庆市西阳县", [0.99, 0.99, 0.99, 0.98, 0.99, 0.99])
    assert min(c.confidence for c in better_reading(filtered, colour).chars) == 0.7


def test_characters_two_readings_disagree_on_are_doubtful():
    filtered = _reading("2009-11-18", [0.99] * 10)
    colour = _reading("2000-11-16", [0.999] * 10)
    kept = better_reading(filtered, colour)
    assert kept.text == "2000-11-16"
    doubtful = [c.text for c in kept.chars if c.confidence <= 0.5]
    assert doubtful == ["0", "6"]


def test_seal_ink_is_told_from_a_warm_tint():
    paper = np.full((40, 200, 3), (235, 215, 190), np.uint8)  # warm light: every pixel reddish
    assert seal_share(paper) == 0.0
    stamped = paper.copy()
    stamped[:, 150:] = (215, 90, 90)  # a quarter of the crop under the seal's ring
    assert seal_share(stamped) == pytest.approx(0.25)


def test_the_red_channel_keeps_thin_strokes_under_a_seal_that_the_red_filter_lifts():
    # Thin dark strokes (a date's digits in a photo), a seal's ring stamped across them, and the
    # JPEG a phone writes (colour at half resolution: the ring's red bleeds into the strokes).
    page = np.full((60, 200, 3), 245, np.uint8)
    strokes = np.zeros(page.shape[:2], np.uint8)
    for x in range(20, 180, 12):
        cv2.line(page, (x, 15), (x + 4, 45), (30, 30, 30), 2)
        cv2.line(strokes, (x, 15), (x + 4, 45), 255, 2)
    ring = np.zeros(page.shape[:2], np.uint8)
    cv2.circle(ring, (100, 130), 100, 255, 8)
    on_ring = ring > 0
    inked = page.astype(float)
    inked[on_ring] = inked[on_ring] * 0.25 + np.array([225, 60, 60]) * 0.75 * inked[on_ring] / 255
    ok, jpeg = cv2.imencode(".jpg", inked.clip(0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 70])
    assert ok
    photo = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
    ink_under_seal = (strokes > 0) & on_ring
    seal_alone = on_ring & ~cv2.dilate(strokes, np.ones((5, 5), np.uint8)).astype(bool)
    red, filtered = red_channel(photo)[:, :, 0], suppress_red(photo)[:, :, 0]
    # The filter lifts the seal to paper white and the strokes under it half-way with it; the red
    # channel leaves the seal lighter than the strokes by far, and the strokes dark.
    assert filtered[seal_alone].mean() > 250 and filtered[ink_under_seal].mean() > 85
    assert red[ink_under_seal].mean() < 0.6 * filtered[ink_under_seal].mean()
    assert red[seal_alone].mean() > red[ink_under_seal].mean() + 120


def test_a_district_that_does_not_exist_is_reviewed(scanner):
    place = scanner.record_from_lines([line("执业地点：重庆市北区", 100, 100)], "x.jpg")
    assert Flag.NOT_IN_VOCABULARY in place.fields[FieldKey.PRACTICE_PLACE].flags
    authority = scanner.record_from_lines([line("发证机关：重庆市方州区卫生健康委员会", 100, 100)], "x.jpg")
    assert authority.fields[FieldKey.AUTHORITY].review
    known = scanner.record_from_lines(
        [
            line("执业地点：重庆市渝北区", 100, 100),
            line("发证机关：重庆市酉阳土家族苗族自治县卫生局", 100, 200),
        ],
        "x.jpg",
    )
    assert not known.fields[FieldKey.PRACTICE_PLACE].review and not known.fields[FieldKey.AUTHORITY].review


def test_the_rules_an_id_number_and_an_issue_date_read_again_must_obey():
    today = date(2026, 11, 28)
    number = make_id(region="500110", birth="19930408", seq="088")
    born_next_day = make_id(region="500110", birth="19930409", seq="088")
    fields = {
        FieldKey.BIRTH_DATE: FieldResult("1993-04-08", "1993.04.08", 0.99),
        FieldKey.ID_NUMBER: FieldResult.missing(),
    }
    # A birth date read surely is the one the ID number must give.
    rule = digit_rule(FieldKey.ID_NUMBER, fields, today)
    assert rule(number) and not rule(born_next_day)
    # One read doubtfully does not bind it.
    fields[FieldKey.BIRTH_DATE] = FieldResult("1993-04-08", "1993.04.08", 0.4, (Flag.LOW_CONFIDENCE,))
    assert digit_rule(FieldKey.ID_NUMBER, fields, today)(born_next_day)
    # No certificate is older than the Law on Licensed Doctors (in force 1 May 1999), nor issued
    # after today.
    issued = digit_rule(FieldKey.ISSUE_DATE, fields, today)
    assert issued("1999-05-01") and issued("2026-11-28")
    assert not issued("1999-04-30") and not issued("2026-11-29")


# A meeting notice as OCR reads it: a title, a few lines of text, a department and a date.
MEETING_NOTICE = [
    line("会议通知", 500, 60, h=60),
    line("各科室负责人：", 100, 200),
    line("定于本周五下午三点在行政楼三楼会议室召开", 100, 280),
    line("医疗质量安全工作会议，请准时参加。", 100, 360),
    line("联系人：李明电话：023-68881234", 100, 440),
    line("医务科", 800, 600),
    line("2024年3月18日", 760, 680),
]


def test_a_page_without_any_certificate_label_is_no_certificate_and_reports_no_values(scanner):
    record = scanner.record_from_lines(MEETING_NOTICE, "notice.jpg")
    assert record.warnings == ("no_certificate",)
    # The notice's date is no issue date, its department no name: nothing is read as a field.
    assert all(f.value is None and f.flags == (Flag.MISSING,) for f in record.fields.values())
    assert record.checks == ()
    assert record.to_json()["fields"]["issue_date"]["value"] is None


def test_a_certificate_whose_labels_were_read_is_never_no_certificate(scanner):
    lines = [line("姓名：何世天", 100, 100), line("发证日期：2015-06-01", 100, 180)]
    record = scanner.record_from_lines(lines, "x.jpg")
    assert "no_certificate" not in record.warnings
    assert record.fields[FieldKey.NAME].value == "何世天"
    assert record.fields[FieldKey.ISSUE_DATE].value == "2015-06-01"


def test_a_certificate_whose_labels_were_all_lost_still_shows_its_values(scanner):
    # Under glare every label is lost, but the values say what they are.
    id_number = make_id("500103", "19870312", "041")
    lines = [
        line("男", 300, 180),
        line(id_number, 300, 260),
        line("执业医师", 300, 340),
        line("临床", 300, 420),
        line("内科专业", 300, 500),
        line("重庆市渝中区卫生健康委员会", 300, 580),
    ]
    record = scanner.record_from_lines(lines, "x.jpg")
    assert "no_certificate" not in record.warnings
    assert record.fields[FieldKey.ID_NUMBER].value == id_number
    assert record.fields[FieldKey.LEVEL].value == "执业医师"


def test_a_page_titled_as_a_certificate_is_a_certificate_even_without_labels(scanner):
    lines = [line("医师执业证书", 300, 60, h=60), line("2015年6月1日", 300, 300)]
    record = scanner.record_from_lines(lines, "x.jpg")
    assert "no_certificate" not in record.warnings


def test_a_page_with_no_text_says_both_that_and_no_certificate(scanner):
    record = scanner.record_from_lines([], "blank.jpg")
    assert record.warnings == ("no_text_found", "no_certificate")


def test_a_reading_that_lost_characters_under_the_seal_gives_way_to_the_fuller_one():
    # Seal strokes over "7-1" made the colour reading drop two characters, surely.
    filtered = _reading("2022-07-16", [0.99] * 10)
    colour = _reading("2022-076", [0.9999] * 8)
    kept = better_reading(filtered, colour)
    assert kept.text == "2022-07-16"
    doubtful = [c.text for c in kept.chars if c.confidence <= 0.5]
    assert doubtful == ["-", "1"]
    # The other way round, the fuller reading is kept too, whichever is surer.
    assert better_reading(colour, filtered).text == "2022-07-16"


def test_characters_beside_what_only_the_other_reading_saw_are_doubtful():
    # Neither reading holds the other: the surer is kept, and where it lacks what the other saw,
    # its neighbours are in doubt.
    filtered = _reading("2022-0746", [0.9] * 9)
    colour = _reading("2022-076X", [0.99] * 9)
    kept = better_reading(filtered, colour)
    assert kept.text == "2022-076X"
    assert [c.text for c in kept.chars if c.confidence <= 0.5] == ["7", "6", "X"]


def test_a_word_of_latin_letters_is_no_field_s_value(scanner):
    # A bilingual booklet from 广西: the 身份证号 is covered, and its label in Zhuang is what is left
    # beside the label.
    lines = [
        line("姓名 韦丽", 100, 100),
        line("身份证号 Ndanghfaenh cwngq hauh", 100, 160),
        line("执业地点 南宁市第一人民医院", 100, 220),
    ]
    record = scanner.record_from_lines(lines, "x.jpg")
    field = record.fields[FieldKey.ID_NUMBER]
    assert field.value is None and Flag.MISSING in field.flags
    assert record.fields[FieldKey.NAME].value == "韦丽"


def test_a_line_of_the_first_look_is_brought_to_the_size_and_place_the_page_gives_it():
    from scanner.pipeline import FIRST_LOOK_SHIFT, FIRST_LOOK_TALLER, as_found_on_page

    quad = np.array([[100.0, 50.0], [400.0, 50.0], [400.0, 114.0], [100.0, 114.0]])
    found = as_found_on_page(quad)
    centre = np.array([250.0, 82.0]) - FIRST_LOOK_SHIFT
    np.testing.assert_allclose(found.mean(axis=0), centre)
    # As long as it was: a long code keeps its last digit.
    np.testing.assert_allclose(found[1, 0] - found[0, 0], 300.0)
    np.testing.assert_allclose(found[3, 1] - found[0, 1], 64.0 / FIRST_LOOK_TALLER)
    # A skewed line keeps its direction.
    turn = np.array([[np.cos(0.1), -np.sin(0.1)], [np.sin(0.1), np.cos(0.1)]])
    skewed = as_found_on_page(quad @ turn.T)
    top = skewed[1] - skewed[0]
    assert abs(np.arctan2(top[1], top[0]) - 0.1) < 1e-9
