"""The bundled engine: what the recognizer weighed (the data behind the matcher's look-alikes), and
text looked for in a stretched view of the image but read from the image itself."""

from __future__ import annotations

import random

import numpy as np
import pytest
from helpers import FAINT_FORM, card

from benchmarks.confusiongen import LOOK
from scanner.config import ScanConfig
from scanner.ocr import create_engine
from scanner.reread.page import stretch_contrast
from scanner.synth.line import print_line


@pytest.mark.slow
def test_the_recognizer_tells_what_it_weighed_next_to_each_character():
    engine = create_engine(ScanConfig(threads=1))
    read = engine.alternatives(print_line("重庆中医院", random.Random(2), LOOK), top=4)
    assert "".join(c for c, _ in read) == "重庆中医院"
    for char, weighed in read:
        assert weighed[0][0] == char and 0.5 < weighed[0][1] <= 1.0
        assert [p for _, p in weighed] == sorted((p for _, p in weighed), reverse=True)


@pytest.mark.slow
def test_faint_small_print_is_found_in_the_stretched_view():
    engine = create_engine(ScanConfig(threads=1))
    faint = card(FAINT_FORM, ink=150, paper=175, size=12)
    plain = [line.text for line in engine.read(faint)]
    stretched = [line.text for line in engine.read(faint, detect_view=stretch_contrast)]
    assert "姓名" not in plain and "执业地点" not in plain
    assert {"姓名", "性别", "执业地点", "重庆市渝北区"} <= set(stretched)
    # A lone character one size up is lost the same way, and found the same way.
    faint = card(FAINT_FORM, ink=140, paper=175, size=14)
    assert "男" not in [line.text for line in engine.read(faint)]
    assert "男" in [line.text for line in engine.read(faint, detect_view=stretch_contrast)]


@pytest.mark.slow
def test_lines_found_in_the_view_are_read_from_the_image():
    engine = create_engine(ScanConfig(threads=1))
    image = card([("渝北区", 300, 120)], ink=30, paper=230, size=24)
    elsewhere = card([("重庆市", 300, 120)], ink=30, paper=230, size=24)
    empty = card([], ink=30, paper=230, size=24)
    assert [line.text for line in engine.read(image, detect_view=lambda _: elsewhere)] == ["渝北区"]
    assert engine.read(image, detect_view=lambda _: empty) == []
    # The engine looks at the image itself again afterwards.
    assert [line.text for line in engine.read(image)] == ["渝北区"]


def test_stretching_makes_grey_print_black_on_white_paper_and_leaves_paper_grain_alone():
    rng = np.random.default_rng(3)
    page = rng.normal(175, 3, (200, 300)).clip(0, 255).astype(np.uint8)
    page[90:110, 20:280] = 140  # a line of print, 9% of the pixels
    out = stretch_contrast(page)
    assert out.dtype == np.uint8 and out.shape == page.shape
    paper, ink = np.median(out[:80]), np.median(out[95:105, 30:270])
    assert paper > 230 and paper - ink > 100  # 35 grey levels before
    # Nothing printed: the darkest percent is grain, stretched three times at most.
    blank = rng.normal(175, 3, (200, 300)).clip(0, 255).astype(np.uint8)
    assert np.std(stretch_contrast(blank).astype(float)) <= 3 * np.std(blank.astype(float)) + 0.5


@pytest.mark.slow
def test_lines_found_already_are_read_where_they_lie_and_no_text_is_looked_for():
    engine = create_engine(ScanConfig(threads=1))
    image = card([("渝北区", 40, 40), ("重庆市", 300, 120)], ink=30, paper=230, size=24)
    quads = engine.detect(image)
    assert len(quads) == 2
    assert [line.text for line in engine.read(image, found=quads)] == ["渝北区", "重庆市"]
    # Only the lines given are read: the other word is not looked for.
    right = [quad for quad in quads if quad[0][0] > 200]
    read = engine.read(image, found=right)
    assert [line.text for line in read] == ["重庆市"]
    assert read[0].quad == tuple((round(x), round(y)) for x, y in right[0])
    # The engine looks for text itself again afterwards.
    assert [line.text for line in engine.read(image)] == ["渝北区", "重庆市"]


@pytest.mark.slow
def test_text_is_found_exactly_where_rapidocr_itself_finds_it():
    # certscan's detector normalizes pixels by table; the boxes are those of RapidOCR's own arithmetic.
    from rapidocr import RapidOCR
    from rapidocr.ch_ppocr_det.utils import DetPreProcess

    from scanner.ocr.rapid import RapidOcrEngine, tabled_detector

    config = ScanConfig(threads=1)
    engine = RapidOcrEngine(config)
    texts = [("重庆市渝北区", 60, 40), ("执业地点", 60, 120), ("2014 年 08 月 01 日", 300, 160)]
    page = card(texts, ink=40, paper=220, size=22)
    untouched = RapidOCR(
        params={
            "Global.log_level": "error",
            "Global.use_cls": False,
            "Det.model_path": str(engine.det_path),
            "Rec.model_path": str(engine.rec_path),
            "Det.limit_type": "max",
            "Det.limit_side_len": config.det_side,
        }
    )
    theirs = untouched(page[:, :, ::-1].copy(), use_det=True, use_cls=False, use_rec=False)
    ours = engine.detect(page)
    assert len(ours) == 3
    assert np.array_equal(np.array(ours, dtype=np.float32), np.asarray(theirs.boxes, dtype=np.float32))
    # Every pixel value, on its own: the table holds exactly what the arithmetic gives.
    detector = untouched._load_det_model()
    own = detector.get_preprocess()
    tabled_detector(detector)
    tabled = detector.get_preprocess()
    every = np.random.default_rng(3).integers(0, 256, (64, 96, 3), dtype=np.uint8)
    assert np.array_equal(tabled(every), own(every))
    assert not isinstance(own, type(tabled)) and isinstance(tabled, DetPreProcess)
    # However the engine is first called (here with its text lines given, so that a stand-in takes
    # the detector's place for the call), RapidOCR's own detector is the one that normalizes by table.
    fresh = RapidOcrEngine(config)
    assert [line.text for line in fresh.read(page, found=ours[:1])] == ["重庆市渝北区"]
    assert type(fresh._engine.text_det.get_preprocess()) is type(tabled)
