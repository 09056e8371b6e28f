"""Shared builders for tests: valid synthetic ID numbers and hand-made OCR lines."""

from __future__ import annotations

from stdnum.cn import ric

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
