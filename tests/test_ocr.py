"""The bundled recognizer, asked what it weighed: the data behind the matcher's look-alikes."""

from __future__ import annotations

import random

import pytest

from scanner.config import ScanConfig
from scanner.confusiongen import LOOK
from scanner.ocr import create_engine
from scanner.synth.line import print_line


@pytest.mark.slow
def test_the_recognizer_tells_what_it_weighed_next_to_each_character():
    engine = create_engine(ScanConfig(threads=1))
    read = engine.alternatives(print_line("重庆中医院", random.Random(2), LOOK), top=4)
    assert "".join(c for c, _ in read) == "重庆中医院"
    for char, weighed in read:
        assert weighed[0][0] == char and 0.5 < weighed[0][1] <= 1.0
        assert [p for _, p in weighed] == sorted((p for _, p in weighed), reverse=True)
