"""Look-alike characters are judged from how characters are built, not from a fixed list."""

from __future__ import annotations

import pytest

from scanner.lookalike import looks_alike, strokes


@pytest.mark.parametrize(
    "a, b",
    [
        ("设", "没"),  # one radical differs, 殳 shared
        ("海", "诲"),
        ("院", "完"),  # a part read for the whole
        ("院", "浣"),
        ("黔", "默"),  # 黑 shared
        ("綦", "棊"),  # 其 shared
        ("中", "巾"),  # 口 and 冂 alike, 丨 shared
        ("疗", "疔"),
    ],
)
def test_characters_sharing_most_of_their_ink_look_alike(a, b):
    assert looks_alike(a, b) and looks_alike(b, a)


@pytest.mark.parametrize(
    "a, b",
    [
        ("江", "潼"),  # only the small side radical 氵 is shared
        ("江", "涪"),
        ("巴", "江"),
        ("北", "津"),
        ("院", "院"),  # the same character is no misreading
    ],
)
def test_characters_sharing_only_a_small_part_do_not(a, b):
    assert not looks_alike(a, b)


def test_numerals_are_never_alike_whatever_their_strokes_share():
    # 三 is 一 over 二, yet 第二 and 第三 are different hospitals.
    assert not looks_alike("二", "三") and not looks_alike("一", "二")


def test_stroke_estimate_orders_characters_by_ink():
    assert strokes("一") < strokes("口") < strokes("院") < strokes("黔")
