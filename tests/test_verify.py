"""Verification on hand-made readings against a real SQLite registry: every verdict, every kind of
difference, and the rule that a doubtful reading never decides a verdict."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import make_id
from test_registry import LI_ID, write_csv, zhang

from scanner.checks import run_checks
from scanner.fields import FIELD_ORDER, CertificateRecord, FieldKey, FieldResult, Flag
from scanner.normalize import InstitutionMatcher
from scanner.pipeline import normalized_institution
from scanner.registry.importer import import_csv
from scanner.registry.sqlite import SqliteRegistry
from scanner.report import verification_json, verify_summary
from scanner.report.advice import advice
from scanner.verify import Kind, MatchedBy, Verdict, Verifier

TODAY = dt.date(2026, 11, 27)
MATCHER = InstitutionMatcher()
WANG_1, WANG_2 = make_id("500103", "19870312", "022"), make_id("500103", "19900512", "022")


def reading(truth: dict[str, str], doubtful: tuple[str, ...] = (), **values: str | None) -> CertificateRecord:
    """A record as the scanner would give it: `values` override what was read, `doubtful` fields
    were read with low confidence."""
    fields = {}
    for key in FIELD_ORDER:
        value = values.get(str(key), truth.get(str(key)))
        if value is None:
            fields[key] = FieldResult.missing()
        elif str(key) in doubtful:
            fields[key] = FieldResult(value, value, 0.61, (Flag.LOW_CONFIDENCE,))
        else:
            fields[key] = FieldResult(value, value, 0.995)
    fields[FieldKey.INSTITUTION] = normalized_institution(MATCHER, fields[FieldKey.INSTITUTION])
    fields, checks = run_checks(fields, TODAY)
    return CertificateRecord(file="photo.jpg", fields=fields, checks=checks)


@pytest.fixture(scope="module")
def verifier(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("registry")
    rows = [
        zhang(),
        # 李四 works at 重庆市人民医院 and, as a further site, at a small clinic.
        {**zhang(name="李四", id_number=LI_ID, birth_date="1975-08-14", certificate_code="215001098582736",
                 institution="重庆市人民医院"), "other_institutions": "重庆渝中康宁诊所"},
        # Two doctors named 王芳 at one hospital: name + institution alone cannot tell them apart.
        zhang(name="王芳", sex="女", id_number=WANG_1, certificate_code="110500000000001"),
        zhang(name="王芳", sex="女", id_number=WANG_2, birth_date="1990-05-12",
              certificate_code="110500000000002"),
    ]  # fmt: skip
    path = write_csv(tmp / "r.csv", rows, header=[*zhang(), "other_institutions"])
    store = SqliteRegistry.create(tmp / "registry.db")
    import_csv(path, store)
    yield Verifier(store, MATCHER)
    store.close()


def test_a_certificate_that_agrees_is_consistent(verifier):
    v = verifier.verify(reading(zhang()))
    assert (v.verdict, v.matched_by, v.differences) == (Verdict.CONSISTENT, MatchedBy.CODE_AND_NAME, ())
    assert v.entry is not None and v.entry.certificate_code == "110500012345678"


def test_a_short_institution_name_agrees_with_the_official_one(verifier):
    v = verifier.verify(reading(zhang(), institution="重医附一院"))
    assert v.verdict is Verdict.CONSISTENT


def test_a_moved_doctor_is_a_mismatch_with_registration_advice(verifier):
    v = verifier.verify(reading(zhang(), institution="重庆市人民医院"))
    assert v.verdict is Verdict.MISMATCH
    [d] = v.differences
    assert (d.field, d.kind, d.sure) == (FieldKey.INSTITUTION, Kind.INSTITUTION, True)
    assert (d.certificate, d.registry) == ("重庆市人民医院", "重庆医科大学附属第一医院")
    advice = " ".join(verification_json(v, "zh")["advice"])
    assert "变更注册" in advice and "在职证明" in advice and "重庆市渝中区卫生健康委员会" in advice
    assert "滞后" in advice


def test_a_wider_scope_than_registered_warns_of_practice_outside_scope(verifier):
    v = verifier.verify(reading(zhang(), scope="内科专业、外科专业"))
    assert v.verdict is Verdict.MISMATCH
    [d] = v.differences
    assert d.kind is Kind.SCOPE_WIDER
    assert any("执业范围（内科专业）" in a for a in verification_json(v, "zh")["advice"])
    narrower = verifier.verify(reading(zhang(scope="内科专业、外科专业"), scope="外科专业")).differences
    # The registry holds 内科专业 only; a certificate with 外科专业 claims what is not registered.
    assert [x.kind for x in narrower] == [Kind.SCOPE_WIDER]


def test_a_code_registered_to_another_person_is_a_mismatch_not_not_found(verifier):
    forger = zhang(name="赵强", id_number=make_id("500112", "19800101", "031"), birth_date="1980-01-01")
    v = verifier.verify(reading(forger))
    assert v.verdict is Verdict.MISMATCH and v.matched_by is MatchedBy.CODE
    kinds = {d.field: d.kind for d in v.differences}
    assert kinds[FieldKey.NAME] is Kind.IDENTITY_UNDER_CODE
    assert kinds[FieldKey.ID_NUMBER] is Kind.IDENTITY_UNDER_CODE
    row = verification_json(v, "zh")
    assert "伪造" in row["differences"][0]["explanation"]
    assert any("公安机关" in a for a in row["advice"])


def test_the_bearer_found_under_another_code_is_named(verifier):
    # 李四's name and ID number, but 张三's code printed on the certificate.
    v = verifier.verify(reading(zhang(name="李四", id_number=LI_ID, birth_date="1975-08-14")))
    assert v.verdict is Verdict.MISMATCH and [e.certificate_code for e in v.elsewhere] == ["215001098582736"]
    assert any("215001098582736" in a for a in verification_json(v, "zh")["advice"])


def test_a_doctor_found_by_name_and_id_under_another_code(verifier):
    v = verifier.verify(reading(zhang(), certificate_code="110500099999999"))
    assert v.verdict is Verdict.MISMATCH and v.matched_by is MatchedBy.NAME_AND_ID
    assert [(d.field, d.kind) for d in v.differences] == [(FieldKey.CERTIFICATE_CODE, Kind.CODE)]


def test_nobody_in_the_registry_is_not_found_and_never_called_forged(verifier):
    stranger = zhang(
        name="周敏", id_number=make_id("500104", "19870312", "023"), certificate_code="110500055555555"
    )
    v = verifier.verify(reading(stranger))
    assert v.verdict is Verdict.NOT_FOUND and v.entry is None
    advice = verification_json(v, "zh")["advice"]
    assert any("重庆市渝中区卫生健康委员会" in a for a in advice)
    assert any("不能认定证书伪造" in a for a in advice)
    assert any("数天至数周" in a for a in advice)


def test_a_miss_on_doubtful_keys_needs_review_not_not_found(verifier):
    stranger = zhang(
        name="周敏", id_number=make_id("500104", "19870312", "023"), certificate_code="110500055555555"
    )
    v = verifier.verify(reading(stranger, doubtful=("certificate_code", "id_number")))
    assert v.verdict is Verdict.NEEDS_REVIEW
    assert v.doubtful == (FieldKey.CERTIFICATE_CODE, FieldKey.ID_NUMBER)


def test_a_doubtful_field_under_glare_gets_the_advice_to_take_the_photo_again(verifier):
    stranger = zhang(
        name="周敏", id_number=make_id("500104", "19870312", "023"), certificate_code="110500055555555"
    )
    record = reading(stranger, doubtful=("certificate_code", "id_number"))
    # The code lies under the reflection; the blur over the scope, no key of the lookup, is left out.
    fields = dict(record.fields)
    fields[FieldKey.CERTIFICATE_CODE] = fields[FieldKey.CERTIFICATE_CODE].with_flags(Flag.GLARE)
    fields[FieldKey.SCOPE] = fields[FieldKey.SCOPE].with_flags(Flag.BLUR)
    glared = replace(record, fields=fields, warnings=("blur", "glare", "dark"))
    v = verifier.verify(glared)
    assert v.verdict is Verdict.NEEDS_REVIEW
    assert advice(v)[-1] == (
        "照片本身影响了识别：反光遮挡（证书编码）。如能重拍，请正对证书、避开玻璃反光、靠近到证书占满画面，或扫描原件，再核验。"
    )
    assert "under a reflection (Certificate code)" in advice(v, "en")[-1]
    # The same doubt without anything wrong with the picture: reviewing is the advice, not a new photo.
    plain = verifier.verify(record)
    assert plain.verdict is Verdict.NEEDS_REVIEW
    assert not any("重拍" in line for line in advice(plain))


def test_a_miss_on_surely_read_name_and_id_is_not_found_despite_a_doubtful_code(verifier):
    stranger = zhang(
        name="周敏", id_number=make_id("500104", "19870312", "023"), certificate_code="110500055555555"
    )
    v = verifier.verify(reading(stranger, doubtful=("certificate_code",)))
    assert v.verdict is Verdict.NOT_FOUND


def test_a_small_difference_on_a_doubtful_reading_needs_review(verifier):
    v = verifier.verify(reading(zhang(), doubtful=("institution",), institution="重庆医科大学附属第二医院"))
    assert v.verdict is Verdict.NEEDS_REVIEW and v.doubtful == (FieldKey.INSTITUTION,)
    assert v.differences[0].sure is False


def test_a_difference_too_large_for_ocr_doubt_is_a_mismatch(verifier):
    # A doubtful character or two cannot turn 重庆医科大学附属第一医院 into 重庆市人民医院.
    v = verifier.verify(reading(zhang(), doubtful=("institution",), institution="重庆市人民医院"))
    assert v.verdict is Verdict.MISMATCH and v.differences[0].sure


def test_a_doubtful_code_held_by_another_person_needs_review(verifier):
    # One misread digit can land on somebody else's code: not a forgery until the code is checked.
    forger = zhang(name="赵强", id_number=make_id("500112", "19800101", "031"), birth_date="1980-01-01")
    v = verifier.verify(reading(forger, doubtful=("certificate_code",)))
    assert v.verdict is Verdict.NEEDS_REVIEW


def test_doubtful_readings_that_agree_with_the_registry_are_confirmed_by_it(verifier):
    v = verifier.verify(reading(zhang(), doubtful=("name", "institution", "scope")))
    assert v.verdict is Verdict.CONSISTENT


def test_a_surely_read_id_that_fails_its_check_digit_is_invalid(verifier):
    bad = ZHANG_BAD = zhang()["id_number"][:-1] + ("1" if zhang()["id_number"][-1] != "1" else "2")
    v = verifier.verify(reading(zhang(), id_number=ZHANG_BAD))
    assert v.verdict is Verdict.INVALID and [str(c.check) for c in v.failed_checks] == ["id_checksum"]
    assert bad not in " ".join(verification_json(v, "zh")["advice"])
    doubtful = verifier.verify(reading(zhang(), doubtful=("id_number",), id_number=ZHANG_BAD))
    assert doubtful.verdict is Verdict.NEEDS_REVIEW


def test_name_and_institution_fitting_two_doctors_is_ambiguous(verifier):
    v = verifier.verify(reading(zhang(name="王芳", sex="女"), id_number=None, certificate_code=None))
    assert v.verdict is Verdict.NEEDS_REVIEW and len(v.candidates) == 2 and v.entry is None
    assert "2条记录" in verification_json(v, "zh")["advice"][0]


def test_never_on_name_alone(verifier):
    v = verifier.verify(reading(zhang(), certificate_code=None, id_number=None, institution=None))
    assert v.verdict is Verdict.NEEDS_REVIEW and v.entry is None


def test_a_further_registered_site_agrees_and_small_clinics_get_the_staff_list_advice(verifier):
    li = zhang(name="李四", id_number=LI_ID, birth_date="1975-08-14", certificate_code="215001098582736")
    v = verifier.verify(reading(li, institution="重庆渝中康宁诊所"))
    assert v.verdict is Verdict.CONSISTENT and v.other_site and v.small_clinic
    advice = " ".join(verification_json(v, "zh")["advice"])
    assert "多机构备案" in advice and "重庆市人民医院" in advice and "医务人员名单" in advice


def test_the_verify_json_keeps_its_key_order_and_verification_holds_no_text(verifier):
    # scanner/report renders a verification; the record itself carries no sentence and no JSON.
    v = verifier.verify(reading(zhang(), institution="重庆市人民医院"))
    assert not hasattr(v, "to_json")
    row = verification_json(v, "zh")
    scan_keys = list(v.record.to_json())
    assert list(row) == [
        *scan_keys,
        "verdict",
        "registry",
        "matched_by",
        "registry_record",
        "differences",
        "review_fields",
        "advice",
    ]
    assert list(row["differences"][0]) == [
        "field",
        "certificate",
        "registry",
        "explanation",
        "sure",
        "kind",
        "change",
    ]
    assert (row["differences"][0]["kind"], row["differences"][0]["change"]) == ("institution", None)
    assert verify_summary(v, "en").splitlines()[1] == (
        "  Verdict: ✘ mismatch: the registry holds this certificate or doctor, but fields differ"
    )


def test_json_row_has_the_spec_keys_and_english_on_request(verifier):
    row = verification_json(verifier.verify(reading(zhang(), institution="重庆市人民医院")), "en")
    assert {
        "file",
        "fields",
        "checks",
        "warnings",
        "error",
        "verdict",
        "registry_record",
        "differences",
        "advice",
    } <= set(row)
    assert row["verdict"] == "mismatch" and row["registry_record"]["id_number"] == zhang()["id_number"]
    assert row["differences"][0]["field"] == "institution"
    assert "moved" in row["differences"][0]["explanation"]
    json.dumps(row, ensure_ascii=False)


def test_summary_leads_with_the_verdict_and_masks_id_numbers(verifier):
    forger = zhang(name="赵强", id_number=make_id("500112", "19800101", "031"), birth_date="1980-01-01")
    text = verify_summary(verifier.verify(reading(forger)), "zh")
    assert text.splitlines()[1].startswith("  结论：✘ 不一致")
    assert forger["id_number"] not in text and zhang()["id_number"] not in text
    assert "500112********" in text


def test_a_reviewed_record_round_trips_through_json(verifier, tmp_path: Path):
    from scanner.checks import recheck
    from scanner.records import read_records

    row = reading(zhang(), doubtful=("institution",), institution="重庆市人民医院").to_json()
    row["fields"]["institution"].update(value="重医附一院", confirmed=True)
    path = tmp_path / "reviewed.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    [record] = list(read_records(path))
    assert record.fields[FieldKey.INSTITUTION].confirmed and not record.fields[FieldKey.INSTITUTION].review
    field = normalized_institution(MATCHER, record.fields[FieldKey.INSTITUTION])
    record = recheck(CertificateRecord(record.file, {**record.fields, FieldKey.INSTITUTION: field}), TODAY)
    assert verifier.verify(record).verdict is Verdict.CONSISTENT


@pytest.mark.parametrize(
    ("field", "printed", "kind", "explained"),
    [
        ("level", "执业助理医师", Kind.LEVEL, "医师级别不同"),
        ("category", "中医", Kind.CATEGORY, "执业类别不同"),
        ("practice_place", "重庆市渝北区", Kind.PLACE, "执业地点不同"),
        ("authority", "重庆市江北区卫生健康委员会", Kind.AUTHORITY, "发证机关不同"),
        ("issue_date", "2020-01-02", Kind.ISSUE_DATE, "换发新证"),
        ("birth_date", "1987-03-13", Kind.PERSONAL, "个人信息"),
    ],
)
def test_each_kind_of_difference_is_explained(verifier, field, printed, kind, explained):
    truth = zhang()
    if field == "birth_date":
        # A certificate whose birth date differs but still agrees with its own ID number.
        truth = zhang(id_number=make_id("500103", "19870313", "041"))
    elif field == "category":
        truth = zhang(scope="中医专业")
    v = verifier.verify(reading(truth, **{field: printed}))
    assert v.verdict is Verdict.MISMATCH
    differences = {d.field: d for d in v.differences}
    assert differences[FieldKey(field)].kind is kind
    row = verification_json(v, "zh")
    [text] = [d["explanation"] for d in row["differences"] if d["field"] == field]
    assert explained in text
    assert row["advice"], "every mismatch comes with something to do"


def test_a_former_authority_name_is_the_same_issuer(verifier):
    v = verifier.verify(reading(zhang(), authority="重庆市渝中区卫生局"))
    assert v.verdict is Verdict.CONSISTENT
