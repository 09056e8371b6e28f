"""Summaries of booklets for people: the document and layout named, each change block listed with
its date, item, value and 批准机关, the registration it leads to, and the fields a layout does not
print left out rather than reported missing. Records are built from generated doctors."""

from __future__ import annotations

from dataclasses import replace

from test_verify_booklets import doctors, record_of, sure

from scanner.fields import Document, FieldKey, Flag
from scanner.report import document_text, summary


def old_booklet():
    return record_of(doctors("old_booklet", 1, 19)[0])


def current_booklet():
    return record_of(doctors("current", 1, 20)[0])


def test_an_old_booklet_summary_names_the_layout_lists_the_changes_and_the_current_registration():
    record = old_booklet()
    text = summary(record)
    lines = text.splitlines()
    assert lines[1].split() == ["证件", "医师执业证书（旧版卫生部证书本）"]
    # The old booklet prints no 主要执业机构 (its 执业地点 names the institution): no row, no review.
    assert not any(line.strip().startswith("主要执业机构") for line in lines)
    assert "需人工复核" not in text
    assert any(
        line.split()[:2] == ["医师资格证书编码", record.value(FieldKey.QUALIFICATION_CODE)] for line in lines
    )
    assert "  变更注册记录：" in lines
    for number, change in enumerate(record.changes, 1):
        shown = f"{number}. {change.date}  {change.item}：{change.value}（批准机关：{change.authority}"
        assert any(line.strip().startswith(shown) for line in lines), shown
    current = record.current
    assert current is not None and current.from_change is not None
    [now] = [line for line in lines if line.strip().startswith("当前注册：")]
    assert f"主要执业机构 {current.value(FieldKey.INSTITUTION)}；" in now
    assert now.endswith(f"（据第{current.from_change + 1}条变更）")
    # The ID number and birth date stay masked; change dates are no personal data.
    id_number, birth = record.value(FieldKey.ID_NUMBER), record.value(FieldKey.BIRTH_DATE)
    assert id_number and birth and id_number not in text and birth not in text
    english = summary(record, "en")
    assert "physician practising certificate, old Ministry of Health booklet" in english
    assert "Change record (变更注册记录):" in english and "Registered now: Main institution" in english


def test_todays_layout_shows_no_qualification_code_it_does_not_print():
    record = current_booklet()
    assert record.fields[FieldKey.QUALIFICATION_CODE].flags == (Flag.MISSING,)
    text = summary(record)
    assert "医师资格证书编码" not in text and "需人工复核" not in text
    assert text.splitlines()[1].split() == ["证件", "医师执业证书（现行版式）"]
    assert any(line.strip().startswith("主要执业机构") for line in text.splitlines())


def test_a_change_block_read_unsurely_is_marked_and_listed_for_review():
    record = current_booklet()
    changes = (record.changes[0].with_flags(Flag.LOW_CONFIDENCE), *record.changes[1:])
    text = summary(replace(record, changes=changes))
    [line] = [x for x in text.splitlines() if x.strip().startswith("1. ")]
    assert line.endswith("⚠ 识别把握不足")
    assert "  需人工复核：变更注册记录第1条" in text.splitlines()
    assert "全部字段识别可靠" not in text


def test_another_document_is_named_and_only_what_it_holds_is_listed():
    base = current_booklet()
    fields = {k: sure(None) for k in base.fields}
    fields[FieldKey.NAME] = sure(base.value(FieldKey.NAME))
    fields[FieldKey.QUALIFICATION_CODE] = sure("2".ljust(27, "0"))
    offered = replace(
        base, fields=fields, checks=(), document=Document.QUALIFICATION, layout=None, changes=()
    )
    text = summary(offered)
    assert document_text(offered) in text.splitlines()[1]
    assert "不证明已注册执业" in text
    listed = [line.split()[0] for line in text.splitlines()[2:-1]]
    assert listed == ["姓名", "医师资格证书编码"]
    assert "not a practising certificate" in summary(offered, "en")
    assert "当前注册" not in text and "变更注册记录" not in text
