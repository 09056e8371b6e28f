"""Small pure geometry helpers: points, boxes and OCR lines moved through a 3×3 homography, and
quads (4 corners, clockwise from top-left, in image pixels) cut out of an image.

The one copy of the box mapping: deskewing, quality, the pipeline and the review page use these.
(The generator in `scanner.synth` keeps its own on purpose, so that its ground truth does not
depend on the code under test.)"""

from __future__ import annotations

import cv2
import numpy as np

from ..ocr.base import OcrChar, OcrLine, Point

Quad = tuple[Point, Point, Point, Point]
BoxTuple = tuple[float, float, float, float]


def apply_homography(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Project N×2 points through a 3×3 homography."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    out = np.hstack([pts, np.ones((len(pts), 1))]) @ np.asarray(matrix, dtype=np.float64).T
    return np.asarray(out[:, :2] / out[:, 2:3], dtype=np.float64)


def map_corners(box: BoxTuple, matrix: np.ndarray) -> np.ndarray:
    """The four corners of an axis-aligned box (x0, y0, x1, y1), clockwise from its top-left, moved
    through a homography (4×2)."""
    x0, y0, x1, y1 = box
    return apply_homography(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]), matrix)


def map_box(box: BoxTuple, matrix: np.ndarray) -> BoxTuple:
    """The axis-aligned box around an axis-aligned box moved through a homography."""
    pts = map_corners(box, matrix)
    return float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max())


def map_line(line: OcrLine, matrix: np.ndarray) -> OcrLine:
    """An OCR line moved through a homography: its quad corner by corner, each character's box as
    the axis-aligned box around its mapped corners."""
    quad = apply_homography(np.array(line.quad), matrix)
    chars = [OcrChar(ch.text, ch.confidence, map_box(ch.box, matrix)) for ch in line.chars]
    corners = tuple((float(x), float(y)) for x, y in quad)
    return OcrLine(line.text, line.confidence, corners, tuple(chars))  # type: ignore[arg-type]


def quad_size(quad: Quad) -> tuple[int, int]:
    """Width and height of a quad, from its top and left edges."""
    (x0, y0), (x1, y1), _, (x3, y3) = quad
    return max(round(float(np.hypot(x1 - x0, y1 - y0))), 1), max(round(float(np.hypot(x3 - x0, y3 - y0))), 1)


def crop_quad(image: np.ndarray, quad: Quad) -> np.ndarray:
    """The quad cut out of the image and warped upright at its own resolution."""
    width, height = quad_size(quad)
    src = np.array(quad, dtype=np.float32)
    dst = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(
        image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def line_to_image(line: OcrLine, quad: Quad) -> OcrLine:
    """A line read from `crop_quad(image, quad)` placed back in the image's coordinates."""
    width, height = quad_size(quad)
    (x0, y0), (x1, y1), _, (x3, y3) = quad
    ux, uy = (x1 - x0) / width, (y1 - y0) / width
    vx, vy = (x3 - x0) / height, (y3 - y0) / height

    def place(x: float, y: float) -> Point:
        return (x0 + x * ux + y * vx, y0 + x * uy + y * vy)

    chars = []
    for ch in line.chars:
        a, b = place(ch.box[0], ch.box[1]), place(ch.box[2], ch.box[3])
        chars.append(
            OcrChar(
                ch.text, ch.confidence, (min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1]))
            )
        )
    return OcrLine(line.text, line.confidence, quad, tuple(chars))


def scale_line(line: OcrLine, factor: float) -> OcrLine:
    """A line with every coordinate multiplied by `factor` (back to the original image's pixels)."""
    quad = tuple((x * factor, y * factor) for x, y in line.quad)
    chars = tuple(
        OcrChar(
            c.text, c.confidence, (c.box[0] * factor, c.box[1] * factor, c.box[2] * factor, c.box[3] * factor)
        )
        for c in line.chars
    )
    return OcrLine(line.text, line.confidence, quad, chars)  # type: ignore[arg-type]
