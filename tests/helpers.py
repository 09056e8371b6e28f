"""Shared builders for tests: valid synthetic ID numbers and hand-made OCR lines."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from stdnum.cn import ric

from scanner.fields import CertificateRecord, FieldKey
from scanner.ocr.base import OcrChar, OcrLine


def make_id(region: str = "500103", birth: str = "19870312", seq: str = "041") -> str:
    """A synthetic ID number with a correct check digit (sex from the last digit of `seq`)."""
    body = region + birth + seq
    return body + ric.calc_check_digit(body + "0")


def line(
    text: str,
    x: float,
    y: float,
    h: float = 40.0,
    conf: float = 0.999,
    pitch: float | None = None,
    low: dict[int, float] | None = None,
) -> OcrLine:
    """An OCR line of `text` starting at (x, y), one box per character, like RapidOCR's word boxes.

    `low` maps character positions to a lower confidence, to model a doubtful character.
    """
    pitch = pitch or h
    chars = []
    for i, ch in enumerate(text.replace(" ", "")):
        c = (low or {}).get(i, conf)
        chars.append(OcrChar(ch, c, (x + i * pitch, y, x + (i + 1) * pitch - 2, y + h)))
    width = len(chars) * pitch
    quad = ((x, y), (x + width, y), (x + width, y + h), (x, y + h))
    mean = sum(c.confidence for c in chars) / max(len(chars), 1)
    return OcrLine(text.replace(" ", ""), mean, quad, tuple(chars))


def right_fields_without_silent_errors(
    readings: Iterable[tuple[str, CertificateRecord, Mapping[str, str]]],
) -> tuple[int, int]:
    """(fields read right, fields read) over (name, record, truth) triples, asserting that every
    wrong value is marked for review: a wrong value trusted unseen is the worst defect."""
    right = total = 0
    for name, record, truth in readings:
        assert record.error is None, name
        for key in FieldKey:
            field = record.fields[key]
            total += 1
            if field.value == truth[key]:
                right += 1
            else:
                assert field.review, f"{name}: {key} read {field.value!r}, truth {truth[key]!r}"
    return right, total
