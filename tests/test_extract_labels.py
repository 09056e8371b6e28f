"""The one label table (scanner.labels): what extraction, the registry import and the roster read."""

from __future__ import annotations

from helpers import line

from scanner.batch import roster
from scanner.extract import LABELS, extract_fields
from scanner.fields import FIELD_LABELS_ZH, FieldKey
from scanner.labels import HEADER_LABELS, PRINTED_LABELS, roster_headers
from scanner.labels import LABELS as SPELLINGS
from scanner.registry.table import header_key


def test_every_field_has_its_labels_and_the_shown_label_heads_the_registry_headers():
    assert list(SPELLINGS) == list(FieldKey)
    for key, spelt in SPELLINGS.items():
        assert spelt.headers[0] == FIELD_LABELS_ZH[key]
        assert FIELD_LABELS_ZH[key] in spelt.printed
        assert len(set(spelt.printed)) == len(spelt.printed)


def test_extraction_reads_the_printed_labels_of_the_table():
    assert LABELS == PRINTED_LABELS
    values = {FieldKey.SEX: "女", FieldKey.INSTITUTION: "重庆市人民医院", FieldKey.ISSUE_DATE: "2015-07-01"}
    for key, value in values.items():
        for label in PRINTED_LABELS[key]:
            assert extract_fields([line(f"{label}：{value}", 100, 100)], 0.93)[key].value == value


def test_the_registry_import_and_the_roster_accept_the_spellings_of_the_table():
    for key, headers in HEADER_LABELS.items():
        for header in (key, *headers):
            assert header_key(header) == key, header
    assert header_key("其他执业机构") == "other_institutions" and header_key("学历") is None
    assert roster._HEADERS["name"] == roster_headers(FieldKey.NAME) == ("name", "姓名")
    assert "主要执业机构" in roster._HEADERS["institution"]
