"""On the review desk, a change block of the 变更注册记录 is corrected like a field (confirmed, audited,
checked again, `current` following it), and several shots of one certificate are read as one item."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
from test_registry import zhang
from test_review_official import audit_lines, booklet_doctor, desk_with, record_of
from test_verify import reading

from scanner.fields import FieldKey, FieldResult, Flag
from scanner.review.desk import ReviewDesk
from scanner.review.session import ChangePart, ReviewRefused
from scanner.synth import generate

TODAY = dt.date(2026, 12, 6)


def test_correcting_a_change_moves_the_current_registration_and_is_audited(tmp_path):
    doctor = booklet_doctor("old_booklet", "执业地点变更")
    record = record_of(doctor, doubtful_changes=True)
    newest = len(record.changes) - 1
    read_value = record.changes[newest].value
    desk = desk_with(tmp_path, [record])
    [item] = desk.items()
    assert record.changes[newest].review
    item = desk.correct_change(item.id, newest, ChangePart.VALUE, "重庆市人民医院", "陈审核")
    record = item.reviewed.record
    block = record.changes[newest]
    assert block.value == "重庆市人民医院" and record.current is not None
    assert record.current.value(FieldKey.INSTITUTION) == "重庆市人民医院"
    # One part corrected says nothing of the others: the block stays marked until all are seen.
    assert block.review and not block.confirmed
    for part in ChangePart:
        if part is not ChangePart.VALUE:
            item = desk.correct_change(item.id, newest, part, getattr(block, str(part)), "陈审核")
    block = item.reviewed.record.changes[newest]
    assert block.confirmed and not block.review and Flag.LOW_CONFIDENCE in block.flags

    entries = audit_lines(desk)
    assert len(entries) == len(ChangePart) and "field" not in entries[0]
    assert {"change": newest, "part": "value", "read": read_value, "corrected": "重庆市人民医院"}.items() <= (
        entries[0].items()
    )
    assert entries[0]["action"] == "corrected" and entries[1]["action"] == "confirmed"
    assert all(e["reviewer"] == "陈审核" for e in entries)
    # The reviewed row keeps the block as read; a new session restores the correction.
    [row] = [json.loads(line) for line in desk.out.read_text("utf-8").splitlines()]
    assert row["changes"][newest]["value"] == "重庆市人民医院" and row["changes"][newest]["confirmed"]
    assert row["review"]["original_changes"][str(newest)]["value"] == read_value
    assert row["current"]["institution"] == "重庆市人民医院"
    assert "变更注册记录" in desk.export_csv().splitlines()[1]
    desk.close()
    again = ReviewDesk(desk.out, today=TODAY)
    [restored] = again.items()
    assert restored.reviewed.record.changes[newest].confirmed
    assert restored.reviewed.read_change(newest).value == read_value
    again.close()


def test_a_corrected_change_is_checked_again(tmp_path):
    doctor = booklet_doctor("current", "执业")
    desk = desk_with(tmp_path, [record_of(doctor)])
    [item] = desk.items()
    item = desk.correct_change(item.id, 0, ChangePart.DATE, "2027年1月5日", "陈审核")
    block = item.reviewed.record.changes[0]
    assert block.date == "2027-01-05" and Flag.INVALID_DATE in block.flags  # after today
    item = desk.correct_change(item.id, 0, ChangePart.DATE, "2020/3/9", "陈审核")
    assert item.reviewed.record.changes[0].date == "2020-03-09"
    assert Flag.INVALID_DATE not in item.reviewed.record.changes[0].flags
    item = desk.correct_change(item.id, 0, ChangePart.NEW_CODE, "1105 0001 2345", "陈审核")
    assert item.reviewed.record.changes[0].new_code == "110500012345"
    assert Flag.INVALID_FORMAT in item.reviewed.record.changes[0].flags
    item = desk.correct_change(item.id, 0, ChangePart.NEW_CODE, "", "陈审核")
    assert item.reviewed.record.changes[0].new_code is None
    assert Flag.INVALID_FORMAT not in item.reviewed.record.changes[0].flags
    with pytest.raises(IndexError):
        desk.correct_change(item.id, len(doctor.changes), ChangePart.DATE, "2020-01-01", "陈审核")
    desk.close()


def shot(name_field: FieldResult | None = None, file: str = "shot.jpg", **values: str):
    record = reading(zhang(**values))
    if name_field is not None:
        record = replace(record, fields={**record.fields, FieldKey.NAME: name_field})
    return replace(record, file=file)


def test_shots_of_one_certificate_are_read_as_one_item_that_says_which_shots_agreed(tmp_path):
    # Glare moved between shots: the first read the name unsurely, the others surely.
    glare = FieldResult("张二", "张二", 0.42, (Flag.LOW_CONFIDENCE, Flag.GLARE))
    shots = [shot(glare, "a.jpg"), shot(file="b.jpg"), shot(file="c.jpg")]
    other = shot(file="d.jpg", name="李四", certificate_code="110500098765432", id_number="")
    desk = desk_with(tmp_path, [*shots, other])
    ids = [i.id for i in desk.items() if i.reviewed.record.file != "d.jpg"]
    assert [desk.get(i).reviewed.record.file for i in ids] == ["a.jpg", "b.jpg", "c.jpg"]
    other_id = next(i.id for i in desk.items() if i.reviewed.record.file == "d.jpg")
    # Rows of a results file are no shots taken at the wall: no "same certificate?" question.
    assert desk.same_certificate_hint(ids[1]) is None
    merged = desk.merge_items(ids, "陈审核")
    record = merged.reviewed.record
    assert record.file == "a.jpg+b.jpg+c.jpg" and merged.shots == tuple(ids)
    assert record.fields[FieldKey.CERTIFICATE_CODE].shots == (0, 1, 2)
    assert record.value(FieldKey.CERTIFICATE_CODE) == zhang()["certificate_code"]
    # The shots leave the list; the merged item and the other doctor stay.
    assert {i.id for i in desk.items()} == {merged.id, other_id}
    entry = audit_lines(desk)[-1]
    assert entry["action"] == "merged" and entry["reviewer"] == "陈审核"
    assert [s["file"] for s in entry["detail"]["shots"]] == ["a.jpg", "b.jpg", "c.jpg"]
    rows = [json.loads(line) for line in desk.out.read_text("utf-8").splitlines()]
    assert [r["file"] for r in rows] == ["d.jpg", "a.jpg+b.jpg+c.jpg"]
    desk.close()


def test_shots_of_different_certificates_are_not_merged(tmp_path):
    desk = desk_with(
        tmp_path, [shot(file="a.jpg"), shot(file="b.jpg", name="李四", certificate_code="110500098765432")]
    )
    ids = [i.id for i in desk.items()]
    with pytest.raises(ReviewRefused) as refused:
        desk.merge_items(ids, "陈审核")
    assert refused.value.text("zh") == "这些照片拍的是不同的证书，不能合并识别"
    with pytest.raises(ReviewRefused):
        desk.merge_items(ids[:1], "陈审核")
    assert len(desk.items()) == 2 and not desk.audit_file.exists()
    desk.close()


@pytest.mark.slow
def test_a_new_shot_is_offered_as_the_same_certificate_only_when_it_may_be(tmp_path, scanner):
    generate(tmp_path, count=2, seed=7, modes=("scan", "photo"))
    truth = json.loads((tmp_path / "0000_scan.json").read_text("utf-8"))
    pictures = {p.name: p for p in tmp_path.glob("*.jpg")}
    desk = ReviewDesk(tmp_path / "out" / "reviewed.jsonl", today=TODAY, scanner=lambda: scanner)
    [a_scan] = desk.add_image(pictures["0000_scan.jpg"])
    [b_scan] = desk.add_image(pictures["0001_scan.jpg"])
    [a_photo] = desk.add_image(pictures["0000_photo.jpg"])
    # The photo shows the first certificate again: offered, past the other doctor's scan between.
    assert desk.same_certificate_hint(a_photo.id) == a_scan.id
    assert desk.same_certificate_hint(b_scan.id) is None  # another doctor
    assert desk.same_certificate_hint(a_photo.id, within=0.0) is None  # too long ago
    merged = desk.merge_items([a_scan.id, a_photo.id], "陈审核")
    record = merged.reviewed.record
    assert record.value(FieldKey.NAME) == truth["fields"]["name"]
    assert record.fields[FieldKey.NAME].shots == (0, 1)
    # The merged item keeps both shots' pictures; the list holds it and the other doctor.
    assert desk.image(merged.id) == desk.image(a_scan.id) is not None and desk.image(a_photo.id) is not None
    assert {i.id for i in desk.items()} == {merged.id, b_scan.id}
    assert desk.same_certificate_hint(merged.id) is None  # read as one already, not a new shot
    # Its evidence sheet shows every shot.
    desk.record_official(merged.id, False, {}, "李核验")
    page = desk.evidence_html(merged.id, "zh")
    assert page.count("<img") == 2 and "合并多张照片识别" in page
    desk.close()
