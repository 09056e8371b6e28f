"""Field extraction from OCR lines (no pixels): labels, split and merged boxes, wraps, repairs."""

from __future__ import annotations

import math
from datetime import date

from helpers import line, make_id

from scanner.extract import Parsed, extract_fields, parse_date, parse_name, value_probes
from scanner.fields import FieldKey, Flag
from scanner.ocr.base import OcrChar, OcrLine

THRESHOLD = 0.93
ID = make_id()

FULL_ROWS = [
    "姓名：张三",
    "性别：男",
    "出生日期：1987年03月12日",
    f"身份证号：{ID}",
    "医师级别：执业医师",
    "执业类别：临床",
    "执业范围：内科专业",
    "执业地点：重庆市",
    "主要执业机构：重庆医科大学附属第一医院",
    "发证机关：重庆市渝中区卫生健康委员会",
    "发证日期：2015年7月1日",
    "证书编码：110500103456789",
]

EXPECTED = {
    FieldKey.NAME: "张三",
    FieldKey.SEX: "男",
    FieldKey.BIRTH_DATE: "1987-03-12",
    FieldKey.ID_NUMBER: ID,
    FieldKey.LEVEL: "执业医师",
    FieldKey.CATEGORY: "临床",
    FieldKey.SCOPE: "内科专业",
    FieldKey.PRACTICE_PLACE: "重庆市",
    FieldKey.INSTITUTION: "重庆医科大学附属第一医院",
    FieldKey.AUTHORITY: "重庆市渝中区卫生健康委员会",
    FieldKey.ISSUE_DATE: "2015-07-01",
    FieldKey.CERTIFICATE_CODE: "110500103456789",
    # The current layout prints no 医师资格证书 code.
    FieldKey.QUALIFICATION_CODE: None,
}


def values(lines: list[OcrLine]) -> dict[FieldKey, str | None]:
    return {k: r.value for k, r in extract_fields(lines, THRESHOLD).items()}


def rotate(lines: list[OcrLine], degrees: float) -> list[OcrLine]:
    """The same lines photographed with the page turned by `degrees`."""
    a = math.radians(degrees)
    cos, sin = math.cos(a), math.sin(a)

    def turn(x: float, y: float) -> tuple[float, float]:
        return (x * cos - y * sin, x * sin + y * cos)

    out = []
    for ln in lines:
        quad = tuple(turn(x, y) for x, y in ln.quad)
        chars = []
        for c in ln.chars:
            cx, cy = turn((c.box[0] + c.box[2]) / 2, (c.box[1] + c.box[3]) / 2)
            w, h = (c.box[2] - c.box[0]) / 2, (c.box[3] - c.box[1]) / 2
            chars.append(OcrChar(c.text, c.confidence, (cx - w, cy - h, cx + w, cy + h)))
        out.append(OcrLine(ln.text, ln.confidence, quad, tuple(chars)))  # type: ignore[arg-type]
    return out


def test_label_and_value_in_one_box_with_colons():
    lines = [line(text, 100, 100 + 60 * i) for i, text in enumerate(FULL_ROWS)]
    assert values(lines) == EXPECTED


def test_labels_without_colons_and_values_in_their_own_column():
    lines = []
    for i, text in enumerate(FULL_ROWS):
        label, value = text.split("：")
        lines.append(line(label, 100, 100 + 60 * i))
        lines.append(line(value, 420, 102 + 60 * i))
    result = extract_fields(lines, THRESHOLD)
    assert {k: r.value for k, r in result.items()} == EXPECTED
    assert not any(r.review for k, r in result.items() if EXPECTED[k] is not None)


def test_two_fields_merged_into_one_box():
    lines = [
        line("姓名：张三性别：女", 100, 100),
        line("出生日期1990-01-02医师级别执业助理医师", 100, 160),
    ]
    got = values(lines)
    assert got[FieldKey.NAME] == "张三"
    assert got[FieldKey.SEX] == "女"
    assert got[FieldKey.BIRTH_DATE] == "1990-01-02"
    assert got[FieldKey.LEVEL] == "执业助理医师"


def test_spaced_label_split_into_single_character_boxes():
    lines = [line("姓", 100, 100), line("名", 180, 100), line("李四", 420, 100)]
    assert values(lines)[FieldKey.NAME] == "李四"


def test_value_split_into_two_boxes_on_its_row():
    lines = [
        line("主要执业机构", 100, 100),
        line("重庆医科大学附属", 420, 100),
        line("第一医院", 420 + 8 * 40 + 30, 101),
    ]
    assert values(lines)[FieldKey.INSTITUTION] == "重庆医科大学附属第一医院"


def test_long_institution_wrapping_onto_the_next_row():
    lines = [
        line("主要执业机构：重庆医科大学附属", 100, 100),
        line("第一医院", 100 + 7 * 40, 150),
        line("发证机关：重庆市卫生健康委员会", 100, 220),
    ]
    got = values(lines)
    assert got[FieldKey.INSTITUTION] == "重庆医科大学附属第一医院"
    assert got[FieldKey.AUTHORITY] == "重庆市卫生健康委员会"


def test_complete_value_does_not_swallow_the_row_below():
    lines = [
        line("主要执业机构：重庆市人民医院", 100, 100),
        line("中华人民共和国国家卫生健康委员会监制", 100 + 7 * 40, 150),
    ]
    assert values(lines)[FieldKey.INSTITUTION] == "重庆市人民医院"


def test_a_branch_s_name_under_its_parent_s_whole_name_is_part_of_the_institution():
    # 重庆医科大学附属第一医院 looks whole, but a branch's name wraps below it: one institution.
    for head, tail in (
        ("重庆医科大学附属第一医院", "金山医院"),
        ("重庆医科大学附属第一医院", "（金山医院）"),
        ("重庆医科大学附属儿童医院", "礼嘉分院"),
        ("重庆三峡中心", "医院"),
    ):
        lines = [
            line(f"主要执业机构：{head}", 100, 100),
            line(tail, 100 + 7 * 40, 150),
            line("发证机关：重庆市卫生健康委员会", 100, 220),
        ]
        got = values(lines)
        assert got[FieldKey.INSTITUTION] == head + tail
        assert got[FieldKey.AUTHORITY] == "重庆市卫生健康委员会"
    # The next row's value, its label lost, is no branch: a row below, not a line of the name.
    lines = [line("主要执业机构：重庆市人民医院", 100, 100), line("重庆市中医院", 100 + 7 * 40, 190)]
    assert values(lines)[FieldKey.INSTITUTION] == "重庆市人民医院"


def test_a_label_that_lost_its_last_character_is_no_wrap_of_the_value_above():
    # 重庆市卫生局 read 重庆市卫生属 looks cut short, but the row below is 签发人 without its 人.
    lines = [line("发证机关：重庆市卫生属", 100, 100), line("签发蔡晶福", 100 + 5 * 40, 150)]
    authority = extract_fields(lines, THRESHOLD)[FieldKey.AUTHORITY]
    assert authority.raw == "重庆市卫生属" and authority.review


def test_certificate_code_printed_alone_away_from_the_fields():
    rows = [r for r in FULL_ROWS if not r.startswith("证书编码")]
    lines = [line(text, 1300, 100 + 60 * i) for i, text in enumerate(rows)]
    lines.append(line("医师执业证书", 200, 80, h=60))
    lines.append(line("110500103456789", 150, 700, pitch=22))
    assert values(lines) == EXPECTED


def test_page_turned_a_few_degrees_reads_the_same():
    lines = []
    for i, text in enumerate(FULL_ROWS):
        label, value = text.split("：")
        lines.append(line(label, 100, 100 + 60 * i))
        lines.append(line(value, 420, 100 + 60 * i))
    for degrees in (-7, -3, 4, 7):
        assert values(rotate(lines, degrees)) == EXPECTED, degrees


def test_doubtful_name_character_marks_the_name_for_review():
    lines = [line("姓名：王堃", 100, 100, low={4: 0.62})]
    name = extract_fields(lines, THRESHOLD)[FieldKey.NAME]
    assert name.value == "王堃"
    assert name.review and Flag.LOW_CONFIDENCE in name.flags
    assert name.confidence == 0.62


def test_letter_o_in_the_id_is_repaired_to_zero_and_reviewed():
    damaged = ID[:3].replace("0", "O") + ID[3:]
    field = extract_fields([line(f"身份证号码 {damaged}", 100, 100)], THRESHOLD)[FieldKey.ID_NUMBER]
    assert field.value == ID
    assert field.raw is not None and field.raw.endswith(damaged)
    assert Flag.REPAIRED in field.flags and field.review


def test_misread_level_is_repaired_only_when_unique_and_reviewed():
    field = extract_fields([line("医师级别：执业助理医帅", 100, 100)], THRESHOLD)[FieldKey.LEVEL]
    assert field.value == "执业助理医师"
    assert Flag.REPAIRED in field.flags and field.review


def test_unknown_category_is_kept_as_read_and_flagged():
    field = extract_fields([line("执业类别：护理", 100, 100)], THRESHOLD)[FieldKey.CATEGORY]
    assert field.value == "护理"
    assert Flag.NOT_IN_VOCABULARY in field.flags


def test_missing_fields_are_reported_missing():
    result = extract_fields([line("姓名：张三", 100, 100)], THRESHOLD)
    assert result[FieldKey.ID_NUMBER].value is None
    assert result[FieldKey.ID_NUMBER].flags == (Flag.MISSING,)
    assert result[FieldKey.ID_NUMBER].review


def test_dates_in_every_printed_form():
    for printed in ("2019年3月5日", "2019年03月05日", "2019-03-05", "2019.03.05", "2019 年 3 月 5 日"):
        assert parse_date(printed).value == "2019-03-05", printed


def test_minority_name_dot_in_its_ocr_forms():
    for printed in ("阿依古丽·买买提", "阿依古丽.买买提", "阿依古丽•买买提", "阿依古丽・买买提"):
        assert parse_name(printed).value == "阿依古丽·买买提", printed


def test_one_doubtful_id_digit_is_repaired_to_the_unique_checksum_value():
    wrong_digit = str((int(ID[9]) + 3) % 10)
    misread = ID[:9] + wrong_digit + ID[10:]
    # "身份证号：" is five characters, so the doubtful digit sits at position 5 + 9 of the line.
    field = extract_fields([line(f"身份证号：{misread}", 100, 100, low={14: 0.55})], THRESHOLD)[
        FieldKey.ID_NUMBER
    ]
    assert field.value == ID
    assert field.raw is not None and field.raw.endswith(misread)
    assert Flag.REPAIRED in field.flags and Flag.LOW_CONFIDENCE in field.flags and field.review


def test_failed_id_checksum_with_no_single_doubtful_digit_is_left_as_read():
    misread = ID[:9] + str((int(ID[9]) + 3) % 10) + ID[10:]
    field = extract_fields([line(f"身份证号：{misread}", 100, 100, low={14: 0.55, 16: 0.6})], THRESHOLD)[
        FieldKey.ID_NUMBER
    ]
    assert field.value == misread
    assert Flag.REPAIRED not in field.flags and field.review


def test_label_with_one_misread_character_is_still_found():
    got = values([line("执业类制中医", 100, 100), line("医师级别执业医师", 100, 160)])
    assert got[FieldKey.CATEGORY] == "中医"
    assert got[FieldKey.LEVEL] == "执业医师"


def test_misread_label_shared_by_two_fields_is_not_guessed():
    # 执业?别 could be 执业类别 or 执业级别: a value that fits neither is not given to either.
    got = values([line("执业米别内科", 100, 100)])
    assert got[FieldKey.CATEGORY] is None and got[FieldKey.LEVEL] is None
    # 临床 can only be a category: the value says which label it was.
    assert values([line("执业米别临床", 100, 100)])[FieldKey.CATEGORY] == "临床"


def test_large_title_beside_a_small_value_does_not_take_it():
    lines = [
        line("医师执业证书", 100, 470, h=64),
        line("姓名：", 1000, 450),
        line("刘云华", 1200, 450),
        line("性别：", 1000, 515),
        line("男", 1200, 505),
    ]
    got = values(lines)
    assert got[FieldKey.NAME] == "刘云华"
    assert got[FieldKey.SEX] == "男"


def test_spaced_label_that_lost_its_first_character_is_recovered():
    # 姓　　名 / 性　　别 printed wide apart: detection missed 姓 and 性 entirely.
    lines = [line("名：王莉", 300, 100), line("别女", 300, 170), line("出生日期：1960.10.07", 100, 240)]
    got = values(lines)
    assert got[FieldKey.NAME] == "王莉"
    assert got[FieldKey.SEX] == "女"


def test_cut_label_is_not_recovered_when_the_rest_is_no_value_for_it():
    got = values([line("别克汽车", 300, 100)])
    assert got[FieldKey.SEX] is None


def test_lone_label_character_joins_its_row_not_the_larger_title_beside_it():
    lines = [
        line("医师执业证书", 100, 280, h=88),
        line("姓", 1258, 305, h=40),
        line("名：王莉", 1427, 300, h=48),
    ]
    assert values(lines)[FieldKey.NAME] == "王莉"


def test_date_wrapped_onto_the_next_row_and_a_tilde_separator():
    lines = [
        line("出生日期：1993年12月", 100, 100),
        line("28日", 100 + 5 * 40, 150),
        line("发证日期：2009-06~02", 100, 220),
    ]
    got = values(lines)
    assert got[FieldKey.BIRTH_DATE] == "1993-12-28"
    assert got[FieldKey.ISSUE_DATE] == "2009-06-02"


def test_name_character_with_a_look_alike_needs_a_surer_reading():
    # 风 is what OCR reads for 凤 with 0.99 confidence: a name has no checksum to catch it.
    doubtful = extract_fields([line("姓名：周风心", 100, 100, low={4: 0.992})], THRESHOLD, 0.995)[
        FieldKey.NAME
    ]
    assert doubtful.value == "周风心" and Flag.LOW_CONFIDENCE in doubtful.flags
    sure = extract_fields([line("姓名：周风心", 100, 100, low={4: 0.999})], THRESHOLD, 0.995)[FieldKey.NAME]
    assert not sure.review
    # Characters without a look-alike keep the ordinary threshold.
    plain = extract_fields([line("姓名：周海心", 100, 100, low={4: 0.95})], THRESHOLD, 0.995)[FieldKey.NAME]
    assert not plain.review


def test_an_id_number_whose_label_was_not_read_is_found_by_its_check_digit():
    number = make_id()
    lines = [line(number, 300, 300), line("姓名：张三", 100, 100)]
    fields = extract_fields(lines, 0.93)
    assert fields[FieldKey.ID_NUMBER].value == number and not fields[FieldKey.ID_NUMBER].review
    # A stray 18-digit number that fails the check digit is not taken for the ID number.
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    fields = extract_fields([line(wrong, 300, 300)], 0.93)
    assert fields[FieldKey.ID_NUMBER].value is None
    # One that holds the birth date read where an ID number does is the ID number misread.
    number = make_id(region="500109", birth="19751120", seq="362")
    misread = number[:15] + "8" + number[16:]
    born = line("出生日期：1975年11月20日", 100, 160)
    found = extract_fields([born, line(misread, 300, 300)], 0.93)[FieldKey.ID_NUMBER]
    assert found.value == misread and Flag.UNLABELLED in found.flags and found.review
    # A digit read as the letter it looks like (S for 5) is still one of its 18 characters.
    lettered = extract_fields([line("号" + number.replace("5", "S", 1), 300, 300)], 0.93)[FieldKey.ID_NUMBER]
    assert lettered.value == number and Flag.REPAIRED in lettered.flags
    # Not when its birth date differs too.
    other = number[:13] + "1" + number[14:15] + "8" + number[16:]
    assert extract_fields([born, line(other, 300, 300)], 0.93)[FieldKey.ID_NUMBER].value is None


def test_a_label_with_half_its_characters_misread_is_known_by_elimination():
    lines = [
        line("出生日期：1987.03.12", 100, 100),
        line("纂夏日期：2021.11.08", 100, 200),  # 发证日期 in small bold print
        line("证作考码：500103198703120414", 100, 300),  # 证件号码, as close to 证书编码
    ]
    fields = extract_fields(lines, 0.93)
    assert fields[FieldKey.BIRTH_DATE].value == "1987-03-12"
    assert fields[FieldKey.ISSUE_DATE].value == "2021-11-08"
    assert fields[FieldKey.ID_NUMBER].value == "500103198703120414"
    assert fields[FieldKey.CERTIFICATE_CODE].value is None


def test_a_misread_label_that_fits_two_missing_fields_claims_neither():
    # 出生日期 and 发证日期 are both missing: ??日期 could be either, and a doctor could be born in
    # 2003 as a certificate could be issued then.
    fields = extract_fields([line("纂夏日期：2003.11.08", 100, 200)], 0.93, today=date(2026, 11, 28))
    assert fields[FieldKey.ISSUE_DATE].value is None and fields[FieldKey.BIRTH_DATE].value is None


def test_a_lone_date_is_known_by_its_era():
    today = date(2026, 11, 28)
    # Less than 18 years ago: nobody licensed was born then, so it is the issue date.
    recent = extract_fields([line("纂夏日期：2021.11.08", 100, 200)], 0.93, today=today)
    assert recent[FieldKey.ISSUE_DATE].value == "2021-11-08" and recent[FieldKey.BIRTH_DATE].value is None
    assert Flag.UNLABELLED in recent[FieldKey.ISSUE_DATE].flags
    # Before 1 May 1999 no certificate was issued: it is the birth date.
    early = extract_fields([line("纂夏日期：1987.03.12", 100, 200)], 0.93, today=today)
    assert early[FieldKey.BIRTH_DATE].value == "1987-03-12" and early[FieldKey.ISSUE_DATE].value is None
    # Seen from 2040, the same date could be a birth date too: it is left alone.
    later = extract_fields([line("纂夏日期：2021.11.08", 100, 200)], 0.93, today=date(2040, 1, 1))
    assert later[FieldKey.ISSUE_DATE].value is None and later[FieldKey.BIRTH_DATE].value is None


def test_unlabelled_text_that_is_not_an_id_number_is_left_alone():
    # Letters and a slash among the digits: not an ID number's form, whatever its length.
    fields = extract_fields([line("身价证章5002191980/0202506X", 100, 300)], 0.93)
    assert fields[FieldKey.ID_NUMBER].value is None


def test_a_short_label_misread_by_a_look_alike_is_still_known():
    # 姓 read as 性 and run together with the name: the value decides it is no 性别.
    fields = extract_fields([line("性名黄天龙", 100, 100), line("出生日期：1989.10.14", 100, 200)], 0.93)
    assert fields[FieldKey.NAME].value == "黄天龙"
    assert fields[FieldKey.SEX].value is None
    # A short label misread by a character that looks nothing like it is not taken for one.
    fields = extract_fields([line("仗名黄天龙", 100, 100)], 0.93)
    assert fields[FieldKey.NAME].value is None


def test_closed_values_whose_labels_were_not_read_are_known_by_what_they_are():
    lines = [
        line("姓名：马小燕", 100, 100),
        line("女", 700, 100),  # 性别 not detected at all
        line("邮级别：执业医师", 500, 160),  # 医师级别 read too poorly to be known
        line("重庆市铜梁区", 700, 220),  # 执业地点 lost
        line("发证机关：重庆市铜梁区卫生健康委员会", 100, 280),
    ]
    fields = extract_fields(lines, 0.93)
    assert fields[FieldKey.SEX].value == "女"
    assert fields[FieldKey.LEVEL].value == "执业医师"
    assert fields[FieldKey.PRACTICE_PLACE].value == "重庆市铜梁区"
    for key in (FieldKey.SEX, FieldKey.LEVEL, FieldKey.PRACTICE_PLACE):
        assert Flag.UNLABELLED in fields[key].flags and fields[key].review
    # The authority's own text is not mistaken for a practice place, nor two candidates chosen from.
    two = [line("重庆市", 700, 100), line("重庆市渝中区", 700, 200)]
    assert extract_fields(two, 0.93)[FieldKey.PRACTICE_PLACE].value is None


def test_dates_with_doubled_or_lost_separators():
    assert parse_date("2021年-04月17日").value == "2021-04-17"
    assert parse_date("2015.0102") == parse_date("20150102")
    assert parse_date("2015.0102").value == "2015-01-02" and Flag.REPAIRED in parse_date("2015.0102").flags
    assert parse_date("201503-16").value == "2015-03-16"
    # Five digits are no date.
    assert parse_date("19118").value == "19118" and Flag.INVALID_FORMAT in parse_date("19118").flags


def test_a_date_typed_over_printed_year_month_day_with_marks_between_is_read_and_reviewed():
    # Digits typed off the old booklet's pre-printed 年 月 日, a seal's strokes read between them.
    assert parse_date("2016年医02月用05日") == Parsed("2016-02-05", (Flag.REPAIRED,))
    assert parse_date("2012专年07月18日") == Parsed("2012-07-18", (Flag.REPAIRED,))  # a mark before 年
    # Without the printed 日 (or with two 年) it is no such date.
    assert Flag.INVALID_FORMAT in parse_date("2016年医02月用05").flags
    assert Flag.INVALID_FORMAT in parse_date("2016年x年02月05日").flags


def test_a_two_character_label_half_misread_before_its_colon_is_known():
    fields = extract_fields([line("姓息：杨睿", 100, 100), line("出生日期：1987.08.31", 100, 200)], 0.93)
    assert fields[FieldKey.NAME].value == "杨睿"


def test_dates_whose_labels_were_lost_are_told_apart_by_what_they_must_be():
    lines = [
        line("姓名：谭东清", 100, 100),
        line("生日南1960.04.30", 100, 200),  # 出生日期 lost to small print
        line("电4期2024.08.02", 100, 300),  # 发证日期 likewise
    ]
    fields = extract_fields(lines, 0.93)
    assert fields[FieldKey.BIRTH_DATE].value == "1960-04-30"
    assert fields[FieldKey.ISSUE_DATE].value == "2024-08-02"
    assert Flag.UNLABELLED in fields[FieldKey.ISSUE_DATE].flags
    # One lost date is the issue date only when the known birth date lies 18 years before it.
    lines = [line("出生日期：1960.04.30", 100, 100), line("电4期2024.08.02", 100, 300)]
    assert extract_fields(lines, 0.93)[FieldKey.ISSUE_DATE].value == "2024-08-02"
    lines = [line("出生日期：1960.04.30", 100, 100), line("电4期1970.08.02", 100, 300)]
    assert extract_fields(lines, 0.93)[FieldKey.ISSUE_DATE].value is None
    # Two dates too close together to be a birth and a licence are left alone.
    lines = [line("生日南1990.04.30", 100, 200), line("电4期2001.08.02", 100, 300)]
    fields = extract_fields(lines, 0.93)
    assert fields[FieldKey.BIRTH_DATE].value is None and fields[FieldKey.ISSUE_DATE].value is None


def test_long_closed_values_are_known_behind_a_misread_label():
    lines = [line("西件单制执业助理医师", 100, 100), line("口腔专业", 600, 200)]
    fields = extract_fields(lines, 0.93)
    assert fields[FieldKey.LEVEL].value == "执业助理医师"
    assert fields[FieldKey.SCOPE].value == "口腔专业"
    # A short one is not: 临床 behind other text could be anything's end.
    assert extract_fields([line("西件临床", 100, 100)], 0.93)[FieldKey.CATEGORY].value is None
    # Unless that text ends as the field's label does: 社美别 is 执业类别 misread.
    category = extract_fields([line("社美别中医", 100, 100)], 0.93)[FieldKey.CATEGORY]
    assert category.value == "中医" and Flag.UNLABELLED in category.flags
    assert extract_fields([line("社美期中医", 100, 100)], 0.93)[FieldKey.CATEGORY].value is None


def test_a_half_read_sex_label_is_known_by_its_value_or_its_colon():
    assert extract_fields([line("性制男", 100, 100)], 0.93)[FieldKey.SEX].value == "男"
    # Behind a colon the value is taken even misread, and then reviewed.
    sex = extract_fields([line("性制：易", 100, 100)], 0.93)[FieldKey.SEX]
    assert sex.value == "易" and sex.review
    # Without either, a half-read short label is no label: 社名 could start any text.
    assert extract_fields([line("社名刘义", 100, 100)], 0.93)[FieldKey.NAME].value is None


def test_a_long_label_that_lost_its_first_character_is_known():
    fields = extract_fields([line("业类别临床", 100, 100), line("姓名：肖丽悦", 100, 40)], 0.93)
    assert fields[FieldKey.CATEGORY].value == "临床"
    # Only whole: 业类型 is no label.
    assert extract_fields([line("业类型临床", 100, 100)], 0.93)[FieldKey.CATEGORY].value is None


def test_a_half_read_label_standing_alone_takes_the_text_after_it_and_is_reviewed():
    lines = [
        line("社名", 100, 100),
        line("玛依拉迪丽·阿米娜", 400, 100),
        line("性到", 1000, 100),
        line("男", 1300, 100),
    ]
    fields = extract_fields(lines, 0.93)
    assert fields[FieldKey.NAME].value == "玛依拉迪丽·阿米娜"
    assert fields[FieldKey.SEX].value == "男"
    assert fields[FieldKey.NAME].review and Flag.UNLABELLED in fields[FieldKey.NAME].flags


def test_a_name_whose_label_was_lost_is_known_as_the_first_value_and_reviewed():
    def labelled(label: str, value: str, y: float) -> OcrLine:
        # Every value starts in one column, at x = 400, whatever its label's length.
        return line(f"{label}：{value}", 400 - 40 * (len(label) + 1), y)

    title = line("医师执业证书", 300, 20)
    below = [
        labelled("性别", "女", 160),
        labelled("出生日期", "1984年02月02日", 220),
        labelled("身份证号", ID, 280),
    ]
    # 姓名 too faint to be detected: the name stands alone above the values, in their column.
    fields = extract_fields([title, line("陈芳清", 400, 100), *below], 0.93)
    assert fields[FieldKey.NAME].value == "陈芳清"
    assert fields[FieldKey.NAME].review and Flag.UNLABELLED in fields[FieldKey.NAME].flags
    # Not text out of the values' column, nor text below the first value; never the title.
    assert extract_fields([title, line("陈芳清", 900, 100), *below], 0.93)[FieldKey.NAME].value is None
    lower = [title, *below[:2], line("陈芳清", 400, 250), below[2]]
    assert extract_fields(lower, 0.93)[FieldKey.NAME].value is None
    assert extract_fields([line("医师执业证书", 400, 100), *below], 0.93)[FieldKey.NAME].value is None
    # A misread label read as one with the name is left out: the name is what lies in the column.
    glued = [title, line("社名陈芳清", 320, 100), *below]
    assert extract_fields(glued, 0.93)[FieldKey.NAME].value == "陈芳清"
    # Nor another field's word, even misread (找业新师 is 执业医师).
    for word in ("执业医师", "找业新师"):
        assert extract_fields([title, line(word, 400, 100), *below], 0.93)[FieldKey.NAME].value is None
    # Nor a misread value on the first value's row, right of it: a form's second column.
    beside = [
        title,
        labelled("出生日期", "1984年02月02日", 100),
        line("执业医频", 1000, 100),
        *below[2:],
        line("执业地点：重庆市", 1000 - 40 * 5, 340),
    ]
    assert extract_fields(beside, 0.93)[FieldKey.NAME].value is None
    # A minority name keeps its dot, behind the colon of a label lost to glare.
    minority = [title, line("：库尔班·麦麦提", 360, 100), *below]
    assert extract_fields(minority, 0.93)[FieldKey.NAME].value == "库尔班·麦麦提"
    # A label's remnant read as the name (性, of 性别) is no name: a name has two characters at least.
    remnant = [title, line("姓名：性", 560, 60), line("陈芳清", 400, 100), *below]
    assert extract_fields(remnant, 0.93)[FieldKey.NAME].value == "陈芳清"


def test_text_with_one_label_character_before_a_colon_is_no_wrapped_value():
    # 身份证号 lost but its last character: the ID number's line is no continuation of the date
    # above it, whose separators were misread.
    lines = [line("出生日期：197303.10", 100, 100), line("号：" + ID, 300, 150)]
    fields = extract_fields(lines, 0.93)
    assert fields[FieldKey.BIRTH_DATE].value == "1973-03-10"
    assert fields[FieldKey.ID_NUMBER].value == ID


def test_a_sex_whose_label_was_misread_beyond_recognition_is_known_by_its_place():
    name = line("姓名：罗小佳", 100, 100)
    birth = line("出生日期：1981年9月29日", 100, 220)
    fields = extract_fields([name, line("件例女", 100, 160), birth], 0.93)
    assert fields[FieldKey.SEX].value == "女"
    assert fields[FieldKey.SEX].review and Flag.UNLABELLED in fields[FieldKey.SEX].flags
    # In a two-column form it stands right of the name, on the name's row.
    beside = [name, line("制男", 600, 100), birth]
    assert extract_fields(beside, 0.93)[FieldKey.SEX].value == "男"
    # Not below other values, nor behind more than a label's remnant.
    assert extract_fields([name, birth, line("件例女", 100, 280)], 0.93)[FieldKey.SEX].value is None
    assert extract_fields([name, line("李小件例女", 100, 160), birth], 0.93)[FieldKey.SEX].value is None


def test_the_sex_after_a_name_label_whose_value_was_lost_is_the_sex():
    # 姓名's value lies under glare and 性别 was not detected: the next text on the row is the sex.
    lines = [
        line("姓名", 100, 100),
        line("男", 600, 100),
        line("出生日期：1998.04.05", 100, 160),
        line("执业地点：重庆市", 100, 220),
    ]
    fields = extract_fields(lines, 0.93)
    assert fields[FieldKey.SEX].value == "男" and Flag.UNLABELLED in fields[FieldKey.SEX].flags
    assert fields[FieldKey.NAME].value is None
    # With the sex read under its own label, the name's reading stays the name's (and is doubtful).
    lines.append(line("性别：女", 600, 130))
    fields = extract_fields(lines, 0.93)
    assert fields[FieldKey.SEX].value == "女" and fields[FieldKey.NAME].raw == "男"


def test_a_value_with_one_character_misread_is_not_taken_for_a_label():
    # 执业动理医师 (执业助理医师) begins as 执业范围 does, and 医师 is no scope.
    lines = [
        line("执业动理医师", 700, 320, 30, low={2: 0.73, 4: 0.68}),
        line("批业地点", 545, 383, 28, low={0: 0.21, 2: 0.44, 3: 0.69}),
        line("重庆市渝北区", 700, 382, 30),
        line("主要抗业机构", 117, 567, 28, low={2: 0.45}),
        line("重庆国科大学测第口腔医院", 274, 564, 30),
    ]
    assert extract_fields(lines, 0.93)[FieldKey.SCOPE].value is None


def test_a_misread_value_behind_an_unreadable_label_is_the_missing_field_it_resembles():
    lines = [
        line("姓名：马小燕", 100, 100),
        line("医师制：热业医维", 100, 160),  # 医师级别：执业医师, both misread
        line("热治地A：重庆点", 100, 220),  # 执业地点：重庆市
    ]
    fields = extract_fields(lines, 0.93)
    assert fields[FieldKey.LEVEL].raw == "热业医维" and fields[FieldKey.PRACTICE_PLACE].raw == "重庆点"
    for key in (FieldKey.LEVEL, FieldKey.PRACTICE_PLACE):
        assert Flag.UNLABELLED in fields[key].flags and fields[key].review
    # An institution is no practice place, though it begins with one.
    hospital = [
        line("姓名：马小燕", 100, 100),
        line("木均：重庆市大足区人民医院", 100, 280),
        line("发证机关：重庆市大足区卫生健康委员会", 100, 340),
    ]
    assert extract_fields(hospital, 0.93)[FieldKey.PRACTICE_PLACE].raw is None
    # Without its colon the text could be anything's; two runs alike one field claim it neither.
    assert extract_fields([line("热业医维", 100, 160)], 0.93)[FieldKey.LEVEL].raw is None
    two = [line("医师制：热业医维", 100, 160), line("期：执业医维", 100, 220)]
    assert extract_fields(two, 0.93)[FieldKey.LEVEL].raw is None


def test_text_with_a_colon_of_its_own_is_no_other_labels_value():
    # The category's value was lost; the text after its label on the row is another label's.
    lines = [
        line("姓名：刘宁蕾", 100, 100),
        line("执业类别", 100, 160),
        line("业地点：重庆市铜梁区", 500, 160),
    ]
    fields = extract_fields(lines, 0.93)
    assert fields[FieldKey.CATEGORY].value is None
    assert fields[FieldKey.PRACTICE_PLACE].value == "重庆市铜梁区"
    # Nor is it the value beside or below a label whose value is missing, though its label is unknown.
    for x, y in ((100, 210), (290, 190)):
        lines = [line("执业类别", 100, 160), line("木均：重庆市铜梁区", x, y)]
        assert extract_fields(lines, 0.93)[FieldKey.CATEGORY].value is None


def test_on_a_page_that_lost_nearly_all_its_labels_misread_values_are_known_by_resemblance():
    # Labels printed small on shaded cells: detection found none of them, only the values.
    values = [
        line("医师执业证书", 300, 20),
        line("执业动理医师", 700, 100),
        line("重庆东渝北区", 700, 160),
        line("保以上正生行政部门减定的其地专业", 300, 220),
        line("庆医科大学测第口腔医院", 300, 280),
        line("重庆市业北区卫生建康委员会", 300, 340),
        line("235001122426917", 700, 400),
    ]
    fields = extract_fields(values, 0.93)
    assert fields[FieldKey.LEVEL].raw == "执业动理医师"
    assert fields[FieldKey.PRACTICE_PLACE].raw == "重庆东渝北区"
    assert fields[FieldKey.SCOPE].raw == "保以上正生行政部门减定的其地专业"
    assert fields[FieldKey.AUTHORITY].raw == "重庆市业北区卫生建康委员会"
    assert all(Flag.UNLABELLED in fields[k].flags for k in (FieldKey.LEVEL, FieldKey.AUTHORITY))
    # Where the labels were read, text without a colon before it is left alone.
    labelled = [
        line("姓名：张涛伟", 100, 40),
        line("性别：男", 100, 70),
        line("出生日期：1998.04.05", 100, 450),
        line("发证日期：2024.11.09", 100, 500),
        *values,
    ]
    assert extract_fields(labelled, 0.93)[FieldKey.LEVEL].raw is None


def test_an_institution_whose_label_was_lost_is_known_by_its_name():
    names = ["重庆市渝北区人民医院", "重庆市渝北区中医院", "重庆医科大学附属口腔医院"]
    # The value wraps onto the line below, in a narrow cell.
    lines = [line("姓名：张思斌", 100, 40), line("重庆市渝北区人", 220, 100), line("民医院", 220, 145)]
    institution = extract_fields(lines, 0.93, institutions=names)[FieldKey.INSTITUTION]
    assert institution.value == "重庆市渝北区人民医院"
    assert Flag.UNLABELLED in institution.flags and institution.review
    # Misread, it is still the one name it is most like.
    misread = [line("重庆医科大学附属口腔医阮", 220, 100)]
    assert (
        extract_fields(misread, 0.93, institutions=names)[FieldKey.INSTITUTION].raw
        == "重庆医科大学附属口腔医阮"
    )
    # Without a gazetteer, or like no name in it, text is no institution.
    assert extract_fields(lines, 0.93)[FieldKey.INSTITUTION].value is None
    other = [line("重庆市渝北区卫生健康委员会", 220, 100)]
    assert extract_fields(other, 0.93, institutions=names)[FieldKey.INSTITUTION].value is None


def test_half_a_short_label_standing_alone_is_that_label():
    # 姓 lost to glare, the name far right in its cell.
    fields = extract_fields([line("名：", 100, 100), line("陈芳清", 400, 100)], 0.93)
    assert fields[FieldKey.NAME].value == "陈芳清"
    # 别 lost, the value further along the row.
    fields = extract_fields(
        [line("姓名：陈芳清", 100, 100), line("性", 600, 100), line("女", 760, 100)], 0.93
    )
    assert fields[FieldKey.SEX].value == "女"
    # 性别 with 别 misread and its value not detected: the value is looked for where it should be.
    lines = [
        line("姓名：陈芳清", 100, 100),
        line("性祭", 100, 160),
        line("出生日期：1984年02月02日", 100, 220),
    ]
    assert [p.key for p in value_probes(lines)] == [FieldKey.SEX]
    # Half a label with its value is surer than the other half alone (姓　名李晶凤, spaced out).
    fields = extract_fields([line("姓", 100, 62), line("名李晶凤", 260, 100)], 0.93)
    assert fields[FieldKey.NAME].value == "李晶凤"
    # A lone character that is no label's half is left alone.
    assert value_probes([line("姓名：陈芳清", 100, 100), line("住", 100, 160)]) == []


def test_lone_value_boxed_taller_than_its_row_joins_its_label():
    # A blurred pair of characters read as one (口腔 as 啦) is boxed half as tall again as the
    # row's line: it is still the value level with its label, not a row of its own.
    lines = [
        line("执业地点：重庆医科大学附属口腔医院", 118, 225, h=29, pitch=16),
        line("执业类别：", 118, 282, h=31, pitch=16),
        line("啦", 213, 273, h=50, pitch=40),
        line("执业范围：口腔专业", 117, 340, h=31, pitch=16),
    ]
    category = extract_fields(lines, THRESHOLD)[FieldKey.CATEGORY]
    # Off the list, so reviewed (and read again against the list by the pipeline).
    assert category.value == "啦" and category.review
