"""Intrinsic checks: ID number, certificate code, dates and closed vocabularies."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import make_id

from scanner.checks import check_id_number, run_checks
from scanner.fields import CheckName, FieldKey, FieldResult, Flag

TODAY = dt.date(2026, 11, 27)


def fields(**values: str) -> dict[FieldKey, FieldResult]:
    base = {
        "name": "张三",
        "sex": "男",
        "birth_date": "1987-03-12",
        "id_number": make_id(),
        "level": "执业医师",
        "category": "临床",
        "scope": "内科专业",
        "practice_place": "重庆市",
        "institution": "重庆医科大学附属第一医院",
        "authority": "重庆市渝中区卫生健康委员会",
        "issue_date": "2015-07-01",
        "certificate_code": "110500103456789",
    }
    base.update(values)
    return {FieldKey(k): FieldResult(v, v, 0.99) for k, v in base.items()}


def outcome(checks, name: CheckName):
    found = [c for c in checks if c.check is name]
    assert len(found) == 1, f"{name} reported {len(found)} times"
    return found[0]


def test_a_consistent_certificate_passes_every_check():
    result, checks = run_checks(fields(), TODAY)
    assert [c.check for c in checks if not c.ok] == []
    assert not any(r.review for r in result.values())
    assert outcome(checks, CheckName.ID_CHECKSUM).ok


def test_a_wrong_check_digit_fails_and_flags_the_id():
    good = make_id()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    result, checks = run_checks(fields(id_number=bad), TODAY)
    assert not outcome(checks, CheckName.ID_CHECKSUM).ok
    assert Flag.CHECKSUM_FAILED in result[FieldKey.ID_NUMBER].flags
    assert result[FieldKey.ID_NUMBER].review


def test_id_ending_in_x_is_accepted_when_it_is_the_check_digit():
    # Search a sequence whose check digit is X, so the test covers it for real.
    id_x = next(i for s in range(100, 1000) if (i := make_id(seq=str(s)))[-1] == "X")
    _, checks = run_checks(fields(id_number=id_x, sex="男" if int(id_x[16]) % 2 else "女"), TODAY)
    assert outcome(checks, CheckName.ID_CHECKSUM).ok


def test_birth_date_disagreeing_with_the_id_flags_both_fields():
    result, checks = run_checks(fields(birth_date="1987-03-13"), TODAY)
    assert not outcome(checks, CheckName.ID_BIRTH_DATE).ok
    assert Flag.INCONSISTENT_WITH_ID in result[FieldKey.BIRTH_DATE].flags
    assert Flag.INCONSISTENT_WITH_ID in result[FieldKey.ID_NUMBER].flags


def test_checks_run_again_after_a_value_was_read_again_judge_the_new_values():
    result, _ = run_checks(fields(birth_date="1987-03-13"), TODAY)
    # The birth date is read again and now agrees with the ID number: its old flags go.
    again = {**result, FieldKey.BIRTH_DATE: FieldResult("1987-03-12", "1987-03-13", 0.9, (Flag.REPAIRED,))}
    result, checks = run_checks(again, TODAY)
    assert outcome(checks, CheckName.ID_BIRTH_DATE).ok
    assert Flag.INCONSISTENT_WITH_ID not in result[FieldKey.ID_NUMBER].flags
    assert result[FieldKey.BIRTH_DATE].flags == (Flag.REPAIRED,)


def test_sex_must_match_the_parity_of_the_17th_digit():
    id_female = make_id(seq="042")
    result, checks = run_checks(fields(id_number=id_female, sex="男"), TODAY)
    assert not outcome(checks, CheckName.ID_SEX).ok
    assert Flag.INCONSISTENT_WITH_ID in result[FieldKey.SEX].flags
    _, checks = run_checks(fields(id_number=id_female, sex="女"), TODAY)
    assert outcome(checks, CheckName.ID_SEX).ok


def test_old_sichuan_code_for_a_chongqing_doctor_is_valid():
    # 510202 (重庆市中区, then 渝中区 under Sichuan) was used 1983–1997.
    _, checks = run_checks(
        fields(id_number=make_id("510202", "19850601", "031"), birth_date="1985-06-01"), TODAY
    )
    region = outcome(checks, CheckName.ID_REGION)
    assert region.ok and not region.note


def test_code_not_yet_in_use_in_the_birth_year_is_only_a_note():
    # 500103 exists since 1997; a doctor born in 1987 got it when the number was assigned later.
    result, checks = run_checks(fields(), TODAY)
    region = outcome(checks, CheckName.ID_REGION)
    assert region.ok
    assert region.note
    assert not result[FieldKey.ID_NUMBER].review


def test_region_code_unknown_in_every_year_fails():
    result, checks = run_checks(fields(id_number=make_id("999999")), TODAY)
    assert not outcome(checks, CheckName.ID_REGION).ok
    assert Flag.UNKNOWN_REGION in result[FieldKey.ID_NUMBER].flags


def test_id_with_letters_fails_format_and_skips_the_checksum():
    _, checks = run_checks(fields(id_number="50010319870312O41X"), TODAY)
    assert not outcome(checks, CheckName.ID_FORMAT).ok
    assert not [c for c in checks if c.check is CheckName.ID_CHECKSUM]


def test_certificate_code_must_be_exactly_15_digits():
    result, checks = run_checks(fields(certificate_code="11050010345678"), TODAY)
    assert not outcome(checks, CheckName.CODE_FORMAT).ok
    assert Flag.INVALID_FORMAT in result[FieldKey.CERTIFICATE_CODE].flags


def test_dates_must_be_real_calendar_dates():
    result, checks = run_checks(fields(issue_date="2015-02-30"), TODAY)
    assert not outcome(checks, CheckName.ISSUE_DATE_VALID).ok
    assert Flag.INVALID_DATE in result[FieldKey.ISSUE_DATE].flags


def test_issue_date_in_the_future_is_implausible():
    result, checks = run_checks(fields(issue_date="2027-01-05"), TODAY)
    assert not outcome(checks, CheckName.ISSUE_NOT_FUTURE).ok
    assert result[FieldKey.ISSUE_DATE].review


def test_issue_date_before_adulthood_is_implausible():
    _, checks = run_checks(fields(issue_date="1999-03-12"), TODAY)
    assert not outcome(checks, CheckName.ISSUE_AFTER_BIRTH).ok
    _, checks = run_checks(fields(issue_date="2005-03-12"), TODAY)
    assert outcome(checks, CheckName.ISSUE_AFTER_BIRTH).ok


def test_a_birth_year_misread_a_century_early_is_implausible():
    # 1987 read as 1887 would make the holder licensed at 128: a misread, never trusted.
    result, checks = run_checks(fields(birth_date="1907-03-12"), TODAY)
    assert not outcome(checks, CheckName.ISSUE_AFTER_BIRTH).ok
    assert result[FieldKey.BIRTH_DATE].review and Flag.IMPLAUSIBLE in result[FieldKey.BIRTH_DATE].flags


def test_level_and_category_come_from_closed_lists():
    result, checks = run_checks(fields(level="执业护士", category="西医"), TODAY)
    assert not outcome(checks, CheckName.LEVEL_VOCABULARY).ok
    assert not outcome(checks, CheckName.CATEGORY_VOCABULARY).ok
    assert Flag.NOT_IN_VOCABULARY in result[FieldKey.LEVEL].flags


def test_scope_must_belong_to_the_category():
    _, checks = run_checks(fields(category="口腔", scope="内科专业"), TODAY)
    assert not outcome(checks, CheckName.SCOPE_VOCABULARY).ok
    _, checks = run_checks(fields(category="口腔", scope="口腔专业"), TODAY)
    assert outcome(checks, CheckName.SCOPE_VOCABULARY).ok


def test_scope_with_a_comma_inside_its_official_name_is_one_scope():
    _, checks = run_checks(fields(scope="医学检验、病理专业"), TODAY)
    assert outcome(checks, CheckName.SCOPE_VOCABULARY).ok
    _, checks = run_checks(fields(scope="内科专业、全科医学专业"), TODAY)
    assert outcome(checks, CheckName.SCOPE_VOCABULARY).ok
    _, checks = run_checks(fields(scope="内科专业、牙科专业"), TODAY)
    assert not outcome(checks, CheckName.SCOPE_VOCABULARY).ok


def test_missing_fields_are_not_checked():
    values = fields()
    values[FieldKey.ID_NUMBER] = FieldResult.missing()
    _, checks = run_checks(values, TODAY)
    assert not [c for c in checks if c.check.value.startswith("id_")]


# Other validators' test vectors, each with its source (repository, file, commit read).
_HUTOOL = "dromara/hutool hutool-core/src/test/java/cn/hutool/core/util/IdcardUtilTest.java@0219415"
_JXLWQQ = "jxlwqq/id-validator tests/IdValidatorTest.php@03b307a"
_STDNUM = "arthurdejong/python-stdnum tests/test_cn_ric.doctest@0e64cf6"
PEER_VALID = [
    ("321083197812162119", _HUTOOL),
    ("932682198501010017", _HUTOOL),  # 新版外国人永久居留身份证号码
    ("33010219200403064x", _HUTOOL),  # lower-case x accepted when not strict
    ("81000019980902013X", _HUTOOL),  # 香港人在大陆身份证
    ("820000200009100032", _HUTOOL),  # 澳门人在大陆身份证
    ("830000200209060065", _HUTOOL),  # 台湾人在大陆身份证
    ("810000199408230021", _JXLWQQ),  # 港澳居民居住证
    ("830000199201300022", _JXLWQQ),  # 台湾居民居住证
    ("110101199003078670", _JXLWQQ),
    ("440308199901101512", _JXLWQQ),
    ("500154199804106120", _JXLWQQ),
    ("430302199312194239", _JXLWQQ),
    ("500154199301135886", _JXLWQQ),  # code younger than the holder: valid when not strict
    ("360426199101010071", _STDNUM),
    ("44011320141005001x", _STDNUM),
    ("412723199010050012", _STDNUM),
    ("110102199101010078", _STDNUM),
    ("120110198012010073", _STDNUM),
    ("120110199212010072", _STDNUM),
]
PEER_INVALID = [
    ("111111199901101512", _JXLWQQ, CheckName.ID_REGION),
    ("440308199902301512", _JXLWQQ, CheckName.ID_BIRTH_DATE),
    ("440308199901101513", _JXLWQQ, CheckName.ID_CHECKSUM),
    ("11010119900307867X", _JXLWQQ, CheckName.ID_CHECKSUM),
    ("201511221897205960", _HUTOOL, CheckName.ID_REGION),
    ("990426199112010074", _STDNUM, CheckName.ID_REGION),
    ("36042619910102009X", _STDNUM, CheckName.ID_CHECKSUM),
    ("360426199113010079", _STDNUM, CheckName.ID_BIRTH_DATE),
]


@pytest.mark.parametrize(("id_number", "source"), PEER_VALID)
def test_valid_numbers_of_other_validators_pass_every_id_check(id_number, source):
    failed = [c.check for c in check_id_number(id_number, None, None) if not c.ok]
    assert failed == [], source


@pytest.mark.parametrize(("id_number", "source", "check"), PEER_INVALID)
def test_invalid_numbers_of_other_validators_still_fail(id_number, source, check):
    assert check in [c.check for c in check_id_number(id_number, None, None) if not c.ok], source


@pytest.mark.parametrize(
    ("id_number", "kind"),
    [
        ("830000199201300022", "港澳台居民居住证号码（台湾居民）"),
        ("810000199408230021", "港澳台居民居住证号码（香港居民）"),
        ("820000200009100032", "港澳台居民居住证号码（澳门居民）"),
        ("932682198501010017", "外国人永久居留身份证号码（受理地江苏省）"),
    ],
)
def test_a_residence_permit_or_foreign_resident_number_is_named_in_the_region_check(id_number, kind):
    birth = f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}"
    sex = "男" if int(id_number[16]) % 2 else "女"
    values = fields(id_number=id_number, birth_date=birth, sex=sex)
    checked, checks = run_checks(values, TODAY)
    [region] = [c for c in checks if c.check is CheckName.ID_REGION]
    assert (region.ok, region.note, region.detail_zh) == (True, False, kind)
    assert not checked[FieldKey.ID_NUMBER].review


def test_a_lower_case_x_is_the_same_check_character():
    values = fields(id_number="33010219200403064x", birth_date="1920-04-03", sex="女")
    checked, checks = run_checks(values, TODAY)
    assert all(c.ok for c in checks if c.check.name.startswith("ID_"))
    assert not checked[FieldKey.ID_NUMBER].review


def test_a_birth_date_that_makes_the_holder_a_child_is_implausible_without_an_issue_date():
    checked, checks = run_checks(fields(birth_date="2016-12-28", id_number=None, issue_date=None), TODAY)
    assert Flag.IMPLAUSIBLE in checked[FieldKey.BIRTH_DATE].flags and checked[FieldKey.BIRTH_DATE].review
    [plausible] = [c for c in checks if c.check == "birth_date_plausible"]
    assert not plausible.ok and plausible.detail_zh == "出生2016-12-28，今天未满18岁，不可能是执业医师"
    adult, _ = run_checks(fields(birth_date="2008-11-27", id_number=None, issue_date=None), TODAY)
    assert not adult[FieldKey.BIRTH_DATE].review
