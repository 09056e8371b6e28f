"""The review step's logic on hand-made readings: corrections keep the OCR reading, every action is
audited, checks re-run on what a reviewer types, and a reviewed row verifies as it is."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from test_registry import ZHANG_ID, write_csv, zhang
from test_verify import reading

from scanner.fields import CertificateRecord, FieldKey, Flag
from scanner.normalize import InstitutionMatcher
from scanner.registry.importer import import_csv
from scanner.registry.sqlite import SqliteRegistry
from scanner.review import Action, ReviewedRecord, ready_for_lookup, tidy
from scanner.review.session import reasons
from scanner.verify import Verdict, Verifier

TODAY = dt.date(2026, 11, 27)
AT = "2026-11-27T09:30:00+00:00"


def misread_id() -> ReviewedRecord:
    """张三's certificate with the ID number's 15th digit read as 8, with low confidence."""
    wrong = ZHANG_ID[:14] + "8" + ZHANG_ID[15:]
    record = reading(zhang(), doubtful=("id_number",), id_number=wrong)
    return ReviewedRecord.from_row(record.to_json(), TODAY)


def test_a_misread_id_number_needs_review_with_its_reasons():
    reviewed = misread_id()
    assert reviewed.pending == (FieldKey.ID_NUMBER,)
    why = reasons(reviewed.record, FieldKey.ID_NUMBER, "zh")
    assert why[0] == "识别把握不足（0.61）"
    assert any(w.startswith("身份证校验码（校验码为") for w in why)
    assert "check digit" in " ".join(reasons(reviewed.record, FieldKey.ID_NUMBER, "en"))


def test_a_correction_keeps_the_ocr_reading_and_is_audited():
    before = misread_id()
    read = before.record.fields[FieldKey.ID_NUMBER]
    after, entry = before.apply(FieldKey.ID_NUMBER, ZHANG_ID, TODAY, reviewer="王审核", at=AT)
    field = after.record.fields[FieldKey.ID_NUMBER]
    assert field.value == ZHANG_ID and field.confirmed and not field.review and field.flags == ()
    assert after.pending == ()
    assert after.original[FieldKey.ID_NUMBER].value == read.value
    assert Flag.LOW_CONFIDENCE in after.original[FieldKey.ID_NUMBER].flags
    assert entry.to_json() == {
        "file": "photo.jpg",
        "field": "id_number",
        "read": read.value,
        "corrected": ZHANG_ID,
        "at": AT,
        "reviewer": "王审核",
        "action": "corrected",
    }
    # The checks ran again on the corrected value.
    assert all(c.ok for c in after.record.checks if c.check == "id_checksum")
    assert before.record.fields[FieldKey.ID_NUMBER].value == read.value  # records are never mutated


def test_correcting_the_id_number_clears_what_it_caused_on_the_birth_date():
    # A birth digit misread: the ID number disagrees with the printed birth date.
    digit = str((int(ZHANG_ID[13]) + 1) % 10)
    record = reading(zhang(), doubtful=("id_number",), id_number=ZHANG_ID[:13] + digit + ZHANG_ID[14:])
    before = ReviewedRecord.from_row(record.to_json(), TODAY)
    assert Flag.INCONSISTENT_WITH_ID in before.record.fields[FieldKey.BIRTH_DATE].flags
    after, _ = before.apply(FieldKey.ID_NUMBER, ZHANG_ID, TODAY, at=AT)
    assert Flag.INCONSISTENT_WITH_ID not in after.record.fields[FieldKey.BIRTH_DATE].flags
    assert after.pending == ()


def test_the_original_reading_survives_a_second_correction_and_a_round_trip():
    first, _ = misread_id().apply(FieldKey.ID_NUMBER, "500103198703120419", TODAY, at=AT)
    again = ReviewedRecord.from_row(json.loads(json.dumps(first.to_json())), TODAY)
    second, entry = again.apply(FieldKey.ID_NUMBER, ZHANG_ID, TODAY, reviewer="李", at=AT)
    row = second.to_json()
    assert row["fields"]["id_number"]["value"] == ZHANG_ID and row["fields"]["id_number"]["confirmed"]
    assert row["review"]["original"]["id_number"]["value"] == misread_id().record.value(FieldKey.ID_NUMBER)
    assert [e["corrected"] for e in row["review"]["audit"]] == ["500103198703120419", ZHANG_ID]
    assert entry.read == misread_id().record.value(FieldKey.ID_NUMBER)
    assert entry.previous == "500103198703120419"


def test_pressing_enter_on_a_doubtful_value_confirms_it():
    doubtful = ReviewedRecord.from_row(reading(zhang(), doubtful=("name",)).to_json(), TODAY)
    after, entry = doubtful.apply(FieldKey.NAME, "张三", TODAY, at=AT)
    assert entry.action is Action.CONFIRMED and entry.read == entry.corrected == "张三"
    assert after.record.fields[FieldKey.NAME].confirmed and not after.record.fields[FieldKey.NAME].review
    # The flag stays as the record of why it was reviewed.
    assert Flag.LOW_CONFIDENCE in after.record.fields[FieldKey.NAME].flags


def test_a_typed_id_number_that_fails_its_check_digit_shows_at_once():
    reviewed = misread_id()
    preview = reviewed.preview({FieldKey.ID_NUMBER: "500103198703120410"}, TODAY)
    assert Flag.CHECKSUM_FAILED in preview.fields[FieldKey.ID_NUMBER].flags
    assert any("校验码为0" in r for r in reasons(preview, FieldKey.ID_NUMBER, "zh"))
    # Nothing was saved.
    assert reviewed.audit == () and reviewed.record.value(FieldKey.ID_NUMBER) != "500103198703120410"


@pytest.mark.parametrize(
    ("key", "typed", "stored"),
    [
        (FieldKey.ISSUE_DATE, "2015/6/1", "2015-06-01"),
        (FieldKey.BIRTH_DATE, "1987年3月12日", "1987-03-12"),
        (FieldKey.ID_NUMBER, " 500103 19870312 041x ", "50010319870312041X"),
        (FieldKey.CERTIFICATE_CODE, "1105 0001 2345 678", "110500012345678"),
        (FieldKey.SEX, "男性", "男"),
        (FieldKey.SCOPE, "内科", "内科专业"),
        (FieldKey.NAME, "阿依古丽 · 买买提", "阿依古丽·买买提"),
        (FieldKey.INSTITUTION, "  重医附一院 ", "重医附一院"),
        (FieldKey.AUTHORITY, "", None),
    ],
)
def test_typed_values_take_the_certificate_format(key, typed, stored):
    assert tidy(key, typed, "临床") == stored


def test_a_reviewed_row_is_verified_as_it_is(tmp_path):
    store = SqliteRegistry.create(tmp_path / "r.db")
    import_csv(write_csv(tmp_path / "r.csv", [zhang()]), store)
    matcher = InstitutionMatcher()
    reviewed, _ = misread_id().apply(FieldKey.ID_NUMBER, ZHANG_ID, TODAY, at=AT)
    # The reviewer also typed the institution by its short name; the lookup puts it on the official one.
    reviewed, _ = reviewed.apply(FieldKey.INSTITUTION, "重医附一院", TODAY, at=AT)
    record = CertificateRecord.from_json(json.loads(json.dumps(reviewed.to_json())))
    verification = Verifier(store, matcher).verify(ready_for_lookup(record, matcher, TODAY))
    assert verification.verdict is Verdict.CONSISTENT
    # Without the review the misread ID number keeps the verdict open.
    unreviewed = ready_for_lookup(misread_id().record, matcher, TODAY)
    assert Verifier(store, matcher).verify(unreviewed).verdict is Verdict.NEEDS_REVIEW
    store.close()


def test_rows_keep_keys_other_tools_added_and_drop_a_stale_verdict():
    row = {**reading(zhang()).to_json(), "sha256": "ab12", "verdict": "mismatch", "advice": ["..."]}
    out = ReviewedRecord.from_row(row, TODAY).apply(FieldKey.NAME, "张三", TODAY, at=AT)[0].to_json()
    assert out["sha256"] == "ab12" and "verdict" not in out and "advice" not in out


def test_an_unreadable_row_cannot_be_corrected():
    failed = ReviewedRecord.from_row({"file": "x.jpg", "error": "the file is empty"}, TODAY)
    assert failed.pending == ()
    with pytest.raises(ValueError):
        failed.apply(FieldKey.NAME, "张三", TODAY)


def test_every_kind_of_audit_entry_reads_back_as_written():
    from scanner.review.session import AuditEntry, ChangePart

    field = AuditEntry("a.jpg", FieldKey.NAME, "张二", "张三", AT, "王审核", Action.CORRECTED)
    change = AuditEntry("a.jpg", None, "重庆市人民医院", "重庆市中医院", AT, "王审核", Action.CORRECTED,
                        change=1, part=ChangePart.VALUE)  # fmt: skip
    official = AuditEntry("a.jpg", None, None, None, AT, "李核验", Action.OFFICIAL, detail={"found": False})
    assert change.to_json() == {
        "file": "a.jpg",
        "change": 1,
        "part": "value",
        "read": "重庆市人民医院",
        "corrected": "重庆市中医院",
        "at": AT,
        "reviewer": "王审核",
        "action": "corrected",
    }
    shown = {"file": "a.jpg", "at": AT, "reviewer": "李核验", "action": "official_check"}
    assert official.to_json() == {**shown, "detail": {"found": False}}
    for entry in (field, change, official):
        assert AuditEntry.from_json(json.loads(json.dumps(entry.to_json())), "a.jpg") == entry
    with pytest.raises(ValueError):
        AuditEntry.from_json({**change.to_json(), "part": "colour"}, "a.jpg")
