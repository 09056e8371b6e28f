"""Turn a flat certificate render into an office scan, a phone photo or a hard photo.

Each mode is a function that places the page on a canvas (returning the
page-to-output homography) and applies its own optics; JPEG encoding and the
page quad are shared.  The "hard" mode is the phone photo at its worst: strong
perspective, quarter turns, glare, blur, dim light, low resolution, heavy JPEG.
The page quad always starts at the page's own top-left corner, wherever the
turn put it in the image.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image

from .backgrounds import _clutter, _draw_frame, _wall, _wood
from .geometry import (
    _canvas,
    _edge_scale,
    _fit_inside,
    _jitter_quad,
    _quarter_turn,
    _rotated_quad,
    _tilted_quad,
    _warp_page,
    apply_matrix,
    page_corners,
)
from .optics import _add_glare, _glare, _jpeg, _light, _light_field, _motion_blur, _multiply

# The test helpers import these two from here.
from .optics import _add_noise as _add_noise
from .optics import _blur as _blur

Quad = list[list[float]]


@dataclass(frozen=True)
class DegradeResult:
    """Degraded image, where the page ended up, and what was applied.

    ``encoded`` holds the JPEG bytes ``image`` was decoded from, so callers can
    write them to disk without a second lossy encode.  ``matrix`` is the 3x3
    homography from flat-image pixels to output pixels (see ``map_box``).
    ``washout`` is the reflection's lift towards white at each output pixel
    (uint8, 255 = print lifted all the way to white), None when no glare was
    applied; ``field_legibility`` reads it.
    """

    image: Image.Image
    quad: Quad
    params: dict[str, Any]
    encoded: bytes = field(repr=False)
    matrix: list[list[float]] = field(repr=False)
    washout: np.ndarray | None = field(default=None, repr=False)


@dataclass
class _Shot:
    """What a mode produces before JPEG encoding."""

    pixels: np.ndarray  # HxWx3 uint8 RGB
    matrix: np.ndarray  # 3x3 float64, flat page -> output
    params: dict[str, Any]
    quality: int
    washout: np.ndarray | None = None  # HxW uint8: glare's lift towards white


ModeFn = Callable[[np.ndarray, random.Random, np.random.Generator], _Shot]


# ---------------------------------------------------------------- modes


def _scan(page: np.ndarray, rng: random.Random, nrng: np.random.Generator) -> _Shot:
    """Office flatbed scan: nearly straight, white bed margin, mild noise/blur."""
    h, w = page.shape[:2]
    long_side = rng.randint(1600, 2400)
    angle = rng.uniform(-1.5, 1.5)
    # Pages go against one bed corner: small margin there, more on the far sides.
    near, far = rng.uniform(0.01, 0.03), rng.uniform(0.02, 0.08)
    mx0, mx1 = (far, near) if rng.random() < 0.5 else (near, far)
    my0, my1 = (far, near) if rng.random() < 0.5 else (near, far)
    sin, cos = abs(math.sin(math.radians(angle))), abs(math.cos(math.radians(angle)))
    rot_w, rot_h = w * cos + h * sin, w * sin + h * cos
    span_w, span_h = rot_w + (mx0 + mx1) * w, rot_h + (my0 + my1) * h
    scale = long_side / max(span_w, span_h)
    cw, ch = round(span_w * scale), round(span_h * scale)
    cx, cy = (mx0 * w + rot_w / 2) * scale, (my0 * h + rot_h / 2) * scale
    quad = _rotated_quad(w, h, scale, angle, (cx, cy))
    bed = rng.randint(242, 255)
    canvas = np.full((ch, cw, 3), bed, np.uint8)
    # Lid shadow: a thin grey sliver along the page edge.
    shadow_off = np.array([rng.uniform(-4, 4), rng.uniform(-4, 4)])
    cv2.polylines(
        canvas, [np.round(quad + shadow_off).astype(np.int32)], True, (150, 150, 150), 3, cv2.LINE_AA
    )
    matrix = _warp_page(page, quad, canvas)
    params: dict[str, Any] = {"angle": round(angle, 2), "long_side": long_side, "bed": bed}
    if rng.random() < 0.5:
        cast = rng.uniform(0.9, 0.98)
        tint = [cast * rng.uniform(0.98, 1.02) for _ in range(3)]
        canvas = _multiply(canvas, np.full((2, 2, 3), tint, np.float32))
        params["grey_cast"] = [round(t, 3) for t in tint]
    if rng.random() < 0.4:
        sigma = rng.uniform(0.4, 0.9)
        canvas = _blur(canvas, sigma)
        params["blur_sigma"] = round(sigma, 2)
    noise = rng.uniform(1.0, 3.5)
    canvas = _add_noise(canvas, rng, noise)
    params["noise_sigma"] = round(noise, 2)
    return _Shot(canvas, matrix, params, rng.randint(70, 95))


MIN_PHOTO_SCALE = 0.5


def _photo(page: np.ndarray, rng: random.Random, nrng: np.random.Generator) -> _Shot:
    """Phone photo on a desk or wall: mild perspective, lighting, blur, noise."""
    h, w = page.shape[:2]
    long_side = rng.randint(1600, 3000)
    aspect = rng.choice((4 / 3, 4 / 3, 16 / 9, 1.0))
    background = rng.choice(("wall", "desk", "frame"))
    fill = rng.uniform(0.6, 0.86) if background != "frame" else rng.uniform(0.55, 0.72)
    landscape = (w >= h) if rng.random() < 0.85 else (w < h)
    cw, ch = _canvas(long_side, aspect, landscape)
    scale = min(cw / w, ch / h) * fill
    if scale < MIN_PHOTO_SCALE:
        # A phone user frames the certificate to fill the shot: hold it the right way
        # round and use a larger sensor crop rather than shrinking the text too far.
        long_side = min(3000, max(long_side, round(long_side * MIN_PHOTO_SCALE / scale)))
        cw, ch = _canvas(long_side, aspect, w >= h)
        scale = min(cw / w, ch / h) * fill
    angle = rng.uniform(-6, 6)
    center = (cw / 2 + rng.uniform(-0.06, 0.06) * cw, ch / 2 + rng.uniform(-0.06, 0.06) * ch)
    quad = _rotated_quad(w, h, scale, angle, center)
    jitter = rng.uniform(0.01, 0.06) * max(w, h) * scale
    quad = _fit_inside(_jitter_quad(quad, rng, jitter), (cw, ch), 0.02 * long_side)
    canvas = (_wood if background == "desk" else _wall)((ch, cw), rng, nrng)
    matrix_guess = cv2.getPerspectiveTransform(page_corners(w, h).astype(np.float32), quad.astype(np.float32))
    params: dict[str, Any] = {
        "background": background,
        "angle": round(angle, 2),
        "jitter_px": round(jitter, 1),
    }
    if background == "frame":
        params.update(_draw_frame(canvas, matrix_guess, (w, h), rng))
    elif rng.random() < 0.6:
        # Cast shadow of the page lifted slightly off the surface.
        off = np.array([rng.uniform(-1, 1), rng.uniform(0.3, 1)]) * 0.012 * long_side
        small = np.ones((ch // 8 + 1, cw // 8 + 1), np.float32)
        cv2.fillConvexPoly(small, np.round((quad + off) / 8).astype(np.int32), 0.0)
        small = np.asarray(cv2.GaussianBlur(small, (0, 0), 3.0), dtype=np.float32)
        canvas = _multiply(canvas, 0.55 + 0.45 * small)
        params["page_shadow"] = True
    matrix = _warp_page(page, quad, canvas)
    light = _light_field((ch, cw), rng, nrng, rng.uniform(0.08, 0.3), rng.uniform(0.05, 0.3))
    tint = np.array([rng.uniform(0.95, 1.05), 1.0, rng.uniform(0.92, 1.04)], np.float32) * rng.uniform(
        0.9, 1.06
    )
    canvas = _light(canvas, light[..., None] * tint, rng, 0.2, (0.12, 0.3), params)
    sigma = rng.uniform(0.5, 1.5)
    canvas = _blur(canvas, sigma)
    noise = rng.uniform(2.0, 5.0)
    canvas = _add_noise(canvas, rng, noise)
    params.update(
        {
            "long_side": long_side,
            "fill": round(fill, 3),
            "tint": [round(float(t), 3) for t in tint],
            "blur_sigma": round(sigma, 2),
            "noise_sigma": round(noise, 2),
        }
    )
    return _Shot(canvas, matrix, params, rng.randint(65, 92))


# ---------------------------------------------------------------- hard photos


# The page is shown at no less than this linear scale along any of its edges in a hard photo, so
# print of ~45 px in the render is still ~15 px high where the page is most foreshortened. Nobody
# photographs a certificate so small or so obliquely that its print is a few pixels high.
MIN_HARD_PRINT_SCALE = 0.33
HARD_MAX_SIDE = 1800


def _hard_framing(
    w: int, h: int, rng: random.Random, fill: float
) -> tuple[np.ndarray, tuple[int, int], int, dict[str, float]]:
    """Camera pose and picture size of a hard photo: the page quad (centred on the origin, in
    output pixels), the canvas size, its long side and the pose parameters.

    A phone picture has a long side of ~1000 px; a wide (16:9) or oblique shot that would shrink
    the print below legibility is taken with more pixels, and a pose that would still do so is
    not one a person would photograph a certificate from.
    """
    aspect = rng.choice((4 / 3, 4 / 3, 16 / 9, 1.0))
    base_side = rng.randint(960, 1300)
    for _attempt in range(20):
        shape_quad, tilt = _tilted_quad(w, h, rng)
        span = shape_quad.max(axis=0) - shape_quad.min(axis=0)
        landscape = bool(span[0] >= span[1])
        long_side = base_side
        for _grow in range(2):
            cw, ch = _canvas(long_side, aspect, landscape)
            scale = min(cw / span[0], ch / span[1]) * fill
            shown = _edge_scale(shape_quad * scale, w, h)
            if shown >= MIN_HARD_PRINT_SCALE:
                return shape_quad * scale, (cw, ch), long_side, tilt
            long_side = min(HARD_MAX_SIDE, math.ceil(long_side * MIN_HARD_PRINT_SCALE / shown))
    return shape_quad * scale, (cw, ch), long_side, tilt


def _hard(page: np.ndarray, rng: random.Random, nrng: np.random.Generator) -> _Shot:
    """A difficult phone photo of a certificate on a wall, behind glass or on a desk.

    Strong perspective, the phone turned by a quarter turn, glare spots, shadows, dim light,
    motion or focus blur, a small picture (long side ~1000 px), heavy JPEG, sometimes a corner of
    the certificate out of the frame. Field text stays readable for a person in most shots; where
    glare or the frame edge takes a field away, it is gone for any reader.
    """
    h, w = page.shape[:2]
    background = rng.choice(("wall", "desk", "frame"))
    fill = rng.uniform(0.7, 0.92) if background != "frame" else rng.uniform(0.6, 0.78)
    shape_quad, (cw, ch), long_side, tilt = _hard_framing(w, h, rng, fill)
    span = shape_quad.max(axis=0) - shape_quad.min(axis=0)
    center = np.array([cw / 2 + rng.uniform(-0.05, 0.05) * cw, ch / 2 + rng.uniform(-0.05, 0.05) * ch])
    quad = shape_quad + center
    params: dict[str, Any] = {"background": background, **tilt, "fill": round(fill, 3)}
    if rng.random() < 0.12:
        # The certificate slips partly out of the shot: push it towards one edge.
        direction = rng.choice(((1, 0), (-1, 0), (0, 1), (0, -1)))
        lo, hi = quad.min(axis=0), quad.max(axis=0)
        overshoot = rng.uniform(0.02, 0.08) * max(span)
        dx = direction[0] * ((cw - hi[0]) + overshoot if direction[0] > 0 else lo[0] + overshoot)
        dy = direction[1] * ((ch - hi[1]) + overshoot if direction[1] > 0 else lo[1] + overshoot)
        quad = quad + np.array([dx, dy])
        params["partly_outside"] = True
    else:
        quad = _fit_inside(quad, (cw, ch), 0.01 * long_side)
    canvas = (_wood if background == "desk" else _wall)((ch, cw), rng, nrng)
    matrix_guess = cv2.getPerspectiveTransform(page_corners(w, h).astype(np.float32), quad.astype(np.float32))
    if background == "frame":
        params.update(_draw_frame(canvas, matrix_guess, (w, h), rng))
    elif background == "desk" and rng.random() < 0.4:
        params["clutter"] = _clutter(canvas, rng, quad)
    matrix = _warp_page(page, quad, canvas)
    light = _light_field((ch, cw), rng, nrng, rng.uniform(0.1, 0.45), rng.uniform(0.1, 0.4))
    dim = rng.uniform(0.5, 0.8) if rng.random() < 0.25 else rng.uniform(0.85, 1.05)
    tint = np.array([rng.uniform(0.92, 1.06), 1.0, rng.uniform(0.85, 1.05)], np.float32) * dim
    canvas = _light(canvas, light[..., None] * tint, rng, 0.45, (0.2, 0.5), params)
    params["light"] = round(dim, 2)
    glass = background == "frame" or rng.random() < 0.25
    washout: np.ndarray | None = None
    if rng.random() < (0.75 if glass else 0.3):
        spots = []
        gain = np.zeros((ch // 4 + 1, cw // 4 + 1), np.float32)
        for _ in range(rng.choice((1, 1, 2))):
            # Reflections land anywhere on the glass, mostly over the certificate.
            u, v = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9)
            top = quad[0] + (quad[1] - quad[0]) * u
            bottom = quad[3] + (quad[2] - quad[3]) * u
            spot_gain, spot = _glare(
                (ch, cw), rng, tuple(top + (bottom - top) * v), rng.uniform(0.04, 0.1) * long_side
            )
            gain = np.maximum(gain, spot_gain)
            spots.append(spot)
        canvas, washout = _add_glare(canvas, gain)
        params["glare"] = spots
    if rng.random() < 0.3:
        streak, heading = rng.uniform(1.5, 3.5), rng.uniform(0, 180)
        canvas = _motion_blur(canvas, streak, heading)
        params["motion_blur"] = {"length": round(streak, 1), "angle": round(heading, 1)}
    sigma = rng.uniform(0.3, 0.9)
    canvas = _blur(canvas, sigma)
    # A dim shot is a high-ISO shot; the phone's denoising keeps what is left moderate.
    noise = rng.uniform(2.0, 4.0) / max(dim, 0.75)
    canvas = _add_noise(canvas, rng, noise)
    turns = _weighted_turns(rng)
    if washout is not None:
        washout, _ = _quarter_turn(washout, matrix, turns)
    canvas, matrix = _quarter_turn(canvas, matrix, turns)
    params.update(
        {
            "long_side": long_side,
            "blur_sigma": round(sigma, 2),
            "noise_sigma": round(noise, 2),
            "quarter_turns": turns,
        }
    )
    return _Shot(canvas, matrix, params, rng.randint(35, 65), washout)


def _weighted_turns(rng: random.Random) -> int:
    """Clockwise quarter turns of a hard photo: upright in 40%, each other turn in 20%."""
    return int(rng.choices((0, 1, 2, 3), weights=(2, 1, 1, 1))[0])


MODES: dict[str, ModeFn] = {"scan": _scan, "photo": _photo, "hard": _hard}


def degrade(image: Image.Image, rng: random.Random, mode: str) -> DegradeResult:
    """Apply ``mode`` ("scan", "photo" or "hard") to a flat certificate image."""
    try:
        mode_fn = MODES[mode]
    except KeyError:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}") from None
    page = np.asarray(image.convert("RGB"))
    nrng = np.random.default_rng(rng.getrandbits(64))
    shot = mode_fn(page, rng, nrng)
    encoded, out = _jpeg(shot.pixels, shot.quality)
    quad = apply_matrix(page_corners(image.width, image.height), shot.matrix)
    params = {"mode": mode, **shot.params, "jpeg_quality": shot.quality, "size": list(out.size)}
    return DegradeResult(
        image=out,
        quad=[[round(float(x), 1), round(float(y), 1)] for x, y in quad],
        params=params,
        encoded=encoded,
        matrix=shot.matrix.tolist(),
        washout=shot.washout,
    )


# ---------------------------------------------------------------- ground truth of legibility

# Print lifted this far towards white by a reflection (share of the way) keeps under a tenth of its
# contrast: a few grey levels, below the noise and JPEG error of a hard photo. Gone for any reader.
WASHED_OUT = 0.9


def field_legibility(shot: DegradeResult, box: Sequence[float], lines: Sequence[str]) -> dict[str, Any]:
    """Whether a value printed in ``box`` (flat-page pixels) over ``lines`` survives in the photo.

    Decided from the generator's own truth, never from what any reader made of it: the value's
    box is sampled on a grid and each sample mapped into the photo. A sample is lost when it lies
    outside the picture or where a reflection washed print out (``WASHED_OUT``). A value is
    illegible when the lost share of its box reaches one character's worth (at most half the box):
    one digit gone makes an ID number unreadable for any reader, but a glint over a corner of one
    character does not. Also returns, for telling causes apart, the strongest glare over the value
    (0-1) and its print height in photo pixels where the page is most foreshortened.
    """
    chars = max(sum(len(line) for line in lines), 1)
    rows = max(len(lines), 1)
    x0, y0, x1, y1 = (float(v) for v in box)
    nx, ny = max(12, 4 * chars), 6 * rows
    xs = x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx
    ys = y0 + (np.arange(ny) + 0.5) * (y1 - y0) / ny
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    matrix = np.asarray(shot.matrix, dtype=np.float64)
    pts = apply_matrix(grid, matrix)
    w, h = shot.image.size
    inside = (pts[:, 0] >= 0) & (pts[:, 0] < w) & (pts[:, 1] >= 0) & (pts[:, 1] < h)
    washed = np.zeros(len(pts), dtype=bool)
    glare = 0.0
    if shot.washout is not None and inside.any():
        px = np.clip(pts[inside].astype(np.int64), 0, [w - 1, h - 1])
        lift = shot.washout[px[:, 1], px[:, 0]].astype(np.float64) / 255.0
        washed[inside] = lift >= WASHED_OUT
        glare = float(lift.max())
    outside = float(1.0 - inside.mean())
    lost = float(outside + washed.mean())
    # Print height: one line's height in the flat page, at the smallest local scale over the box.
    line_h = (y1 - y0) / rows
    below = apply_matrix(grid + np.array([0.0, line_h]), matrix)
    print_px = float(np.linalg.norm(below - pts, axis=1).min())
    return {
        "legible": lost < min(1.0 / chars, 0.5),
        "outside": round(outside, 3),
        "washed_out": round(float(washed.mean()), 3),
        "glare": round(glare, 2),
        "print_px": round(print_px, 1),
    }
