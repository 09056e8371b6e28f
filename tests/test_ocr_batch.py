"""Several crops read in one call of the recognizer or the direction classifier: each read exactly
as it is read alone (batching is for speed, never a change in what is read)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from benchmarks.confusiongen import LOOK
from scanner.config import ScanConfig
from scanner.ocr import create_engine
from scanner.synth.line import print_line

# Short lines (padded to the recognizer's own width alone or in a batch) and long ones (wider
# than that input, read alone), in random fonts and sizes.
TEXTS = (
    "男",
    "2014年08月01日",
    "执业医师",
    "重庆市卫生健康委员会",
    "发证机关重庆市渝北区卫生健康委员会",
    "依照中华人民共和国执业医师法及有关规定经审核合格予以注册",
    "女",
    "110105198001011234",
)


@pytest.mark.slow
def test_lines_read_together_read_as_each_alone():
    engine = create_engine(ScanConfig(threads=1))
    rng = random.Random(19)
    crops = [print_line(text, rng, LOOK) for text in TEXTS]
    crops.append(np.full((40, 120, 3), 235, np.uint8))  # blank paper: nothing read
    together = engine.recognize_many(crops)
    alone = [engine.recognize(crop) for crop in crops]
    assert together == alone
    assert together[-1] is None
    assert [line.text if line else None for line in together[:4]] == list(TEXTS[:4])
    # Both kinds were read: short lines in a batch, long ones alone.
    ratios = [crop.shape[1] / crop.shape[0] for crop in crops]
    assert min(ratios) < 320 / 48 < max(ratios)
    assert engine.recognize_many([]) == []


@pytest.mark.slow
def test_lines_classified_together_are_classified_as_each_alone():
    engine = create_engine(ScanConfig(threads=1))
    rng = random.Random(7)
    upright = [print_line(text, rng, LOOK) for text in TEXTS]
    crops = [*upright, *(np.ascontiguousarray(crop[::-1, ::-1]) for crop in upright)]
    together = engine.upside_down(crops)
    alone = [engine.upside_down([crop])[0] for crop in crops]
    assert together == pytest.approx(alone, abs=1e-6)
    # Upside-down print is told from upright print, on average over the lines.
    assert np.mean(together[len(upright) :]) > 0.5 > np.mean(together[: len(upright)])
    assert engine.upside_down([]) == []
