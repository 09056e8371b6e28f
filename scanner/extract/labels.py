"""The printed labels as extraction finds them in a row of text: exact, or with one character misread.

Which field a printed label names depends on the document: the old 卫生部 booklet prints the 医师资格证书
code as 证书编码 and the practising code as 编码, and puts the level under 医师资格; a 医师资格证书 prints
the category as 类别. So the labels come as one `LabelTable` per printed form (`TABLES`), each turned
into the one regular expression that cuts a row at its labels. A table also holds the form's other
labels (签发人, 学历, 工作单位, 变更日期 …): they name no canonical field, but they end the value
before them and their own values are nobody's.

The spellings of the current layout are `scanner.labels`; the other forms change what differs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from ..fields import FieldKey
from ..labels import PRINTED_LABELS


class Form(StrEnum):
    """A printed form whose labels extraction reads (a document, and for practising certificates its
    layout)."""

    CURRENT = "current"
    OLD_BOOKLET = "old_booklet"
    QUALIFICATION = "qualification_certificate"
    TITLE = "title_certificate"
    ID_CARD = "id_card"


# Labels of every booklet's 变更注册记录 and of the 签发人 beside the issuer: nobody's field, whatever
# is left of the change record after its own reader took it.
_CHANGE_LABELS = ("新证书编码", "变更项目", "变更日期", "批准机关", "签发人")


@dataclass(frozen=True)
class LabelTable:
    """The labels of one printed form: per canonical field its printed variants (longer ones win over
    shorter ones inside them), and the form's labels of no canonical field (`other`)."""

    by_key: dict[FieldKey, tuple[str, ...]]
    other: tuple[str, ...] = ()
    form: Form = Form.CURRENT
    # Fields whose value has another field's form on this document (the old booklet's 执业地点 names
    # an institution): read, wrapped and flagged as that field.
    read_as: dict[FieldKey, FieldKey] = field(default_factory=dict)

    def kind(self, key: FieldKey) -> FieldKey:
        """The field whose form `key`'s value has on this document."""
        return self.read_as.get(key, key)

    def __getitem__(self, key: FieldKey) -> tuple[str, ...]:
        return self.by_key.get(key, ())

    @cached_property
    def owner(self) -> dict[str, FieldKey | None]:
        """Each printed label and the field it names (None for the form's other labels)."""
        out: dict[str, FieldKey | None] = {v: None for v in self.other}
        out.update({v: k for k, vs in self.by_key.items() for v in vs})
        return out

    @cached_property
    def slips(self) -> dict[str, FieldKey | None]:
        """Labels of four or more characters with any one character misread (执业类制 for 执业类别).

        A pattern that two labels of different fields share (执业?别: 执业类别 and 执业级别) is dropped:
        it would not say which field follows; so is one whose unchanged part holds another field's
        label whole (?证书编码 of 新证书编码).
        """
        owners: dict[str, set[FieldKey | None]] = {}
        for label, key in self.owner.items():
            if len(label) < 4:
                continue
            for i in range(len(label)):
                if self._holds_other(label[:i], key) or self._holds_other(label[i + 1 :], key):
                    # 新证书编码 with 新 misread is still 证书编码 read right: the exact label decides.
                    continue
                pattern = re.escape(label[:i]) + "[\u4e00-\u9fff]" + re.escape(label[i + 1 :])
                owners.setdefault(pattern, set()).add(key)
        return {p: next(iter(keys)) for p, keys in owners.items() if len(keys) == 1}

    def _holds_other(self, text: str, key: FieldKey | None) -> bool:
        """Whether text holds a long label (four characters or more) of a field other than `key`
        whole. A short one (编码) inside a longer label (证书编码, 新证书编码) does not count: with one
        character misread, the longer label is still the likelier reading."""
        return any(other != key and len(label) >= 4 and label in text for label, other in self.owner.items())

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """Exact labels first (longest first), then the one-slip forms: at one position an exact
        label wins."""
        exact = sorted(self.owner, key=len, reverse=True)
        slips = sorted(self.slips, key=len, reverse=True)
        return re.compile(
            "|".join(
                [f"(?P<x{i}>{re.escape(v)})" for i, v in enumerate(exact)]
                + [f"(?P<s{i}>{p})" for i, p in enumerate(slips)]
            )
        )

    @cached_property
    def group_key(self) -> dict[str, FieldKey | None]:
        """The field each named group of `regex` stands for (None: a label of no field)."""
        exact = sorted(self.owner, key=len, reverse=True)
        slips = sorted(self.slips, key=len, reverse=True)
        return {
            **{f"x{i}": self.owner[v] for i, v in enumerate(exact)},
            **{f"s{i}": self.slips[p] for i, p in enumerate(slips)},
        }


def _changed(
    base: dict[FieldKey, tuple[str, ...]], **changes: tuple[str, ...]
) -> dict[FieldKey, tuple[str, ...]]:
    out = dict(base)
    for key, labels in changes.items():
        out[FieldKey(key)] = labels
    return out


_PERSON = ("name", "sex", "birth_date", "id_number")

TABLES: dict[Form, LabelTable] = {
    Form.CURRENT: LabelTable(PRINTED_LABELS, _CHANGE_LABELS, Form.CURRENT),
    # p2: 编码 is the practising code; p3: 医师资格 holds the level and 证书编码 the 医师资格证书 code.
    Form.OLD_BOOKLET: LabelTable(
        _changed(
            PRINTED_LABELS,
            level=("医师资格", *PRINTED_LABELS[FieldKey.LEVEL]),
            certificate_code=("执业证书编码", "编码"),
            qualification_code=(*PRINTED_LABELS[FieldKey.QUALIFICATION_CODE], "证书编码", "证书编号"),
        ),
        _CHANGE_LABELS,
        Form.OLD_BOOKLET,
        {FieldKey.PRACTICE_PLACE: FieldKey.INSTITUTION},
    ),
    # The 医师资格证书: 类别 is the category, 证书编码 its own code; no level, scope or institution.
    Form.QUALIFICATION: LabelTable(
        {
            **{FieldKey(k): PRINTED_LABELS[FieldKey(k)] for k in _PERSON},
            FieldKey.CATEGORY: ("执业类别", "类别"),
            FieldKey.AUTHORITY: PRINTED_LABELS[FieldKey.AUTHORITY],
            FieldKey.ISSUE_DATE: PRINTED_LABELS[FieldKey.ISSUE_DATE],
            FieldKey.QUALIFICATION_CODE: (
                *PRINTED_LABELS[FieldKey.QUALIFICATION_CODE],
                "证书编码",
                "证书编号",
            ),
        },
        ("学历", "毕业学校", "专业", "签发人"),
        Form.QUALIFICATION,
    ),
    # The 专业技术资格证书 (职称): the person, and its own labels of no field.
    Form.TITLE: LabelTable(
        {FieldKey(k): PRINTED_LABELS[FieldKey(k)] for k in _PERSON},
        ("工作单位", "资格名称", "批准日期", "管理号", "专业名称", "资格级别", "评审机构"),
        Form.TITLE,
    ),
    Form.ID_CARD: LabelTable(
        {
            **{FieldKey(k): PRINTED_LABELS[FieldKey(k)] for k in _PERSON},
            FieldKey.BIRTH_DATE: ("出生日期", "出生"),
        },
        ("民族", "住址", "签发机关", "有效期限"),
        Form.ID_CARD,
    ),
}
CURRENT_TABLE = TABLES[Form.CURRENT]

# Printed label variants per field of the current layout (the table in scanner.labels).
LABELS: dict[FieldKey, tuple[str, ...]] = PRINTED_LABELS

# The current layout's regular expression and group names, as before tables per form existed.
_LABEL_RE = CURRENT_TABLE.regex
_GROUP_KEY = CURRENT_TABLE.group_key
