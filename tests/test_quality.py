"""Image-quality warnings: blur, glare, small print and print off the picture's edge name their fields."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from scanner.deskew import scale_matrix
from scanner.fields import Box, FieldKey, FieldResult, Flag
from scanner.quality import assess
from scanner.synth import make_identity, render_certificate


@pytest.fixture(scope="module")
def page():
    """A flat rendered certificate and its value boxes as read fields."""
    truth = make_identity(random.Random(41))
    rendered = render_certificate(truth, random.Random(42), "single")
    image = np.asarray(rendered.image)
    fields = {
        FieldKey(k): FieldResult(truth[k], truth[k], 0.99, (), Box(*map(float, box)))
        for k, box in rendered.boxes.items()
    }
    return image, fields


def _size(image: np.ndarray) -> tuple[int, int]:
    return image.shape[1], image.shape[0]


def test_a_clean_page_gets_no_warnings(page):
    image, fields = page
    found = assess(image, np.eye(3), _size(image), fields)
    assert found.warnings == ()
    assert found.flags == {}


def test_a_blurred_page_marks_every_value_blurred(page):
    image, fields = page
    blurred = cv2.GaussianBlur(image, (0, 0), 9)
    found = assess(blurred, np.eye(3), _size(image), fields)
    assert "blur" in found.warnings
    assert all(Flag.BLUR in found.flags.get(key, ()) for key in fields)


def test_glare_over_one_value_names_that_field_only(page):
    image, fields = page
    glared = image.copy()
    box = fields[FieldKey.AUTHORITY].box
    assert box is not None
    x0, y0, x1, y1 = int(box.x0) - 20, int(box.y0) - 20, int(box.x1) + 20, int(box.y1) + 20
    patch = glared[y0:y1, x0:x1].astype(np.float32)
    # A reflection lifts everything most of the way to white: the print is nearly washed out.
    glared[y0:y1, x0:x1] = (patch + (255 - patch) * 0.85).astype(np.uint8)
    found = assess(glared, np.eye(3), _size(image), fields)
    assert found.warnings == ("glare",)
    assert found.flags == {FieldKey.AUTHORITY: (Flag.GLARE,)}


def test_print_too_small_in_the_photo_is_low_resolution(page):
    image, fields = page
    # The photo was five times smaller than the flat page: ~45 px print was ~9 px there.
    photo_size = (image.shape[1] // 5, image.shape[0] // 5)
    found = assess(image, scale_matrix(5.0), photo_size, fields)
    assert "low_resolution" in found.warnings
    assert Flag.LOW_RESOLUTION in found.flags[FieldKey.NAME]


def test_smallish_print_must_be_read_surely_to_be_trusted(page):
    image, fields = page
    # The photo was 1.5 times smaller: the code's 27 px line was 18 px high there, legible but
    # small enough that recognition misreads digits with ordinary confidence.
    photo_size = (round(image.shape[1] / 1.5), round(image.shape[0] / 1.5))
    code = fields[FieldKey.CERTIFICATE_CODE]
    unsure = {**fields, FieldKey.CERTIFICATE_CODE: FieldResult(code.value, code.raw, 0.96, (), code.box)}
    found = assess(image, scale_matrix(1.5), photo_size, unsure)
    assert found.flags[FieldKey.CERTIFICATE_CODE] == (Flag.LOW_RESOLUTION,)
    sure = {**fields, FieldKey.CERTIFICATE_CODE: FieldResult(code.value, code.raw, 0.999, (), code.box)}
    assert FieldKey.CERTIFICATE_CODE not in assess(image, scale_matrix(1.5), photo_size, sure).flags


def test_a_value_at_the_pictures_edge_may_run_off_it(page):
    image, fields = page
    box = fields[FieldKey.AUTHORITY].box
    assert box is not None
    # The picture ends halfway down the authority's name; what lies below is not in it at all.
    bottom = int((box.y0 + box.y1) / 2)
    shown = {k: f for k, f in fields.items() if f.box is not None and f.box.y0 < bottom}
    found = assess(image, np.eye(3), (image.shape[1], bottom), shown)
    assert "partly_outside" in found.warnings
    assert Flag.PARTLY_OUTSIDE in found.flags[FieldKey.AUTHORITY]
    assert Flag.PARTLY_OUTSIDE not in found.flags.get(FieldKey.NAME, ())
