"""Look-alike characters are judged from how characters are built, not from a fixed list."""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest

from benchmarks.confusiongen import MIN_SHARE, confusions
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


@pytest.mark.parametrize(("a", "b"), [("固", "国"), ("申", "中"), ("患", "忠"), ("陡", "陆"), ("宠", "宏")])
def test_characters_the_recognizer_weighs_next_to_each_other_look_alike(a, b):
    # 固 and 国 share only 囗 by their components; the recognizer itself finds them alike.
    assert looks_alike(a, b) and looks_alike(b, a)


def test_the_recognizers_pairs_are_measured_often_enough_and_hold_no_numerals():
    rows = list(
        csv.DictReader(
            io.StringIO(
                resources.files("scanner").joinpath("data/recognizer_confusions.csv").read_text("utf-8")
            )
        )
    )
    assert len(rows) > 100
    assert all(float(r["share"]) >= MIN_SHARE for r in rows)
    assert not any(
        c in "〇零一二三四五六七八九十百千两" for r in rows for c in (r["char"], r["weighed_next"])
    )


def test_pairs_are_kept_only_when_weighed_often_in_enough_places():
    measured = {("国", "固"): (5, 6), ("院", "阮"): (2, 3), ("江", "汪"): (1, 8), ("一", "二"): (9, 9)}
    assert confusions(measured) == [("国", "固", 0.83)]
