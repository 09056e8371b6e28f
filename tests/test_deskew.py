"""Finding, flattening and turning the page upright (scanner.deskew and Scanner.locate)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from benchmarks.bench import page_outcome
from scanner import deskew
from scanner.load import load_image
from scanner.ocr.base import OcrChar, OcrLine


def _turned(image: np.ndarray, quad: np.ndarray, turns: int) -> tuple[np.ndarray, np.ndarray]:
    """An image turned `turns` quarter turns clockwise, with a quad of it turned along."""
    out, pts = image, quad.copy()
    for _ in range(turns):
        h = out.shape[0]
        out = np.ascontiguousarray(cv2.rotate(out, cv2.ROTATE_90_CLOCKWISE))
        pts = np.stack([h - pts[:, 1], pts[:, 0]], axis=1)
    return out, pts


def test_corners_are_ordered_clockwise_from_the_top_left():
    shuffled = np.array([[90, 80], [10, 12], [95, 5], [3, 70]], dtype=float)
    assert deskew.order_corners(shuffled).tolist() == [[10, 12], [95, 5], [90, 80], [3, 70]]


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_turning_back_a_turned_image_restores_every_point(turns):
    size = (300, 200)
    turn, turned_size = deskew.turn_matrix(turns, size)
    assert turned_size == (size if turns == 2 else (200, 300))
    # Turning the page back and forth by quarter turns is exact: four quarter turns are none.
    total = np.eye(3)
    for _ in range(4):
        step, size = deskew.turn_matrix(turns, size)
        total = step @ total
    np.testing.assert_allclose(total, np.eye(3), atol=1e-9)
    corners = np.array([[0, 0], [300, 0], [300, 200], [0, 200]], dtype=float)
    mapped = deskew.apply_homography(corners, turn)
    assert mapped.min() >= -1e-9 and mapped[:, 0].max() <= turned_size[0] + 1e-9


def test_skewed_text_lines_are_levelled():
    angle = math.radians(4.0)
    lines = []
    for row in range(5):
        x0, y0 = 100.0, 100.0 + 60 * row
        direction = np.array([math.cos(angle), math.sin(angle)])
        normal = np.array([-math.sin(angle), math.cos(angle)])
        start = np.array([x0, y0])
        lines.append(
            np.array(
                [start, start + 400 * direction, start + 400 * direction + 30 * normal, start + 30 * normal]
            )
        )
    assert math.degrees(deskew.text_skew(lines)) == pytest.approx(4.0, abs=0.01)
    level, _ = deskew.level_matrix(deskew.text_skew(lines), (800, 600))
    assert abs(deskew.text_skew(deskew.map_quads(lines, level))) < 1e-6
    assert deskew.text_is_vertical(lines) is False
    turn, _ = deskew.turn_matrix(1, (800, 600))
    assert deskew.text_is_vertical(deskew.map_quads(lines, np.linalg.inv(turn))) is True


def test_a_line_mapped_to_the_flat_page_and_back_is_unchanged():
    quad = ((100.0, 50.0), (300.0, 60.0), (298.0, 90.0), (98.0, 80.0))
    line = OcrLine(
        "姓名", 0.99, quad, (OcrChar("姓", 0.99, (100, 50, 150, 85)), OcrChar("名", 0.98, (150, 52, 200, 88)))
    )
    matrix = cv2.getPerspectiveTransform(
        np.float32([[0, 0], [1000, 30], [980, 700], [20, 690]]),
        np.float32([[0, 0], [900, 0], [900, 700], [0, 700]]),
    )
    there = deskew.map_line(line, matrix)
    back = deskew.map_line(there, np.linalg.inv(matrix))
    np.testing.assert_allclose(np.array(back.quad), np.array(quad), atol=1e-6)
    assert back.text == "姓名" and [c.text for c in back.chars] == ["姓", "名"]


def test_the_page_outline_is_found_by_its_edges_in_hard_photos(hard_samples):
    # Only pages wholly inside the picture have four visible corners.
    whole = [s for s in hard_samples if not s["degrade"].get("partly_outside")]
    assert whole
    for sample in whole:
        image = load_image(sample["path"], 10**9).image
        candidates = deskew.page_candidates(image)
        assert candidates, sample["file"]
        truth = np.array(sample["quad"])
        diagonal = math.hypot(*image.shape[:2])
        # The outline found first is the page (or its printed border or mat, in the page's plane).
        error = min(np.abs(np.roll(candidates[0], k, axis=0) - truth).max() for k in range(4)) / diagonal
        assert error < 0.08, (sample["file"], error)


@pytest.mark.slow
@pytest.mark.parametrize("turns", [0, 1, 2, 3])
def test_a_hard_photo_comes_out_flat_and_upright_in_every_quarter_turn(hard_samples, scanner, turns):
    sample = next(s for s in hard_samples if not s["degrade"].get("partly_outside"))
    image = load_image(sample["path"], 10**9).image
    # Undo the generator's own turn first, then turn by exactly `turns`.
    own = sample["degrade"]["quarter_turns"]
    upright, quad = _turned(image, np.array(sample["quad"], dtype=float), (4 - own) % 4)
    photo, truth = _turned(upright, quad, turns)
    geometry = scanner.locate(photo)
    assert geometry.turns == turns
    came_upright, came_flat = page_outcome(geometry.to_json(), truth.tolist())
    assert came_upright and came_flat


def test_the_facing_pages_of_an_opened_certificate_are_found_as_one_page():
    # Two pages of a spread on a dark desk, seen at an angle, with a shaded gutter between them.
    image = np.full((900, 1200, 3), 60, np.uint8)
    left = np.array([[150, 220], [590, 170], [600, 760], [180, 800]], dtype=float)
    right = np.array([[615, 168], [1050, 120], [1040, 700], [625, 758]], dtype=float)
    for quad in (left, right):
        cv2.fillConvexPoly(image, quad.astype(np.int32), (235, 232, 220))
    candidates = deskew.page_candidates(image)
    spread = deskew.order_corners(np.array([left[0], right[1], right[2], left[3]]))
    error = np.abs(candidates[0] - spread).max()
    assert error < 15, candidates[0]
    # Pages apart, overlapping, or of different heights are no spread.
    assert deskew.facing_pages(left, right) is not None
    assert deskew.facing_pages(left, right + np.array([300.0, 0.0])) is None
    assert deskew.facing_pages(left, right - np.array([200.0, 0.0])) is None
    short = right.copy()
    short[2:, 1] -= 300
    assert deskew.facing_pages(left, short) is None


def test_a_single_certificate_has_no_page_beside_its_outline(samples, hard_samples):
    # Scans, phone photos on desks and walls, hard photos: the region beyond the outline is
    # background, never paper printed in rows as the certificate is.
    pictures = [load_image(s.image, 10**9).image for s in samples]
    pictures += [load_image(s["path"], 10**9).image for s in hard_samples]
    for image in pictures:
        for quad in deskew.page_candidates(image)[:1]:
            assert deskew.page_beside(image, quad) is None


def test_a_spread_stacked_below_the_outlined_one_is_taken_in():
    # One spread with a printed border, the other below it pale on the scanner bed, printed in rows.
    image = np.full((1400, 1000, 3), 246, np.uint8)
    upper = np.array([[60, 60], [940, 60], [940, 660], [60, 660]], dtype=float)
    cv2.rectangle(image, (60, 60), (940, 660), (60, 60, 60), 4)
    for top in (60, 720):
        for row in range(8):
            for x in range(140, 860, 36):
                y = top + 80 + row * 64
                cv2.rectangle(image, (x, y), (x + 22, y + 22), (40, 40, 40), 2)
                cv2.line(image, (x, y + 11), (x + 22, y + 11), (40, 40, 40), 2)
    grown = deskew.page_beside(image, upper)
    assert grown is not None
    assert np.abs(grown - np.array([[60, 60], [940, 60], [940, 1260], [60, 1260]])).max() < 2
    # Nothing printed below: the outline is the page.
    blank = np.full_like(image, 246)
    blank[:700] = image[:700]
    assert deskew.page_beside(blank, upper) is None


def test_a_page_beside_a_spread_is_no_part_of_it():
    # A spread (wider than high) grows only by another spread above or below; print beside it (an ID
    # card copied next to the booklet) is left out.
    image = np.full((800, 2000, 3), 246, np.uint8)
    spread = np.array([[60, 60], [940, 60], [940, 660], [60, 660]], dtype=float)
    cv2.rectangle(image, (60, 60), (940, 660), (60, 60, 60), 4)
    for left in (60, 1000):
        for row in range(8):
            for x in range(left + 80, left + 800, 36):
                y = 140 + row * 64
                cv2.rectangle(image, (x, y), (x + 22, y + 22), (40, 40, 40), 2)
    assert deskew.page_beside(image, spread) is None


@pytest.mark.slow
def test_a_certificate_is_read_from_the_lines_its_first_look_found(samples, scanner, monkeypatch):
    # A certificate whose print the first look sees large enough, in a picture that needs no
    # enlarging: those lines are the flat page's, and reading them gives what looking for text
    # again would give.
    from scanner import pipeline

    reused = 0
    ratios: list[float] = []
    for sample in samples:
        image = load_image(sample.image, 10**9).image
        fitted = pipeline.fit_long_side(image, scanner.config.max_side)
        geometry, found = scanner._locate(fitted)
        if found is None:
            continue
        reused += 1
        # Brought back to the size detection on the flat page gives them, line by line.
        flat = pipeline.suppress_red(deskew.warp(fitted, geometry.matrix, geometry.size))
        page_lines = [np.array(q) for q in scanner.engine.detect(flat)]
        matched = []
        for quad in map(np.array, found):
            match = min(page_lines, key=lambda q: float(np.linalg.norm(q.mean(0) - quad.mean(0))))
            if np.linalg.norm(match.mean(0) - quad.mean(0)) < 5:
                matched.append(np.linalg.norm(quad[3] - quad[0]) / np.linalg.norm(match[3] - match[0]))
        assert len(matched) >= 0.8 * len(found)
        ratios += matched
        once = scanner.scan_array(image, sample.image.name).fields
        with monkeypatch.context() as patch:
            patch.setattr(pipeline, "FOUND_LINE_PX", math.inf)
            patch.setattr(pipeline, "FOUND_LINE_PX_UPRIGHT", math.inf)
            again = scanner.scan_array(image, sample.image.name).fields
        assert {k: f.value for k, f in once.items()} == {k: f.value for k, f in again.items()}
        wrong = [k for k, f in once.items() if f.value != sample.truth.get(str(k)) and not f.review]
        assert not wrong, (sample.image, wrong)
        # Upside down, the lines found are turned with the page and read upright.
        turned = np.ascontiguousarray(image[::-1, ::-1])
        assert scanner._locate(pipeline.fit_long_side(turned, scanner.config.max_side))[1] is not None
        upside_down = scanner.scan_array(turned, sample.image.name).fields
        assert {k: f.value for k, f in upside_down.items()} == {k: f.value for k, f in once.items()}
    assert reused >= 1
    # Line by line, about the height the flat page's detection gives (one picture's lines may come
    # out 15% lower or higher: the constant is a median over many pictures' lines).
    assert 0.9 < float(np.median(ratios)) < 1.1


def test_rows_that_run_into_the_row_below_are_crowded():
    def box(x: float, y: float, w: float, h: float) -> np.ndarray:
        return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=np.float64)

    # Label rows 40 px apart, 17 px high: apart.
    apart = [box(100, 40 * i, 200, 17) for i in range(6)]
    assert deskew.crowded_share(apart) == 0.0
    # A second script under each label, 12 px below its top: every label runs into it.
    crowded = apart + [box(100, 40 * i + 12, 150, 12) for i in range(6)]
    assert deskew.crowded_share(crowded) == pytest.approx(0.5)
    # Lines side by side (a value beside its label, the next page) do not crowd.
    beside = apart + [box(320, 40 * i + 2, 200, 17) for i in range(6)]
    assert deskew.crowded_share(beside) == 0.0
    assert deskew.crowded_share([]) == 0.0


@pytest.mark.slow
def test_a_large_photo_s_page_is_flattened_at_the_resolution_the_photo_gives_it(samples, scanner):
    # A photo larger than OCR needs is made smaller to find its page in; the page itself is then
    # flattened from the photo, not from that copy: a page filling part of a large photo keeps the
    # photo's detail, up to max_side (a four-page booklet's small print needs every pixel).
    sample = next(s for s in samples if s.mode == "photo")
    photo = load_image(sample.image, 10**9).image
    large = cv2.resize(photo, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
    reading = scanner.read(large)
    page_side = max(deskew.flat_size(np.array(reading.geometry.quad)))
    in_the_copy = page_side * scanner.config.max_side / max(large.shape[:2])
    assert in_the_copy < 0.9 * scanner.config.max_side <= page_side
    assert max(reading.flat.shape[:2]) == scanner.config.max_side
    record = scanner.record_from_reading(reading, sample.image.name)
    wrong = [k for k, f in record.fields.items() if f.value != sample.truth.get(str(k)) and not f.review]
    assert not wrong, wrong
