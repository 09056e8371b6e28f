"""Normalization: institution names meet on the official name, or the matcher says it is unsure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.errors import ConfigError
from scanner.fields import FieldResult, Flag
from scanner.normalize import (
    Institution,
    InstitutionMatcher,
    Method,
    Unsure,
    bundled_gazetteer,
    checked_authority,
    clean,
    fold,
    institution_key,
    load_user_institutions,
    normalize_authority,
    normalize_category,
    normalize_level,
    normalize_scope,
    read_institutions,
    same_authority,
    user_institution_files,
)
from scanner.vocab import all_scopes, compound_scopes, split_printed_scopes, split_scopes

FIRST = "重庆医科大学附属第一医院"
SECOND = "重庆医科大学附属第二医院"


@pytest.fixture(scope="module")
def matcher() -> InstitutionMatcher:
    return InstitutionMatcher()


def test_exact_official_name(matcher):
    result = matcher.match(FIRST)
    assert (result.match, result.score, result.method) == (FIRST, 1.0, Method.EXACT)
    assert result.district == "渝中区" and not result.review and not result.changed


def test_known_alias_and_renamed_hospital(matcher):
    assert matcher.match("重医附二院").match == SECOND
    # 西南医院 was renamed 陆军军医大学第一附属医院 when 第三军医大学 became 陆军军医大学 (2017).
    result = matcher.match("西南医院")
    assert result.match == "陆军军医大学第一附属医院" and result.method is Method.ALIAS


def test_abbreviation_rule_keeps_head_characters(matcher):
    result = matcher.match("重医附一院")
    assert result.match == FIRST
    assert result.method is Method.RULE and result.score == pytest.approx(0.97)
    assert matcher.match("重庆医科大学附一院").match == FIRST


def test_attached_nth_hospital_equals_nth_attached_hospital(matcher):
    assert institution_key("重庆医科大学附属第三医院") == institution_key("重庆医科大学第三附属医院")
    assert matcher.match("重庆医科大学第三附属医院").match == "重庆医科大学附属第三医院"
    assert matcher.match("陆军军医大学附属第二医院").match == "陆军军医大学第二附属医院"


def test_renamed_university_and_old_county_names(matcher):
    assert matcher.match("第三军医大学第一附属医院").match == "陆军军医大学第一附属医院"
    assert matcher.match("重庆市璧山县中医院").match == "重庆市璧山区中医院"
    assert matcher.match("开县人民医院").match == "重庆市开州区人民医院"


def test_city_prefix_campus_and_brackets_are_dropped(matcher):
    assert matcher.match("三峡中心医院").match == "重庆三峡中心医院"
    assert matcher.match("重庆市妇幼保健院（冉家坝院区）").match == "重庆市妇幼保健院"
    assert matcher.match("重医附二院江南分院").match == SECOND


def test_ocr_slip_is_folded(matcher):
    result = matcher.match("重庆医科大学附属第一医阮")
    assert result.match == FIRST and result.method is Method.OCR and not result.review
    assert matcher.match("重庆市壁山区人民医院").match == "重庆市璧山区人民医院"
    assert matcher.match("重 庆 医 科 大 学 附 属 第 一 医 院").match == FIRST
    assert matcher.match("重庆醫科大學附屬第一醫院").match == FIRST


def test_first_and_second_are_never_confused(matcher):
    for text in ("重医附一院", FIRST, "重庆医科大学附属第一医阮", "重庆医科大学附属第一医"):
        assert matcher.match(text).match == FIRST
    for text in ("重医附二院", SECOND, "重庆医科大学附属第二医阮"):
        assert matcher.match(text).match == SECOND
    # The number itself lost or changed: never guessed.
    lost = matcher.match("重庆医科大学附属第医院")
    assert lost.match is None and lost.review and lost.unsure is Unsure.CONFLICT
    assert matcher.match("陆军军医大学第四附属医院").match is None


def test_another_district_or_kind_is_never_matched(matcher):
    near = matcher.match("重庆市巴南区第三人民医院")
    assert near.match is None and near.review
    assert {c.name for c in near.candidates} >= {"重庆市巴南区第二人民医院", "重庆市巴南区人民医院"}
    assert matcher.match("重庆市渝中区人民医院").match is None
    assert matcher.match("巫溪县妇幼保健院").match is None  # 巫溪 has a 人民医院 and a 中医院 only
    assert matcher.match("重庆市大足区医院").match is None  # 中医院 or the colloquial 区医院?


def test_unknown_institutions_pass_through_unchanged(matcher):
    for text in ("重庆渝中康宁诊所", "重庆市璧山区青杠街道社区卫生服务中心", "巫山县官渡镇卫生院"):
        result = matcher.match(text)
        assert result.match is None and result.value == text and result.flags == ()
    outside = matcher.match("四川大学华西医院")
    assert outside.match is None and outside.unsure is Unsure.OUTSIDE and not outside.review


def test_other_provinces_that_share_words_do_not_match(matcher):
    for text in ("空军军医大学第一附属医院", "中山大学附属第一医院", "宁波市江北区人民医院", "云县中医院"):
        assert matcher.match(text).match is None, text


def test_flags_for_the_pipeline(matcher):
    assert matcher.match("重医附一院").flags == (Flag.NORMALIZED,)
    assert matcher.match(FIRST).flags == ()
    assert matcher.match("重庆市巴南区第三人民医院").flags == (Flag.NOT_IN_VOCABULARY,)
    assert matcher.same_institution("重医附一院", FIRST) is True
    assert matcher.same_institution("重医附一院", "重医附二院") is False
    assert matcher.same_institution("重医附一院", "重庆市巴南区第三人民医院") is None


def test_json_follows_the_spec(matcher):
    data = matcher.match("重医附一院").to_json()
    assert list(data)[:4] == ["input", "match", "score", "candidates"]
    assert data["input"] == "重医附一院" and data["match"] == FIRST and data["score"] == 0.97
    assert data["candidates"][0]["name"] == FIRST


def test_every_gazetteer_name_and_alias_finds_its_institution(matcher):
    for inst in bundled_gazetteer():
        for name in (inst.name, *inst.aliases):
            assert matcher.match(name).match == inst.name, name


def test_user_csv_adds_an_institution_and_aliases(tmp_path: Path):
    own = tmp_path / "mine.csv"
    own.write_text(
        "name,aliases,district,level,source\n"
        "重庆市渝中区康宁社区卫生服务中心,康宁社区;渝中康宁社区中心,渝中区,,HR\n"
        "重庆医科大学附属第一医院,附一院本部,,,HR\n",
        "utf-8",
    )
    matcher = InstitutionMatcher(extra=read_institutions(own))
    assert matcher.match("康宁社区").match == "重庆市渝中区康宁社区卫生服务中心"
    assert matcher.match("附一院本部").match == FIRST
    assert matcher.institution(FIRST) is not None
    assert "HR" in (matcher.institution(FIRST) or Institution("")).source


def test_config_folder_csvs_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "institutions"
    folder.mkdir()
    (folder / "a.csv").write_text("name,aliases\n重庆星光诊所,星光诊所\n", "utf-8")
    monkeypatch.setenv("CERTSCAN_CONFIG_DIR", str(tmp_path))
    assert user_institution_files() == [folder / "a.csv"]
    assert InstitutionMatcher(extra=load_user_institutions()).match("星光诊所").match == "重庆星光诊所"


def test_matcher_reads_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "institutions"
    folder.mkdir()
    (folder / "a.csv").write_text("name,aliases\n重庆星光诊所,星光诊所\n", "utf-8")
    monkeypatch.setenv("CERTSCAN_CONFIG_DIR", str(tmp_path))
    assert InstitutionMatcher().match("星光诊所").match is None


def test_bad_user_csv_is_one_clear_error(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("hospital,alias\nx,y\n", "utf-8")
    with pytest.raises(ConfigError, match="name the columns"):
        read_institutions(bad)
    with pytest.raises(ConfigError, match="not found"):
        read_institutions(tmp_path / "missing.csv")


def test_clean_reads_arabic_numbers_and_full_width_forms():
    assert clean("重庆市第13人民医院") == "重庆市第十三人民医院"
    assert clean("解放军324医院") == "解放军三二四医院"
    assert clean("重庆市第-人民医院") == "重庆市第一人民医院"


def test_former_authority_names_are_the_same_issuer():
    current = normalize_authority("重庆市渝中区卫生健康委员会")
    assert current.match == "重庆市渝中区卫生健康委员会" and current.method is Method.EXACT
    for former in ("重庆市渝中区卫生和计划生育委员会", "重庆市渝中区卫生局", "渝中区卫计委"):
        result = normalize_authority(former)
        assert result.match == current.match and result.former and result.method is Method.ALIAS
    assert normalize_authority("重庆市璧山县卫生局").match == "重庆市璧山区卫生健康委员会"
    assert same_authority("重庆市江北区卫生局", "重庆市江北区卫生健康委员会") is True
    assert same_authority("重庆市江北区卫生局", "重庆市渝北区卫生健康委员会") is False


def test_damaged_authority_is_unsure_rather_than_guessed():
    result = normalize_authority("重庆市渝巾区卫生健康委员会")  # 渝中 or 渝北?
    assert result.match is None and len(result.candidates) >= 2
    assert normalize_authority("重庆两江新区社会保障局").match is None


def test_chongqing_authority_with_its_city_misread_is_repaired_and_reviewed():
    # 庆 or 市 misread under a seal: still Chongqing's issuer (no place of China is one character
    # from 重庆市), rewritten to the one entry it can be, and reviewed; never kept as another
    # province's authority "as printed".
    for printed, entry in (
        ("重成市巴南区卫生健康委员会", "重庆市巴南区卫生健康委员会"),
        ("重庆有巴南区卫生健康委员会", "重庆市巴南区卫生健康委员会"),
        ("重庆币巴南区卫生局", "重庆市巴南区卫生局"),
        ("重成市卫生健康委员会", "重庆市卫生健康委员会"),
        # 重 or 庆 lost: the district after it still names Chongqing's issuer.
        ("庆市万州区卫生局", "重庆市万州区卫生局"),
        ("重市万州区卫生局", "重庆市万州区卫生局"),
        # The short district form and then a stray character: the district's 区 misread.
        ("重庆市巴南有卫生健康委员会", "重庆市巴南区卫生健康委员会"),
    ):
        checked = checked_authority(FieldResult(printed, printed, 0.95))
        assert checked.value == entry, printed
        assert {Flag.NORMALIZED, Flag.REPAIRED} <= set(checked.flags) and checked.review
        assert normalize_authority(printed).match is not None
    # Other provinces' issuers stay as printed and unreviewed, also a county renamed since 1983
    # (赛罕区 was 郊区) and one sharing a Chongqing district's name (宁波市江北区).
    elsewhere = (
        "宁波市江北区卫生局",
        "济南市市中区卫生局",
        "赛罕区卫生健康委员会",
        "南宁市青秀区卫生局",
        "四川省卫生厅",
        "积石山保安族东乡族撒拉族自治县卫生局",  # the longest county name, 15 characters
    )
    for printed in elsewhere:
        assert checked_authority(FieldResult(printed, printed, 0.95)).flags == ()
    # No place of China (重庆 misread, no 市 to go by), or a Chongqing district after what is no
    # place (the city's name lost): no issuer to keep as printed unreviewed.
    for damaged in ("重成卫生局", "市万州区卫生局"):
        assert Flag.NOT_IN_VOCABULARY in checked_authority(FieldResult(damaged, damaged, 0.95)).flags


def test_closed_vocabularies():
    assert normalize_level("助理执业医师").match == "执业助理医师"
    assert normalize_level("执业助医师").match is None  # half of 助理 read: unsure
    assert normalize_category("临床类别").match == "临床"
    assert normalize_scope("内科", "临床").match == "内科专业"
    assert normalize_scope("内料专业、医学检验、病理").match == "内科专业、医学检验、病理专业"
    assert normalize_scope("内科专业", "中医").match is None
    unsure = normalize_scope("X科专业")
    assert unsure.match is None and {"外科专业", "内科专业"} <= set(unsure.candidates)


def test_scope_splitting_keeps_a_compound_scope_whole():
    compounds = compound_scopes(all_scopes())
    assert compounds == ["医学检验、病理专业"]
    # A value written as official scopes: a compound only where a part begins.
    listed = split_scopes("内科专业；医学检验、病理专业，外科专业")
    assert listed == ["内科专业", "医学检验、病理专业", "外科专业"]
    # As printed: spaces separate too, and the compound stands anywhere, also without its 专业.
    printed = split_printed_scopes("内科 医学检验、病理,,外科", compounds)
    assert printed == ["内科", "医学检验、病理专业", "外科"]
    assert split_scopes("内科 外科") == ["内科 外科"]


def test_user_institutions_are_read_config_folder_first(tmp_path: Path):
    folder = tmp_path / "institutions"
    folder.mkdir()
    (folder / "b.csv").write_text("name\n重庆乙诊所\n", "utf-8")
    (folder / "a.csv").write_text("name\n重庆甲诊所\n", "utf-8")
    given = tmp_path / "given.csv"
    given.write_text("名称,别名\n重庆丙诊所,丙诊所\n", "utf-8")
    rows = load_user_institutions([given], env={"CERTSCAN_CONFIG_DIR": str(tmp_path)})
    assert [r.name for r in rows] == ["重庆甲诊所", "重庆乙诊所", "重庆丙诊所"]
    assert InstitutionMatcher(extra=rows).match("丙诊所").match == "重庆丙诊所"


def test_cli_prints_json_lines_and_chinese_summaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CERTSCAN_CONFIG_DIR", str(tmp_path))
    runner = CliRunner()
    result = runner.invoke(app, ["institution", "重医附一院", "重庆渝中康宁诊所", "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["match"] == FIRST and rows[1]["match"] is None
    human = runner.invoke(app, ["institution", "重医附一院"])
    assert human.exit_code == 0 and FIRST in human.stdout and "按简称规则" in human.stdout
    english = runner.invoke(app, ["institution", "重医附一院", "--lang", "en"])
    assert "shortening rules" in english.stdout


def test_cli_bad_institutions_file_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CERTSCAN_CONFIG_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["institution", "x", "--institutions", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2 and "机构文件不存在" in result.output and "Traceback" not in result.output


def test_one_misread_character_in_a_long_name_still_matches(matcher):
    # Look-alikes the matcher's table does not know: 洁/结, 匹/区 (a district's 区), 笫/第.
    assert matcher.match("重庆市南岸区中西医洁合医院").match == "重庆市南岸区中西医结合医院"
    assert matcher.match("重庆市大足匹妇幼保健院").match == "重庆市大足区妇幼保健院"
    assert matcher.match("重庆医科大学附属笫二医院").match == SECOND
    # A district read with one character wrong, when only one district reads so (巴?区).
    assert matcher.match("重庆市巴商区中医院").match == "重庆市巴南区中医院"
    # A name cut short by its last character.
    assert matcher.match("重庆医科大学附属永川医").match == "重庆医科大学附属永川医院"


def test_one_edit_that_may_name_another_institution_stays_unsure(matcher):
    # 长川区: 长寿区 or 合川区 with one character misread; either is possible.
    assert matcher.match("重庆市长川区人民医院").match is None
    # A kind that lost a character may be another kind (X区医院 is not surely X区中医院).
    assert matcher.match("重庆市大足区医院").match is None
    # Short proper names carry the identity: 北安 → 安, 西南 → 西南铅 are other names.
    assert matcher.match("重庆市安医院").match is None
    assert matcher.match("重庆西南铅医院").match is None
    # 重庆大学 is not 重庆医科大学; an extra 开 is what is left of a district (开州区).
    assert matcher.match("重庆大学附属三医院").match is None
    assert matcher.match("重庆市开人民医院").match is None
    # Short names have too little context for one edit (钢总医院 may be 攀钢总医院).
    assert matcher.match("钢总医院").match is None


def test_a_look_alike_misread_of_a_proper_name_or_district_still_matches(matcher):
    # 没/设, 诲/海: a proper name misread for a character of like shape (no table knows these).
    assert matcher.match("重庆建没医院").match == "重庆建设医院"
    assert matcher.match("重庆诲扶医院").match == "重庆海扶医院"
    # 默/黔, 撞/潼: a district misread for a look-alike, with no city prefix before it.
    assert matcher.match("默江民族医院").match == "重庆市黔江民族医院"
    assert matcher.match("撞南县中医院").match == "重庆市潼南区中医院"
    # A look-alike inside the kind (幻/幼), and the 院 of a short name read as 浣.
    assert matcher.match("重庆市妇幻保健院").match == "重庆市妇幼保健院"
    assert matcher.match("望江医浣").match == "望江医院"


def test_a_misread_that_is_no_look_alike_stays_unsure_where_it_could_be_another(matcher):
    # 澧南区: 巴南区 or 潼南区 with one character misread; 澧 shares only 氵 with 潼.
    assert matcher.match("重庆市澧南区人民医院").match is None
    assert matcher.match("重庆市江南区人民医院").match is None
    # One character lost from a short proper name when another hospital is as near (重庆中医院).
    assert matcher.match("重庆建医院").match is None


def test_a_misread_number_is_never_repaired_by_its_shape():
    matcher = InstitutionMatcher([Institution("重庆市第二人民医院")])
    # 三 is drawn as 一 over 二, but 第三 is another hospital.
    assert matcher.match("重庆市第三人民医院").match is None
    assert matcher.match("重庆市第二人民医阮").match == "重庆市第二人民医院"


def test_a_lost_number_between_first_and_second_stays_unsure(matcher):
    assert matcher.match("重庆医科大学附属第医院").match is None
    assert matcher.match("重庆医科大学附属第医院").candidates[0].name in {FIRST, SECOND}


def test_a_district_that_lost_a_character_opening_the_name(matcher):
    # 足区 is only 大足区; 丰县 is a county of Jiangsu as well as 丰都县 without 都: unsure.
    assert matcher.match("足区中医院").match == "重庆市大足区中医院"
    assert matcher.match("丰县中医院").match is None
    # 宁都县 is a county of Jiangxi, not a misreading of 丰都县: unsure. 韦 is how the recognizer
    # itself misreads 丰 (it weighs them next to each other), so 韦都县 is 丰都县.
    assert matcher.match("宁都县人民医院").match is None
    assert matcher.match("韦都县人民医院").match == "丰都县人民医院"
    # 沙坪?区 reads as no other place in China.
    assert matcher.match("沙坪现区人民医院").match == "重庆市沙坪坝区人民医院"


def test_a_long_name_may_lose_a_character_of_its_proper_name(matcher):
    # 民康 → 康 in an eight-character name, and no other hospital within a misread more.
    assert matcher.match("重庆三峡康医院").match == "重庆三峡民康医院"
    assert matcher.match("中国人民解效军陆军第九五八医院").match == "中国人民解放军陆军第九五八医院"


def test_armed_police_units_are_named_either_way_round():
    matcher = InstitutionMatcher([Institution("武警重庆总队医院")])
    for text in ("重庆市武警总队医院", "中国人民武装警察部队重庆市总队医院", "武警重庆市总队医院"):
        result = matcher.match(text)
        assert (result.match, result.method) == ("武警重庆总队医院", Method.RULE)


def test_a_name_cut_short_after_yi(matcher):
    assert matcher.match("重庆北安医").match == "重庆北安医院"
    # A district alone is no cut name.
    assert institution_key(fold("重庆市渝中区"), folded=True) == fold("渝中区")


def test_one_edit_outside_numbers_and_districts_with_a_wide_margin(matcher):
    # 匿 for the 医 of 医院, a lost 附 of 附属: nothing else within two misread characters.
    assert matcher.match("重钢总匿院").match == "重钢总医院"
    assert matcher.match("重医属永川医院").match == "重庆医科大学附属永川医院"
    # The head of a long kind misread: only 妇幼保健院 reads ?幼保健院.
    assert matcher.match("重庆市城口县扫幼保健院").match == "城口县妇幼保健院"
    # However far the rest, another district is another institution.
    assert matcher.match("重庆市合川区儿童医院").match is None


def test_a_misread_head_of_a_short_kind_may_be_a_proper_name():
    matcher = InstitutionMatcher([Institution("重庆市人民医院")])
    # 惠民医院 is a hospital of its own, not 人民医院 misread.
    assert matcher.match("重庆市惠民医院").match is None
    assert matcher.match("重庆市人民匿院").match == "重庆市人民医院"


def test_a_middle_dot_between_two_scopes_is_the_separator_misread():
    # 、 read as · in a photo: no official scope holds a middle dot.
    assert normalize_scope("儿科专业·外科专业").match == "儿科专业、外科专业"
    # The 、 between two official scopes lost: each scope is still surely known.
    assert normalize_scope("内科专业预防保健专业").match == "内科专业、预防保健专业"
    assert normalize_scope("医学检验、病理专业内科专业").match == "医学检验、病理专业、内科专业"
    assert normalize_scope("内科专业预防").match is None
