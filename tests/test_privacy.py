"""What people may see: no human output (scan and verify summaries, advice, check details, in either
language) shows enough of an ID number and birth date to rebuild the number in fewer than 10,000
guesses; the JSON keeps the full values."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re

import pytest
from helpers import make_id
from stdnum.cn import ric
from test_registry import write_csv, zhang

from scanner.checks import run_checks
from scanner.fields import CERTIFICATE_FIELDS, CertificateRecord, FieldResult
from scanner.registry.importer import import_csv
from scanner.registry.sqlite import SqliteRegistry
from scanner.report import summary, verification_json, verify_summary
from scanner.verify import Verifier

TODAY = dt.date(2026, 11, 27)
# The holder: born 1975-08-14 in 510202 (a Sichuan code Chongqing numbers keep), a man.
HOLDER_ID = make_id("510202", "19750814", "755")
BIRTH = "1975-08-14"
# The registry holds the printed code under the same name with another ID number and birth date,
# so the verify summary shows both sides of both differences.
REGISTERED_ID = make_id("510202", "19750815", "753")
PROMISED_GUESSES = 10_000


def reading(**values: str) -> CertificateRecord:
    truth = zhang(name="李四", id_number=HOLDER_ID, birth_date=BIRTH)
    fields = {}
    for key in CERTIFICATE_FIELDS:
        value = values.get(str(key), truth[str(key)])
        fields[key] = FieldResult(value, value, 0.995)
    fields, checks = run_checks(fields, TODAY)
    return CertificateRecord(file="photo.jpg", fields=fields, checks=checks)


@pytest.fixture(scope="module")
def verifier(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("registry")
    row = zhang(name="李四", id_number=REGISTERED_ID, birth_date="1975-08-15")
    store = SqliteRegistry.create(tmp / "registry.db")
    import_csv(write_csv(tmp / "r.csv", [row]), store)
    yield Verifier(store)
    store.close()


def human_outputs(verifier: Verifier) -> str:
    """Everything people read about the holder: both summaries in both languages, for a reading
    whose checks pass and one whose sex and birth date disagree with the ID number (so the failed
    checks' details quote them)."""
    records = [reading(), reading(sex="女", birth_date="1975-08-16")]
    texts = []
    for record in records:
        for lang in ("zh", "en"):
            texts.append(summary(record, lang))
            texts.append(verify_summary(verifier.verify(record), lang))
    return "\n".join(texts)


def guesses_left(text: str, sex_male: bool) -> int:
    """How many ID numbers fit what the text shows of one: the region and check character of the
    masked number, the birth year, and the sex (every day of the year, every sequence of the
    right parity)."""
    [(region, check)] = set(re.findall(r"(\d{6})\*{11}([\dX])", text)) & {(HOLDER_ID[:6], HOLDER_ID[-1])}
    years = set(re.findall(r"(\d{4})-\*\*-\*\*", text))
    assert years == {BIRTH[:4]}
    year = int(BIRTH[:4])
    count = 0
    for month in range(1, 13):
        for day in range(1, calendar.monthrange(year, month)[1] + 1):
            for seq in range(1 if sex_male else 0, 1000, 2):
                body = f"{region}{year}{month:02d}{day:02d}{seq:03d}"
                count += ric.calc_check_digit(body) == check
    return count


def test_no_human_output_rebuilds_the_id_number_in_fewer_than_10000_guesses(verifier):
    text = human_outputs(verifier)
    for id_number in (HOLDER_ID, REGISTERED_ID):
        assert id_number not in text
        assert id_number[6:14] not in text  # the birth-date digits, in any run
    for birth in (BIRTH, "1975-08-15", "1975-08-16"):
        assert birth not in text and birth.replace("-", "") not in text
    # No digit of the sequence either, in a check's detail (its parity is the sex, shown anyway).
    assert not re.search(r"第17位\d|17th digit \d", text)
    # What is shown: the masked numbers and the birth year.
    assert "510202***********" + HOLDER_ID[-1] in text and "1975-**-**" in text
    assert guesses_left(text, sex_male=True) >= PROMISED_GUESSES


def test_the_json_keeps_the_full_values(verifier):
    row = verification_json(verifier.verify(reading()))
    assert row["fields"]["id_number"]["value"] == HOLDER_ID
    assert row["fields"]["birth_date"]["value"] == BIRTH
    differences = {d["field"]: (d["certificate"], d["registry"]) for d in row["differences"]}
    assert differences["id_number"] == (HOLDER_ID, REGISTERED_ID)
    assert differences["birth_date"] == (BIRTH, "1975-08-15")
    assert HOLDER_ID in json.dumps(row, ensure_ascii=False)
