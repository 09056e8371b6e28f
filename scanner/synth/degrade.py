"""Turn a flat certificate render into an office scan, a phone photo or a hard photo.

Each mode is a function that places the page on a canvas (returning the
page-to-output homography) and applies its own optics; JPEG encoding and the
page quad are shared.  The "hard" mode is the phone photo at its worst: strong
perspective, quarter turns, glare, blur, dim light, low resolution, heavy JPEG.
The page quad always starts at the page's own top-left corner, wherever the
turn put it in the image.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image

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


# ---------------------------------------------------------------- geometry


def page_corners(width: float, height: float) -> np.ndarray:
    """Flat page corners, clockwise from top-left."""
    return np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)


def apply_matrix(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Project Nx2 points through a 3x3 homography."""
    pts = np.hstack([points, np.ones((len(points), 1))]) @ matrix.T
    return np.asarray(pts[:, :2] / pts[:, 2:3], dtype=np.float64)


def map_box(box: Sequence[float], matrix: Sequence[Sequence[float]]) -> list[int]:
    """Axis-aligned box around a flat-image box after the homography."""
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
    pts = apply_matrix(corners, np.asarray(matrix, dtype=np.float64))
    return [round(pts[:, 0].min()), round(pts[:, 1].min()), round(pts[:, 0].max()), round(pts[:, 1].max())]


def _rotated_quad(
    w: float, h: float, scale: float, angle_deg: float, center: tuple[float, float]
) -> np.ndarray:
    """Page corners scaled, rotated about the page centre and moved to ``center``."""
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    local = (page_corners(1, 1) - 0.5) * [w * scale, h * scale]
    return np.asarray(local @ rot.T + np.array(center), dtype=np.float64)


def _warp_page(page: np.ndarray, quad: np.ndarray, canvas: np.ndarray) -> np.ndarray:
    """Draw ``page`` into ``canvas`` at ``quad``; return the flat->canvas homography.

    The page is first shrunk with area averaging to roughly its final size:
    warping a 2500 px page straight down to 1000 px would alias the text.
    """
    h, w = page.shape[:2]
    full = cv2.getPerspectiveTransform(page_corners(w, h).astype(np.float32), quad.astype(np.float32))
    edges = np.linalg.norm(np.roll(quad, -1, axis=0) - quad, axis=1)
    scale = min(1.0, max(edges[0], edges[2]) / w, max(edges[1], edges[3]) / h)
    src = page
    pre = np.eye(3)
    if scale < 0.9:
        sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
        src = cv2.resize(page, (sw, sh), interpolation=cv2.INTER_AREA)
        pre = np.diag([sw / w, sh / h, 1.0])
    m = full @ np.linalg.inv(pre)
    cv2.warpPerspective(
        src,
        m,
        (canvas.shape[1], canvas.shape[0]),
        dst=canvas,
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_TRANSPARENT,
    )
    return full


# ---------------------------------------------------------------- pixel effects


def _smooth_field(
    nrng: np.random.Generator, shape: tuple[int, int], cells: int, lo: float, hi: float
) -> np.ndarray:
    """Low-frequency random field in [lo, hi] at ``shape`` (h, w), float32."""
    h, w = shape
    small = nrng.uniform(lo, hi, (cells, cells)).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _multiply(pixels: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """Multiply an RGB image by a smooth gain field in [0, 1.25] (any size: it is stretched).

    The gain goes to uint8 fixed point (x200) *before* upsampling, so the full-size
    work is one uint8 resize and one saturating multiply.
    """
    g = cv2.convertScaleAbs(gain, alpha=200.0)
    if g.ndim == 2:
        g = cv2.cvtColor(g, cv2.COLOR_GRAY2RGB)
    h, w = pixels.shape[:2]
    if g.shape[:2] != (h, w):
        g = cv2.resize(g, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.asarray(cv2.multiply(pixels, g, scale=1 / 200), dtype=np.uint8)


def _add_noise(pixels: np.ndarray, rng: random.Random, sigma: float) -> np.ndarray:
    """Additive Gaussian sensor noise, drawn at half resolution and upsampled.

    Camera and scanner noise is slightly blotchy after demosaicing and denoising
    anyway, and a full-resolution draw would be the slowest step of a photo.
    """
    h, w, c = pixels.shape
    cv2.setRNGSeed(rng.getrandbits(31))
    # One plane of (h/2) x (w/2 * c): a Python scalar mean/std would only reach channel 0.
    # int16, not float: resizing float planes this size is many times slower.
    half = np.empty(((h + 1) // 2, ((w + 1) // 2) * c), dtype=np.int16)
    cv2.randn(half, np.zeros(1), np.full(1, sigma * 1.6))  # upsampling smooths it: compensate
    noise = cv2.resize(half.reshape((h + 1) // 2, (w + 1) // 2, c), (w, h), interpolation=cv2.INTER_LINEAR)
    out = cv2.add(pixels, noise.reshape(h, w, c), dtype=cv2.CV_8U)
    return np.asarray(out, dtype=np.uint8)


def _blur(pixels: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian defocus."""
    return cv2.GaussianBlur(pixels, (0, 0), sigma) if sigma > 0.05 else pixels


def _light_field(
    shape: tuple[int, int], rng: random.Random, nrng: np.random.Generator, gradient: float, vignette: float
) -> np.ndarray:
    """Low-res lighting gain: linear falloff in a random direction plus vignette."""
    h, w = shape
    sh, sw = max(8, h // 16), max(8, w // 16)
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    u, v = xx / (sw - 1) - 0.5, yy / (sh - 1) - 0.5
    a = rng.uniform(0, 2 * math.pi)
    lin = 1.0 + gradient * (u * math.cos(a) + v * math.sin(a))
    r2 = (u**2 + v**2) / 0.5
    field = lin * (1.0 - vignette * r2) * _smooth_field(nrng, (sh, sw), 4, 0.97, 1.03)
    return np.asarray(field, dtype=np.float32)


def _soft_shadow(small: np.ndarray, rng: random.Random, depth: float) -> None:
    """Darken a soft-edged blob (a hand or phone shadow) in a low-res gain field in place."""
    sh, sw = small.shape[:2]
    mask = np.zeros((sh, sw), np.float32)
    cx, cy = rng.uniform(-0.2, 1.2) * sw, rng.choice((rng.uniform(-0.3, 0.2), rng.uniform(0.8, 1.3))) * sh
    axes = (round(sw * rng.uniform(0.35, 0.7)), round(sh * rng.uniform(0.3, 0.6)))
    cv2.ellipse(mask, (round(cx), round(cy)), axes, rng.uniform(0, 180), 0, 360, 1.0, -1)
    mask = np.asarray(cv2.GaussianBlur(mask, (0, 0), max(sw, sh) * 0.06), dtype=np.float32)
    small *= (1.0 - depth * mask)[..., None] if small.ndim == 3 else 1.0 - depth * mask


def _light(
    pixels: np.ndarray,
    light3: np.ndarray,
    rng: random.Random,
    shadow_chance: float,
    depths: tuple[float, float],
    params: dict[str, Any],
) -> np.ndarray:
    """Apply a low-res RGB lighting gain, sometimes with a soft hand or phone shadow cast into it."""
    if rng.random() < shadow_chance:
        depth = rng.uniform(*depths)
        _soft_shadow(light3, rng, depth)
        params["soft_shadow"] = round(depth, 2)
    return _multiply(pixels, light3)


def _jpeg(pixels: np.ndarray, quality: int) -> tuple[bytes, Image.Image]:
    """Encode/decode in memory so the result carries real JPEG artefacts."""
    buf = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buf, format="JPEG", quality=quality)
    data = buf.getvalue()
    image = Image.open(io.BytesIO(data))
    image.load()
    return data, image.convert("RGB")


# ---------------------------------------------------------------- backgrounds

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


def _jitter_quad(quad: np.ndarray, rng: random.Random, amount: float) -> np.ndarray:
    """Move each corner independently (perspective), up to ``amount`` px."""
    offsets = [[rng.uniform(-amount, amount), rng.uniform(-amount, amount)] for _ in range(4)]
    return np.asarray(quad + np.array(offsets), dtype=np.float64)


def _fit_inside(quad: np.ndarray, size: tuple[int, int], margin: float) -> np.ndarray:
    """Shrink ``quad`` about the canvas centre until it lies ``margin`` px inside."""
    cw, ch = size
    center = np.array([cw / 2, ch / 2])
    lo, hi = np.array([margin, margin]), np.array([cw - margin, ch - margin])
    for _ in range(30):
        if (quad >= lo).all() and (quad <= hi).all():
            return quad
        quad = center + (quad - center) * 0.96
    return quad


MIN_PHOTO_SCALE = 0.5


def _canvas(long_side: int, aspect: float, landscape: bool) -> tuple[int, int]:
    """(width, height) of a photo frame with the given long side and aspect."""
    short = round(long_side / aspect)
    return (long_side, short) if landscape else (short, long_side)


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


def _tilted_quad(w: float, h: float, rng: random.Random) -> tuple[np.ndarray, dict[str, float]]:
    """Page corners as a pinhole camera sees them with the page plane turned away in 3D.

    Yaw and pitch of up to ~35 degrees at a short camera distance give the strong keystone of a
    photo taken from the side of a wall certificate; roll is the camera's own rotation. The quad
    comes out in units of the page's long side, centred on the origin.
    """
    yaw, pitch = math.radians(rng.uniform(-35, 35)), math.radians(rng.uniform(-30, 30))
    roll = math.radians(rng.uniform(-12, 12))
    distance = rng.uniform(1.2, 2.2)  # camera distance in page long sides: nearer = stronger keystone
    cy, sy = math.cos(yaw), math.sin(yaw)
    cp, sp = math.cos(pitch), math.sin(pitch)
    cr, sr = math.cos(roll), math.sin(roll)
    rot_y = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rot_x = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rot_z = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    side = max(w, h)
    flat = np.hstack([(page_corners(w, h) - [w / 2, h / 2]) / side, np.zeros((4, 1))])
    cam = flat @ (rot_z @ rot_x @ rot_y).T + [0.0, 0.0, distance]
    quad = cam[:, :2] / cam[:, 2:3] * distance
    params = {
        "yaw": round(math.degrees(yaw), 1),
        "pitch": round(math.degrees(pitch), 1),
        "roll": round(math.degrees(roll), 1),
        "camera_distance": round(distance, 2),
    }
    return np.asarray(quad - quad.mean(axis=0), dtype=np.float64), params


def _glare(
    shape: tuple[int, int], rng: random.Random, center: tuple[float, float], size: float
) -> tuple[np.ndarray, dict[str, Any]]:
    """One specular reflection (a lamp or window in the glass) as a low-res gain in [0, 1].

    A bright core that clips to white where the reflection is strongest, fading out softly; a
    window reflection is a long streak. Drawn at 1/4 resolution: glare has no fine detail.
    """
    h, w = shape
    sh, sw = h // 4 + 1, w // 4 + 1
    streak = rng.random() < 0.3
    axes = (size * rng.uniform(1.5, 3.0), size * rng.uniform(0.25, 0.5)) if streak else (size, size)
    axes = (axes[0] * rng.uniform(0.8, 1.2), axes[1] * rng.uniform(0.6, 1.0))
    angle = rng.uniform(0, 180)
    peak = rng.uniform(0.5, 1.0)
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32) * 4.0
    a = math.radians(angle)
    u = ((xx - center[0]) * math.cos(a) + (yy - center[1]) * math.sin(a)) / axes[0]
    v = (-(xx - center[0]) * math.sin(a) + (yy - center[1]) * math.cos(a)) / axes[1]
    # A flat-topped bump: the core saturates, the rim falls off over about half the radius.
    gain = peak * np.clip(1.6 * np.exp(-(u**2 + v**2) * 1.4), 0.0, 1.0)
    spot = {
        "center": [round(center[0], 1), round(center[1], 1)],
        "axes": [round(axes[0], 1), round(axes[1], 1)],
        "angle": round(angle, 1),
        "peak": round(peak, 2),
    }
    return np.asarray(gain, dtype=np.float32), spot


def _add_glare(pixels: np.ndarray, gain: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Blend towards white by a low-res gain field: out = x + (255 - x) * gain.

    Returns the lit pixels and the full-resolution gain (uint8, 255 = white), the truth of
    where the reflection washed print out.
    """
    h, w = pixels.shape[:2]
    g = cv2.resize(cv2.convertScaleAbs(gain, alpha=255.0), (w, h), interpolation=cv2.INTER_LINEAR)
    g3 = cv2.cvtColor(g, cv2.COLOR_GRAY2RGB)
    lift = cv2.multiply(cv2.bitwise_not(pixels), g3, scale=1 / 255)
    return np.asarray(cv2.add(pixels, lift), dtype=np.uint8), np.asarray(g, dtype=np.uint8)


def _motion_blur(pixels: np.ndarray, length: float, angle_deg: float) -> np.ndarray:
    """Linear camera-shake blur of ``length`` px in direction ``angle_deg``."""
    size = math.ceil(length) | 1
    kernel = np.zeros((size, size), np.float32)
    c = size // 2
    a = math.radians(angle_deg)
    dx, dy = math.cos(a) * length / 2, math.sin(a) * length / 2
    cv2.line(kernel, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, 1, cv2.LINE_AA)
    kernel /= kernel.sum()
    return np.asarray(cv2.filter2D(pixels, -1, kernel), dtype=np.uint8)


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


# The page is shown at no less than this linear scale along any of its edges in a hard photo, so
# print of ~45 px in the render is still ~15 px high where the page is most foreshortened. Nobody
# photographs a certificate so small or so obliquely that its print is a few pixels high.
MIN_HARD_PRINT_SCALE = 0.33
HARD_MAX_SIDE = 1800


def _edge_scale(quad: np.ndarray, w: int, h: int) -> float:
    """The smallest ratio of a photographed page edge to the same edge on the flat page."""
    edges = np.linalg.norm(np.roll(quad, -1, axis=0) - quad, axis=1)
    return float(min(edges[0] / w, edges[1] / h, edges[2] / w, edges[3] / h))


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


def _quarter_turn(pixels: np.ndarray, matrix: np.ndarray, turns: int) -> tuple[np.ndarray, np.ndarray]:
    """Turn a photo ``turns`` quarter turns clockwise (a phone held sideways, EXIF lost).

    Returns the turned pixels and the page-to-output homography composed with the turn.
    """
    h, w = pixels.shape[:2]
    turns %= 4
    if turns == 0:
        return pixels, matrix
    turn = {
        1: np.array([[0.0, -1.0, h], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]),
        2: np.array([[-1.0, 0.0, w], [0.0, -1.0, h], [0.0, 0.0, 1.0]]),
        3: np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, w], [0.0, 0.0, 1.0]]),
    }[turns]
    code = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}[turns]
    return np.ascontiguousarray(cv2.rotate(pixels, code)), turn @ matrix


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
