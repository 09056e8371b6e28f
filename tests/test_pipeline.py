"""The pipeline around extraction: institution names normalized in the scanned record."""

from __future__ import annotations

from helpers import line

from scanner.fields import FieldKey, Flag


def test_short_institution_name_on_a_certificate_becomes_the_official_name(scanner):
    record = scanner.record_from_lines([line("主要执业机构：重医附一院", 100, 100)], "x.jpg")
    field = record.fields[FieldKey.INSTITUTION]
    assert field.value == "重庆医科大学附属第一医院"
    assert field.raw is not None and field.raw.endswith("重医附一院")
    assert field.flags == (Flag.NORMALIZED,) and not field.review


def test_unknown_institution_passes_through_unchanged(scanner):
    record = scanner.record_from_lines([line("主要执业机构：重庆渝中康宁诊所", 100, 100)], "x.jpg")
    field = record.fields[FieldKey.INSTITUTION]
    assert field.value == "重庆渝中康宁诊所" and Flag.NORMALIZED not in field.flags


def test_unsure_institution_keeps_the_reading_and_is_reviewed(scanner):
    # 第三 where the gazetteer knows only 第二 and unnumbered: no sure match.
    record = scanner.record_from_lines([line("主要执业机构：重庆市巴南区第三人民医院", 100, 100)], "x.jpg")
    field = record.fields[FieldKey.INSTITUTION]
    assert field.value == "重庆市巴南区第三人民医院"
    assert field.review


def test_pages_a_resumed_run_already_holds_are_not_read_again(scanner, tmp_path):
    import io

    from helpers import pdf_of_jpegs
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(buffer, "JPEG")
    pdf = tmp_path / "staff.pdf"
    pdf.write_bytes(pdf_of_jpegs([buffer.getvalue()] * 3, broken={2}))
    (only,) = scanner.read_file(pdf, skip={1, 3})
    assert only.record.page == 2 and only.record.error and only.pages == 3 and only.image is None
