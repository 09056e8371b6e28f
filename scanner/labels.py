"""Every way a field's label is written: on the certificate, in registry exports and in HR rosters.

One table, one row per field. A reader of certificates, an importer of registry files and a roster
reader each look a column up by its label, but each meets different spellings: a certificate prints
公民身份号码 where a registry export heads the column 身份证号 and a clerk types 身份证. Each
column below says where its spellings are met; extraction (`scanner.extract`), the registry import
and the roster take theirs from here. The label people are shown in summaries is
`fields.FIELD_LABELS_ZH`; it is the first registry header of each field (a test holds them equal).

A leaf module: it imports only `scanner.fields` and the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass

from .fields import FieldKey


@dataclass(frozen=True)
class LabelSpellings:
    """The spellings of one field's label, by where they are met."""

    # As printed on certificates, the variants extraction matches. A longer variant wins over a
    # shorter one inside it (主要执业机构 over 执业机构); among variants of one length the earlier
    # one is tried first, so the order is part of the reading.
    printed: tuple[str, ...]
    # As registry exports and rosters head a column; the first is the label people are shown
    # (fields.FIELD_LABELS_ZH), which messages about the column quote.
    headers: tuple[str, ...]
    # As HR rosters head a column (besides the English key); only the fields a roster holds.
    roster: tuple[str, ...] = ()


LABELS: dict[FieldKey, LabelSpellings] = {
    FieldKey.NAME: LabelSpellings(
        printed=("姓名",),
        headers=("姓名", "医师姓名"),
        roster=("姓名",),
    ),
    FieldKey.SEX: LabelSpellings(printed=("性别",), headers=("性别",)),
    FieldKey.BIRTH_DATE: LabelSpellings(
        printed=("出生日期", "出生年月"),
        headers=("出生日期", "出生年月日"),
    ),
    FieldKey.ID_NUMBER: LabelSpellings(
        printed=("公民身份号码", "身份证件号码", "身份证号码", "身份证号", "证件号码"),
        headers=("身份证号", "身份证号码", "证件号码", "公民身份号码", "身份证"),
    ),
    FieldKey.LEVEL: LabelSpellings(
        printed=("医师级别", "执业级别"),
        headers=("医师级别", "级别", "执业级别"),
    ),
    FieldKey.CATEGORY: LabelSpellings(printed=("执业类别",), headers=("执业类别", "类别")),
    FieldKey.SCOPE: LabelSpellings(printed=("执业范围",), headers=("执业范围", "范围")),
    FieldKey.PRACTICE_PLACE: LabelSpellings(printed=("执业地点",), headers=("执业地点",)),
    FieldKey.INSTITUTION: LabelSpellings(
        printed=("主要执业机构", "执业机构"),
        # 执业地点名称: the registration system's institution exports name the institution so.
        headers=("主要执业机构", "执业机构", "执业单位", "工作单位", "执业地点名称", "执业机构名称"),
        roster=("机构", "主要执业机构", "执业机构", "单位", "工作单位"),
    ),
    FieldKey.AUTHORITY: LabelSpellings(
        printed=("发证机关", "签发机关"),
        headers=("发证机关", "注册机关", "发证单位", "审批机关", "批准机关"),
    ),
    FieldKey.ISSUE_DATE: LabelSpellings(
        printed=("发证日期", "签发日期"),
        headers=("发证日期", "签发日期"),
    ),
    FieldKey.CERTIFICATE_CODE: LabelSpellings(
        printed=("证书编码", "证书编号"),
        headers=("证书编码", "证书编号", "执业证书编码", "执业证书编号"),
    ),
    # The old booklet prints the 医师资格证书 code as 证书编码 on its personal page: which field a
    # 证书编码 label names depends on the layout (scanner.extract), so only the long forms are here.
    FieldKey.QUALIFICATION_CODE: LabelSpellings(
        printed=("医师资格证书编码", "资格证书编码"),
        headers=("医师资格证书编码", "执业资格证书编号", "资格证书编码", "资格证书编号", "医师资格证书编号"),
    ),
}

# The labels printed on certificates, per field, in the order extraction tries them.
PRINTED_LABELS: dict[FieldKey, tuple[str, ...]] = {key: spelt.printed for key, spelt in LABELS.items()}
# The column headers of registry exports, per field key as a string (the importer's keys).
HEADER_LABELS: dict[str, tuple[str, ...]] = {str(key): spelt.headers for key, spelt in LABELS.items()}


def roster_headers(key: FieldKey) -> tuple[str, ...]:
    """The headers a roster column of this field may have: its English key, then the Chinese ones."""
    return (str(key), *LABELS[key].roster)
