"""The change-of-registration record (变更注册记录): its pages found beside or below the personal
pages, every block read, doubts marked, and the lines it takes kept from the field extractor.

Rules on hand-made OCR lines, then the same on OCR lines recorded from generated booklets
(tests/data/changes, real OCR output), then one picture read end to end.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from pathlib import Path

import pytest
from helpers import line

from scanner.extract.change_looks import change_probes, second_look
from scanner.extract.change_parts import dated_after_issue, filled_value, value_words
from scanner.extract.changes import (
    ChangeRecord,
    Part,
    normalized_changes,
    parse_change_date,
    read_change_record,
)
from scanner.fields import Change, FieldKey, Flag
from scanner.normalize import InstitutionMatcher
from scanner.ocr.base import OcrChar, OcrLine

TODAY = dt.date(2026, 11, 27)
THRESHOLD = 0.93
H = 30.0  # print height of the hand-made pages
PITCH = 50.0  # rows of a block


def change_page(
    blocks: Sequence[dict[str, str | None]],
    x: float = 800.0,
    top: float = 100.0,
    slots: int = 3,
    title: bool = True,
) -> list[OcrLine]:
    """A 变更注册记录 page with its labels at `x`: `slots` blocks, the first filled from `blocks`
    (keys new_code, item, value, date, authority; None leaves the part empty)."""
    out = [line("变更注册记录", x + 180, top, h=1.5 * H)] if title else []
    y = top + 2.5 * H
    for s in range(slots):
        block = blocks[s] if s < len(blocks) else {}
        for label, key, row in (("新证书编码", "new_code", 0), ("变更项目", "item", 1)):
            out.append(line(label + "：" + (block.get(key) or ""), x, y + row * PITCH, h=H))
        if block.get("value"):
            out.append(line(str(block["value"]), x + 2 * H, y + 2 * PITCH, h=H))
        for label, key, row in (("变更日期", "date", 3), ("批准机关", "authority", 4)):
            out.append(line(label + "：" + (block.get(key) or ""), x, y + row * PITCH, h=H))
        y += 6 * PITCH
    return out


def personal_page(x: float = 100.0, top: float = 160.0) -> list[OcrLine]:
    """The old booklet's p3, to sit left of a change page."""
    rows = [
        "姓名 张丽",
        "性别 女",
        "出生日期 1980.03.02",
        "医师资格 执业医师",
        "证书编码 200450110000198003021234",
        "执业地点 重庆市第五人民医院",
        "执业类别 临床",
        "执业范围 内科专业",
        "身份证号 500103198003021226",
    ]
    return [line(text, x, top + i * 2 * H, h=H, pitch=0.9 * H) for i, text in enumerate(rows)]


MOVE = {
    "item": "执业地点变更",
    "value": "重庆市北碚区中医院",
    "date": "2012年3月5日",
    "authority": "重庆市北碚区卫生局",
}
SCOPE = {
    "new_code": "110500000123456",
    "item": "执业范围变更",
    "value": "外科专业",
    "date": "2015.09.21",
    "authority": "重庆市北碚区卫生和计划生育委员会",
}


def read(lines: Sequence[OcrLine]) -> ChangeRecord:
    return read_change_record(lines, THRESHOLD, TODAY)


def parts(change: Change) -> tuple[str | None, ...]:
    return (change.item, change.value, change.date, change.authority, change.new_code)


def texts(lines: Sequence[OcrLine], taken: frozenset[int]) -> set[str]:
    return {lines[i].text for i in taken}


# ---------------------------------------------------------------- rules on hand-made lines


def test_a_spread_reads_every_block_and_leaves_the_personal_page_beside_it():
    left = personal_page()
    right = change_page([MOVE, SCOPE])
    lines = left + right
    record = read(lines)
    assert [parts(c) for c in record.changes] == [
        ("执业地点变更", "重庆市北碚区中医院", "2012-03-05", "重庆市北碚区卫生局", None),
        ("执业范围变更", "外科专业", "2015-09-21", "重庆市北碚区卫生和计划生育委员会", "110500000123456"),
    ]
    assert not any(c.review for c in record.changes)
    assert record.lines == frozenset(range(len(left), len(lines)))


def test_empty_blocks_give_no_change_but_their_labels_are_taken():
    lines = change_page([MOVE], slots=3)
    record = read(lines)
    assert len(record.changes) == 1
    # The empty blocks' 变更日期 and 批准机关 must never reach the field extractor.
    assert record.lines == frozenset(range(len(lines)))


def test_a_page_of_empty_blocks_gives_no_change():
    lines = change_page([], slots=2)
    record = read(lines)
    assert record.changes == ()
    assert record.lines == frozenset(range(len(lines)))


def test_an_empty_block_with_a_pre_printed_date_gives_no_change():
    lines = change_page([MOVE], slots=2)
    empty = [i for i, ln in enumerate(lines) if ln.text.startswith("变更日期")][1]
    (x, y) = lines[empty].quad[0]
    lines += [line(unit, x + (6 + 4 * k) * H, y, h=H) for k, unit in enumerate("年月日")]
    record = read(lines)
    assert [c.value for c in record.changes] == ["重庆市北碚区中医院"]
    assert record.lines == frozenset(range(len(lines)))


def test_changes_come_in_date_order_whatever_the_printed_order():
    lines = change_page([SCOPE, MOVE])
    assert [c.date for c in read(lines).changes] == ["2012-03-05", "2015-09-21"]


def test_a_stacked_picture_keeps_the_spread_above_the_change_page_out():
    # p2 (发证机关 / 发证日期) right above the change page, in the same column.
    above = [
        line("发证机关：重庆市卫生局", 800, 20, h=H),
        line("发证日期：2006年11月23日", 800, 20 + 2 * H, h=H),
    ]
    below = change_page([MOVE], top=200)
    record = read(above + below)
    assert record.lines == frozenset(range(len(above), len(above) + len(below)))


def test_two_change_pages_side_by_side_are_both_read():
    first = change_page([MOVE], x=100)
    second = change_page([SCOPE], x=800)
    record = read(first + second)
    assert [c.item for c in record.changes] == ["执业地点变更", "执业范围变更"]
    assert len(record.lines) == len(first) + len(second)


def test_a_mark_left_of_the_title_on_its_row_does_not_narrow_the_page():
    # The personal page's guilloche band, read as letters on the title's row: the title is still
    # where it is printed, so the page reaches past the values' ends.
    band = line("wwwwwwwww", 520, 100, h=1.5 * H, pitch=0.9 * H)
    record = read([band, *change_page([MOVE, SCOPE])])
    assert [parts(c) for c in record.changes] == [
        ("执业地点变更", "重庆市北碚区中医院", "2012-03-05", "重庆市北碚区卫生局", None),
        ("执业范围变更", "外科专业", "2015-09-21", "重庆市北碚区卫生和计划生育委员会", "110500000123456"),
    ]


def test_change_pages_without_a_title_are_still_found():
    lines = personal_page() + change_page([MOVE], title=False)
    record = read(lines)
    assert [c.value for c in record.changes] == ["重庆市北碚区中医院"]
    assert not any(lines[i].text.startswith("姓名") for i in record.lines)


def test_a_personal_page_right_of_an_untitled_change_page_is_left_alone():
    changes = change_page([MOVE], x=100, title=False)
    lines = changes + personal_page(x=900)
    record = read(lines)
    assert record.lines == frozenset(range(len(changes)))
    assert [c.value for c in record.changes] == ["重庆市北碚区中医院"]


def turned(lines: Sequence[OcrLine], degrees: float) -> list[OcrLine]:
    """The lines of a page photographed turned by `degrees` about the origin."""
    a = math.radians(degrees)

    def at(x: float, y: float) -> tuple[float, float]:
        return (x * math.cos(a) - y * math.sin(a), x * math.sin(a) + y * math.cos(a))

    out = []
    for ln in lines:
        chars = []
        for c in ln.chars:
            x0, y0, x1, y1 = c.box
            cx, cy = at((x0 + x1) / 2, (y0 + y1) / 2)
            chars.append(
                OcrChar(
                    c.text,
                    c.confidence,
                    (cx - (x1 - x0) / 2, cy - (y1 - y0) / 2, cx + (x1 - x0) / 2, cy + (y1 - y0) / 2),
                )
            )
        quad = tuple(at(x, y) for x, y in ln.quad)
        out.append(OcrLine(ln.text, ln.confidence, quad, tuple(chars)))  # type: ignore[arg-type]
    return out


@pytest.mark.parametrize("degrees", [-4.0, 4.0])
def test_a_turned_photo_of_a_spread_is_read_alike(degrees: float):
    left = personal_page()
    lines = turned(left + change_page([MOVE, SCOPE]), degrees)
    record = read(lines)
    assert [c.value for c in record.changes] == ["重庆市北碚区中医院", "外科专业"]
    assert record.lines == frozenset(range(len(left), len(lines)))


def test_a_lone_change_label_is_no_change_page():
    lines = [line("变更日期：2020年1月2日", 100, 100, h=H), line("姓名 张丽", 100, 200, h=H)]
    assert read(lines) == ChangeRecord((), frozenset())


def test_a_label_with_two_characters_misread_is_taken_where_the_block_expects_it():
    lines = change_page([MOVE, SCOPE])
    item = [i for i, ln in enumerate(lines) if ln.text.startswith("变更项目")][1]
    (x, y) = lines[item].quad[0]
    lines[item] = line("变意项日：执业范围变更", x, y, h=H)
    record = read(lines)
    assert [parts(c)[:3] for c in record.changes] == [
        ("执业地点变更", "重庆市北碚区中医院", "2012-03-05"),
        ("执业范围变更", "外科专业", "2015-09-21"),
    ]


def test_an_item_whose_label_was_lost_still_opens_its_block():
    lines = change_page([MOVE, SCOPE])
    item = [i for i, ln in enumerate(lines) if ln.text.startswith("变更项目")][1]
    (x, y) = lines[item].quad[0]
    lines[item] = line("执业范围变更", x + 6 * H, y, h=H)
    record = read(lines)
    assert [parts(c)[:3] for c in record.changes] == [
        ("执业地点变更", "重庆市北碚区中医院", "2012-03-05"),
        ("执业范围变更", "外科专业", "2015-09-21"),
    ]


def test_a_value_written_on_the_item_s_row_is_the_value():
    (change,) = read(
        change_page([{**MOVE, "item": "执业地点变更 重庆市北碚区中医院", "value": None}])
    ).changes
    assert (change.item, change.value, change.review) == ("执业地点变更", "重庆市北碚区中医院", False)


def test_a_misread_item_is_matched_to_the_list_and_reviewed():
    record = read(change_page([{**MOVE, "item": "执业地点变史"}]))
    (change,) = record.changes
    assert change.item == "执业地点变更"
    assert Flag.REPAIRED in change.flags and change.review


def test_an_item_off_the_list_is_kept_as_read_and_reviewed():
    (change,) = read(change_page([{**MOVE, "item": "变更变更"}])).changes
    assert change.item == "变更变更"
    assert change.review


@pytest.mark.parametrize("part", ["item", "value", "date", "authority"])
def test_a_block_with_a_part_missing_is_reviewed(part: str):
    (change,) = read(change_page([{**MOVE, part: None}])).changes
    assert Flag.MISSING in change.flags and change.review


def test_a_long_value_and_authority_wrap_onto_the_next_row():
    lines = [
        line("变更注册记录", 980, 100, h=1.5 * H),
        line("新证书编码：", 800, 175, h=H),
        line("变更项目：主要执业机构变更", 800, 225, h=H),
        line("重庆医科大学附属第一医院金山", 860, 275, h=H),
        line("医院", 860, 275 + 1.3 * H, h=H),
        line("变更日期：2019-10-18", 800, 375, h=H),
        line("批准机关：重庆市渝北区卫生和计划", 800, 425, h=H),
        line("生育委员会", 950, 425 + 1.3 * H, h=H),
    ]
    (change,) = read(lines).changes
    assert change.value == "重庆医科大学附属第一医院金山医院"
    assert change.authority == "重庆市渝北区卫生和计划生育委员会"
    assert not change.review


@pytest.mark.parametrize("drift", [-0.8, 0.0, 0.8])
def test_digits_typed_off_a_pre_printed_date_are_read_with_it(drift: float):
    lines = change_page([{**MOVE, "date": None}])
    row = next(ln.quad[0][1] for ln in lines if ln.text.startswith("变更日期"))
    x = 800 + 6 * H
    for digits, unit in (("2014", "年"), ("08", "月"), ("01", "日")):
        lines.append(line(unit, x + 3 * H, row, h=H))
        lines.append(line(digits, x, row + drift * H, h=H, pitch=0.6 * H))
        x += 5 * H
    (change,) = read(lines).changes
    assert change.date == "2014-08-01"
    assert not change.review


def test_a_seal_remnant_beside_a_value_is_not_part_of_it():
    lines = change_page([MOVE])
    lines.append(line("专用章", 800 + 2 * H + 9 * H + 6 * H, 175 + 2 * PITCH - 4, h=H))
    (change,) = read(lines).changes
    assert change.value == "重庆市北碚区中医院"


def test_a_doubtful_character_marks_the_block():
    lines = change_page([MOVE])
    value = next(i for i, ln in enumerate(lines) if ln.text == MOVE["value"])
    lines[value] = line(str(MOVE["value"]), 860, lines[value].quad[0][1], h=H, low={3: 0.5})
    (change,) = read(lines).changes
    assert Flag.LOW_CONFIDENCE in change.flags and change.confidence == pytest.approx(0.5)


def doubt(lines: list[OcrLine], start: str, position: int) -> list[OcrLine]:
    """The lines with one character of the line beginning `start` read doubtfully (confidence 0.5),
    `position` counted in the line's text."""
    row = next(i for i, ln in enumerate(lines) if ln.text.startswith(start))
    (x, y) = lines[row].quad[0]
    return [*lines[:row], line(lines[row].text, x, y, h=H, low={position: 0.5}), *lines[row + 1 :]]


@pytest.mark.parametrize(
    ("start", "position", "review"),
    [
        # One character of an item read exactly: no other item lies one character away.
        ("变更项目", 5, False),
        # The 2 of 2013 or the 0 of 2013: any other digit gives no plausible date.
        ("变更日期", 5, False),
        ("变更日期", 6, False),
        # The 1 of 2013: 2003 is as plausible a date.
        ("变更日期", 7, True),
        # 执业类别变更 and 执业级别变更 differ in one character: that one is never settled.
        ("变更项目", 7, True),
        # A Chongqing authority of the closed list: no other entry reads 重庆市?碚区卫生局 or
        # 重庆市北碚区?生局 ...
        ("批准机关", 8, False),
        ("批准机关", 11, False),
        # ... but 重庆市江?区卫生局 may be 江北区 or 江津区.
        ("批准机关：重庆市江北区", 9, True),
        # An institution's character: another name may lie there.
        ("中医", 1, True),
    ],
)
def test_a_doubtful_character_is_settled_only_where_nothing_else_can_stand(
    start: str, position: int, review: bool
):
    authority = "重庆市江北区卫生局" if "江北" in start else "重庆市北碚区卫生局"
    block = {**MOVE, "item": "执业类别变更", "value": "中医", "date": "2013-08-21", "authority": authority}
    lines = change_page([block])
    (change,) = read(doubt(lines, start, position)).changes
    assert change.review is review


def test_a_cut_institution_or_authority_is_reviewed():
    (change,) = read(change_page([{**MOVE, "item": "主要执业机构变更", "value": "重庆市北碚区中医"}])).changes
    assert Flag.INCOMPLETE in change.flags
    (change,) = read(change_page([{**MOVE, "authority": "重庆市北碚区卫生"}])).changes
    assert Flag.INCOMPLETE in change.flags


def test_a_new_code_of_the_wrong_length_is_reviewed():
    (change,) = read(change_page([{**SCOPE, "new_code": "11050000012345"}])).changes
    assert Flag.INVALID_FORMAT in change.flags and change.review


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2020年7月15日", "2020-07-15"),
        ("2020年07月05日", "2020-07-05"),
        ("2020.07.15", "2020-07-15"),
        ("2020-07-15", "2020-07-15"),
    ],
)
def test_change_dates_in_every_printed_form(text: str, value: str):
    assert parse_change_date(text, TODAY) == (value, ())


@pytest.mark.parametrize(
    ("text", "value", "flag"),
    [
        # The last digit or 日 lost under the seal: the day may be wrong.
        ("2015-11-1", "2015-11-01", Flag.REPAIRED),
        ("2015年11月1", "2015-11-01", Flag.REPAIRED),
        ("2015.1l.14", "2015-11-14", Flag.REPAIRED),
        # Separators read as spaces or lost (handwriting under a seal), a 0 read as Q.
        ("2023 Q2 25", "2023-02-25", Flag.REPAIRED),
        ("2023 02 25", "2023-02-25", Flag.REPAIRED),
        ("20230225", "2023-02-25", Flag.REPAIRED),
        ("201年10月31日", None, Flag.INVALID_FORMAT),
        ("2019 13 25", None, Flag.INVALID_DATE),
        ("2015-02-30", None, Flag.INVALID_DATE),
        ("2027-01-03", "2027-01-03", Flag.IMPLAUSIBLE),
        ("1987-01-03", "1987-01-03", Flag.IMPLAUSIBLE),
        ("二〇一五年", None, Flag.INVALID_FORMAT),
    ],
)
def test_doubtful_change_dates_are_flagged(text: str, value: str | None, flag: Flag):
    parsed, flags = parse_change_date(text, TODAY)
    assert parsed == value
    assert flag in flags


def test_a_clean_record_needs_no_second_look():
    assert change_probes(change_page([MOVE, SCOPE]), THRESHOLD, TODAY) == []


def test_a_date_cut_short_is_looked_at_again_from_its_label_to_past_its_end():
    lines = change_page([{**MOVE, "date": "2015-11-1"}])
    (probe,) = change_probes(lines, THRESHOLD, TODAY)
    row = next(i for i, ln in enumerate(lines) if ln.text.startswith("变更日期"))
    assert probe.part is Part.DATE and probe.lines == (row,)
    (x0, y0), (x1, _), _, (_, y3) = probe.quad
    (lx0, ly0), (lx1, _), _, (_, ly3) = lines[row].quad
    assert x0 <= lx0 and x1 >= lx1 + 3 * H  # room for the digits the seal hid
    assert y0 < ly0 and y3 > ly3


def test_a_value_read_doubtfully_is_looked_at_again_on_its_own_row():
    lines = change_page([MOVE])
    row = next(i for i, ln in enumerate(lines) if ln.text == MOVE["value"])
    lines[row] = line(str(MOVE["value"]), 860, lines[row].quad[0][1], h=H, low={2: 0.4})
    (probe,) = change_probes(lines, THRESHOLD, TODAY)
    assert probe.part is Part.VALUE and probe.lines == (row,)


def looked_again(lines: list[OcrLine], text: str, conf: float = 0.999) -> list[OcrLine]:
    """The lines after a second look that reads every probe's row as `text` (a second OCR reading,
    written by hand), placed where the probe's row starts."""

    def look(probe) -> list[OcrLine]:
        (x0, y0) = probe.quad[0]
        return [line(text, x0, y0 + 0.25 * H, h=H, conf=conf)]

    return second_look(lines, look, THRESHOLD, TODAY)


def test_a_second_look_reads_the_date_the_seal_cut_short():
    lines = change_page([{**MOVE, "date": "2015-11-1"}])
    (change,) = read(looked_again(lines, "变更日期：2015-11-14")).changes
    assert change.date == "2015-11-14" and not change.review


def test_a_second_look_that_contradicts_a_sure_reading_leaves_the_block_reviewed():
    lines = change_page([{**MOVE, "date": "2015-11-1"}])
    (change,) = read(looked_again(lines, "变更日期：2015-12-14")).changes
    assert change.review


def test_a_second_look_whose_scope_only_one_official_scope_fits_is_kept():
    # 妇产科专业 read 如户科专业 (two characters in doubt, no scope at all); read again 妇户科专业,
    # as many doubts, but only 妇产科专业 fits it: kept, filled, and still reviewed.
    scope = {**SCOPE, "value": "妇产科专业"}
    lines = change_page([scope])
    row = next(i for i, ln in enumerate(lines) if ln.text == scope["value"])
    x, y = lines[row].quad[0]
    lines[row] = line("如户科专业", x, y, h=H, low={0: 0.5, 1: 0.5})
    before = read(lines).changes[0]
    assert before.value == "如户科专业" and Flag.NOT_IN_VOCABULARY in before.flags

    def look(probe) -> list[OcrLine]:
        (x0, y0) = probe.quad[0]
        return [line("妇户科专业", x0 + 2 * H, y0 + 0.25 * H, h=H, low={1: 0.5})]

    (change,) = read(second_look(lines, look, THRESHOLD, TODAY)).changes
    assert change.value == "妇产科专业" and change.review and Flag.REPAIRED in change.flags


def test_of_several_second_readings_the_one_leaving_the_fewest_doubts_is_kept():
    # The row read in several views (colour with the seal filtered out, the red channel alone):
    # a view no better than the first reading changes nothing, the one that reads the day whole
    # is kept, whichever comes first.
    lines = change_page([{**MOVE, "date": "2015-11-1"}])

    def look(probe) -> list[OcrLine]:
        (x0, y0) = probe.quad[0]
        return [
            line(text, x0, y0 + 0.25 * H, h=H, conf=0.999)
            for text in ("变更日期：2015-11-1", "变更日期：2015-11-14", "变更日期：2015-11-1-")
        ]

    (change,) = read(second_look(lines, look, THRESHOLD, TODAY)).changes
    assert change.date == "2015-11-14" and not change.review
    # No view at all (nothing recognised): the lines stay as they were.
    assert second_look(lines, lambda probe: [], THRESHOLD, TODAY) == lines


def test_a_second_look_that_loses_the_label_is_not_kept():
    lines = change_page([{**MOVE, "date": "2015-11-1"}])
    assert looked_again(lines, "2015-11-14") == lines


# ---------------------------------------------------------------- normalization


@pytest.fixture(scope="module")
def matcher() -> InstitutionMatcher:
    return InstitutionMatcher()


def test_an_institution_change_is_put_onto_its_official_name(matcher: InstitutionMatcher):
    official = next(i.name for i in matcher.institutions if i.aliases)
    alias = next(a for i in matcher.institutions if i.name == official for a in i.aliases)
    change = Change("主要执业机构变更", alias, "2020-01-02", "重庆市卫生健康委员会", confidence=0.99)
    (out,) = normalized_changes([change], matcher)
    assert out.value == official
    assert out.flags == (Flag.NORMALIZED,) and not out.review


def test_values_from_other_provinces_are_kept_as_printed(matcher: InstitutionMatcher):
    moved = Change(
        "执业地点变更", "北京协和医院", "2020-01-02", "北京市东城区卫生健康委员会", confidence=0.99
    )
    province = Change("执业地点变更", "四川省", "2021-01-02", "四川省卫生健康委员会", confidence=0.99)
    back = Change("执业地点变更", "重庆市", "2022-01-02", "重庆市卫生健康委员会", confidence=0.99)
    out = normalized_changes([moved, province, back], matcher)
    # A place is no institution: never forced onto a gazetteer name, nor reviewed for that.
    assert [(c.value, c.authority, c.review) for c in out] == [
        ("北京协和医院", "北京市东城区卫生健康委员会", False),
        ("四川省", "四川省卫生健康委员会", False),
        ("重庆市", "重庆市卫生健康委员会", False),
    ]


def test_a_change_authority_is_held_to_the_closed_list(matcher: InstitutionMatcher):
    change = Change("执业范围变更", "内科专业", "2020-01-02", "重庆市渝北区卫生健委员会", confidence=0.99)
    (out,) = normalized_changes([change], matcher)
    assert out.authority == "重庆市渝北区卫生健康委员会"
    assert Flag.REPAIRED in out.flags and out.review


# ---------------------------------------------------------------- recorded OCR of generated booklets

RECORDED_DIR = Path(__file__).parent / "data" / "changes"
RECORDED = sorted(RECORDED_DIR.glob("*.json"))


def load(path: Path) -> tuple[list[OcrLine], dict]:
    data = json.loads(path.read_text("utf-8"))
    return [OcrLine.from_json(item) for item in data["lines"]], data


@pytest.mark.parametrize("path", RECORDED, ids=[p.stem for p in RECORDED])
def test_recorded_booklet_blocks_are_read_or_marked(path: Path):
    lines, data = load(path)
    record = read_change_record(lines, THRESHOLD, dt.date.fromisoformat(data["today"]))
    truth = sorted(data["changes"], key=lambda c: c["date"])
    assert len(record.changes) == len(truth)
    for change, expected in zip(record.changes, truth, strict=True):
        got = (change.item, change.value, change.date)
        if got != (expected["item"], expected["value"], expected["date"]):
            assert change.review, f"read {got}, truth {expected}"
    right = sum(
        (c.item, c.value, c.date) == (t["item"], t["value"], t["date"])
        for c, t in zip(record.changes, truth, strict=True)
    )
    assert right >= data["right"]
    taken = texts(lines, record.lines)
    for text in data["taken"]:
        assert text in taken, f"{text!r} left to the field extractor"
    for text in data["kept"]:
        assert text not in taken, f"{text!r} of the personal page taken"


def test_a_new_code_built_into_the_row_above_its_label_is_the_block_s_new_code():
    lines, data = load(RECORDED_DIR / "hard_old_stacked_new_code_above_its_label.json")
    record = read_change_record(lines, THRESHOLD, dt.date.fromisoformat(data["today"]))
    assert [c.new_code for c in record.changes] == [c["new_code"] for c in data["changes"]]
    assert record.changes[-1].new_code == "389200272987943"


def test_recordings_cover_both_layouts_spreads_and_stacked_pictures():
    sources = [json.loads(p.read_text("utf-8"))["source"] for p in RECORDED]
    assert {s["kind"] for s in sources} == {"old_booklet", "current_booklet"}
    assert {s["view"] for s in sources} >= {"spread", "stacked", "page"}


# ---------------------------------------------------------------- one picture read end to end


@pytest.mark.slow
def test_a_scanned_old_booklet_spread_is_read_end_to_end(
    tmp_path: Path, scanner, matcher: InstitutionMatcher
):
    """p3 beside p4 with two blocks, each with a 新证书编码, read by real OCR from a generated scan."""
    from scanner.deskew.geometry import crop_quad, line_to_image
    from scanner.load import load_image
    from scanner.pipeline import suppress_red
    from scanner.synth import generate_documents

    (truth_path,) = generate_documents(tmp_path, count=1, seed=17, modes=("scan",), kinds=("old_booklet",))
    truth = json.loads(truth_path.read_text("utf-8"))
    assert truth["pages"] == ["p3", "p4"] and len(truth["changes"]) == 2
    image = load_image(tmp_path / truth["file"], scanner.config.max_pixels).image
    reading = scanner.read(image)
    red = suppress_red(reading.flat)

    def look(probe) -> list[OcrLine]:
        seen = scanner.engine.recognize(crop_quad(red, probe.quad))
        return [] if seen is None else [line_to_image(seen, probe.quad)]

    # Rows read doubtfully are read again from the page, as the pipeline does.
    lines = second_look(reading.flat_lines, look, scanner.config.review_threshold, TODAY)
    record = read_change_record(lines, scanner.config.review_threshold, TODAY)
    changes = normalized_changes(record.changes, matcher)
    expected = sorted(truth["changes"], key=lambda c: c["date"])
    assert [c.date for c in changes] == [c["date"] for c in expected]
    for change, want in zip(changes, expected, strict=True):
        assert change.item == want["item"]
        assert change.new_code == want["new_code"] or change.review
        assert matcher.same_institution(str(change.value), want["value"]) or change.review
    taken = " ".join(lines[i].text for i in record.lines)
    assert "变更日期" in taken and "批准机关" in taken
    # p3, beside the change page, stays with the field extractor.
    assert not any(label in taken for label in ("姓", "出生日期", "身份证号", "执业类别"))


# ---------------------------------------------------------------- doubtful values filled from their list

NAMES = InstitutionMatcher().printed_names().keys()


def test_a_value_read_in_doubt_is_filled_from_the_one_name_that_fits_and_stays_reviewed():
    # A photo of a stacked booklet: 医院 under the seal read 多供, both characters in doubt.
    block = {**MOVE, "item": "主要执业机构变更", "value": "重庆大学附属肿瘤多供"}
    lines = change_page([block])
    row = next(i for i, ln in enumerate(lines) if ln.text == block["value"])
    lines[row] = line(block["value"], *lines[row].quad[0], h=H, low={8: 0.5, 9: 0.4})
    (change,) = read_change_record(lines, THRESHOLD, TODAY, NAMES).changes
    assert change.value == "重庆大学附属肿瘤医院"
    assert change.review and Flag.REPAIRED in change.flags and Flag.LOW_CONFIDENCE in change.flags
    # Without the gazetteer's names the value stays as read.
    (kept,) = read(lines).changes
    assert kept.value == "重庆大学附属肿瘤多供" and kept.review


def test_a_scope_read_in_doubt_is_filled_from_the_official_scopes():
    lines = doubt(change_page([{**SCOPE, "value": "妇户科专业"}]), "妇户科", 1)
    (change,) = read_change_record(lines, THRESHOLD, TODAY, NAMES).changes
    assert change.value == "妇产科专业" and change.review


@pytest.mark.parametrize(
    ("text", "doubtful", "filled"),
    [
        ("重庆医科大学时国儿童医院", [6, 7], "重庆医科大学附属儿童医院"),
        # 第一 and 第二 fit alike: the doubt stays.
        ("重庆医科大学附属第五医院", [9], None),
        # A name of the list read in doubt is never turned into another.
        ("重庆医科大学附属第一医院", [9], None),
        # A difference where the recognizer was sure is no misreading to fill.
        ("重庆医科大学时国儿童医院", [6], None),
        # Too much in doubt for the sure characters to tell.
        ("重庆医科大学时国儿董区陀", [6, 7, 9, 10, 11], None),
    ],
)
def test_only_one_name_differing_in_doubtful_characters_fills_a_value(text, doubtful, filled):
    assert filled_value(text, doubtful, NAMES) == filled


@pytest.mark.parametrize(
    ("text", "doubtful", "filled"),
    [
        # 区中 lost under the seal, 巴 in doubt: 东南医院 is one character away, but the reading
        # names the district 巴南, and 重庆市东南医院 is another hospital in another district.
        ("重庆市巴南医院", [1, 2, 3, 5], None),
        # A doubtful character outside the district named is filled from that district's names.
        ("重庆市黔江区妇幼保键院", [9], "重庆市黔江区妇幼保健院"),
        # A reading that names no district (its own misread) may be filled into one.
        ("重庆市黔汀区中医院", [4], "重庆市黔江区中医院"),
    ],
)
def test_a_value_naming_a_district_is_filled_from_that_districts_names_only(text, doubtful, filled):
    assert filled_value(text, doubtful, value_words("执业地点变更", NAMES, text)) == filled


def test_a_change_dated_before_the_certificate_was_issued_is_implausible():
    (change,) = read(change_page([SCOPE])).changes  # 2015-09-21
    assert not change.review
    (before,) = dated_after_issue([change], "2016-03-01")
    assert Flag.IMPLAUSIBLE in before.flags and before.review
    assert dated_after_issue([change], "2015-09-21") == (change,)
    assert dated_after_issue([change], None) == (change,)


def test_a_booklet_whose_change_predates_its_issue_date_has_that_change_reviewed(scanner):
    lines = [
        line("发证机关：重庆市北碚区卫生健康委员会", 100, 100, h=H),
        line("发证日期：2016年03月01日", 100, 160, h=H),
        *change_page([SCOPE, {**MOVE, "date": "2019年3月5日"}]),
    ]
    record = scanner.record_from_lines(lines, "booklet.jpg")
    assert record.fields[FieldKey.ISSUE_DATE].value == "2016-03-01"
    early, late = record.changes
    assert early.date == "2015-09-21" and Flag.IMPLAUSIBLE in early.flags and early.review
    assert late.date == "2019-03-05" and Flag.IMPLAUSIBLE not in late.flags


def test_the_zhuang_label_under_a_bilingual_booklet_s_item_is_no_part_of_the_value():
    # Hanghmoeg bienq (变更项目 in Zhuang) sits under the label, between the item and its value.
    lines = change_page([{**MOVE, "value": "西南大学医院"}])
    item = next(ln for ln in lines if ln.text.startswith("变更项目"))
    x, y = item.quad[0]
    lines.append(line("Hanghmoeg bienq", x, y + 0.55 * PITCH, h=0.5 * H, pitch=0.3 * H))
    (change,) = read(lines).changes
    assert change.value == "西南大学医院"
    # Latin letters inside a value are kept as read.
    inside = change_page([{**MOVE, "value": "重庆ABC医院"}])
    (kept,) = read(inside).changes
    assert kept.value == "重庆ABC医院"


def test_a_uyghur_label_word_read_as_digits_and_marks_is_no_part_of_the_value_below_it():
    # The Uyghur under 变更项目, read by the recognizer as 130<5132533, on a row of its own between
    # the item and its value (one seed's photo put it into the value and into `current`).
    lines = change_page([{**MOVE, "value": "重庆三峡中心医院"}])
    item = next(ln for ln in lines if ln.text.startswith("变更项目"))
    x, y = item.quad[0]
    lines.append(line("130<5132533", x, y + 0.55 * PITCH, h=0.5 * H, pitch=0.3 * H, conf=0.5))
    (change,) = read(lines).changes
    assert change.value == "重庆三峡中心医院"


def test_a_zhuang_label_read_into_the_value_s_line_is_no_part_of_it_nor_the_space_read_as_a_comma():
    # Hanghmoeg bienq read on the value's own row, the space between its words read as a comma.
    lines = change_page([{**MOVE, "value": "重庆医科大学附属大学城医院"}])
    value = next(ln for ln in lines if ln.text.startswith("重庆医科"))
    x, y = value.quad[0]
    lines.append(line("Hanghmoeg,bienq", x - 15 * 0.4 * H, y, h=H, pitch=0.4 * H))
    (change,) = read(lines).changes
    assert change.value == "重庆医科大学附属大学城医院"


def test_official_scopes_of_a_change_whose_separator_was_lost_are_given_with_it():
    (change,) = read(change_page([{**SCOPE, "value": "内科专业预防保健专业"}])).changes
    assert change.value == "内科专业、预防保健专业" and Flag.NOT_IN_VOCABULARY not in change.flags
    # A scope printed without its 专业 stays as printed; one that is no list of scopes is flagged.
    (short,) = read(change_page([{**SCOPE, "value": "内科"}])).changes
    assert short.value == "内科"
    (broken,) = read(change_page([{**SCOPE, "value": "内科专业预防"}])).changes
    assert broken.value == "内科专业预防" and Flag.NOT_IN_VOCABULARY in broken.flags


def test_an_empty_block_holding_only_its_labels_zhuang_is_no_change():
    # Under 变更项目 and 批准机关 of an empty slot, their Zhuang (read surely): no value, no authority.
    lines = change_page([MOVE], slots=2)
    for label, zhuang in (("变更项目：", "Hanghmoeg bienq"), ("批准机关：", "Gihgvanh baezcinj")):
        x, y = [ln for ln in lines if ln.text == label][-1].quad[0]
        lines.append(line(zhuang, x, y + 0.55 * PITCH, h=0.5 * H, pitch=0.3 * H))
    (change,) = read(lines).changes
    assert parts(change)[:3] == (MOVE["item"], MOVE["value"], "2012-03-05")
    # Beside a Chinese authority, the same words are cut off it.
    lines = change_page([{**MOVE, "authority": "重庆市卫生局"}], slots=1)
    x, y = next(ln for ln in lines if ln.text.startswith("批准机关")).quad[0]
    lines.append(line("Gihgvanh baezcinj", x, y + 0.55 * PITCH, h=0.5 * H, pitch=0.3 * H))
    (change,) = read(lines).changes
    assert change.authority == "重庆市卫生局"


def test_the_label_words_of_an_empty_block_on_a_bilingual_booklet_are_no_change():
    # Uyghur under each label of the empty slots, made by the recognizer into stray doubtful digits.
    lines = change_page([MOVE], slots=3)
    for label in [ln for ln in lines if ln.text.startswith("变更日期：") and ln.text == "变更日期："]:
        x, y = label.quad[0]
        lines.append(line("1955", x, y + 0.6 * PITCH, h=0.5 * H, low={0: 0.5, 1: 0.5, 2: 0.4, 3: 0.5}))
    (change,) = read(lines).changes
    assert parts(change)[:3] == (MOVE["item"], MOVE["value"], "2012-03-05")
    # Read surely, the same digits are kept in a block of their own, to be reviewed.
    sure = change_page([MOVE], slots=2)
    x, y = next(ln for ln in sure if ln.text == "变更日期：").quad[0]
    sure.append(line("1955", x, y + 0.6 * PITCH, h=0.5 * H))
    assert len(read(sure).changes) == 2
