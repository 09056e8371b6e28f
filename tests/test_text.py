"""The shared text helpers: what people may see of personal data, spreadsheet cells, addresses."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os

from helpers import make_id
from stdnum.cn import ric

from scanner.errors import CertscanError, InputError
from scanner.text import (
    file_sha256,
    mask_birth_date,
    mask_id,
    mask_personal,
    redact_url,
    shown_path,
    spreadsheet_cell,
    without_credentials,
)


def test_a_masked_id_shows_the_region_and_the_check_character_only():
    number = make_id("510202", "19750814", "755")
    assert mask_id(number) == "510202" + "*" * 11 + number[-1]
    assert mask_id(None) is None


def test_a_birth_date_shown_beside_a_masked_id_keeps_only_its_year():
    assert mask_birth_date("1975-08-14") == "1975-**-**"
    assert mask_birth_date("1975年8月14日") == "1975年**月**日"
    assert mask_birth_date(None) is None


def test_what_a_summary_shows_leaves_at_least_ten_thousand_candidate_id_numbers():
    """The promise of the masking policy, counted: the year, the sex (the parity of the 17th digit),
    the region and the check character shown, every other digit free."""
    number = make_id("510202", "19750814", "755")  # a man: 17th digit odd
    shown, year = mask_id(number), mask_birth_date("1975-08-14")
    assert shown is not None and year is not None
    region, check = shown[:6], shown[-1]
    first = dt.date(int(year[:4]), 1, 1)
    days = [(first + dt.timedelta(days=n)).strftime("%Y%m%d") for n in range(366)]
    candidates = sum(
        ric.calc_check_digit(f"{region}{day}{seq:03d}0") == check
        for day in days
        if day.startswith(year[:4])
        for seq in range(1, 1000, 2)
    )
    assert candidates >= 10_000


def test_personal_numbers_and_dates_in_free_text_are_masked_but_certificate_codes_are_not():
    number = make_id("500103", "19870312", "041")
    text = f"身份证号{number}的出生日期为1987-03-12，证书编码215001098582736"
    masked = mask_personal(text)
    assert number not in masked and "1987-03-12" not in masked
    assert "500103" in masked and "1987-**-**" in masked and "215001098582736" in masked


def test_no_spreadsheet_cell_starts_a_formula_and_long_numbers_stay_text():
    hostile = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
    for value in hostile:
        assert spreadsheet_cell(value) == "'" + value
    for number in ("-3.5", "42", "+7"):
        assert spreadsheet_cell(number) == number
    for long in ("510202197508147552", "51020219750814755X", "215001098582736", "0123"):
        cell = spreadsheet_cell(long)
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r") and cell.endswith(long)
        assert not cell.isdigit()  # Excel would show 5.10202E+17 and lose digits
    buffer = io.StringIO()
    csv.writer(buffer).writerow([spreadsheet_cell(v) for v in hostile])
    assert all(cell[:1] == "'" for cell in next(csv.reader(io.StringIO(buffer.getvalue()))))


def test_an_address_is_printed_without_its_user_name_and_password():
    assert redact_url("http://hr:S3cret@host:8080/api?x=1") == "http://host:8080/api?x=1"
    assert redact_url("https://registry.example.org/api") == "https://registry.example.org/api"
    assert "S3cret" not in redact_url("https://hr:S3cret@[::1]/api")


def test_a_file_name_that_is_not_utf8_is_shown_with_its_bytes_escaped():
    gbk = os.fsdecode(b"\xd5\xc5\xc8\xfd.jpg")
    assert shown_path(gbk) == "\\xd5\\xc5\\xc8\\xfd.jpg"
    assert shown_path("张三.jpg") == "张三.jpg"


def test_an_error_speaks_the_readers_language():
    error = InputError("a.jpg", "not an image", "不是图片")
    assert error.text("zh") == "a.jpg：不是图片" and error.text("en") == "a.jpg: not an image"
    assert CertscanError("only English").text("zh") == "only English"


def test_a_files_sha256_names_its_content(tmp_path):
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"certificate" * 100_000)
    b.write_bytes(b"certificate" * 100_000)
    assert file_sha256(a) == file_sha256(b) == hashlib.sha256(b"certificate" * 100_000).hexdigest()


def test_addresses_quoted_in_a_sentence_lose_their_credentials():
    said = "无法连接登记库https://hr:S3cret@host/api：超时。 see http://a:b@[::1]:8080/x and ftp://plain/"
    shown = without_credentials(said)
    assert "S3cret" not in shown and "a:b@" not in shown
    assert "https://host/api：超时。" in shown and "http://[::1]:8080/x" in shown and "ftp://plain/" in shown
