"""Deskew stage: find the certificate in a photo, flatten it, and turn it upright.

A photo of a certificate on a wall or a desk shows the page as a quadrilateral: seen at an angle,
rotated, sometimes with the phone turned a quarter. This module holds small pure numpy/OpenCV
functions that find that quadrilateral (from the page's edges, or from where the text is when the
edges are weak), compute the homography that maps the photo onto a flat upright page, decide the
page's quarter turn from the direction of its text lines, and map OCR results back into the photo.

Every matrix here maps photo pixels to flat-page pixels (3×3, homogeneous); points are (x, y).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import cv2
import numpy as np

from .geometry import apply_homography as apply_homography
from .geometry import map_box as map_box
from .geometry import map_line as map_line

QuadArray = np.ndarray  # (4, 2) float64, clockwise from the top-left corner
Corners = tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]

# How far apart (share of the fold's length) the facing sides of two pages may lie: the gutter
# between an opened certificate's pages, or the printed border inset on one of them.
FOLD_GAP = 0.2


class Locator(StrEnum):
    """How the page was found in the image."""

    EDGES = "edges"  # the page's outline (paper edge, printed border or frame)
    TEXT = "text"  # the rectangle around the detected text lines (edges too weak)
    WHOLE = "whole"  # nothing better: the whole image is the page


@dataclass(frozen=True)
class PageGeometry:
    """Where the certificate lies in the image and how to flatten it.

    `quad` holds the page corners in image pixels, clockwise from the page's own top-left corner
    (after the quarter turn, so `quad[0]` is where the certificate's top-left corner is in the
    photo). `matrix` maps image pixels to the flat upright page of `size` (width, height).
    `turns` is how many clockwise quarter turns the page shows in the image (0-3): 1 means the
    image must be turned a quarter counter-clockwise to stand upright.
    """

    quad: QuadArray
    matrix: np.ndarray
    size: tuple[int, int]
    turns: int
    skew_degrees: float
    locator: Locator

    def scaled(self, factor: float) -> PageGeometry:
        """The same geometry for the image scaled by 1/`factor` (an image `factor` times smaller
        was located; this one is the original)."""
        matrix = self.matrix @ scale_matrix(factor)
        return replace(self, quad=self.quad / factor, matrix=matrix)

    @property
    def inverse(self) -> np.ndarray:
        """The flat-page-to-image homography."""
        return np.asarray(np.linalg.inv(self.matrix), dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        """The geometry as plain data for a JSON row (quad in image pixels, rotation in degrees)."""
        return {
            "quad": [[round(float(x), 1), round(float(y), 1)] for x, y in self.quad],
            "rotation": 90 * self.turns,
            "skew": round(self.skew_degrees, 2),
            "located_by": str(self.locator),
            "flat_size": list(self.size),
            "matrix": [[round(float(v), 6) for v in row] for row in self.matrix],
        }


# ---------------------------------------------------------------- points and matrices


def order_corners(points: np.ndarray) -> QuadArray:
    """Four points clockwise (y down) starting from the one nearest the image's top-left."""
    pts = np.asarray(points, dtype=np.float64).reshape(4, 2)
    centre = pts.mean(axis=0)
    pts = pts[np.argsort(np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0]))]
    return np.roll(pts, -int(np.argmin(pts.sum(axis=1))), axis=0)


def quad_points(quad: QuadArray) -> Corners:
    """A quad as four (x, y) points, as OCR lines carry them."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = np.asarray(quad, dtype=np.float64).tolist()
    return (x0, y0), (x1, y1), (x2, y2), (x3, y3)


def flat_size(quad: QuadArray) -> tuple[int, int]:
    """Width and height of the flat page for a quad: its longer opposite edges, so no print shrinks."""
    q = np.asarray(quad, dtype=np.float64)
    edges = np.linalg.norm(np.roll(q, -1, axis=0) - q, axis=1)
    return max(round(max(edges[0], edges[2])), 1), max(round(max(edges[1], edges[3])), 1)


def quad_matrix(quad: QuadArray, size: tuple[int, int]) -> np.ndarray:
    """The homography that maps `quad` (clockwise from top-left) onto the rectangle of `size`."""
    w, h = size
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    return np.asarray(cv2.getPerspectiveTransform(np.asarray(quad, dtype=np.float32), dst), dtype=np.float64)


def turn_matrix(turns: int, size: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    """Turning a (width, height) image `turns` quarter turns counter-clockwise: matrix and new size.

    Counter-clockwise, because a page that shows `turns` clockwise quarter turns in a photo is set
    upright by turning it back.
    """
    w, h = size
    turns %= 4
    if turns == 0:
        return np.eye(3), size
    if turns == 1:
        return np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, w], [0.0, 0.0, 1.0]]), (h, w)
    if turns == 2:
        return np.array([[-1.0, 0.0, w], [0.0, -1.0, h], [0.0, 0.0, 1.0]]), (w, h)
    return np.array([[0.0, -1.0, h], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]), (h, w)


def level_matrix(skew: float, size: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    """The rotation about the centre that brings text lines at `skew` radians (image frame, y down,
    positive when they descend to the right) to horizontal, on a canvas grown to hold the whole
    image: matrix and new size."""
    w, h = size
    cos, sin = math.cos(skew), math.sin(skew)
    nw, nh = round(abs(w * cos) + abs(h * sin)), round(abs(w * sin) + abs(h * cos))
    to_origin = np.array([[1.0, 0.0, -w / 2], [0.0, 1.0, -h / 2], [0.0, 0.0, 1.0]])
    rotate = np.array([[cos, sin, 0.0], [-sin, cos, 0.0], [0.0, 0.0, 1.0]])
    back = np.array([[1.0, 0.0, nw / 2], [0.0, 1.0, nh / 2], [0.0, 0.0, 1.0]])
    return back @ rotate @ to_origin, (nw, nh)


def scale_matrix(factor: float) -> np.ndarray:
    """Uniform scaling as a homography."""
    return np.diag([factor, factor, 1.0])


def translation(dx: float, dy: float) -> np.ndarray:
    """A shift by (dx, dy) as a homography."""
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])


def map_quads(quads: Sequence[QuadArray], matrix: np.ndarray) -> list[QuadArray]:
    """Quads moved through a homography, each again clockwise from its top-left corner."""
    return [order_corners(apply_homography(q, matrix)) for q in quads]


def warp(image: np.ndarray, matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The image seen through `matrix` on a canvas of `size`; outside the photo is replicated edge."""
    return np.asarray(
        cv2.warpPerspective(image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE),
        dtype=np.uint8,
    )


def page_geometry(
    matrix: np.ndarray, size: tuple[int, int], skew_degrees: float, locator: Locator
) -> PageGeometry:
    """The geometry of a flattening homography: the flat page's corners in the image, and the
    quarter turns the page shows there (from the direction of its top edge)."""
    w, h = size
    inverse = np.linalg.inv(matrix)
    quad = apply_homography(np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64), inverse)
    top = quad[1] - quad[0]
    turns = round(math.degrees(math.atan2(top[1], top[0])) / 90) % 4
    return PageGeometry(quad, np.asarray(matrix, dtype=np.float64), size, turns, skew_degrees, locator)


# ---------------------------------------------------------------- finding the page


# Page outlines are looked for in a copy of the picture this large (long side, pixels).
WORK_SIDE = 640


def fit_long_side(image: np.ndarray, max_side: int) -> np.ndarray:
    """Scale an image down so its long side is at most `max_side` (never enlarged)."""
    h, w = image.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1.0:
        return image
    return cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)


def _inner_band_is_paper(grey: np.ndarray, quad: QuadArray, light: float) -> bool:
    """Whether the strip just inside a quad is light and even, as paper (or a mat) is, against the
    picture's light (`light`, its 95th percentile of grey).

    A picture frame's outer edge has the dark or patterned moulding inside it; the page, its
    printed border and a mat have paper inside.
    """
    centre = quad.mean(axis=0)
    outer = np.round(centre + (quad - centre) * 0.985).astype(np.int32)
    inner = np.round(centre + (quad - centre) * 0.94).astype(np.int32)
    mask = np.zeros(grey.shape, np.uint8)
    cv2.fillConvexPoly(mask, outer, 255)
    cv2.fillConvexPoly(mask, inner, 0)
    band = grey[mask > 0]
    if band.size == 0:
        return False
    return float(np.median(band)) >= 0.72 * light


def _plausible_page(quad: QuadArray, image_area: float) -> bool:
    """A convex quad of a sensible size whose flat aspect could be a certificate's (1:2.2 to 2.2:1),
    with no corner angle so sharp that it must be something else."""
    if not cv2.isContourConvex(quad.astype(np.float32).reshape(-1, 1, 2)):
        return False
    if cv2.contourArea(quad.astype(np.float32)) < 0.12 * image_area:
        return False
    w, h = flat_size(quad)
    if not 1 / 2.2 <= w / h <= 2.2:
        return False
    for i in range(4):
        a, b, c = quad[i - 1], quad[i], quad[(i + 1) % 4]
        u, v = a - b, c - b
        cos = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-9))
        if abs(cos) > math.cos(math.radians(35)):
            return False
    return True


def _along_border(quad: QuadArray, shape: tuple[int, ...]) -> bool:
    """Whether two or more sides of the quad run along the image's border: the outline of the
    picture itself, or of a page cut off at a corner, not a page's own edges. (One side may: a scan
    puts the page against the bed's edge.)"""
    h, w = shape[:2]
    tol = 0.005 * max(h, w)
    sides = 0
    for a, b in zip(quad, np.roll(quad, -1, axis=0), strict=True):
        for axis, limit in ((0, 0.0), (0, float(w)), (1, 0.0), (1, float(h))):
            if abs(a[axis] - limit) < tol and abs(b[axis] - limit) < tol:
                sides += 1
    return sides >= 2


def text_extent(quads: Sequence[QuadArray], pad: float) -> tuple[float, float, float, float] | None:
    """The box (x0, y0, x1, y1) around all text quads, grown by `pad` times the median line height."""
    if not quads:
        return None
    points = np.concatenate([np.asarray(q, dtype=np.float64).reshape(-1, 2) for q in quads])
    heights = [min(math.dist(q[0], q[1]), math.dist(q[0], q[3])) for q in quads]
    grow = pad * statistics.median(heights)
    x0, y0 = points.min(axis=0) - grow
    x1, y1 = points.max(axis=0) + grow
    return float(x0), float(y0), float(x1), float(y1)


def work_copy(image: np.ndarray) -> tuple[np.ndarray, float]:
    """The picture at `WORK_SIDE` and the factor applied: what `page_candidates` and `page_beside`
    look at, made once for both."""
    return fit_long_side(image, WORK_SIDE), min(1.0, WORK_SIDE / max(image.shape[:2]))


def page_candidates(image: np.ndarray, work: tuple[np.ndarray, float] | None = None) -> list[QuadArray]:
    """Outlines in an image that could be the certificate, largest first, in image pixels.

    Edges are found at a few Canny sensitivities (a paper edge on a pale wall is faint, a frame is
    strong); every closed outline whose convex hull simplifies to four corners, is large enough,
    has a certificate's proportions and has paper just inside is a candidate: the page itself, its
    printed border, or a mat around it, all in the page's plane, so flattening any of them
    flattens the page. `work`: the picture's `work_copy`, when made already.
    """
    small, factor = work or work_copy(image)
    grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (5, 5), 0)
    area = float(grey.shape[0] * grey.shape[1])
    light = float(np.percentile(grey, 95))
    found: list[tuple[float, QuadArray]] = []
    for low, high in ((8, 24), (20, 60), (40, 120)):
        edges = cv2.dilate(cv2.Canny(grey, low, high), np.ones((3, 3), np.uint8))
        contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            hull = cv2.convexHull(contour)
            hull_area = float(cv2.contourArea(hull))
            if hull_area < 0.12 * area:
                continue
            approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
            if len(approx) != 4:
                continue
            quad = order_corners(approx.reshape(4, 2))
            if (
                _plausible_page(quad, area)
                and not _along_border(quad, grey.shape)
                and _inner_band_is_paper(grey, quad, light)
            ):
                found.append((hull_area, quad))
    found.sort(key=lambda item: -item[0])
    distinct: list[QuadArray] = []
    for _, quad in found:
        # The same outline found at several sensitivities is one candidate.
        if all(np.abs(quad - other).max() > 0.01 * max(grey.shape) for other in distinct):
            distinct.append(quad)
    spreads = [
        spread
        for i, first in enumerate(distinct)
        for second in distinct[i + 1 :]
        if (spread := facing_pages(first, second)) is not None and _plausible_page(spread, area)
    ]
    ranked = sorted([*distinct, *spreads], key=lambda q: -float(cv2.contourArea(q.astype(np.float32))))
    return [q / factor for q in ranked]


def facing_pages(first: QuadArray, second: QuadArray) -> QuadArray | None:
    """The outline of both pages when two outlines are the facing pages of an opened certificate.

    A two-page certificate opened flat often shows as two outlines (the fold breaks the paper's
    edge): side by side, not overlapping, with a side of one along a side of the other, of about
    the same length. Their union is the page that holds every field.
    """
    for i in range(4):
        a0, a1 = first[i], first[(i + 1) % 4]
        length = math.dist(a0, a1)
        for j in range(4):
            # The facing side runs the other way round its own outline.
            b1, b0 = second[j], second[(j + 1) % 4]
            if not 0.8 <= math.dist(b0, b1) / max(length, 1e-9) <= 1.25:
                continue
            if max(math.dist(a0, b0), math.dist(a1, b1)) > FOLD_GAP * length:
                continue
            hull = cv2.convexHull(np.vstack([first, second]).astype(np.float32))
            overlap, _ = cv2.intersectConvexConvex(
                first.astype(np.float32).reshape(-1, 1, 2), second.astype(np.float32).reshape(-1, 1, 2)
            )
            smaller = min(
                cv2.contourArea(first.astype(np.float32)), cv2.contourArea(second.astype(np.float32))
            )
            if overlap > 0.05 * smaller:
                return None
            approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
            return order_corners(approx.reshape(-1, 2)) if len(approx) == 4 else None
    return None


# A page beside the outline (`page_beside`): how much of the region one page further on must lie in
# the picture, how much print it must carry against the outlined page's, how bright its paper must
# be against that page's paper, and in how many separate rows its print must lie.
BESIDE_IN_PICTURE = 0.6
BESIDE_PRINT = 0.35
BESIDE_PAPER = 0.85
BESIDE_ROWS = 3
# The flat size (long side) at which print is measured, and the dark strokes counted as print.
_PRINT_SIZE = 240
_PRINT_DEPTH = 30


def _print_on(grey: np.ndarray, quad: QuadArray) -> tuple[float, float, float, int]:
    """The region of a grey image inside a quad, flattened small: the share of it that lies in the
    image, the share of that which is dark print (thin strokes darker than their surroundings), its
    paper's brightness and the number of separate rows its print lies in."""
    w, h = flat_size(quad)
    scale = _PRINT_SIZE / max(w, h, 1)
    size = (max(round(w * scale), 1), max(round(h * scale), 1))
    matrix = quad_matrix(quad, size)
    flat = cv2.warpPerspective(grey, matrix, size)
    inside = cv2.warpPerspective(np.full(grey.shape, 255, np.uint8), matrix, size) > 0
    if not inside.any():
        return 0.0, 0.0, 0.0, 0
    strokes = cv2.morphologyEx(flat, cv2.MORPH_BLACKHAT, np.ones((9, 9), np.uint8)) > _PRINT_DEPTH
    ink = strokes & inside
    rows = ink.mean(axis=1) > 0.01
    starts = int(np.count_nonzero(rows[1:] & ~rows[:-1]) + rows[0])
    share = float(ink.sum()) / float(inside.sum())
    return float(inside.mean()), share, float(np.percentile(flat[inside], 75)), starts


def page_beside(
    image: np.ndarray, quad: QuadArray, work: tuple[np.ndarray, float] | None = None
) -> QuadArray | None:
    """The outline grown over a page that lies beside it with no outline of its own, or None.

    Two spreads of a booklet stacked in one picture often show one outline only (one spread has a
    printed border, the other lies flat and pale on the scanner bed), and a page often shows without
    its facing page's: the region one spread further on, above or below (one page further on, left
    or right, for a page), in the outline's own plane, is then paper bearing print in rows, as the
    outlined page is. The grown outline flattens both. `work`: the picture's `work_copy`, when
    made already.
    """
    small, factor = work or work_copy(image)
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) if small.ndim == 3 else small
    outline = np.asarray(quad, dtype=np.float64) * factor
    _, own_print, own_paper, _ = _print_on(grey, outline)
    if own_print <= 0.0:
        return None
    tl, tr, br, bl = outline
    down, right = (bl - tl + br - tr) / 2, (tr - tl + br - bl) / 2
    # An opened spread (wider than high) has the other spread above or below it; a page, its facing
    # page beside it. Nothing else is taken in (an ID card copied beside the booklet is no page of it).
    wide = float(np.linalg.norm(right)) > float(np.linalg.norm(down))
    best: tuple[float, QuadArray] | None = None
    for step in (down, -down) if wide else (right, -right):
        beside = outline + step
        in_picture, share, paper, rows = _print_on(grey, beside)
        if (
            in_picture >= BESIDE_IN_PICTURE
            and share >= BESIDE_PRINT * own_print
            and paper >= BESIDE_PAPER * own_paper
            and rows >= BESIDE_ROWS
            and (best is None or share > best[0])
        ):
            best = (share, beside)
    if best is None:
        return None
    return _grown(outline, best[1]) / factor


def _grown(outline: QuadArray, beside: QuadArray) -> QuadArray:
    """The outline of a quad and its copy one step on: each corner on the side facing the copy
    moved one step on, the others kept."""
    centre = outline.mean(axis=0)
    step = beside.mean(axis=0) - centre
    grown = [b if float(np.dot(a - centre, step)) > 0 else a for a, b in zip(outline, beside, strict=True)]
    return order_corners(np.array(grown))


def text_quad(quads: Sequence[QuadArray], size: tuple[int, int]) -> QuadArray | None:
    """The page as the turned rectangle around all detected text, grown by a margin.

    Used when the page's edges are too weak to find (a pale wall, glare on the border, a page
    partly out of the picture). It removes rotation but not perspective, which extraction
    tolerates. None when there is too little text to go by.
    """
    if len(quads) < 3:
        return None
    points = np.array([p for q in quads for p in q], dtype=np.float32)
    (cx, cy), (w, h), angle = cv2.minAreaRect(points)
    heights = [math.dist(q[0], q[3]) for q in quads if math.dist(q[0], q[1]) > 2 * math.dist(q[0], q[3])]
    margin = 2.0 * (statistics.median(heights) if heights else 0.02 * max(w, h))
    box = cv2.boxPoints(((cx, cy), (w + 2 * margin, h + 2 * margin), angle))
    width, height = size
    box[:, 0] = np.clip(box[:, 0], 0, width)
    box[:, 1] = np.clip(box[:, 1], 0, height)
    return order_corners(box)


# ---------------------------------------------------------------- text direction


def _line_axes(quad: QuadArray) -> tuple[float, float, float]:
    """Length of a detected line's first edge, of its second edge, and the first edge's angle."""
    (x0, y0), (x1, y1), _, (x3, y3) = quad[0], quad[1], quad[2], quad[3]
    return math.hypot(x1 - x0, y1 - y0), math.hypot(x3 - x0, y3 - y0), math.atan2(y1 - y0, x1 - x0)


def text_is_vertical(quads: Sequence[QuadArray]) -> bool | None:
    """Whether the text lines run up and down (the page is turned a quarter), by the long axis of
    the clearly elongated detection boxes: text lines are much wider than high. None when no box
    is clearly elongated."""
    votes = 0.0
    for quad in quads:
        first, second, angle = _line_axes(quad)
        long_side, short_side = max(first, second), min(first, second)
        if long_side < 2.0 * short_side:
            continue
        direction = angle if first >= second else angle + math.pi / 2
        # Weight by length: long lines say most about the page, stray marks little.
        votes += long_side * (1.0 if abs(math.sin(direction)) > math.sqrt(0.5) else -1.0)
    if votes == 0.0:
        return None
    return votes > 0


def direction_spread(quads: Sequence[QuadArray]) -> float:
    """How much the directions of the clearly elongated text lines disagree, in degrees (the
    circular spread of their long axes). Lines of a well flattened page are parallel; lines of a page
    flattened by an outline that was not its own fan out."""
    doubled = []
    for quad in quads:
        first, second, angle = _line_axes(quad)
        if max(first, second) >= 2.0 * min(first, second):
            direction = angle if first >= second else angle + math.pi / 2
            doubled.append((math.cos(2 * direction), math.sin(2 * direction)))
    if len(doubled) < 3:
        return 0.0
    resultant = math.hypot(*np.mean(np.array(doubled), axis=0))
    return math.degrees(math.sqrt(max(-2.0 * math.log(max(resultant, 1e-9)), 0.0)) / 2)


def reaches_edge(quads: Sequence[QuadArray], size: tuple[int, int], margin: float = 0.01) -> bool:
    """Whether any text line comes within `margin` (share of the long side) of the frame's edge:
    text that may go on beyond it."""
    w, h = size
    limit = margin * max(w, h)
    for quad in quads:
        q = np.asarray(quad, dtype=np.float64)
        if (
            q[:, 0].min() < limit
            or q[:, 1].min() < limit
            or q[:, 0].max() > w - limit
            or q[:, 1].max() > h - limit
        ):
            return True
    return False


def line_height(quads: Sequence[QuadArray]) -> float:
    """The print's height: the median short side of the clearly elongated text lines (0 without
    any)."""
    heights = []
    for quad in quads:
        first, second, _ = _line_axes(quad)
        if max(first, second) >= 2.0 * min(first, second):
            heights.append(min(first, second))
    return statistics.median(heights) if heights else 0.0


def crowded_share(quads: Sequence[QuadArray]) -> float:
    """The share of text lines whose box runs into the box of a line below it (sharing at least
    half the narrower one's width): rows set closer together than detection keeps apart at this
    size."""
    if not quads:
        return 0.0
    pts = np.asarray([np.asarray(q, dtype=np.float64) for q in quads])
    x0, y0 = pts[:, :, 0].min(axis=1), pts[:, :, 1].min(axis=1)
    x1, y1 = pts[:, :, 0].max(axis=1), pts[:, :, 1].max(axis=1)
    # [a, b]: line b starts below line a's top and above its bottom, sharing enough of its width.
    shared = np.minimum(x1[:, None], x1[None, :]) - np.maximum(x0[:, None], x0[None, :])
    narrower = np.minimum((x1 - x0)[:, None], (x1 - x0)[None, :])
    below = (y0[:, None] < y0[None, :]) & (y0[None, :] < y1[:, None])
    return float(np.mean((below & (shared >= 0.5 * narrower)).any(axis=1)))


def text_skew(quads: Sequence[QuadArray]) -> float:
    """The residual rotation of horizontal text lines in radians (median over elongated lines),
    positive when lines descend to the right."""
    angles = []
    for quad in quads:
        first, second, angle = _line_axes(quad)
        if first >= 2.0 * second:
            # Angles of a nearly horizontal line may come as ±π: fold into (-π/2, π/2].
            angles.append(math.atan(math.tan(angle)))
    return statistics.median(angles) if angles else 0.0


def line_crop_quads(quads: Sequence[QuadArray], count: int) -> list[QuadArray]:
    """The `count` longest horizontal lines' quads, clockwise from their top-left: the text a
    direction classifier reads best."""
    ranked = []
    for quad in quads:
        first, second, _ = _line_axes(quad)
        if first >= 2.5 * second:
            ranked.append((first, np.asarray(quad, dtype=np.float64)))
    ranked.sort(key=lambda item: -item[0])
    return [q for _, q in ranked[:count]]
