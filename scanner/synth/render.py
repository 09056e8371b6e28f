"""Render a flat, printed-looking 医师执业证书 page from ground-truth fields.

The renderer deliberately varies layout, fonts, label wording, date format and
ink so the OCR pipeline never sees one fixed template.  Every random choice
comes from the ``rng`` argument, so the same seed gives the same pixels.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .fonts import FontFace, available_faces, face_draws, load_font
from .identity import FIELDS

Box = list[int]
RGB = tuple[int, int, int]
Font = ImageFont.FreeTypeFont

LAYOUTS: tuple[str, ...] = ("spread", "single", "grid")

# Label wordings seen on different certificate editions; first entry is the commonest.
LABEL_VARIANTS: dict[str, tuple[tuple[str, int], ...]] = {
    "name": (("姓名", 1),),
    "sex": (("性别", 1),),
    "birth_date": (("出生日期", 1),),
    "id_number": (("身份证号", 4), ("身份证号码", 3), ("证件号码", 2), ("公民身份号码", 1)),
    "level": (("医师级别", 1),),
    "category": (("执业类别", 1),),
    "scope": (("执业范围", 1),),
    "practice_place": (("执业地点", 1),),
    "institution": (("主要执业机构", 9), ("执业机构", 1)),
    "authority": (("发证机关", 1),),
    "issue_date": (("发证日期", 4), ("签发日期", 1)),
    "certificate_code": (("证书编码", 3), ("证书编号", 1)),
}
COLONS: tuple[tuple[str, int], ...] = (("：", 5), (":", 2), ("", 3))
LABEL_SPACINGS: tuple[tuple[str, int], ...] = (("plain", 5), ("spaced2", 2), ("justified", 3))
DATE_FORMATS: dict[str, str] = {
    "cn_padded": "{y}年{m:02d}月{d:02d}日",
    "cn": "{y}年{m}月{d}日",
    "iso": "{y}-{m:02d}-{d:02d}",
    "dotted": "{y}.{m:02d}.{d:02d}",
}
VALUE_INKS: tuple[tuple[RGB, int], ...] = (
    ((24, 24, 28), 6),  # carbon black
    ((28, 34, 78), 2),  # blue-black
    ((58, 42, 36), 1),  # brown-black
    ((62, 62, 66), 1),  # worn ribbon grey
)
LABEL_INKS: tuple[tuple[RGB, int], ...] = (((30, 30, 30), 6), ((40, 36, 30), 2), ((20, 40, 30), 1))
TITLE_INKS: tuple[tuple[RGB, int], ...] = (((30, 28, 28), 3), ((150, 28, 32), 2), ((120, 86, 40), 1))
PATTERN_INKS: tuple[RGB, ...] = (
    (176, 206, 178),
    (178, 198, 222),
    (214, 196, 160),
    (226, 190, 190),
    (200, 200, 200),
)
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


@dataclass(frozen=True)
class RenderResult:
    """A rendered flat certificate with the choices made and value boxes."""

    image: Image.Image
    style: dict[str, Any]
    boxes: dict[str, Box]


@dataclass
class _Style:
    """All random typographic choices for one certificate."""

    layout: str
    label_face: FontFace
    value_face: FontFace
    title_face: FontFace
    code_face: FontFace
    label_size: int
    value_size: int
    labels: dict[str, str]
    colon: str
    spacing: str
    date_format: str
    code_style: str
    value_ink: RGB
    label_ink: RGB
    title_ink: RGB
    pattern_ink: RGB
    inline: bool
    underline: bool
    prc_header: bool
    supervisor: bool
    printer_offset: tuple[int, int]


@dataclass
class _Page:
    """The page being drawn plus the value boxes collected so far."""

    image: Image.Image
    draw: ImageDraw.ImageDraw
    style: _Style
    rng: random.Random
    printed: dict[str, str] = field(default_factory=dict)
    boxes: dict[str, Box] = field(default_factory=dict)
    lines: dict[str, list[str]] = field(default_factory=dict)
    wrapped: list[str] = field(default_factory=list)

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size


# ---------------------------------------------------------------- small helpers


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, int]]) -> Any:
    """Pick one item from (item, weight) pairs."""
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _union(a: Box | None, b: Box) -> Box:
    """Smallest box containing both (``a`` may be missing)."""
    if a is None:
        return list(b)
    return [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]


def _hex(rgb: RGB) -> str:
    """#rrggbb for the style record."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def format_date(iso: str, fmt: str) -> str:
    """Print an ISO date in one of the DATE_FORMATS styles."""
    d = date.fromisoformat(iso)
    return DATE_FORMATS[fmt].format(y=d.year, m=d.month, d=d.day)


def supervisor_line(issue_iso: str) -> str:
    """The 'supervised by' imprint of the ministry in charge on the issue date."""
    year = int(issue_iso[:4])
    if year >= 2018:
        return "中华人民共和国国家卫生健康委员会监制"
    if year >= 2013:
        return "中华人民共和国国家卫生和计划生育委员会监制"
    return "中华人民共和国卫生部监制"


# ---------------------------------------------------------------- text drawing


def _run_width(text: str, font: Font, tracking: float = 0.0, pitch: float | None = None) -> float:
    """Advance width of ``text`` drawn with extra tracking or a fixed pitch."""
    if not text:
        return 0.0
    if pitch is not None:
        return pitch * len(text)
    return float(font.getlength(text)) + tracking * (len(text) - 1)


def _draw_run(
    page: _Page,
    x: float,
    baseline: float,
    text: str,
    font: Font,
    ink: RGB,
    tracking: float = 0.0,
    pitch: float | None = None,
) -> tuple[float, Box | None]:
    """Draw ``text`` left-aligned on ``baseline``; return (end x, ink box)."""
    box: Box | None = None
    if pitch is None and tracking == 0.0:
        page.draw.text((x, baseline), text, font=font, fill=ink, anchor="ls")
        b = page.draw.textbbox((x, baseline), text, font=font, anchor="ls")
        return x + float(font.getlength(text)), [int(v) for v in b]
    cursor = x
    for ch in text:
        if pitch is not None:
            cx = cursor + (pitch - float(font.getlength(ch))) / 2
            step = pitch
        else:
            cx, step = cursor, float(font.getlength(ch)) + tracking
        if not ch.isspace():
            page.draw.text((cx, baseline), ch, font=font, fill=ink, anchor="ls")
            box = _union(
                box, [int(v) for v in page.draw.textbbox((cx, baseline), ch, font=font, anchor="ls")]
            )
        cursor += step
    return cursor - (tracking if pitch is None else 0.0), box


def _draw_justified(
    page: _Page, x: float, baseline: float, text: str, font: Font, ink: RGB, width: float
) -> float:
    """Spread the characters of ``text`` evenly over ``width`` (form-style labels)."""
    if len(text) < 2:
        _draw_run(page, x, baseline, text, font, ink)
        return x + width
    widths = [float(font.getlength(ch)) for ch in text]
    gap = max(0.0, (width - sum(widths)) / (len(text) - 1))
    cursor = x
    for ch, w in zip(text, widths, strict=True):
        page.draw.text((cursor, baseline), ch, font=font, fill=ink, anchor="ls")
        cursor += w + gap
    return x + max(width, sum(widths))


def wrap_text(text: str, font: Font, max_width: float, tracking: float = 0.0) -> list[str]:
    """Greedy per-character wrap (as certificate printers do), keeping 、 off line starts."""
    lines: list[str] = []
    current = ""
    for ch in text:
        if current and _run_width(current + ch, font, tracking) > max_width:
            lines.append(current)
            current = ch
        else:
            current += ch
    if current:
        lines.append(current)
    for i in range(1, len(lines)):
        # Chinese typesetting never starts a line with an enumeration comma.
        if lines[i].startswith(("、", "·")) and len(lines[i - 1]) > 1:
            lines[i] = lines[i - 1][-1] + lines[i]
            lines[i - 1] = lines[i - 1][:-1]
    return lines


# ---------------------------------------------------------------- style choice


def _faces_by_style() -> dict[str, list[FontFace]]:
    """Non-mono faces grouped into serif / sans / kai."""
    groups: dict[str, list[FontFace]] = {}
    for face in available_faces():
        if not face.mono:
            groups.setdefault(face.style, []).append(face)
    return groups


def _pick_face(rng: random.Random, avoid: FontFace | None, need: str, prefer_bold: bool = False) -> FontFace:
    """A face that draws ``need``, preferably of another style than ``avoid``."""
    groups = _faces_by_style()
    if not groups:  # only mono faces exist: use them
        groups = {"sans": list(available_faces())}
    styles = sorted(groups)
    if avoid is not None and len(styles) > 1 and avoid.style in styles:
        styles.remove(avoid.style)
    candidates = [f for s in styles for f in groups[s] if face_draws(f, need)]
    if not candidates:
        candidates = [f for f in available_faces() if face_draws(f, need)] or list(available_faces())
    if prefer_bold and any(f.bold or f.style == "kai" for f in candidates):
        candidates = [f for f in candidates if f.bold or f.style == "kai"]
    else:
        candidates = [f for f in candidates if not f.bold] or candidates
    return rng.choice(candidates)


def _choose_style(truth: dict[str, str], rng: random.Random, layout: str, width: int) -> _Style:
    """Draw every typographic choice for one certificate."""
    value_text = "".join(truth.values())
    label_face = _pick_face(rng, None, "姓名性别出生日期身份证号码医师级别执业类别范围地点主要机构发关签编")
    value_face = _pick_face(rng, label_face, value_text)
    title_face = _pick_face(rng, None, "中华人民共和国医师执业证书", prefer_bold=True)
    code_style = _weighted(rng, (("plain", 5), ("spaced", 2), ("mono", 2)))
    monos = [f for f in available_faces() if f.mono and not f.bold]
    code_face = rng.choice(monos) if code_style == "mono" and monos else value_face
    value_size = round(width * rng.uniform(0.0165, 0.021))
    labels = {k: _weighted(rng, v) for k, v in LABEL_VARIANTS.items()}
    return _Style(
        layout=layout,
        label_face=label_face,
        value_face=value_face,
        title_face=title_face,
        code_face=code_face,
        label_size=round(value_size * rng.uniform(0.88, 1.08)),
        value_size=value_size,
        labels=labels,
        colon=_weighted(rng, COLONS),
        spacing=_weighted(rng, LABEL_SPACINGS),
        date_format=rng.choice(sorted(DATE_FORMATS)),
        code_style=code_style,
        value_ink=_weighted(rng, VALUE_INKS),
        label_ink=_weighted(rng, LABEL_INKS),
        title_ink=_weighted(rng, TITLE_INKS),
        pattern_ink=rng.choice(PATTERN_INKS),
        inline=rng.random() < 0.3,
        underline=rng.random() < 0.3,
        prc_header=rng.random() < 0.5,
        supervisor=rng.random() < 0.7,
        printer_offset=(rng.randint(-6, 6), rng.randint(-8, 8)),
    )


def _printed_values(truth: dict[str, str], style: _Style) -> dict[str, str]:
    """Values as printed (dates reformatted); truth stays canonical."""
    printed = dict(truth)
    for key in ("birth_date", "issue_date"):
        printed[key] = format_date(truth[key], style.date_format)
    return printed


def _label_text(style: _Style, key: str) -> str:
    """Label wording with the chosen spacing (justified labels are spaced at draw time)."""
    text = style.labels[key]
    if style.spacing == "spaced2" and len(text) == 2:
        text = f"{text[0]}\u3000{text[1]}"
    return text


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


# ---------------------------------------------------------------- field rows


@dataclass
class _Row:
    """One 'label: value' field laid out in a column."""

    key: str
    label: str
    value: str
    lines: list[str] = field(default_factory=list)


def _fonts(style: _Style, scale: float) -> tuple[Font, Font]:
    """Label and value fonts at ``scale``."""
    return (
        load_font(style.label_face, max(14, round(style.label_size * scale))),
        load_font(style.value_face, max(14, round(style.value_size * scale))),
    )


def _label_width(style: _Style, font: Font, text: str) -> float:
    """Width of a label incl. colon."""
    return _run_width(text + style.colon, font)


def _draw_label(page: _Page, x: float, baseline: float, text: str, font: Font, width: float | None) -> float:
    """Draw a label (justified across ``width`` when that spacing is chosen); return end x."""
    style = page.style
    if style.spacing == "justified" and width is not None:
        end = _draw_justified(page, x, baseline, text, font, style.label_ink, width)
    else:
        end, _ = _draw_run(page, x, baseline, text, font, style.label_ink)
    if style.colon:
        end, _ = _draw_run(page, end, baseline, style.colon, font, style.label_ink)
    return end


def _value_run_args(style: _Style, key: str, font: Font) -> tuple[Font, float, float | None]:
    """(font, tracking, pitch) for a value; only the certificate code gets special spacing."""
    if key != "certificate_code" or style.code_style == "plain":
        return font, 0.0, None
    code_font = load_font(style.code_face, font.size)
    if style.code_style == "spaced":
        return code_font, font.size * 0.28, None
    digit_w = max(float(code_font.getlength(d)) for d in "0123456789")
    return code_font, 0.0, digit_w * 1.12


def _draw_value(
    page: _Page, key: str, x: float, baseline: float, lines: list[str], font: Font, line_h: float
) -> None:
    """Draw a (possibly wrapped) value and record its union box."""
    style = page.style
    run_font, tracking, pitch = _value_run_args(style, key, font)
    dx, dy = style.printer_offset
    box: Box | None = None
    for i, line in enumerate(lines):
        _, b = _draw_run(
            page, x + dx, baseline + dy + i * line_h, line, run_font, style.value_ink, tracking, pitch
        )
        if b is not None:
            box = _union(box, b)
    if box is not None:
        page.boxes[key] = box
    page.lines[key] = list(lines)
    if len(lines) > 1:
        page.wrapped.append(key)


def _fit_column(
    page: _Page,
    rows: list[_Row],
    x_label: float,
    y_top: float,
    y_bottom: float,
    right_at: Callable[[float], float],
) -> tuple[Font, Font, float, float, float]:
    """Shrink fonts until the rows fit; return (label font, value font, value x, pitch, line height)."""
    style = page.style
    want_pitch = page.rng.uniform(1.9, 2.5)
    for scale in (1.0, 0.94, 0.88, 0.82, 0.76, 0.7, 0.64, 0.58):
        lfont, vfont = _fonts(style, scale)
        label_w = max(_label_width(style, lfont, r.label) for r in rows)
        gap = vfont.size * (0.35 if style.colon else 1.0)
        pitch, line_h = vfont.size * want_pitch, vfont.size * 1.3
        y = y_top + vfont.size
        for r in rows:
            vx = x_label + (_label_width(style, lfont, r.label) if style.inline else label_w) + gap
            run_font, tracking, _ = _value_run_args(style, r.key, vfont)
            r.lines = wrap_text(r.value, run_font, right_at(y) - vx, tracking)
            y += (len(r.lines) - 1) * line_h + pitch
        if y - pitch <= y_bottom:
            # Spread rows over leftover height (forms fill the page), but not too airy.
            slack = (y_bottom - (y - pitch)) / max(1, len(rows) - 1)
            pitch += min(slack * page.rng.uniform(0.4, 0.9), vfont.size * 1.2)
            return lfont, vfont, x_label + label_w + gap, pitch, line_h
    return lfont, vfont, x_label + label_w + gap, pitch, line_h


def _draw_column(
    page: _Page,
    rows: list[_Row],
    x_label: float,
    y_top: float,
    y_bottom: float,
    right_at: Callable[[float], float],
) -> None:
    """Lay out 'label: value' rows top-down, wrapping values at ``right_at(y)``."""
    style = page.style
    lfont, vfont, value_x, pitch, line_h = _fit_column(page, rows, x_label, y_top, y_bottom, right_at)
    label_w = max(_label_width(style, lfont, r.label) - _run_width(style.colon, lfont) for r in rows)
    gap = value_x - x_label - max(_label_width(style, lfont, r.label) for r in rows)
    y = y_top + vfont.size
    for r in rows:
        end = _draw_label(page, x_label, y, r.label, lfont, label_w)
        vx = end + gap if style.inline else value_x
        run_font, tracking, _ = _value_run_args(style, r.key, vfont)
        r.lines = wrap_text(r.value, run_font, right_at(y) - vx, tracking)
        _draw_value(page, r.key, vx, y, r.lines, vfont, line_h)
        if style.underline:
            for i in range(len(r.lines)):
                uy = y + i * line_h + vfont.size * 0.22
                page.draw.line((vx - 6, uy, right_at(y), uy), fill=style.label_ink, width=2)
        y += (len(r.lines) - 1) * line_h + pitch


def _rows(style: _Style, printed: dict[str, str], keys: Sequence[str]) -> list[_Row]:
    """Rows for ``keys`` with their label text and printed value."""
    return [_Row(k, _label_text(style, k), printed[k]) for k in keys]


def _draw_title(page: _Page, cx: float, top: float, size: int) -> float:
    """Centered (optional 中华人民共和国 +) 医师执业证书 title; return its bottom y."""
    style = page.style
    y = top
    if style.prc_header:
        small = load_font(style.title_face, round(size * 0.48))
        track = small.size * 0.35
        w = _run_width("中华人民共和国", small, track)
        _draw_run(page, cx - w / 2, y + small.size, "中华人民共和国", small, style.title_ink, track)
        y += small.size * 1.7
    font = load_font(style.title_face, size)
    track = size * page.rng.uniform(0.15, 0.5)
    w = _run_width("医师执业证书", font, track)
    _draw_run(page, cx - w / 2, y + size, "医师执业证书", font, style.title_ink, track)
    return y + size * 1.3


def _draw_supervisor(page: _Page, cx: float, baseline: float, issue_iso: str) -> None:
    """Small ministry imprint at the bottom of a page."""
    font = load_font(page.style.label_face, max(18, round(page.style.value_size * 0.55)))
    text = supervisor_line(issue_iso)
    w = _run_width(text, font)
    _draw_run(page, cx - w / 2, baseline, text, font, page.style.label_ink)


def _draw_code(page: _Page, x: float, baseline: float, code: str, align: str = "left") -> None:
    """证书编码 label + value on one line (left-aligned at x, or centred on x)."""
    style = page.style
    lfont, vfont = _fonts(style, 1.0)
    label = style.labels["certificate_code"] + (style.colon or "\u3000")
    run_font, tracking, pitch = _value_run_args(style, "certificate_code", vfont)
    total = _run_width(label, lfont) + vfont.size * 0.3 + _run_width(code, run_font, tracking, pitch)
    if align == "center":
        x -= total / 2
    elif align == "right":
        x -= total
    end, _ = _draw_run(page, x, baseline, label, lfont, style.label_ink)
    _draw_value(page, "certificate_code", end + vfont.size * 0.3, baseline, [code], vfont, vfont.size * 1.3)


def _serial_number(page: _Page, x: float, baseline: float) -> None:
    """Red booklet print number ('No.' + digits): a realistic digit distractor."""
    font = load_font(page.style.value_face, max(18, round(page.style.value_size * 0.6)))
    digits = "".join(page.rng.choice("0123456789") for _ in range(8))
    _draw_run(page, x, baseline, f"No.{digits}", font, (178, 40, 40))


# ---------------------------------------------------------------- layouts

_FIELD_ROWS = tuple(k for k in FIELDS if k != "certificate_code")


def _layout_spread(page: _Page, printed: dict[str, str], truth: dict[str, str]) -> None:
    """Two-page booklet spread: title/photo/code left, field rows right."""
    rng, style = page.rng, page.style
    w, h = page.size
    half = w // 2
    for rect in ((0, 0, half, h), (half, 0, w, h)):
        _decorate_page(page, rect)
    # Left page.
    title_size = round(half * rng.uniform(0.07, 0.085))
    title_bottom = _draw_title(page, half / 2, h * rng.uniform(0.1, 0.14), title_size)
    pw = round(half * rng.uniform(0.24, 0.29))
    ph = round(pw * 1.4)
    px, py = round(half / 2 - pw / 2), round(title_bottom + h * rng.uniform(0.05, 0.08))
    _photo(page, (px, py, px + pw, py + ph))
    _draw_code(page, half / 2, py + ph + style.value_size * 2.2, printed["certificate_code"], "center")
    if style.supervisor:
        _draw_supervisor(page, half / 2, h - h * 0.09, truth["issue_date"])
    if rng.random() < 0.4:
        _serial_number(page, half * 0.12, h - h * 0.14)
    # Right page.
    margin = round(half * rng.uniform(0.1, 0.16))
    # Printing software often caps the value column, so long names wrap.
    x_right = w - margin - round(half * rng.choice((0.0, 0.0, rng.uniform(0.0, 0.18))))
    _draw_column(
        page,
        _rows(style, printed, _FIELD_ROWS),
        half + margin,
        h * rng.uniform(0.1, 0.14),
        h * 0.9,
        lambda _y: x_right,
    )


def _layout_single(page: _Page, printed: dict[str, str], truth: dict[str, str]) -> dict[str, Any]:
    """Portrait page: title on top, photo top-right, rows below, code apart."""
    rng, style = page.rng, page.style
    w, h = page.size
    _decorate_page(page, (0, 0, w, h))
    margin = round(w * rng.uniform(0.09, 0.12))
    top = h * rng.uniform(0.07, 0.09)
    code_pos = rng.choice(("top_right", "bottom_right", "bottom_left"))
    if code_pos == "top_right":
        _draw_code(page, w - margin, top + style.value_size, printed["certificate_code"], "right")
        top += style.value_size * 1.8
    title_bottom = _draw_title(page, w / 2, top, round(w * rng.uniform(0.048, 0.058)))
    pw = round(w * rng.uniform(0.15, 0.18))
    ph = round(pw * 1.4)
    px, py = w - margin - pw, round(title_bottom + h * 0.03)
    _photo(page, (px, py, px + pw, py + ph))
    bottom = h * 0.86
    x_right = float(w - margin)
    if rng.random() < 0.4:
        # Print templates often cap the value column (~9-15 characters), so long names wrap.
        x_right = min(x_right, margin + style.label_size * 7 + style.value_size * rng.uniform(9, 15))
    if code_pos != "top_right":
        align = "right" if code_pos == "bottom_right" else "left"
        _draw_code(
            page, w - margin if align == "right" else margin, h * 0.885, printed["certificate_code"], align
        )
        bottom = h * 0.84

    def right_at(y: float) -> float:
        # Rows beside the photo must stop short of it.
        return px - style.value_size * 0.8 if y - style.value_size * 1.2 < py + ph else x_right

    _draw_column(page, _rows(style, printed, _FIELD_ROWS), margin, py + h * 0.005, bottom, right_at)
    if style.supervisor:
        _draw_supervisor(page, w / 2, h - h * 0.055, truth["issue_date"])
    if rng.random() < 0.4:
        _serial_number(page, margin, h - h * 0.09)
    return {"code_position": code_pos}


# Grid rows: tuples of keys sharing a table row; the photo cell spans the first four.
# "paired" squeezes scope and institution into half-width cells, where they often wrap.
# 发证机关 always sits directly above 发证日期 so the seal can cover both.
_GRID_SCHEMES: dict[str, tuple[tuple[str, ...], ...]] = {
    "long_rows": (
        ("name", "sex"),
        ("birth_date", "level"),
        ("category", "practice_place"),
        ("id_number",),
        ("scope",),
        ("institution",),
        ("authority",),
        ("issue_date", "certificate_code"),
    ),
    "paired": (
        ("name", "sex"),
        ("birth_date", "level"),
        ("category", "scope"),
        ("id_number",),
        ("institution", "practice_place"),
        ("authority",),
        ("issue_date", "certificate_code"),
    ),
}
_PHOTO_ROWS = 4


def _cell_text(
    page: _Page, key: str, cell: tuple[float, float, float, float], font: Font, lfont: Font, is_label: bool
) -> None:
    """Draw a label or a value inside a table cell (values wrap inside the cell)."""
    style = page.style
    x0, y0, x1, y1 = cell
    pad = font.size * 0.45
    if is_label:
        text = _label_text(style, key)
        width = x1 - x0 - 2 * pad - _run_width(style.colon, lfont)
        baseline = (y0 + y1) / 2 + lfont.size * 0.36
        _draw_label(page, x0 + pad, baseline, text, lfont, width)
        return
    value = page.printed[key]
    run_font, tracking, _ = _value_run_args(style, key, font)
    lines = wrap_text(value, run_font, x1 - x0 - 2 * pad, tracking)
    line_h = font.size * 1.3
    baseline = (y0 + y1) / 2 - (len(lines) - 1) * line_h / 2 + font.size * 0.36
    _draw_value(page, key, x0 + pad, baseline, lines, font, line_h)


def _grid_widths(
    row: tuple[str, ...], left: float, right: float, label_w: float, value_w: float
) -> list[float]:
    """Cell widths (label, value, ...) of one table row; the last value cell takes the rest."""
    if len(row) == 2:
        return [label_w, value_w, label_w, right - left - 2 * label_w - value_w]
    return [label_w, right - left - label_w]


def _layout_grid(page: _Page, printed: dict[str, str], truth: dict[str, str]) -> dict[str, Any]:
    """Form with a ruled table: two short fields per row, long fields full-width."""
    rng, style = page.rng, page.style
    w, h = page.size
    _decorate_page(page, (0, 0, w, h))
    margin = round(w * rng.uniform(0.07, 0.1))
    scheme = rng.choice(sorted(_GRID_SCHEMES))
    grid_rows = _GRID_SCHEMES[scheme]
    title_bottom = _draw_title(page, w / 2, h * rng.uniform(0.07, 0.09), round(w * rng.uniform(0.04, 0.05)))
    tx0, tx1 = margin, w - margin
    ty0 = title_bottom + h * 0.03
    ty1_limit = h * (0.88 if style.supervisor else 0.92)
    shade = tuple(min(255, c + (255 - c) // 3) for c in style.pattern_ink)
    line_ink = tuple(max(0, c - 90) for c in style.pattern_ink)
    for scale in (1.0, 0.92, 0.84, 0.76, 0.68, 0.6):
        lfont, vfont = _fonts(style, scale)
        label_w = max(_label_width(style, lfont, _label_text(style, k)) for row in grid_rows for k in row)
        label_w += 2 * vfont.size * 0.45
        photo_w = round(w * 0.14) + 2 * 24
        inner = tx1 - tx0 - photo_w
        value_w = (inner - 2 * label_w) / 2
        row_h = vfont.size * rng.uniform(1.9, 2.4)
        heights = []
        for i, row in enumerate(grid_rows):
            widths = _grid_widths(row, tx0, tx1 - photo_w if i < _PHOTO_ROWS else tx1, label_w, value_w)
            n = 1
            for key, cell_w in zip(row, widths[1::2], strict=True):
                run_font, tracking, _ = _value_run_args(style, key, vfont)
                n = max(n, len(wrap_text(printed[key], run_font, cell_w - vfont.size * 0.9, tracking)))
            heights.append(row_h + (n - 1) * vfont.size * 1.3)
        if ty0 + sum(heights) <= ty1_limit:
            break
    # Taller rows when the page has room: real forms fill most of the sheet.
    extra = min((ty1_limit - ty0 - sum(heights)) * rng.uniform(0.4, 1.0) / len(heights), vfont.size * 0.9)
    heights = [hh + max(0.0, extra) for hh in heights]
    y = ty0
    for i, row in enumerate(grid_rows):
        y_next = y + heights[i]
        right = tx1 - photo_w if i < _PHOTO_ROWS else tx1
        x = float(tx0)
        for j, cw in enumerate(_grid_widths(row, tx0, right, label_w, value_w)):
            cell = (x, y, x + cw, y_next)
            key = row[j // 2]
            if j % 2 == 0:
                page.draw.rectangle(cell, fill=shade)
                _cell_text(page, key, cell, vfont, lfont, True)
            else:
                _cell_text(page, key, cell, vfont, lfont, False)
            page.draw.rectangle(cell, outline=line_ink, width=2)
            x += cw
        y = y_next
    photo_bottom = ty0 + sum(heights[:_PHOTO_ROWS])
    page.draw.rectangle((tx1 - photo_w, ty0, tx1, photo_bottom), outline=line_ink, width=2)
    ph = min(round((photo_bottom - ty0) - 48), round((photo_w - 48) * 1.4))
    pw = round(ph / 1.4)
    pcx, pcy = (tx1 - photo_w / 2), (ty0 + photo_bottom) / 2
    _photo(page, (round(pcx - pw / 2), round(pcy - ph / 2), round(pcx + pw / 2), round(pcy + ph / 2)))
    page.draw.rectangle((tx0, ty0, tx1, y), outline=line_ink, width=4)
    if style.supervisor:
        _draw_supervisor(page, w / 2, h - h * 0.06, truth["issue_date"])
    if rng.random() < 0.4:
        _serial_number(page, w - margin - vfont.size * 6, title_bottom - vfont.size * 0.2)
    return {"grid_rows": scheme}


# ---------------------------------------------------------------- entry point


def _page_size(layout: str, rng: random.Random) -> tuple[int, int]:
    """Flat image size for a layout (width 2000-2600 px)."""
    if layout == "spread":
        w = rng.randint(2300, 2600)
        return w, round(w * rng.uniform(0.68, 0.72))
    if layout == "single":
        w = rng.randint(2000, 2300)
        return w, round(w * rng.uniform(1.32, 1.42))
    w = rng.randint(2200, 2600)
    return w, round(w * rng.uniform(0.70, 0.78))


def _ink_fade(image: Image.Image, nrng: np.random.Generator) -> Image.Image:
    """Uneven print density: lighten dark pixels a little, patchily."""
    arr = np.asarray(image)
    h, w = arr.shape[:2]
    keep = cv2.resize(nrng.uniform(0.84, 1.0, (h // 90 + 2, w // 90 + 2)).astype(np.float32), (w, h))
    keep3 = cv2.cvtColor(cv2.convertScaleAbs(keep, alpha=255.0), cv2.COLOR_GRAY2RGB)
    # out = 255 - (255 - x) * keep, in uint8 fixed point.
    out = cv2.bitwise_not(cv2.multiply(cv2.bitwise_not(arr), keep3, scale=1 / 255))
    return Image.fromarray(out, "RGB")


def render_certificate(truth: dict[str, str], rng: random.Random, layout: str | None = None) -> RenderResult:
    """Render ``truth`` as a flat certificate image; ``layout`` forces one of LAYOUTS."""
    layout = layout or rng.choice(LAYOUTS)
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    size = _page_size(layout, rng)
    # Type size follows the page: a spread's pages are half as wide, a portrait page is tall.
    type_base = {"spread": 0.92, "single": 1.15, "grid": 1.0}[layout] * size[0]
    style = _choose_style(truth, rng, layout, round(type_base))
    nrng = np.random.default_rng(rng.getrandbits(64))
    image = _paper(size, rng, nrng, spread=layout == "spread")
    printed = _printed_values(truth, style)
    page = _Page(image, ImageDraw.Draw(image), style, rng, printed)
    extra: dict[str, Any] = {}
    if layout == "spread":
        _layout_spread(page, printed, truth)
    elif layout == "single":
        extra = _layout_single(page, printed, truth)
    else:
        extra = _layout_grid(page, printed, truth)
    seal = _place_seal(page, truth["authority"])
    final = _ink_fade(page.image, nrng)
    missing = [k for k in FIELDS if k not in page.boxes]
    if missing:
        raise RuntimeError(f"layout {layout} did not place {missing}")
    record = {
        "layout": layout,
        "label_font": style.label_face.label,
        "value_font": style.value_face.label,
        "title_font": style.title_face.label,
        "code_font": style.code_face.label,
        "label_size": style.label_size,
        "value_size": style.value_size,
        "labels": {k: _label_text(style, k) for k in FIELDS},
        "label_spacing": style.spacing,
        "colon": style.colon,
        "date_format": style.date_format,
        "code_style": style.code_style,
        "value_ink": _hex(style.value_ink),
        "inline_values": style.inline,
        "underline": style.underline,
        "prc_header": style.prc_header,
        "supervisor_line": style.supervisor,
        "wrapped_fields": sorted(set(page.wrapped)),
        "printed_lines": {k: page.lines[k] for k in FIELDS},
        "seal": seal,
        **extra,
    }
    boxes = {k: page.boxes[k] for k in FIELDS}
    return RenderResult(image=final, style=record, boxes=boxes)
