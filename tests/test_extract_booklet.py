"""Booklets and other documents on hand-made OCR lines: which document and layout a page shows, the
old 卫生部 booklet's labels mapped to the canonical fields, and values hidden by redaction boxes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import line, make_id

from scanner.checks import run_checks
from scanner.extract import extract_fields, read_layout
from scanner.extract.documents import identify, layout_from_changes
from scanner.extract.labels import TABLES, Form
from scanner.extract.parse import parse_qualification_code
from scanner.fields import (
    CODE_PAGE_NOT_SHOWN,
    FIELD_ORDER,
    HOLDER_PAGE_NOT_SHOWN,
    PAGE_FIELDS,
    Box,
    CertificateLayout,
    Change,
    Document,
    FieldKey,
    Flag,
)
from scanner.normalize import restored_place
from scanner.ocr.base import OcrLine
from scanner.pipeline import Scanner

# OCR lines recorded from generated booklets and documents, with the truth they were rendered from.
RECORDED = sorted((Path(__file__).parent / "data" / "booklets").glob("*.json"))

ID = make_id("500225", "19740729", "942")
QUALIFICATION = "20151140346719740729362974"

# The old booklet's personal page (p3): two-character labels spaced out, the level under 医师资格,
# the 医师资格证书 code under 证书编码 (wrapped onto a second line), the institution under 执业地点.
OLD_P3 = [
    line("姓　名：", 100, 100),
    line("李秀小", 300, 100),
    line("性　别：女", 100, 170),
    line("出生日期：1974.07.29", 100, 240),
    line("医师资格：执业医师", 100, 310),
    line(f"证书编码：{QUALIFICATION[:-1]}", 100, 380, pitch=22),
    line(QUALIFICATION[-1], 300, 425, h=30),
    line("执业地点：酉阳土家族苗族自治县中医院", 100, 490),
    line("执业类别：临床", 100, 560),
    line("执业范围：外科专业", 100, 630),
    line(f"身份证号：{ID}", 100, 700, pitch=22),
]
# Its p2: the practising code under 编码, the issuer, a signature, the date over 年 月 日.
OLD_P2 = [
    line("编　码：115002425322006", 1100, 100, pitch=24),
    line("发证机关：酉阳土家族苗族自治县卫生和计划生育委员会", 1100, 170),
    line("签发人：", 1100, 240),
    line("付安家", 1300, 236),
    line("发证日期：2015年12月27日", 1100, 310),
]


def old_booklet(lines):
    return extract_fields(lines, 0.93, table=TABLES[Form.OLD_BOOKLET])


def test_old_booklet_labels_map_to_the_canonical_fields():
    fields = old_booklet(OLD_P3 + OLD_P2)
    assert fields[FieldKey.NAME].value == "李秀小"
    assert fields[FieldKey.SEX].value == "女"
    assert fields[FieldKey.LEVEL].value == "执业医师"
    assert fields[FieldKey.QUALIFICATION_CODE].value == QUALIFICATION
    assert fields[FieldKey.CERTIFICATE_CODE].value == "115002425322006"
    assert fields[FieldKey.PRACTICE_PLACE].value == "酉阳土家族苗族自治县中医院"
    assert fields[FieldKey.ISSUE_DATE].value == "2015-12-27"
    assert fields[FieldKey.INSTITUTION].value is None
    # The 执业地点 names an institution: complete as one, not flagged as a place cut short.
    assert not fields[FieldKey.PRACTICE_PLACE].review


def test_on_the_current_layout_the_certificate_code_stays_the_certificate_code():
    fields = extract_fields([line("证书编码：110500103456789", 100, 100, pitch=24)], 0.93)
    assert fields[FieldKey.CERTIFICATE_CODE].value == "110500103456789"
    assert fields[FieldKey.QUALIFICATION_CODE].value is None


def test_the_signature_beside_the_issuer_is_nobodys_text():
    _, _, runs = read_layout(OLD_P2, TABLES[Form.OLD_BOOKLET])
    signature = next(run for run in runs if "付安家" in run.text)
    assert signature.claimed and signature.key is None
    assert old_booklet(OLD_P2)[FieldKey.NAME].value is None


def test_a_change_label_misread_at_its_first_character_leaves_the_label_after_it_whole():
    # 新证书编码 with one character slipped must not swallow a 证书编码 that follows a date's 日.
    lines = [line("发证日期", 100, 100), line("2026年11月5日证书编码135001120405086", 400, 100, pitch=24)]
    fields = extract_fields(lines, 0.93)
    assert fields[FieldKey.CERTIFICATE_CODE].value == "135001120405086"


def test_documents_are_told_by_their_titles_preambles_and_labels():
    qualification = [
        line("姓　名：徐子", 100, 100),
        line("学　历：中专", 100, 170),
        line("毕业学校：重庆三峡医药高等专科学校", 100, 240),
        line("专　业：医学影像学", 100, 310),
        line("类　别：临床", 100, 380),
        line(f"证书编码：{QUALIFICATION}", 100, 450, pitch=22),
    ]
    title = [
        line("专业技术资格证书", 200, 50, h=60),
        line("姓名　范平坤", 100, 170),
        line("工作单位　重庆市中医骨科医院", 100, 240),
        line("资格名称　主管技师", 100, 310),
        line("管理号　91776596", 100, 380),
    ]
    id_card = [line("居民身份证", 100, 50), line(f"公民身份号码{ID}", 100, 120), line("住址重庆市", 100, 190)]
    assert identify(qualification).document is Document.QUALIFICATION
    assert identify(title).document is Document.TITLE
    assert identify(id_card).document is Document.ID_CARD
    assert identify([line("会议通知", 100, 100)]).document is Document.OTHER
    found = identify(OLD_P3 + OLD_P2)
    assert (found.document, found.layout) == (Document.PRACTISING, CertificateLayout.OLD_BOOKLET)


def test_one_word_never_turns_a_practising_certificate_into_another_document():
    # 专业 ends the scope, and a 类别 label stands alone: still the current layout's certificate.
    lines = [
        line("姓名：张三", 100, 100),
        line("医师级别：执业医师", 100, 170),
        line("执业范围：内科专业", 100, 240),
        line("专业：内科", 100, 310),
        line("主要执业机构：重庆市人民医院", 100, 380),
    ]
    found = identify(lines)
    assert (found.document, found.layout) == (Document.PRACTISING, CertificateLayout.CURRENT)


def test_a_qualification_spread_whose_title_was_not_read_is_told_by_its_preamble_and_labels():
    # The red title is gone from the red-suppressed page, and the preamble wraps: 授予执业医师资格
    # is what the 资格证书 grants, neither the old booklet's 医师资格 label nor 执业医师法 misread.
    lines = [
        line("姓名：吐尔逊·麦麦提", 1000, 100),
        line("学历：中专", 1000, 170),
        line("毕业学校：川北医学院", 1000, 240),
        line("专业：临床医学", 1000, 310),
        line("吐尔逊·麦麦提经2023年医师资格考试合", 100, 330),
        line("类别：临床", 1000, 380),
        line("格，授予执业医师资格。", 100, 380),
        line(f"证书编码：{QUALIFICATION}", 1000, 450, pitch=22),
        line("发证机关：国家卫生健康委员会", 1000, 520),
        line("签发人：", 1000, 590),
    ]
    assert identify(lines).document is Document.QUALIFICATION
    assistant = [*lines[:6], line("格，授予执业助理医师资格。", 100, 380), *lines[7:]]
    assert identify(assistant).document is Document.QUALIFICATION
    # The old booklet's own label and preamble still speak for it.
    found = identify([*OLD_P3, line("依照《中华人民共和国执业医师法》及有关规定", 100, 40)])
    assert (found.document, found.layout) == (Document.PRACTISING, CertificateLayout.OLD_BOOKLET)


def test_misread_titles_still_tell_the_document():
    lines = [line("医师资恪证书", 200, 50, h=60), line("姓名：徐子", 100, 170), line("学历：中专", 100, 240)]
    assert identify(lines).document is Document.QUALIFICATION


def test_a_change_page_alone_tells_the_layout_by_its_changes():
    moved = Change("执业地点变更", "重庆西南铝医院", "2020-07-15", "九龙坡区卫生健康委员会")
    early = Change("执业范围变更", "外科专业", "2015-03-01", "渝中区卫生局")
    province = Change("执业地点变更", "四川省", "2021-03-01", "重庆市卫生健康委员会")
    assert layout_from_changes([moved]) is CertificateLayout.OLD_BOOKLET
    assert layout_from_changes([early]) is CertificateLayout.OLD_BOOKLET
    assert layout_from_changes([province]) is CertificateLayout.CURRENT
    # An empty change page, or a scope changed since 2017 (old booklets take changes too), does not
    # tell the layout: it is not guessed.
    late = Change("执业范围变更", "外科专业", "2021-03-01", "渝中区卫生健康委员会")
    assert layout_from_changes([]) is None and layout_from_changes([late]) is None


def test_a_value_under_a_redaction_box_is_missing_never_a_neighbours_text():
    # The name is blacked out; level with its label, across the fold, stands other text.
    lines = [*OLD_P3[:1], line("重庆西南铝医院", 700, 100), *OLD_P3[2:]]
    table = TABLES[Form.OLD_BOOKLET]
    assert extract_fields(lines, 0.93, table=table)[FieldKey.NAME].value == "重庆西南铝医院"
    covered = [Box(290, 92, 420, 150)]
    fields = extract_fields(lines, 0.93, layout=read_layout(lines, table, covered), table=table)
    name = fields[FieldKey.NAME]
    assert name.value is None and Flag.MISSING in name.flags
    assert fields[FieldKey.SEX].value == "女"


def test_what_ocr_reads_inside_a_redaction_box_is_dropped():
    # A stray mark read unsurely (as real OCR reads a grey box: 一 at 0.37) is no value.
    lines = [*OLD_P3[:6], line("执业地点：", 100, 490), line("一", 300, 490, conf=0.37), *OLD_P3[8:]]
    covered = [Box(290, 482, 600, 540)]
    layout = read_layout(lines, TABLES[Form.OLD_BOOKLET], covered)
    fields = extract_fields(lines, 0.93, layout=layout, table=TABLES[Form.OLD_BOOKLET])
    assert fields[FieldKey.PRACTICE_PLACE].value is None


def test_a_box_in_which_print_was_read_surely_hides_nothing():
    # A shaded label cell in a dim photo looks like a grey box; its label was read through it.
    covered = [Box(90, 300, 270, 350)]
    fields = extract_fields(OLD_P3, 0.93, layout=read_layout(OLD_P3, TABLES[Form.OLD_BOOKLET], covered))
    assert fields[FieldKey.LEVEL].value == "执业医师" and not fields[FieldKey.LEVEL].review


def test_the_qualification_code_is_digits_only_24_to_27_of_them():
    assert parse_qualification_code(QUALIFICATION).value == QUALIFICATION
    assert parse_qualification_code("2015114O346719740729362974").flags == (Flag.REPAIRED,)
    assert Flag.INVALID_FORMAT in parse_qualification_code("201511403467").flags
    fields = old_booklet(OLD_P3)
    fields[FieldKey.QUALIFICATION_CODE] = fields[FieldKey.QUALIFICATION_CODE].__class__(
        "12345", "12345", 0.99
    )
    checked, _ = run_checks(fields, __import__("datetime").date(2026, 11, 27))
    assert checked[FieldKey.QUALIFICATION_CODE].review


def test_the_pipeline_reads_an_old_booklet_and_keeps_a_qualification_certificates_own_fields(
    scanner: Scanner,
):
    record = scanner.record_from_lines(OLD_P3 + OLD_P2, "old.jpg")
    assert (record.document, record.layout) == (Document.PRACTISING, CertificateLayout.OLD_BOOKLET)
    assert record.value(FieldKey.QUALIFICATION_CODE) == QUALIFICATION
    assert record.current is not None
    assert record.current.value(FieldKey.INSTITUTION) == "酉阳土家族苗族自治县中医院"
    qualification = [
        line("医师资格证书", 200, 30, h=60),
        line("徐子经2019年医师资格考试合格，授予执业助理医师资格。", 100, 120),
        line("姓　名：徐子", 100, 200),
        line("类　别：临床", 100, 270),
        line(f"证书编码：{QUALIFICATION}", 100, 340, pitch=22),
        line("发证机关：国家卫生健康委员会", 100, 410),
        line("发证日期：2019年10月8日", 100, 480),
    ]
    record = scanner.record_from_lines(qualification, "q.jpg")
    assert (record.document, record.layout) == (Document.QUALIFICATION, None)
    assert record.value(FieldKey.CATEGORY) == "临床"
    assert record.value(FieldKey.QUALIFICATION_CODE) == QUALIFICATION
    assert record.value(FieldKey.ISSUE_DATE) == "2019-10-08"
    # The preamble's 执业助理医师 is no level: a 资格证书 registers nobody.
    assert record.value(FieldKey.LEVEL) is None and record.current is None


def test_a_date_typed_off_its_pre_printed_year_month_day_is_read_in_place():
    # The digits were typed half a line higher than the 年 月 日 printed beside the label.
    h = 40
    lines = [
        line("发证日期：", 100, 100),
        line("年", 420, 100),
        line("月", 560, 100),
        line("日", 680, 100),
        line("2015", 320, 100 - 0.9 * h, pitch=24),
        line("12", 500, 100 - 0.9 * h, pitch=24),
        line("27", 620, 100 - 0.9 * h, pitch=24),
    ]
    fields = old_booklet(lines)
    assert fields[FieldKey.ISSUE_DATE].value == "2015-12-27"


def test_a_booklet_page_expects_the_fields_its_labels_name_and_a_whole_certificate_twelve(scanner: Scanner):
    # A booklet's pages are not a faint certificate that lost fields: no second OCR pass for them.
    assert scanner.fields_expected(OLD_P2) == 3  # 编码, 发证机关, 发证日期 (签发人 is nobody's)
    assert scanner.fields_expected(OLD_P3) == 9
    current = [line("姓名：张三", 100, 100), line("医师级别：执业医师", 100, 170)]
    assert scanner.fields_expected(current) == 12


def test_an_authority_of_another_province_printed_without_its_city_is_whole():
    for printed in ("朝阳区卫生局", "洪山区卫生健康委员会", "四川省卫生厅"):
        authority = extract_fields([line(f"发证机关：{printed}", 100, 100)], 0.93)[FieldKey.AUTHORITY]
        assert authority.value == printed and not authority.review
    # A place name that lost its first characters is no place of any province.
    cut = extract_fields([line("发证机关：市渝中区卫生健康委员会", 100, 100)], 0.93)[FieldKey.AUTHORITY]
    assert cut.review


def test_an_issuer_wrapped_beside_its_labels_zhuang_continues_and_the_signer_below_is_not_it():
    # A bilingual booklet from 广西: the issuer's end wrapped onto the line where the label's
    # Zhuang (Gihgvanh fat cwngq) stands, read as one line with it.
    def page(wrapped: str) -> list[OcrLine]:
        zhuang = "Gihgvanhfatcwngq"
        return [
            line("发证机关：广西壮族自治区南宁市兴宁区卫生和计划", 1100, 170),
            line(zhuang + wrapped, 1300 - 12 * len(zhuang), 215, pitch=12),
            line("签发人：", 1100, 265),
            line("李家", 1300, 250, h=60),  # signed: larger than the print, a row of its own
            line("发证日期：2016年9月2日", 1100, 330),
        ]

    whole = old_booklet(page("生育委员会"))[FieldKey.AUTHORITY]
    assert whole.value == "广西壮族自治区南宁市兴宁区卫生和计划生育委员会"
    # Its end half read: the signer's name on the row below is still the signer's.
    half = old_booklet(page("育委会"))[FieldKey.AUTHORITY]
    assert half.value == "广西壮族自治区南宁市兴宁区卫生和计划育委会" and half.review


def test_the_national_ministry_that_signs_a_qualification_certificate_is_whole(scanner: Scanner):
    # It begins with no place's name, and each era's name is on the list: nothing to review.
    for printed in ("中华人民共和国卫生部", "国家卫生和计划生育委员会", "国家卫生健康委员会"):
        lines = [
            line("医师资格证书", 300, 20, h=60),
            line("姓名：徐子", 100, 100),
            line("学历：中专", 100, 170),
            line("毕业学校：重庆三峡医药高等专科学校", 100, 240),
            line(f"证书编码：{QUALIFICATION}", 100, 310, pitch=22),
            line(f"发证机关：{printed}", 100, 380),
        ]
        record = scanner.record_from_lines(lines, "q.jpg")
        authority = record.fields[FieldKey.AUTHORITY]
        assert record.document is Document.QUALIFICATION
        assert (authority.value, authority.review) == (printed, False)
    # With its first character lost, it is cut short.
    cut = extract_fields([line("发证机关：家卫生健康委员会", 100, 100)], 0.93)[FieldKey.AUTHORITY]
    assert Flag.INCOMPLETE in cut.flags


def test_a_change_page_with_every_block_empty_is_still_a_practising_certificate(scanner: Scanner):
    labels = ["新证书编码：", "变更项目：", "变更日期：", "批准机关："] * 2
    lines = [line("变更注册记录", 300, 50)] + [line(t, 100, 150 + 60 * i) for i, t in enumerate(labels)]
    record = scanner.record_from_lines(lines, "p4.jpg")
    assert record.document is Document.PRACTISING and not record.changes
    assert all(field.value is None for field in record.fields.values())
    # Both layouts print the same change page: which booklet it belongs to is not told.
    assert record.layout is None and record.to_json()["layout"] is None


def test_a_label_with_one_character_misread_is_not_the_short_label_inside_it():
    # 证节编码 is the old booklet's 证书编码 misread, not its 编码; 新证节编码 is a change label.
    lines = [
        line(f"证节编码：{QUALIFICATION}", 100, 100, pitch=22),
        line("新证节编码：123456789012345", 100, 200, pitch=22),
    ]
    fields = old_booklet(lines)
    assert fields[FieldKey.QUALIFICATION_CODE].value == QUALIFICATION
    assert fields[FieldKey.CERTIFICATE_CODE].value is None


@pytest.mark.parametrize("path", RECORDED, ids=[p.stem for p in RECORDED])
def test_recorded_documents_are_named_and_read_with_nothing_silently_wrong(scanner: Scanner, path: Path):
    data = json.loads(path.read_text("utf-8"))
    truth = data["truth"]
    # The redaction boxes found on the flat page the lines were read from (quality.redaction_boxes).
    covered = [Box(*box) for box in data["covered"]]
    lines = [OcrLine.from_json(item) for item in data["lines"]]
    record = scanner.record_from_lines(lines, path.name, None, covered)
    assert str(record.document) == truth["document"]
    assert (None if record.layout is None else str(record.layout)) == truth["layout"]
    for key in FIELD_ORDER:
        field, expected = record.fields[key], truth["fields"][str(key)]
        assert field.value == expected, (key, field.value, expected)
    read = [(c.item, c.date, c.value) for c in record.changes]
    assert read == [(c["item"], c["date"], c["value"]) for c in truth["changes"]]
    if truth["current"] is not None:
        assert record.current is not None
        current = record.current.to_json()
        assert {k: current[k] for k in truth["current"]} == truth["current"]


def test_values_whose_labels_were_lost_on_the_old_booklet_are_found_and_reviewed(scanner: Scanner):
    # OCR lost the labels 证书编码 and 执业地点; their values stand alone in the values' column.
    lines = [
        *OLD_P3[:5],
        line(QUALIFICATION, 300, 380, pitch=22),
        line("巫溪县人民医院", 300, 490),
        *OLD_P3[8:],
    ]
    record = scanner.record_from_lines(lines, "p3.jpg")
    code, place = record.fields[FieldKey.QUALIFICATION_CODE], record.fields[FieldKey.PRACTICE_PLACE]
    assert code.value == QUALIFICATION and code.review
    assert place.value == "巫溪县人民医院" and place.review
    assert record.value(FieldKey.INSTITUTION) is None
    # The current layout prints no qualification code: a long number there is nobody's.
    assert extract_fields([line(QUALIFICATION, 300, 380)], 0.93)[FieldKey.QUALIFICATION_CODE].value is None


def test_a_name_whose_label_was_lost_is_found_below_the_other_page_of_stacked_spreads(scanner: Scanner):
    # Two spreads in one picture: p2's 编码 and issuer (right) above p3 (left), whose 姓名 was
    # not read. The name is still the first value of its own column.
    def lowered(ln: OcrLine, dy: float) -> OcrLine:
        return line(ln.text, ln.quad[0][0], ln.quad[0][1] + dy)

    p3 = [lowered(ln, 500) for ln in OLD_P3[1:]]
    lines = [*OLD_P2, *p3]
    name = scanner.record_from_lines(lines, "stacked.jpg").fields[FieldKey.NAME]
    assert name.value == "李秀小" and name.review and Flag.UNLABELLED in name.flags


def test_a_certificate_code_after_a_date_is_no_change_page(scanner: Scanner):
    # 1证书编码 reads like 新证书编码 with one character misread; it is the current layout's own label.
    lines = [line("姓名：张三", 100, 100), line("发证日期：2026.03.21证书编码：125002252454409", 100, 170)]
    assert not identify(lines).change_pages
    assert scanner.fields_expected(lines) == 12


def test_a_document_known_by_its_title_alone_is_named_even_when_no_field_was_read(scanner: Scanner):
    # A hard photo of a 资格证书: its title read, its labels and values lost.
    lines = [line("医师资格证书", 200, 50, h=60), line("大学出科", 100, 200), line("2024112", 100, 270)]
    record = scanner.record_from_lines(lines, "q.jpg")
    assert record.document is Document.QUALIFICATION
    assert all(field.value is None or field.review for field in record.fields.values())


def test_a_place_elsewhere_in_china_misread_by_one_character_is_restored_and_reviewed(scanner: Scanner):
    # A doctor who moved from Inner Mongolia: 浩 read as 油 in the institution, a prefecture read
    # wrong after its province in the issuer. Each is one place name away, so restored, reviewed.
    lines = [
        *(ln for ln in OLD_P3 if not ln.text.startswith("执业地点")),
        line("执业地点：呼和油特市第一医院", 100, 490),
        line("编　码：115002425322006", 1100, 100, pitch=24),
        line("发证机关：内蒙古自治区呼和浩持市新城区卫生局", 1100, 170),
        line("发证日期：2015年12月27日", 1100, 310),
    ]
    record = scanner.record_from_lines(lines, "moved.jpg")
    place, authority = record.fields[FieldKey.PRACTICE_PLACE], record.fields[FieldKey.AUTHORITY]
    assert place.value == "呼和浩特市第一医院" and place.review
    assert authority.value == "内蒙古自治区呼和浩特市新城区卫生局" and authority.review
    assert record.current is not None
    assert record.current.value(FieldKey.INSTITUTION) == "呼和浩特市第一医院"


def test_only_one_place_one_character_away_is_restored():
    assert restored_place("石家压市第一医院") == "石家庄市第一医院"
    assert restored_place("黑尤江省人民医院") == "黑龙江省人民医院"
    # Printed right, or too far from any place, or only three characters long: left as read.
    left = ("呼和浩特市第一医院", "内蒙古自治区新制养考城区卫生局", "包斗市中心医院", "秀山创友骨科医院")
    for text in left:
        assert restored_place(text) is None, text
    # Chongqing's own names are the gazetteer's to match.
    assert restored_place("西阳土家族苗族自治县人民医院") is None


@pytest.mark.slow
@pytest.mark.parametrize(
    ("seed", "pages", "warned"),
    [
        (14, ["p4"], {HOLDER_PAGE_NOT_SHOWN, CODE_PAGE_NOT_SHOWN}),
        (8, ["p2"], {HOLDER_PAGE_NOT_SHOWN}),
        (9, ["p3", "p4"], {CODE_PAGE_NOT_SHOWN}),
        # Name and ID number under redaction boxes: their labels show the page.
        (10, ["p1", "p2", "p3", "p4"], set()),
    ],
)
def test_the_pages_of_a_booklet_not_in_the_picture_are_named_with_what_to_do(
    tmp_path: Path, scanner: Scanner, seed: int, pages: list[str], warned: set[str]
):
    from scanner.report import summary
    from scanner.review.retake import Cause, photo_advice
    from scanner.synth import generate_documents

    (truth_path,) = generate_documents(tmp_path, count=1, seed=seed, modes=("scan",), kinds=("old_booklet",))
    truth = json.loads(truth_path.read_text("utf-8"))
    assert truth["pages"] == pages
    record = scanner.scan_file(tmp_path / truth["file"])
    assert {w for w in record.warnings if w in PAGE_FIELDS} == warned
    advice = photo_advice(record)
    named = {FieldKey.NAME, FieldKey.ID_NUMBER} if HOLDER_PAGE_NOT_SHOWN in warned else set()
    named |= {FieldKey.CERTIFICATE_CODE, FieldKey.AUTHORITY} if CODE_PAGE_NOT_SHOWN in warned else set()
    pages_step = [step for step in advice.steps if step.cause is Cause.PAGE_NOT_SHOWN]
    assert {k for step in pages_step for k in step.fields} == named
    if named:
        assert advice.steps[0] == pages_step[0] and advice.retake
    # Not "face the certificate squarely": no better photo of this page brings those fields back.
    assert not {k for step in advice.steps if step.cause is Cause.MISSING for k in step.fields} & named
    shown = summary(record)
    assert ("照片里没有印姓名、身份证号的那一页：请把这一页也拍下来" in shown) == bool(
        HOLDER_PAGE_NOT_SHOWN in warned
    )
    assert ("照片里没有印编码、发证机关的那一页" in shown) == bool(CODE_PAGE_NOT_SHOWN in warned)
