"""What a certificate page carries besides its text: paper, security-print border, ID photo, seal.

Paper tone and grain, the guilloche border and rosette, the photo box with its silhouette, and
the round official seal pressed over the authority and issue date.
"""

from __future__ import annotations

import math
import random
from functools import lru_cache
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw

from .fonts import FontFace, load_font
from .style import RGB, _Page, _weighted

PAPER_BASES: tuple[RGB, ...] = (
    (248, 244, 230),
    (246, 240, 222),
    (250, 247, 238),
    (244, 238, 226),
    (242, 244, 234),
)
SEAL_RED: tuple[RGB, ...] = ((205, 35, 40), (190, 30, 45), (215, 55, 50), (180, 25, 35))
PHOTO_BLUE: tuple[RGB, ...] = ((168, 204, 232), (180, 214, 240), (150, 190, 225))
SEAL_SUBTEXT: tuple[str, ...] = ("行政审批专用章", "医政专用章")


# ---------------------------------------------------------------- paper & decoration


@lru_cache(maxsize=1)
def _grain_tile() -> np.ndarray:
    """Fixed fine paper grain tile (cached: drawing fresh noise per image is slow)."""
    grain = np.random.default_rng(20240601).normal(0.0, 1.0, (512, 512)).astype(np.float32)
    return cv2.GaussianBlur(grain, (0, 0), 0.6)


def _paper(size: tuple[int, int], rng: random.Random, nrng: np.random.Generator, spread: bool) -> Image.Image:
    """Cream paper with blotchy tone, fine grain and (for spreads) a centre fold."""
    w, h = size
    base = np.array(rng.choice(PAPER_BASES), dtype=np.float32)
    blotch = cv2.resize(nrng.normal(0.0, 1.0, (h // 48 + 2, w // 48 + 2)).astype(np.float32), (w, h))
    tile = _grain_tile()
    reps = (h // tile.shape[0] + 2, w // tile.shape[1] + 2)
    oy, ox = rng.randrange(tile.shape[0]), rng.randrange(tile.shape[1])
    grain = np.tile(tile, reps)[oy : oy + h, ox : ox + w]
    # cv2 on whole planes: numpy temporaries here cost more than all the drawing.
    shade = cv2.addWeighted(blotch, 0.012, np.ascontiguousarray(grain), 0.012, 1.0)
    if spread:
        xs = np.arange(w, dtype=np.float32) - w / 2
        fold = 1.0 - 0.10 * np.exp(-((xs / (w * 0.012)) ** 2)) - 0.03 * np.exp(-((xs / (w * 0.05)) ** 2))
        shade *= fold[None, :].astype(np.float32)
    rgb = cv2.merge([cv2.convertScaleAbs(shade, alpha=float(c)) for c in base])
    return Image.fromarray(rgb, "RGB")


def _rope_points(
    rect: tuple[float, float, float, float], amp: float, period: float, phase: float
) -> list[tuple[float, float]]:
    """Closed wavy path around ``rect`` (a guilloche rope strand)."""
    x0, y0, x1, y1 = rect
    w, h = x1 - x0, y1 - y0
    perim = 2 * (w + h)
    n = max(8, int(perim / 5))
    pts = []
    for i in range(n + 1):
        s = perim * i / n
        off = amp * math.sin(2 * math.pi * s / period + phase)
        if s < w:
            pts.append((x0 + s, y0 + off))
        elif s < w + h:
            pts.append((x1 - off, y0 + s - w))
        elif s < 2 * w + h:
            pts.append((x1 - (s - w - h), y1 - off))
        else:
            pts.append((x0 + off, y1 - (s - 2 * w - h)))
    return pts


def _decorate_page(page: _Page, rect: tuple[int, int, int, int]) -> None:
    """Security-print border (double rule + rope guilloche) and a faint rosette."""
    rng, ink, draw = page.rng, page.style.pattern_ink, page.draw
    x0, y0, x1, y1 = rect
    inset = rng.randint(28, 48)
    band = rng.randint(24, 40)
    dark = tuple(max(0, c - 60) for c in ink)
    draw.rectangle((x0 + inset, y0 + inset, x1 - inset, y1 - inset), outline=dark, width=3)
    inner = inset + band
    draw.rectangle((x0 + inner, y0 + inner, x1 - inner, y1 - inner), outline=dark, width=2)
    mid = (x0 + inset + band / 2, y0 + inset + band / 2, x1 - inset - band / 2, y1 - inset - band / 2)
    period = rng.uniform(40, 70)
    for k in range(rng.randint(4, 7)):
        draw.line(_rope_points(mid, band * 0.38, period, k * math.pi / 3.5), fill=ink, width=2)
    if rng.random() < 0.8:
        # Faint rosette behind the text, as on banknote-style certificate paper.
        cx, cy = (x0 + x1) / 2 + rng.uniform(-40, 40), (y0 + y1) / 2 + rng.uniform(-40, 40)
        radius = min(x1 - x0, y1 - y0) * rng.uniform(0.22, 0.34)
        light = tuple(min(255, c + (255 - c) // 2) for c in ink)
        lobes = rng.randint(9, 17)
        for k in range(rng.randint(5, 9)):
            pts = []
            for i in range(721):
                t = 2 * math.pi * i / 720
                r = radius * (0.72 + 0.28 * math.cos(lobes * t + k * 0.7))
                pts.append((cx + r * math.cos(t), cy + r * math.sin(t)))
            draw.line(pts, fill=light, width=1)


def _photo(page: _Page, box: tuple[int, int, int, int]) -> None:
    """Light-blue ID photo with a grey head-and-shoulders silhouette (drawn clipped)."""
    rng = page.rng
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    photo = Image.new("RGB", (w, h), rng.choice(PHOTO_BLUE))
    draw = ImageDraw.Draw(photo)
    grey = rng.randint(95, 140)
    body, face, hair = (
        (grey, grey, grey + 6),
        (grey + 25, grey + 22, grey + 20),
        (grey - 40, grey - 40, grey - 38),
    )
    cx = w / 2 + rng.uniform(-0.04, 0.04) * w
    draw.ellipse((cx - 0.62 * w, 0.7 * h, cx + 0.62 * w, 1.5 * h), fill=body)
    draw.rectangle((cx - 0.11 * w, 0.52 * h, cx + 0.11 * w, 0.76 * h), fill=face)
    draw.ellipse((cx - 0.22 * w, 0.16 * h, cx + 0.22 * w, 0.62 * h), fill=face)
    draw.chord((cx - 0.24 * w, 0.12 * h, cx + 0.24 * w, 0.46 * h), 180, 360, fill=hair)
    page.image.paste(photo, (x0, y0))
    page.draw.rectangle(box, outline=(110, 110, 110), width=2)


# ---------------------------------------------------------------- seal


def _seal_mask(rng: random.Random, radius: int, text: str, face: FontFace) -> Image.Image:
    """Grey mask of a round official seal: ring, star, arc text, optional subtext."""
    size = 2 * radius + 8
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    c = size / 2
    ring = max(6, round(radius * rng.uniform(0.045, 0.06)))
    draw.ellipse((c - radius, c - radius, c + radius, c + radius), outline=255, width=ring)
    star_r = radius * rng.uniform(0.2, 0.26)
    star = []
    for i in range(10):
        r = star_r if i % 2 == 0 else star_r * 0.382
        a = -math.pi / 2 + i * math.pi / 5
        star.append((c + r * math.cos(a), c + r * math.sin(a)))
    draw.polygon(star, fill=255)
    char_size = round(radius * rng.uniform(0.22, 0.27))
    font = load_font(face, char_size)
    # Engravers spread the name over the same ~240 degree arc whatever its length.
    span = min(math.radians(rng.uniform(215, 255)), math.radians(42) * len(text))
    text_r = radius - ring - char_size * 0.62
    # Long authority names are set in condensed characters, as seal engravers do.
    char_w = max(4, min(char_size, round(text_r * span / len(text) * 0.9)))
    for i, ch in enumerate(text):
        theta = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(text)
        glyph = Image.new("L", (char_size * 2, char_size * 2), 0)
        ImageDraw.Draw(glyph).text((char_size, char_size), ch, font=font, fill=255, anchor="mm")
        if char_w < char_size:
            glyph = glyph.resize((char_w * 2, char_size * 2), Image.Resampling.BILINEAR)
            glyph = glyph.crop((char_w - char_size, 0, char_w + char_size, char_size * 2))
        glyph = glyph.rotate(-math.degrees(theta) - 90, resample=Image.Resampling.BICUBIC)
        gx = c + text_r * math.cos(theta) - char_size
        gy = c + text_r * math.sin(theta) - char_size
        mask.paste(255, (round(gx), round(gy)), glyph)
    if rng.random() < 0.2:
        sub = rng.choice(SEAL_SUBTEXT)
        sub_font = load_font(face, round(char_size * 0.75))
        draw.text((c, c + radius * 0.5), sub, font=sub_font, fill=255, anchor="mm")
    return mask


def _stamp_seal(page: _Page, center: tuple[float, float], radius: int, text: str) -> dict[str, Any]:
    """Press a semi-transparent red seal (multiply blend keeps text under it readable)."""
    rng = page.rng
    angle = rng.uniform(-12, 12)
    mask = _seal_mask(rng, radius, text, page.style.title_face).rotate(
        angle, resample=Image.Resampling.BICUBIC
    )
    m = np.asarray(mask, dtype=np.float32) / 255.0
    # Uneven ink: low-frequency density plus speckled dropouts.
    nrng = np.random.default_rng(rng.getrandbits(32))
    dens = cv2.resize(
        nrng.uniform(0.55, 1.0, (12, 12)).astype(np.float32), mask.size, interpolation=cv2.INTER_CUBIC
    )
    speck = (nrng.random(m.shape) > 0.08).astype(np.float32)
    strength = rng.uniform(0.4, 0.72)
    alpha = np.clip(m * dens * (0.75 + 0.25 * speck) * strength, 0, 1)
    red = np.array(rng.choice(SEAL_RED), dtype=np.float32) / 255.0
    x0, y0 = round(center[0] - mask.size[0] / 2), round(center[1] - mask.size[1] / 2)
    w, h = page.size
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(w, x0 + mask.size[0]), min(h, y0 + mask.size[1])
    if cx1 <= cx0 or cy1 <= cy0:
        return {}
    region = np.asarray(page.image.crop((cx0, cy0, cx1, cy1)), dtype=np.float32)
    a = alpha[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0, None]
    out = region * (1.0 - a * (1.0 - red[None, None, :]))
    page.image.paste(Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "RGB"), (cx0, cy0))
    return {"center": [round(center[0]), round(center[1])], "radius": radius, "angle": round(angle, 1)}


def _place_seal(page: _Page, authority: str) -> dict[str, Any]:
    """Put the seal over the ends of the 发证机关 / 发证日期 values, as officials do."""
    rng = page.rng
    auth, issued = page.boxes["authority"], page.boxes["issue_date"]
    # Official seals are 40-42 mm across; convert with the layout's paper width.
    page_mm = {"spread": 290.0, "single": 210.0, "grid": 297.0}[page.style.layout]
    radius = round(page.size[0] / page_mm * rng.uniform(18.5, 21.0))
    # "clear": beside the values; "tail": ring and arc text cross the ends of the
    # 发证机关/发证日期 values; "over": centred on the date (hardest, still legible).
    placement = _weighted(rng, (("clear", 3), ("tail", 5), ("over", 2)))
    date_cy = (issued[1] + issued[3]) / 2
    if placement == "clear":
        cx = max(auth[2], issued[2]) + rng.uniform(0.9, 1.1) * radius
        cy = date_cy + rng.uniform(-0.3, 0.3) * radius
    elif placement == "tail":
        cx = issued[2] + rng.uniform(0.3, 1.0) * radius
        # Keep about two thirds of the authority name clear of the ring.
        cx = max(cx, auth[0] + 0.65 * (auth[2] - auth[0]) + radius)
        cy = date_cy + rng.uniform(-0.1, 0.6) * radius
    else:
        cx = issued[2] - rng.uniform(0.1, 0.5) * (issued[2] - issued[0])
        cy = date_cy + rng.uniform(-0.2, 0.2) * radius
    # The top of the seal stays within the 发证机关 row: the institution above is untouched.
    cy = max(cy, auth[1] + radius * 0.85)
    cx = min(cx, page.size[0] - radius - 30)
    return {"placement": placement, **_stamp_seal(page, (cx, cy), radius, authority)}
