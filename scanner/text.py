"""Small text helpers every layer shares: the output language, what people may see of personal data,
how wide a character is, spreadsheet-safe cells, addresses without credentials, file names that are
not UTF-8 and the SHA-256 of a file that names its content.

A leaf module: it imports nothing of certscan, so anything may import it.

What people may see (the privacy policy of every human-readable output: summaries, advice, the
HTML report, import errors). An ID number is 6 region digits, 8 birth-date digits, 3 sequence
digits whose last is odd for men and even for women, and a check character computed from the rest.
A human output also shows the sex, and the authority hints at the region, so assume both known.
If the whole birth date were shown, the ID number would be 500 guesses away (the sequence, with
its parity known) however much of the number itself is hidden. So a human output shows the birth
year only (`1975-**-**`), and of the ID number the region and the check character
(`510202***********2`): 365 days x 500 sequences / 11 check characters = about 16,600 guesses at
the least, above the 10,000 we promise. The full values appear only in machine-readable output the
user asked for (`--json`, the results file, the CSV) and on the review page, where a reviewer must
compare the number with the certificate to correct it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

Lang = Literal["zh", "en"]

# Digits of an ID number shown at each end in human outputs (see the module docstring).
ID_SHOWN_HEAD = 6
ID_SHOWN_TAIL = 1

_DATE = re.compile(r"(?<!\d)(\d{4})([-/.年])(\d{1,2})([-/.月])(\d{1,2})(日?)(?!\d)")
# 18 characters only: a 15-digit number here is a certificate code, which is no personal data.
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")


def mask_id(value: str | None) -> str | None:
    """An ID number as people may see it: `510202***********2` (region and check character)."""
    if value is None or len(value) <= ID_SHOWN_HEAD + ID_SHOWN_TAIL + 2:
        return value
    hidden = len(value) - ID_SHOWN_HEAD - ID_SHOWN_TAIL
    return value[:ID_SHOWN_HEAD] + "*" * hidden + value[-ID_SHOWN_TAIL:]


def mask_birth_date(value: str | None) -> str | None:
    """A birth date as people may see it beside a masked ID number: the year only (`1975-**-**`)."""
    if value is None:
        return None
    match = _DATE.fullmatch(value.strip())
    if match is None:
        return "*" * len(value) if value else value
    year, sep1, _month, sep2, _day, tail = match.groups()
    return f"{year}{sep1}**{sep2}**{tail}"


def mask_personal(text: str) -> str:
    """Free text for people (a check's detail, an import error) with every ID-like number and date
    in it masked: text quoting a value must not print what the field itself would hide."""
    return _DATE.sub(lambda m: mask_birth_date(m.group(0)) or "", mask_id_numbers(text))


def mask_id_numbers(text: str) -> str:
    """Text with every 18-character ID-like number in it masked, dates left alone: for file names
    in shared reports (HR files are often named by the holder's ID number)."""
    return _ID_LIKE.sub(lambda m: mask_id(m.group(1)) or "", text)


# ------------------------------------------------------------------ width

# Characters from here on (CJK radicals, kana, ideographs, full-width forms) are a full em wide in
# print and take two terminal columns; others about half as much. One place once tested `> 0x2E80`:
# U+2E80 itself occurs in no output (no field label holds it, and it is none of the recognizer's
# 18,710 characters), so testing `>=` everywhere changed nothing.
WIDE_FROM = 0x2E80


def is_wide(char: str) -> bool:
    """Whether a character is a full em wide (CJK), not about half as wide (Latin, digits)."""
    return ord(char) >= WIDE_FROM


def display_width(text: str) -> int:
    """Terminal columns the text takes: wide characters two, others one."""
    return sum(2 if is_wide(c) else 1 for c in text)


# ------------------------------------------------------------------ spreadsheets

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# Excel and WPS keep at most 15 significant digits of a number: longer digit strings (ID numbers,
# certificate codes, qualification codes) and numbers with leading zeros must stay text.
_LONG_DIGITS = re.compile(r"\d{11,}[Xx]?|0\d+")
# A zero-width space before such a number makes the cell text and shows nothing. The leading tab
# used before is one of the characters a formula-injection filter must refuse (OWASP), and an
# apostrophe would be shown: Excel treats it as a text marker only when typed, not in a CSV.
TEXT_MARK = "\u200b"


def spreadsheet_cell(value: object) -> str:
    """A CSV cell that Excel and WPS show as written and never run as a formula (OWASP's rule:
    no cell starts with = + - @ tab or CR unless it is a plain number), long numbers kept as text."""
    if value is None:
        return ""
    text = str(value)
    if _LONG_DIGITS.fullmatch(text):
        return TEXT_MARK + text
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


# ------------------------------------------------------------------ addresses and file names


def redact_url(url: str) -> str:
    """An address as it may be printed: without a user name or password (`http://host/api`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<address>"
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host + (f":{port}" if port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


# An address in running text: a scheme, then everything up to a space, a quote or Chinese punctuation.
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>，。；）]+")


def without_credentials(text: str) -> str:
    """A message with every address in it printed without user name and password (`redact_url`):
    for sentences other code wrote, which may quote the address a user typed."""
    return _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text)


def shown_path(name: str) -> str:
    """A file name as people and JSON may see it: bytes that are not UTF-8 (a GBK name left by a
    Windows ZIP arrives as lone surrogates) shown escaped as `\\xd5`, the rest as it is."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's content, read in blocks (model weights, uploads, batch inputs)."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
