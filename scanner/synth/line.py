"""One printed line of text as a small, degraded picture: what a recognizer is shown alone."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from .fonts import available_faces, face_draws, load_font
from .optics import _add_noise, _blur, _jpeg


@dataclass(frozen=True)
class LineLook:
    """Ranges a printed line is drawn from: text height in pixels, ink and paper grey, blur sigma,
    noise sigma and JPEG quality."""

    height: tuple[float, float]
    ink: tuple[int, int] = (0, 80)
    paper: tuple[int, int] = (190, 250)
    blur: tuple[float, float] = (0.2, 0.7)
    noise: tuple[float, float] = (3.0, 10.0)
    quality: tuple[int, int] = (30, 75)


def print_line(text: str, rng: random.Random, look: LineLook) -> np.ndarray:
    """`text` printed on one line in a random font that draws it, shrunk to a height drawn from
    `look`, blurred, noised and JPEG-compressed (RGB)."""
    faces = [f for f in available_faces() if face_draws(f, text)]
    font = load_font(rng.choice(faces), 48)
    ink, paper = rng.randint(*look.ink), rng.randint(*look.paper)
    width = int(font.getlength(text)) + 24
    page = Image.new("RGB", (width, 64), (paper, paper, paper))
    ImageDraw.Draw(page).text((12, 32), text, font=font, fill=(ink, ink, ink), anchor="lm")
    height = rng.uniform(*look.height)
    size = (max(8, round(width * height / 64)), round(height))
    pixels = np.asarray(page.resize(size, Image.Resampling.BILINEAR))
    pixels = _add_noise(_blur(pixels, rng.uniform(*look.blur)), rng, rng.uniform(*look.noise))
    return np.asarray(_jpeg(pixels, rng.randint(*look.quality))[1])
