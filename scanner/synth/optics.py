"""What the camera or scanner does to the pixels: light, shadow, glare, blur, noise and JPEG."""

from __future__ import annotations

import io
import math
import random
from typing import Any

import cv2
import numpy as np
from PIL import Image


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
