"""The ordered rule tables of extraction: each finder and each label repair shown at work on hand-made
OCR lines, recovering a value that no other rule recovers, and the tables' documented order."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from types import MappingProxyType

from helpers import line, make_id

from scanner.extract import (
    FINDERS,
    LABEL_REPAIRS,
    Reading,
    Run,
    build_rows,
    extract_fields,
    labelled_values,
    page_skew,
    read_layout,
    split_row,
    tokens_of,
)
from scanner.fields import FieldKey, FieldResult, Flag
from scanner.ocr.base import OcrLine

THRESHOLD = 0.93


def finders_recovering(
    lines: Sequence[OcrLine],
    key: FieldKey,
    today: date | None = None,
    institutions: Collection[str] = (),
) -> tuple[list[str], dict[FieldKey, FieldResult]]:
    """The names of the finders that returned a value for `key`, and the fields at the end.

    Replays the driver step by step; the fields must come out as `extract_fields` gives them.
    """
    _, rows, runs = read_layout(lines)
    fields = labelled_values(runs, THRESHOLD)
    assert fields.get(key) is None or fields[key].value is None or Flag.INVALID_FORMAT in fields[key].flags
    page = Reading(runs, rows, THRESHOLD, today, institutions)
    names = []
    for rule in FINDERS:
        found = rule.apply(page, MappingProxyType(fields))
        assert set(found) <= set(rule.recovers)
        if found.get(key) is not None and found[key].value is not None:
            names.append(rule.name)
        fields.update(found)
    whole = {k: fields.get(k, FieldResult.missing()) for k in FieldKey}
    assert whole == extract_fields(lines, THRESHOLD, today=today, institutions=institutions)
    return names, whole


def test_the_finders_are_applied_in_the_documented_order():
    assert [rule.name for rule in FINDERS] == [
        "code_anywhere",
        "qualification_code_anywhere",
        "id_anywhere",
        "sex_taken_as_name",
        "closed_anywhere",
        "institution_anywhere",
        "resembling_values",
        "place_dates",
        "name_by_place",
        "sex_by_place",
    ]
    # Each says what it recovers.
    assert all(rule.apply.__doc__ and rule.recovers for rule in FINDERS)


def test_the_label_repairs_are_applied_in_the_documented_order():
    assert [repair.name for repair in LABEL_REPAIRS] == ["cut_labels", "bare_labels", "misread_labels"]
    assert all(repair.apply.__doc__ for repair in LABEL_REPAIRS)


def test_code_anywhere_finds_the_code_printed_away_from_the_fields():
    lines = [line("姓名：张三", 100, 100), line("110500103456789", 150, 700, pitch=22)]
    names, fields = finders_recovering(lines, FieldKey.CERTIFICATE_CODE)
    assert names == ["code_anywhere"]
    assert fields[FieldKey.CERTIFICATE_CODE].value == "110500103456789"


def test_id_anywhere_finds_an_unlabelled_id_number_by_its_check_digit():
    number = make_id()
    names, fields = finders_recovering(
        [line(number, 300, 300), line("姓名：张三", 100, 100)], FieldKey.ID_NUMBER
    )
    assert names == ["id_anywhere"]
    assert fields[FieldKey.ID_NUMBER].value == number and not fields[FieldKey.ID_NUMBER].review


def test_sex_taken_as_name_makes_the_name_labels_value_the_sex():
    lines = [
        line("姓名", 100, 100),
        line("男", 600, 100),
        line("出生日期：1998.04.05", 100, 160),
        line("执业地点：重庆市", 100, 220),
    ]
    assert labelled_values(read_layout(lines)[2], THRESHOLD)[FieldKey.NAME].raw == "男"
    names, fields = finders_recovering(lines, FieldKey.SEX)
    assert names == ["sex_taken_as_name"]
    assert fields[FieldKey.SEX].value == "男" and Flag.UNLABELLED in fields[FieldKey.SEX].flags
    assert fields[FieldKey.NAME].value is None


def test_closed_anywhere_knows_a_closed_value_by_its_printed_form():
    names, fields = finders_recovering(
        [line("姓名：马小燕", 100, 100), line("重庆市铜梁区", 700, 220)], FieldKey.PRACTICE_PLACE
    )
    assert names == ["closed_anywhere"]
    assert fields[FieldKey.PRACTICE_PLACE].value == "重庆市铜梁区"
    assert Flag.UNLABELLED in fields[FieldKey.PRACTICE_PLACE].flags


def test_institution_anywhere_knows_an_institution_by_its_name_in_the_gazetteer():
    names_given = ["重庆市渝北区人民医院", "重庆市渝北区中医院", "重庆医科大学附属口腔医院"]
    lines = [line("姓名：张思斌", 100, 40), line("重庆市渝北区人", 220, 100), line("民医院", 220, 145)]
    names, fields = finders_recovering(lines, FieldKey.INSTITUTION, institutions=names_given)
    assert names == ["institution_anywhere"]
    assert fields[FieldKey.INSTITUTION].value == "重庆市渝北区人民医院"
    # Without the gazetteer no rule recovers it.
    assert finders_recovering(lines, FieldKey.INSTITUTION)[0] == []


def test_resembling_values_takes_a_misread_value_as_the_missing_field_it_resembles():
    lines = [line("姓名：马小燕", 100, 100), line("医师制：热业医维", 100, 160)]
    names, fields = finders_recovering(lines, FieldKey.LEVEL)
    assert names == ["resembling_values"]
    assert fields[FieldKey.LEVEL].raw == "热业医维" and Flag.UNLABELLED in fields[FieldKey.LEVEL].flags


def test_place_dates_tells_the_birth_date_from_the_issue_date():
    lines = [
        line("姓名：谭东清", 100, 100),
        line("生日南1960.04.30", 100, 200),
        line("电4期2024.08.02", 100, 300),
    ]
    for key, day in ((FieldKey.BIRTH_DATE, "1960-04-30"), (FieldKey.ISSUE_DATE, "2024-08-02")):
        names, fields = finders_recovering(lines, key, today=date(2026, 11, 28))
        assert names == ["place_dates"]
        assert fields[key].value == day and Flag.UNLABELLED in fields[key].flags


def test_name_by_place_takes_the_name_like_text_before_every_value():
    def labelled(label: str, value: str, y: float) -> OcrLine:
        return line(f"{label}：{value}", 400 - 40 * (len(label) + 1), y)

    lines = [
        line("医师执业证书", 300, 20),
        line("陈芳清", 400, 100),
        labelled("性别", "女", 160),
        labelled("出生日期", "1984年02月02日", 220),
    ]
    names, fields = finders_recovering(lines, FieldKey.NAME)
    assert names == ["name_by_place"]
    assert fields[FieldKey.NAME].value == "陈芳清" and Flag.UNLABELLED in fields[FieldKey.NAME].flags


def test_sex_by_place_takes_male_or_female_right_after_the_name():
    lines = [
        line("姓名：罗小佳", 100, 100),
        line("件例女", 100, 160),
        line("出生日期：1981年9月29日", 100, 220),
    ]
    names, fields = finders_recovering(lines, FieldKey.SEX)
    assert names == ["sex_by_place"]
    assert fields[FieldKey.SEX].value == "女" and Flag.UNLABELLED in fields[FieldKey.SEX].flags


def repairs_labelling(lines: Sequence[OcrLine], key: FieldKey) -> list[str]:
    """The names of the label repairs that gave a run the label of `key`; each leaves its input alone."""
    rows = build_rows(tokens_of(lines, page_skew(lines)))
    runs: list[Run] = [run for i, row in enumerate(rows) for run in split_row(i, row)]
    names = []
    for repair in LABEL_REPAIRS:
        before = [(run.key, run.claimed, list(run.tokens)) for run in runs]
        repaired = repair.apply(runs)
        assert [(run.key, run.claimed, list(run.tokens)) for run in runs] == before
        if sum(r.key is key for r in repaired) > sum(r.key is key for r in runs):
            names.append(repair.name)
        runs = repaired
    return names


def test_cut_labels_reads_the_surviving_half_of_a_label_before_its_value():
    lines = [line("名：王莉", 300, 100), line("出生日期：1960.10.07", 100, 240)]
    assert repairs_labelling(lines, FieldKey.NAME) == ["cut_labels"]
    assert extract_fields(lines, THRESHOLD)[FieldKey.NAME].value == "王莉"


def test_bare_labels_reads_half_a_label_standing_alone():
    lines = [line("名：", 100, 100), line("陈芳清", 400, 100)]
    assert repairs_labelling(lines, FieldKey.NAME) == ["bare_labels"]
    assert extract_fields(lines, THRESHOLD)[FieldKey.NAME].value == "陈芳清"


def test_misread_labels_reads_a_label_with_characters_misread():
    lines = [line("姓息：杨睿", 100, 100), line("出生日期：1987.08.31", 100, 200)]
    assert repairs_labelling(lines, FieldKey.NAME) == ["misread_labels"]
    assert extract_fields(lines, THRESHOLD)[FieldKey.NAME].value == "杨睿"
