"""HR rosters: reading them as HR saves them, finding a file's line, comparing with the certificate."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.batch.roster import Roster, RosterField, same_name
from scanner.errors import ConfigError
from scanner.fields import CertificateRecord, FieldKey, FieldResult
from scanner.normalize import InstitutionMatcher


@pytest.fixture(scope="module")
def matcher() -> InstitutionMatcher:
    return InstitutionMatcher()


def record(file: str, name: str | None, institution: str | None) -> CertificateRecord:
    fields = {key: FieldResult.missing() for key in FieldKey}
    if name is not None:
        fields[FieldKey.NAME] = FieldResult(name, name, 0.99)
    if institution is not None:
        fields[FieldKey.INSTITUTION] = FieldResult(institution, institution, 0.99)
    return CertificateRecord(file=file, fields=fields)


def test_a_roster_saved_by_chinese_excel_with_chinese_headers_is_read(tmp_path: Path):
    path = tmp_path / "花名册.csv"
    path.write_bytes("文件,姓名,单位\n张三.jpg,张三,重医附一院\n".encode("gb18030"))
    (entry,) = Roster.read(path).entries
    assert (entry.file, entry.name, entry.institution, entry.page) == ("张三.jpg", "张三", "重医附一院", None)


def test_a_roster_without_a_file_column_is_one_sentence(tmp_path: Path):
    path = tmp_path / "hr.csv"
    path.write_text("name,institution\n张三,重医附一院\n", encoding="utf-8-sig")
    with pytest.raises(ConfigError, match="has no file column"):
        Roster.read(path)


def test_a_file_is_found_by_its_name_or_the_end_of_its_path_and_by_page(tmp_path: Path):
    path = tmp_path / "hr.csv"
    path.write_text(
        "file,name,institution,page\na.jpg,甲,,\n2024/a.jpg,乙,,\nstaff.pdf,丙,,\nstaff.pdf,丁,,2\n",
        encoding="utf-8",
    )
    roster = Roster.read(path)
    assert roster.lookup("/data/hr/2023/A.JPG").name == "甲"
    assert roster.lookup("/data/hr/2024/a.jpg").name == "乙"  # the longer path end wins
    assert roster.lookup("scans/staff.pdf", 1).name == "丙"
    assert roster.lookup("scans/staff.pdf", 2).name == "丁"  # a line for the page wins
    assert roster.lookup("other.jpg") is None


def test_an_abbreviated_institution_agrees_with_the_official_name(tmp_path: Path, matcher):
    path = tmp_path / "hr.csv"
    path.write_text("file,name,institution\na.jpg,张三,重医附一院\n", encoding="utf-8")
    check = Roster.read(path).check(record("in/a.jpg", "张三", "重庆医科大学附属第一医院"), matcher)
    assert check is not None and not check.flagged
    assert check.to_json() == {"name": "张三", "institution": "重医附一院", "disagree": [], "unsure": []}


def test_a_different_name_and_institution_disagree(tmp_path: Path, matcher):
    path = tmp_path / "hr.csv"
    path.write_text("file,name,institution\na.jpg,李四,西南医院\n", encoding="utf-8")
    check = Roster.read(path).check(record("a.jpg", "张三", "重庆医科大学附属第一医院"), matcher)
    assert check is not None and check.disagree == (RosterField.NAME, RosterField.INSTITUTION)


def test_a_field_not_read_cannot_be_compared_surely(tmp_path: Path, matcher):
    path = tmp_path / "hr.csv"
    path.write_text("file,name,institution\na.jpg,张三,重医附一院\n", encoding="utf-8")
    check = Roster.read(path).check(record("a.jpg", None, "重庆医科大学附属第一医院"), matcher)
    assert check is not None and check.unsure == (RosterField.NAME,) and check.disagree == ()


def test_names_agree_across_middle_dots_widths_and_spaces():
    assert same_name("阿依古丽·买买提", "阿依古丽•买买提")
    assert same_name("阿依古丽．买买提", "阿依古丽·买买提")
    assert same_name("张 三", "张三")
    assert not same_name("张三", "张山")
