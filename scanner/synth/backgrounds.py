"""What the page lies on or hangs in: a painted wall, a wooden desk, a picture frame, desk clutter."""

from __future__ import annotations

import random
from typing import Any

import cv2
import numpy as np

from .geometry import apply_matrix, page_corners
from .optics import _smooth_field

_WALLS: tuple[tuple[int, int, int], ...] = (
    (232, 230, 224),
    (214, 210, 200),
    (200, 204, 206),
    (226, 218, 196),
    (190, 200, 188),
    (236, 236, 238),
)
_WOODS: tuple[tuple[tuple[int, int, int], tuple[int, int, int]], ...] = (
    ((150, 100, 60), (112, 70, 40)),
    ((190, 150, 105), (150, 110, 72)),
    ((95, 62, 40), (66, 42, 28)),
    ((205, 180, 140), (172, 142, 100)),
)
_FRAMES: tuple[tuple[int, int, int], ...] = (
    (40, 30, 25),
    (150, 115, 60),
    (20, 20, 22),
    (235, 232, 225),
    (110, 70, 40),
)


def _wall(shape: tuple[int, int], rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    """Plain painted wall: one colour, soft tonal variation."""
    h, w = shape
    base = np.array(rng.choice(_WALLS), np.float32) * rng.uniform(0.85, 1.03)
    tone = _smooth_field(nrng, (h // 8 + 1, w // 8 + 1), 6, 0.93, 1.05)
    small = np.clip(tone[..., None] * base, 0, 255).astype(np.uint8)
    return np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR), dtype=np.uint8)


def _wood(shape: tuple[int, int], rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    """Wood-grain desk: warped stripes between two wood tones, drawn at 1/4 res."""
    h, w = shape
    sh, sw = h // 4 + 1, w // 4 + 1
    light, dark = (np.array(c, np.float32) for c in rng.choice(_WOODS))
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    warp = _smooth_field(nrng, (sh, sw), 5, -1.0, 1.0) * sh * 0.05
    freq = rng.uniform(0.05, 0.12)
    grain = (
        0.5 + 0.35 * np.sin((yy + warp) * freq) + 0.15 * np.sin((yy + warp * 2.3) * freq * 3.7 + xx * 0.002)
    )
    streak = nrng.normal(0, 0.05, (sh, 1)).astype(np.float32)  # fine lengthwise fibres
    t = np.clip(grain + streak, 0, 1)[..., None]
    small = (light * (1 - t) + dark * t).astype(np.uint8)
    if rng.random() < 0.5:  # planks run either way
        small = cv2.resize(small.transpose(1, 0, 2), (sw, sh))
    return np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR), dtype=np.uint8)


def _draw_frame(
    canvas: np.ndarray, page_to_canvas: np.ndarray, page_size: tuple[int, int], rng: random.Random
) -> dict[str, Any]:
    """Picture frame (and sometimes a mat) around the page, in page perspective."""
    w, h = page_size
    border = max(w, h) * rng.uniform(0.05, 0.1)
    mat = max(w, h) * rng.uniform(0.03, 0.07) if rng.random() < 0.5 else 0.0
    colour = rng.choice(_FRAMES)

    def ring(pad: float) -> np.ndarray:
        corners = page_corners(w, h) + np.array([[-pad, -pad], [pad, -pad], [pad, pad], [-pad, pad]])
        return np.round(apply_matrix(corners, page_to_canvas)).astype(np.int32)

    outer = mat + border
    cv2.fillConvexPoly(canvas, ring(outer), colour, lineType=cv2.LINE_AA)
    # Inner bevel: a darker band where the moulding steps down to the picture.
    bevel = tuple(int(c * 0.6) for c in colour)
    cv2.fillConvexPoly(canvas, ring(mat + border * 0.25), bevel, lineType=cv2.LINE_AA)
    if mat > 0:
        cv2.fillConvexPoly(canvas, ring(mat), (238, 236, 230), lineType=cv2.LINE_AA)
    else:
        cv2.fillConvexPoly(
            canvas, ring(border * 0.12), tuple(int(c * 0.85) for c in colour), lineType=cv2.LINE_AA
        )
    return {"frame_colour": list(colour), "frame_mat": mat > 0}


def _clutter(canvas: np.ndarray, rng: random.Random, avoid: np.ndarray) -> list[str]:
    """Things lying on a desk beside the certificate: a sheet of paper, a dark phone or book.

    They give contour-based page finding rival rectangles. Each is drawn as a rotated rectangle
    whose centre lies outside the certificate (it is partly under or beside it).
    """
    ch, cw = canvas.shape[:2]
    drawn: list[str] = []
    for _ in range(rng.randint(1, 2)):
        kind = rng.choice(("paper", "dark"))
        for _attempt in range(10):
            center = (rng.uniform(0, cw), rng.uniform(0, ch))
            if cv2.pointPolygonTest(avoid.astype(np.float32), center, False) < 0:
                break
        size = (rng.uniform(0.2, 0.45) * cw, rng.uniform(0.2, 0.45) * ch)
        box = cv2.boxPoints((center, size, rng.uniform(0, 90)))
        colour = (
            tuple(rng.randint(236, 252) for _ in range(3))
            if kind == "paper"
            else tuple(rng.randint(20, 60) for _ in range(3))
        )
        cv2.fillConvexPoly(canvas, np.round(box).astype(np.int32), colour, lineType=cv2.LINE_AA)
        drawn.append(kind)
    return drawn
