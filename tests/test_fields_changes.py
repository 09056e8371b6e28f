"""The registration a booklet shows today: changes applied in the order they were made."""

from __future__ import annotations

from scanner.fields import (
    CertificateLayout,
    Change,
    FieldKey,
    FieldResult,
    chronological,
    current_registration,
)

PRINTED = {
    FieldKey.PRACTICE_PLACE: FieldResult("重庆市南岸区中医院", "重庆市南岸区中医院", 0.99),
    FieldKey.SCOPE: FieldResult("口腔专业", "口腔专业", 0.99),
}


def move(value: str, date: str | None) -> Change:
    return Change("执业地点变更", value, date, "重庆市渝中区卫生健康委员会", None, 0.99)


def test_dated_blocks_apply_in_date_order_whatever_their_place():
    changes = [move("重庆红岭医院", "2023-02-25"), move("重庆市永川区中医院", "2019-02-17")]
    assert chronological(changes) == [1, 0]
    current = current_registration(PRINTED, changes, CertificateLayout.OLD_BOOKLET)
    assert current.value(FieldKey.INSTITUTION) == "重庆红岭医院" and current.from_change == 0


def test_a_block_whose_date_was_not_read_keeps_its_printed_place():
    # The second block's date was lost under its seal: the third, printed last, is still the newest.
    changes = [
        move("重庆市南岸区中医院", "2014-09-26"),
        move("重庆市永川区中医院", None),
        move("重庆红岭医院", "2023-02-25"),
    ]
    assert chronological(changes) == [0, 1, 2]
    current = current_registration(PRINTED, changes, CertificateLayout.OLD_BOOKLET)
    assert current.value(FieldKey.INSTITUTION) == "重庆红岭医院" and current.from_change == 2
    assert current.value(FieldKey.PRACTICE_PLACE) == "重庆红岭医院"
    assert current.value(FieldKey.SCOPE) == "口腔专业"


def test_on_the_current_layout_a_move_of_place_is_not_a_move_of_institution():
    printed = {**PRINTED, FieldKey.INSTITUTION: FieldResult("重庆市人民医院", "重庆市人民医院", 0.99)}
    changes = [Change("执业地点变更", "四川省", "2021-01-05", "四川省卫生健康委员会", None, 0.99)]
    current = current_registration(printed, changes, CertificateLayout.CURRENT)
    assert current.value(FieldKey.PRACTICE_PLACE) == "四川省"
    assert current.value(FieldKey.INSTITUTION) == "重庆市人民医院"
