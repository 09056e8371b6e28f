"""Where a second look reads a value: its patch of the flat page, cut around its box.

Pure functions on the flat page (RGB) and a value's box in its pixels. A one-line value is cut
with some paper around it (`value_crop`); a value wrapped over several lines is cut line by line
(`wrapped_lines`), and a value that may go on below, undetected, is cut with the line below
(`with_next_line`). Digits are stretched wider before a second reading (`widened`).
"""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np

from ..fields import Box
from ..quality import suppress_red
from ..text import is_wide

# A value's next line, if it wraps, lies within this many of its line heights below it.
NEXT_LINE = 1.6
# Digits are read again from their crop stretched this much wider: the recognizer gives a line a
# step every few pixels of its width, and closely printed digits get too few (two like digits need
# a step between them, or are read as one: 1998 read as 19).
DIGIT_STRETCH = 1.4
# A value crop reaches this share of the print height beyond the value's box, left and right.
WORD_PAD_X = 0.6
WORD_PAD_Y = 0.25
# A value of this many characters or more, in a box taller than this many times its characters'
# width, lies on more than one line.
MULTI_LINE_CHARS = 4
ONE_LINE_HEIGHT = 2.6
# A value this short (男) is cut to this share of its box's height, and at least this many such
# heights wide per character.
SHORT_VALUE_CHARS = 1
SHORT_VALUE_HEIGHT = 0.7
SHORT_VALUE_WIDTH = 1.2
# A wrapped value's box is split into lines at rows with less than this share of ink; a band of
# inked rows less than this share as tall as the tallest is a speck or a rule, not a line; a value
# wraps onto at most this many lines.
MIN_LINE_INK = 0.03
LINE_SHARE = 0.5
MAX_WRAPPED_LINES = 3
# Ink is this many grey levels darker than the mean around it.
INK_STEP = 8
# Characters not wide (`text.is_wide`: not CJK) are about this share of an em.
HALF_WIDTH = 0.55


def value_crop(flat: np.ndarray, box: Box, text: str) -> np.ndarray | None:
    """The patch of the flat page a one-line value read as `text` lies in, with some paper around
    it; None for a value spread over several lines or too small to read.

    Text detection draws a one-character line's box (男) much taller than its print and its
    character box too narrow: such a value is cut to the middle of its box's height, and made at
    least about a character wide."""
    height, width = box.y1 - box.y0, box.x1 - box.x0
    chars = len(text)
    # Digits and Latin letters are about half as wide as Chinese characters.
    ems = sum(1.0 if is_wide(c) else HALF_WIDTH for c in text)
    if chars < 1 or height < 4 or width < 4:
        return None
    if chars >= MULTI_LINE_CHARS and height > ONE_LINE_HEIGHT * width / ems:
        return None
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    if chars <= SHORT_VALUE_CHARS:
        height *= SHORT_VALUE_HEIGHT
        width = max(width, SHORT_VALUE_WIDTH * height * ems)
    h, w = flat.shape[:2]
    half_w, half_h = width / 2 + WORD_PAD_X * height, height / 2 + WORD_PAD_Y * height
    x0, y0 = max(int(cx - half_w), 0), max(int(cy - half_h), 0)
    x1, y1 = min(math.ceil(cx + half_w), w), min(math.ceil(cy + half_h), h)
    return flat[y0:y1, x0:x1] if x1 - x0 >= 4 and y1 - y0 >= 4 else None


def widened(crop: np.ndarray) -> np.ndarray:
    """A crop of digits made DIGIT_STRETCH times wider, its height kept."""
    return cv2.resize(crop, None, fx=DIGIT_STRETCH, fy=1.0, interpolation=cv2.INTER_CUBIC)


def wrapped_lines(flat: np.ndarray, box: Box) -> list[np.ndarray]:
    """The printed lines of a value wrapped over several (a long institution in a narrow column),
    each as its own crop, top to bottom; none when its box shows no clear gap between lines.

    The lines are the bands of rows holding ink: pixels darker than the paper around them, so that
    glare across a line does not turn the paper into ink, and not red (a seal over the value)."""
    h, w = flat.shape[:2]
    x0, y0 = max(int(box.x0), 0), max(int(box.y0), 0)
    x1, y1 = min(math.ceil(box.x1), w), min(math.ceil(box.y1), h)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return []
    # The seal's red is paper here: its ring and star crossing the gap between lines are no ink.
    grey = cv2.cvtColor(suppress_red(np.ascontiguousarray(flat[y0:y1, x0:x1])), cv2.COLOR_RGB2GRAY)
    block = min(max((y1 - y0) // 2 | 1, 11), 51)
    ink = cv2.adaptiveThreshold(grey, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, INK_STEP)
    inked = ink.mean(axis=1) > MIN_LINE_INK
    bands: list[tuple[int, int]] = []
    start = None
    for y, on in enumerate([*inked.tolist(), False]):
        if on and start is None:
            start = y
        elif not on and start is not None:
            bands.append((start, y))
            start = None
    tallest = max((b - a for a, b in bands), default=0)
    # Specks and underlines are no lines of print.
    lines = [(a, b) for a, b in bands if b - a >= LINE_SHARE * tallest]
    if not 2 <= len(lines) <= MAX_WRAPPED_LINES:
        return []
    crops = []
    for a, b in lines:
        pad_x, pad_y = WORD_PAD_X * (b - a), WORD_PAD_Y * (b - a)
        top, bottom = max(int(y0 + a - pad_y), 0), min(math.ceil(y0 + b + pad_y), h)
        left, right = max(int(x0 - pad_x), 0), min(math.ceil(x1 + pad_x), w)
        crops.append(flat[top:bottom, left:right])
    return crops


def with_next_line(flat: np.ndarray, box: Box) -> list[np.ndarray]:
    """The printed lines of a value and of the line just below it (see `wrapped_lines`): where a
    value cut short goes on, undetected."""
    return wrapped_lines(flat, replace(box, y1=box.y1 + NEXT_LINE * (box.y1 - box.y0)))
