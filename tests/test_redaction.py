"""Redaction boxes on a flat page: grey or black rectangles over values are found, print is not."""

from __future__ import annotations

import numpy as np
from helpers import card

from scanner.quality import redaction_boxes

# Bold labels and values 28 px high on a 640 × 240 card, one value blacked out and one greyed out.
PRINT_PX = 28


def redacted_card() -> np.ndarray:
    page = card(
        [("姓名", 40, 40), ("性别", 300, 40), ("执业地点", 40, 120), ("重庆市渝北区", 300, 120)], 30, 240, 28
    )
    page = page.copy()
    page[36:76, 120:230] = 10  # the name, blacked out
    page[160:200, 150:520] = 185  # a number, greyed out at the lightest grey such boxes have
    return page


def test_grey_and_black_boxes_over_values_are_found():
    boxes = sorted(redaction_boxes(redacted_card(), PRINT_PX), key=lambda b: b.y0)
    assert len(boxes) == 2
    name, number = boxes
    assert abs(name.x0 - 120) < 6 and abs(name.x1 - 230) < 6 and abs(name.y0 - 36) < 6
    assert abs(number.x0 - 150) < 6 and abs(number.x1 - 520) < 6


def test_bold_print_even_blurred_is_no_box():
    plain = card([("姓名", 40, 40), ("医师资格", 300, 40), ("执业地点", 40, 120)], 20, 240, 28)
    assert redaction_boxes(plain, PRINT_PX) == []
