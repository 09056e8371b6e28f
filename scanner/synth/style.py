"""The typographic choices for one certificate, the page being drawn, and drawing text on it.

Every random choice comes from the page's ``rng``, so the same seed gives the same pixels.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from .fonts import FontFace, available_faces, face_draws

Box = list[int]
RGB = tuple[int, int, int]
Font = ImageFont.FreeTypeFont

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
