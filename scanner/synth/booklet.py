"""Booklet pages as people photograph them: the old 卫生部 booklet, change records, 资格证书, 职称.

Each page is drawn on its own paper with every typographic choice drawn from the ``rng``: label
and value faces, sizes, spacing, inks, handwriting-like values, typed digits over pre-printed
年 月 日 (often misaligned), seals pressed over what officials stamp.  A page returns its pixels and
the box of every value it shows (flat page pixels), keyed by field or ``change{i}.{part}``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from .decor import _paper, _photo, _stamp_seal
from .fonts import FontFace, available_faces, face_draws, load_font
from .scripts import second_script
from .style import (
    RGB,
    Box,
    Font,
    _choose_style,
    _draw_run,
    _Page,
    _run_width,
    _Style,
    _union,
    _weighted,
    wrap_text,
)

HAND_INKS: tuple[tuple[RGB, int], ...] = (((28, 40, 120), 4), ((20, 20, 26), 3), ((40, 30, 90), 1))
PREAMBLE = "依照《中华人民共和国执业医师法》及有关规定，经审核合格，予以注册，发给{level}执业证书。"
OLD_P3_ROWS: tuple[tuple[str, str], ...] = (
    ("name", "姓名"),
    ("sex", "性别"),
    ("birth_date", "出生日期"),
    ("level", "医师资格"),
    ("qualification_code", "证书编码"),
    ("practice_place", "执业地点"),
    ("category", "执业类别"),
    ("scope", "执业范围"),
    ("id_number", "身份证号"),
)


@dataclass
class Sheet:
    """One drawn page: pixels, value boxes and the choices made."""

    image: Image.Image
    name: str
    boxes: dict[str, Box] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class Hand:
    """How values are written on this document: handwriting-like or typed, and with what."""

    mode: str  # "hand", "typed" or "mixed"
    hand_face: FontFace
    typed_face: FontFace
    ink: RGB
    typed_ink: RGB
    ymd_shift: tuple[float, float]  # typed digits off the pre-printed 年月日, in character sizes
    style: _Style  # the booklet's printed labels: one style for all its pages
    paper: int  # one paper for all its pages
    script: str | None = None  # a bilingual booklet's second script (`scripts.SCRIPTS`)
    script_scale: float = 0.5  # its size against the label's

    @property
    def second_script(self) -> tuple[str, float] | None:
        """The second script and its size against the label's, on a bilingual booklet."""
        return None if self.script is None else (self.script, self.script_scale)


def new_page(rng: random.Random, size: tuple[int, int], hand: Hand) -> _Page:
    """A blank page of the document's paper, in the document's printed style."""
    nrng = np.random.default_rng(rng.getrandbits(64))
    image = _paper(size, random.Random(hand.paper), nrng, spread=False)
    return _Page(image, ImageDraw.Draw(image), hand.style, rng)


def choose_hand(rng: random.Random, size: tuple[int, int], values: str) -> Hand:
    """Writing and printing choices for one document of ``size`` pages whose values are ``values``."""
    faces = available_faces()
    kai = [f for f in faces if f.style == "kai" and face_draws(f, values)]
    kai = kai or [f for f in faces if not f.mono and face_draws(f, values)] or list(faces)
    typed = [f for f in faces if not f.bold and face_draws(f, values)] or list(faces)
    return Hand(
        mode=_weighted(rng, (("hand", 4), ("typed", 4), ("mixed", 2))),
        hand_face=rng.choice(kai),
        typed_face=rng.choice(typed),
        ink=_weighted(rng, HAND_INKS),
        typed_ink=rng.choice(((24, 24, 28), (40, 40, 48), (28, 34, 78))),
        ymd_shift=(rng.uniform(-0.45, 0.45), rng.uniform(-0.4, 0.3)),
        style=_choose_style({"v": values}, rng, "spread", round(size[0] * rng.uniform(1.7, 2.0))),
        paper=rng.getrandbits(32),
    )


# ---------------------------------------------------------------- writing


def hand_run(
    page: _Page, x: float, baseline: float, text: str, size: int, ink: RGB, face: FontFace
) -> Box | None:
    """Handwriting-like text: each character tilted, sized and placed a little differently."""
    rng = page.rng
    box: Box | None = None
    cursor = x
    slant = rng.uniform(-7, 5)
    drift = rng.uniform(-0.04, 0.04) * size
    for i, ch in enumerate(text):
        s = max(8, round(size * rng.uniform(0.9, 1.1)))
        font = load_font(face, s)
        adv = float(font.getlength(ch)) * rng.uniform(0.86, 1.02)
        if ch.isspace():
            cursor += adv
            continue
        glyph = Image.new("L", (s * 2, s * 2), 0)
        ImageDraw.Draw(glyph).text((s, s), ch, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(slant + rng.uniform(-5, 5), resample=Image.Resampling.BICUBIC)
        press = rng.uniform(0.8, 1.0)
        glyph = glyph.point(lambda v, p=press: round(v * p))
        gx = round(cursor + adv / 2 - s)
        gy = round(baseline - s * 0.36 + i * drift + rng.uniform(-0.06, 0.06) * size - s)
        page.image.paste(ink, (gx, gy), glyph)
        bb = glyph.getbbox()
        if bb:
            box = _union(box, [gx + bb[0], gy + bb[1], gx + bb[2], gy + bb[3]])
        cursor += adv
    return box


def resolve(hand: Hand, rng: random.Random) -> str:
    """How one value is written: a "mixed" document writes some values by hand, some typed."""
    if hand.mode != "mixed":
        return hand.mode
    return "hand" if rng.random() < 0.5 else "typed"


def write_value(
    page: _Page, hand: Hand, x: float, baseline: float, text: str, size: int, force: str | None = None
) -> Box | None:
    """Write a value by hand or typed, as this document does (``force`` picks one)."""
    how = force or resolve(hand, page.rng)
    if how == "hand":
        return hand_run(page, x, baseline, text, size, hand.ink, hand.hand_face)
    _, box = _draw_run(page, x, baseline, text, load_font(hand.typed_face, size), hand.typed_ink)
    return box


def signature(page: _Page, hand: Hand, x: float, baseline: float, name: str, size: int) -> Box | None:
    """A 签发人 signature: a fast, slanted, run-together name with a flourish."""
    rng = page.rng
    box = hand_run(page, x, baseline, name, round(size * rng.uniform(1.1, 1.4)), hand.ink, hand.hand_face)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    pts = []
    for i in range(40):
        t = i / 39
        pts.append(
            (
                x0 + (x1 - x0 + size) * t,
                y1 - size * 0.1 + math.sin(t * math.pi * rng.uniform(1.5, 3)) * size * 0.2,
            )
        )
    page.draw.line(pts, fill=hand.ink, width=max(2, size // 14))
    return [x0, y0, round(x1 + size), round(y1 + size * 0.2)]


def label(
    page: _Page,
    x: float,
    baseline: float,
    text: str,
    font: Font,
    colon: str,
    script: tuple[str, float] | None = None,
    pitch: float = 0.0,
) -> float:
    """A printed label; two-character labels spaced with a full-width space; on a bilingual
    booklet, the label in its second script beside it (`script`: the script and its size against the
    label's; rows `pitch` apart). Returns end x."""
    printed = f"{text[0]}\u3000{text[1]}" if len(text) == 2 else text
    end, _ = _draw_run(page, x, baseline, printed + colon, font, page.style.label_ink)
    if script is not None:
        name, scale = script
        second_script(
            page, name, text, x, baseline, font, pitch or font.size * 2.0, page.style.label_ink, scale
        )
    return end


def date_over_ymd(
    page: _Page, hand: Hand, x: float, baseline: float, iso: str, lfont: Font, size: int
) -> Box | None:
    """Digits typed in another font over a pre-printed ``____年__月__日`` (often off their gaps)."""
    rng = page.rng
    day = date.fromisoformat(iso)
    pad = rng.random() < 0.6
    parts = (
        str(day.year),
        f"{day.month:02d}" if pad else str(day.month),
        f"{day.day:02d}" if pad else str(day.day),
    )
    dfont = load_font(hand.typed_face, size)
    digit_w = float(dfont.getlength("0"))
    gaps = (digit_w * 4 + size * rng.uniform(0.5, 1.0), digit_w * 2 + size * 0.6, digit_w * 2 + size * 0.6)
    dx = hand.ymd_shift[0] * size + rng.uniform(-0.1, 0.1) * size
    dy = hand.ymd_shift[1] * size + rng.uniform(-0.08, 0.08) * size
    cursor = x
    box: Box | None = None
    for part, gap, unit in zip(parts, gaps, "年月日", strict=True):
        w = _run_width(part, dfont)
        _, b = _draw_run(page, cursor + (gap - w) / 2 + dx, baseline + dy, part, dfont, hand.typed_ink)
        box = _union(box, b) if b else box
        end, b = _draw_run(page, cursor + gap, baseline, unit, lfont, page.style.label_ink)
        box = _union(box, b) if b else box
        cursor = end + size * 0.1
    return box


def written_date(page: _Page, hand: Hand, x: float, baseline: float, iso: str, size: int) -> Box | None:
    """A change date as written: by hand or typed, 2016年3月2日 / 2016.03.02 / 2016-03-02."""
    day = date.fromisoformat(iso)
    text = page.rng.choice(
        (
            f"{day.year}年{day.month}月{day.day}日",
            f"{day:%Y.%m.%d}",
            f"{day:%Y-%m-%d}",
            f"{day.year}年{day:%m}月{day:%d}日",
        )
    )
    return write_value(page, hand, x, baseline, text, size)


def guilloche_band(page: _Page, x0: float, x1: float, y0: float, y1: float) -> None:
    """An ornamental band of interlaced waves, as printed above and below the personal page."""
    rng, ink = page.rng, page.style.pattern_ink
    mid, amp = (y0 + y1) / 2, (y1 - y0) / 2
    period = rng.uniform(30, 70)
    for k in range(rng.randint(5, 9)):
        phase = k * math.pi / rng.uniform(2.5, 4.5)
        pts = [
            (
                x,
                mid
                + amp
                * 0.9
                * math.sin(2 * math.pi * (x - x0) / period + phase)
                * math.cos((x - x0) / period / 3),
            )
            for x in np.arange(x0, x1, 3.0)
        ]
        page.draw.line(pts, fill=ink, width=2)
    dark = tuple(max(0, c - 60) for c in ink)
    page.draw.line((x0, y0, x1, y0), fill=dark, width=2)
    page.draw.line((x0, y1, x1, y1), fill=dark, width=2)


def seal(page: _Page, center: tuple[float, float], radius: int, text: str) -> dict[str, Any]:
    """Press a red round seal with ``text`` on its arc."""
    return _stamp_seal(page, center, radius, text)


def redact(image: Image.Image, box: Box, rng: random.Random) -> list[int]:
    """Cover ``box`` with a grey or black box a little larger than the value; return the box drawn."""
    x0, y0, x1, y1 = box
    h = y1 - y0
    pad_x, pad_y = h * rng.uniform(0.2, 0.8), h * rng.uniform(0.2, 0.5)
    grey = rng.choice((0, 20, 90, 128, 160, 190))
    drawn = [round(x0 - pad_x), round(y0 - pad_y), round(x1 + pad_x * rng.uniform(1, 3)), round(y1 + pad_y)]
    ImageDraw.Draw(image).rectangle(drawn, fill=(grey, grey, grey))
    return drawn


# ---------------------------------------------------------------- the old 卫生部 booklet


def _sizes(page: _Page) -> tuple[Font, int]:
    style = page.style
    return load_font(style.label_face, style.label_size), style.value_size


def old_p1(rng: random.Random, size: tuple[int, int], level: str, hand: Hand) -> Sheet:
    """p1: the legal preamble over a large round seal 中华人民共和国卫生部."""
    text = PREAMBLE.format(level="执业医师" if level == "执业医师" else "执业助理医师")
    page = new_page(rng, size, hand)
    w, h = size
    font = load_font(
        page.style.title_face if rng.random() < 0.3 else page.style.label_face,
        round(page.style.value_size * rng.uniform(1.0, 1.25)),
    )
    margin = w * rng.uniform(0.1, 0.16)
    lines = wrap_text("\u3000\u3000" + text, font, w - 2 * margin)
    y = h * rng.uniform(0.16, 0.28)
    lead = font.size * rng.uniform(1.6, 2.1)
    for line in lines:
        _draw_run(page, margin, y, line, font, page.style.label_ink)
        y += lead
    radius = round(w * rng.uniform(0.22, 0.3))
    cy = y + radius * rng.uniform(0.6, 1.2)
    info = seal(
        page,
        (w / 2 + rng.uniform(-0.05, 0.05) * w, min(cy, h - radius * 0.9)),
        radius,
        "中华人民共和国卫生部",
    )
    return Sheet(page.image, "p1", {}, {"preamble": text, "seal": info})


def old_p2(
    rng: random.Random, size: tuple[int, int], truth: dict[str, str], hand: Hand, signatory: str
) -> Sheet:
    """p2: photo; 编码, 发证机关, 签发人, 发证日期 over 年月日; the authority's seal over them."""
    page = new_page(rng, size, hand)
    w, h = size
    lfont, vsize = _sizes(page)
    colon = _weighted(rng, (("：", 4), ("", 3), (":", 1)))
    boxes: dict[str, Box] = {}
    pw = round(w * rng.uniform(0.26, 0.34))
    ph = round(pw * 1.35)
    px = round(w / 2 - pw / 2 + rng.uniform(-0.18, 0.18) * w)
    py = round(h * rng.uniform(0.07, 0.13))
    _photo(page, (px, py, px + pw, py + ph))
    x = w * rng.uniform(0.1, 0.17)
    y = py + ph + vsize * rng.uniform(2.2, 3.5)
    pitch = vsize * rng.uniform(2.1, 2.8)
    value_x = x + _run_width("发证机关" + colon, lfont) + vsize * rng.uniform(0.3, 1.0)
    for key, text in (
        ("certificate_code", "编码"),
        ("authority", "发证机关"),
        ("signatory", "签发人"),
        ("issue_date", "发证日期"),
    ):
        end = label(page, x, y, text, lfont, colon, hand.second_script, pitch)
        vx = max(end + vsize * 0.3, value_x) if rng.random() < 0.7 else end + vsize * 0.3
        if key == "certificate_code":
            b = write_value(page, hand, vx, y, truth["certificate_code"], vsize, force="typed")
        elif key == "authority":
            lines = wrap_text(truth["authority"], load_font(hand.typed_face, vsize), w * 0.92 - vx)
            b = None
            how = resolve(hand, rng)
            for i, line in enumerate(lines):
                lb = write_value(page, hand, vx, y + i * vsize * 1.35, line, vsize, how)
                b = _union(b, lb) if (b and lb) else (lb or b)
            y += (len(lines) - 1) * vsize * 1.35
        elif key == "signatory":
            b = signature(page, hand, vx, y, signatory, vsize)
        else:
            b = date_over_ymd(page, hand, vx, y, truth["issue_date"], lfont, vsize)
        if b is not None:
            boxes[key] = b
        y += pitch
    auth, issued = boxes["authority"], boxes["issue_date"]
    radius = round(w * rng.uniform(0.17, 0.21))
    cx = (auth[0] + auth[2]) / 2 + rng.uniform(-0.1, 0.3) * radius
    cy = (auth[1] + issued[3]) / 2 + rng.uniform(-0.3, 0.3) * radius
    info = seal(page, (min(cx, w - radius * 0.8), cy), radius, truth["authority"])
    boxes.pop("signatory", None)
    return Sheet(page.image, "p2", boxes, {"seal": info, "colon": colon})


def old_p3(rng: random.Random, size: tuple[int, int], truth: dict[str, str], hand: Hand) -> Sheet:
    """p3: the personal rows between two guilloche bands, values by hand or typed on underlines."""
    page = new_page(rng, size, hand)
    w, h = size
    lfont, vsize = _sizes(page)
    colon = _weighted(rng, (("：", 3), ("", 4), (":", 1)))
    underline = rng.random() < 0.5
    mx = w * rng.uniform(0.07, 0.12)
    band = h * rng.uniform(0.05, 0.08)
    top = h * rng.uniform(0.05, 0.09)
    bottom = h * rng.uniform(0.9, 0.95)
    guilloche_band(page, mx, w - mx, top, top + band)
    guilloche_band(page, mx, w - mx, bottom - band, bottom)
    x = mx + w * rng.uniform(0.02, 0.06)
    y0, y1 = top + band + vsize * 2.0, bottom - band - vsize * 1.0
    pitch = (y1 - y0) / (len(OLD_P3_ROWS) - 0.3)
    label_w = _run_width("出生日期" + colon, lfont)
    boxes: dict[str, Box] = {}
    y = y0
    for key, text in OLD_P3_ROWS:
        end = label(page, x, y, text, lfont, colon, hand.second_script, pitch)
        vx = x + label_w + vsize * rng.uniform(0.4, 0.9)
        value = truth[key]
        if key == "birth_date":
            d = date.fromisoformat(value)
            value = rng.choice(
                (
                    f"{d.year}年{d.month}月{d.day}日",
                    f"{d.year}年{d:%m}月{d:%d}日",
                    f"{d:%Y.%m.%d}",
                    f"{d:%Y-%m-%d}",
                )
            )
        force = (
            "typed"
            if key in ("qualification_code", "id_number") and rng.random() < 0.6
            else resolve(hand, rng)
        )
        room = w - mx - vx - vsize
        vs = vsize
        if key in ("qualification_code", "id_number"):
            # A code is written on one line, smaller when it is long, as a clerk would.
            wide = _run_width(value, load_font(hand.typed_face, vsize))
            vs = max(min(vsize, int(vsize * 0.85 * room / max(wide, 1.0))), round(vsize * 0.6))
        lines = (
            [value]
            if key in ("qualification_code", "id_number")
            else wrap_text(value, load_font(hand.typed_face, vs), room)
        )
        b: Box | None = None
        for i, line in enumerate(lines):
            lb = write_value(page, hand, vx, y + i * vsize * 1.25, line, vs, force)
            b = lb if b is None else (_union(b, lb) if lb else b)
        if underline:
            uy = y + vsize * 0.3
            page.draw.line(
                (max(end, vx - vsize * 0.3), uy, w - mx - vsize * 0.5, uy), fill=page.style.label_ink, width=2
            )
        if b is not None:
            boxes[key] = b
        y += pitch + (len(lines) - 1) * vsize * 0.6
    return Sheet(page.image, "p3", boxes, {"colon": colon, "underline": underline})


# ---------------------------------------------------------------- change record pages

CHANGE_LABELS: tuple[tuple[str, str], ...] = (
    ("new_code", "新证书编码"),
    ("item", "变更项目"),
    ("date", "变更日期"),
    ("authority", "批准机关"),
)


def change_page(
    rng: random.Random,
    size: tuple[int, int],
    name: str,
    changes: list[dict[str, Any]],
    first: int,
    slots: int,
    hand: Hand,
) -> Sheet:
    """A 变更注册记录 page: ``slots`` pre-printed blocks, the first ``len(changes)`` filled in, each
    filled block under its own authority seal, blocks separated by a rule.  Box keys count from
    ``first`` (the index of the first change in the booklet)."""
    page = new_page(rng, size, hand)
    w, h = size
    lfont, vsize = _sizes(page)
    colon = _weighted(rng, (("：", 4), ("", 2), (":", 1)))
    tfont = load_font(page.style.title_face, round(vsize * rng.uniform(1.3, 1.7)))
    title = "变更注册记录"
    track = tfont.size * rng.uniform(0.1, 0.6)
    y = h * rng.uniform(0.07, 0.11)
    _draw_run(page, w / 2 - _run_width(title, tfont, track) / 2, y, title, tfont, page.style.title_ink, track)
    x = w * rng.uniform(0.08, 0.13)
    top = y + tfont.size * rng.uniform(0.8, 1.4)
    block_h = (h * 0.95 - top) / slots
    boxes: dict[str, Box] = {}
    seals = []
    for s in range(slots):
        by = top + s * block_h
        if s:
            page.draw.line((x - vsize * 0.5, by, w - x + vsize * 0.5, by), fill=page.style.label_ink, width=2)
        change = changes[s] if s < len(changes) else None
        rows = [by + block_h * f for f in (0.16, 0.33, 0.5, 0.67, 0.84)]
        part_boxes: dict[str, Box] = {}
        row = 0
        for part, text in CHANGE_LABELS:
            yy = rows[row]
            end = label(page, x, yy, text, lfont, colon, hand.second_script, block_h * 0.17) + vsize * 0.4
            if change is not None:
                b: Box | None = None
                if part == "new_code":
                    b = (
                        write_value(page, hand, end, yy, change["new_code"], vsize, "typed")
                        if change["new_code"]
                        else None
                    )
                elif part == "item":
                    b = write_value(page, hand, end, yy, change["item"], vsize)
                    row += 1
                    vx = x + vsize * rng.uniform(0.5, 3.0)
                    # A long new value is written smaller to stay on the page, as a clerk would.
                    room = w - vx - vsize * 0.8
                    vs = max(min(vsize, int(room / (len(change["value"]) * 1.12))), round(vsize * 0.55))
                    vb = write_value(page, hand, vx, rows[row], change["value"], vs)
                    if vb:
                        part_boxes["value"] = vb
                elif part == "date":
                    b = written_date(page, hand, end, yy, change["date"], vsize)
                else:
                    lines = wrap_text(change["authority"], load_font(hand.typed_face, vsize), w - x - end)
                    how = resolve(hand, rng)
                    b = write_value(page, hand, end, yy, lines[0], vsize, how)
                    for line in lines[1:]:
                        lb = write_value(page, hand, end, yy + vsize * 1.3, line, vsize, how)
                        b = _union(b, lb) if b and lb else b
                if b:
                    part_boxes[part] = b
            elif part == "item":
                row += 1
            row += 1
        if change is not None:
            auth = part_boxes.get("authority") or part_boxes["item"]
            radius = round(min(w * rng.uniform(0.14, 0.18), block_h * 0.48))
            cx = auth[0] + (auth[2] - auth[0]) * rng.uniform(0.4, 0.9)
            cy = (auth[1] + auth[3]) / 2 + rng.uniform(-0.7, 0.2) * radius
            seals.append(seal(page, (min(cx, w - radius * 0.7), cy), radius, change["authority"]))
            for part, b in part_boxes.items():
                boxes[f"change{first + s}.{part}"] = b
    return Sheet(page.image, name, boxes, {"slots": slots, "filled": len(changes), "seals": seals})


# ---------------------------------------------------------------- other documents in HR files


def _rows_page(
    page: _Page, hand: Hand, rows: list[tuple[str, str, str]], x: float, y0: float, y1: float, right: float
) -> dict[str, Box]:
    """Labelled rows (key, label, value) spread from ``y0`` to ``y1``."""
    lfont, vsize = _sizes(page)
    colon = _weighted(page.rng, (("：", 4), ("", 2)))
    label_w = max(_run_width(t + colon + ("\u3000" if len(t) == 2 else ""), lfont) for _, t, _ in rows)
    pitch = (y1 - y0) / max(1, len(rows) - 1)
    boxes: dict[str, Box] = {}
    for i, (key, text, value) in enumerate(rows):
        y = y0 + i * pitch
        label(page, x, y, text, lfont, colon)
        vx = x + label_w + vsize * 0.5
        line = wrap_text(value, load_font(hand.typed_face, vsize), right - vx)
        b = write_value(page, hand, vx, y, line[0], vsize, "typed" if page.rng.random() < 0.7 else None)
        for extra_line in line[1:]:
            lb = write_value(page, hand, vx, y + vsize * 1.2, extra_line, vsize, "typed")
            b = _union(b, lb) if b and lb else b
        if b:
            boxes[key] = b
    return boxes


def qualification_spread(
    rng: random.Random,
    size: tuple[int, int],
    truth: dict[str, str],
    extra: dict[str, str],
    code: str,
    hand: Hand,
) -> tuple[Sheet, Sheet]:
    """The 医师资格证书: title, photo and preamble on the left; rows and the seal on the right."""
    w, h = size
    left = new_page(rng, size, hand)
    tfont = load_font(left.style.title_face, round(w * rng.uniform(0.08, 0.1)))
    title = "医师资格证书"
    track = tfont.size * 0.3
    _draw_run(
        left, w / 2 - _run_width(title, tfont, track) / 2, h * 0.14, title, tfont, left.style.title_ink, track
    )
    pw = round(w * 0.28)
    _photo(left, (round(w / 2 - pw / 2), round(h * 0.22), round(w / 2 + pw / 2), round(h * 0.22 + pw * 1.35)))
    year = extra["qualification_date"][:4]
    text = f"\u3000\u3000{truth['name']}经{year}年医师资格考试合格，授予{truth['level']}资格。"
    font = load_font(left.style.label_face, left.style.value_size)
    y = h * 0.22 + pw * 1.35 + font.size * 2.5
    for line in wrap_text(text, font, w * 0.76):
        _draw_run(left, w * 0.12, y, line, font, left.style.label_ink)
        y += font.size * 1.8
    right = new_page(rng, size, hand)
    rows = [
        ("name", "姓名", truth["name"]),
        ("sex", "性别", truth["sex"]),
        ("birth_date", "出生日期", truth["birth_date"].replace("-", "年", 1).replace("-", "月") + "日"),
        ("id_number", "身份证号", truth["id_number"]),
        ("education", "学历", extra["education"]),
        ("school", "毕业学校", extra["school"]),
        ("major", "专业", extra["major"]),
        ("category", "类别", truth["category"]),
        ("qualification_code", "证书编码", code),
        ("authority", "发证机关", extra["qualification_authority"]),
        ("signatory", "签发人", ""),
        ("issue_date", "发证日期", ""),
    ]
    boxes = _rows_page(right, hand, rows[:-2], w * 0.1, h * 0.1, h * 0.68, w * 0.94)
    lfont, vsize = _sizes(right)
    y = h * 0.68 + (h * 0.58 / 9)
    end = label(right, w * 0.1, y, "签发人", lfont, "：")
    signature(right, hand, end + vsize, y, extra["signatory"], vsize)
    y += h * 0.08
    end = label(right, w * 0.1, y, "发证日期", lfont, "：")
    b = date_over_ymd(right, hand, end + vsize * 0.4, y, extra["qualification_date"], lfont, vsize)
    if b:
        boxes["issue_date"] = b
    auth = boxes["authority"]
    seal(
        right,
        (auth[0] + (auth[2] - auth[0]) * 0.6, (auth[1] + y) / 2),
        round(w * 0.18),
        extra["qualification_authority"],
    )
    return Sheet(left.image, "q1", {}, {}), Sheet(right.image, "q2", boxes, {})


def title_page(
    rng: random.Random, size: tuple[int, int], truth: dict[str, str], extra: dict[str, str], hand: Hand
) -> Sheet:
    """The 专业技术资格证书 (职称): 姓名, 工作单位, 资格名称, 批准日期, 管理号 under a seal."""
    w, h = size
    page = new_page(rng, size, hand)
    tfont = load_font(page.style.title_face, round(w * rng.uniform(0.065, 0.08)))
    title = "专业技术资格证书"
    _draw_run(page, w / 2 - _run_width(title, tfont, 8) / 2, h * 0.12, title, tfont, page.style.title_ink, 8)
    d = date.fromisoformat(extra["title_date"])
    rows = [
        ("name", "姓名", truth["name"]),
        ("sex", "性别", truth["sex"]),
        ("employer", "工作单位", extra["employer"]),
        ("title", "资格名称", extra["title"]),
        ("title_date", "批准日期", f"{d.year}年{d.month}月{d.day}日"),
        ("management_no", "管理号", extra["management_no"]),
    ]
    boxes = _rows_page(page, hand, rows, w * 0.12, h * 0.3, h * 0.72, w * 0.92)
    seal(
        page,
        (w * rng.uniform(0.55, 0.75), h * rng.uniform(0.78, 0.84)),
        round(w * 0.16),
        extra["title_authority"],
    )
    return Sheet(page.image, "t1", boxes, {})
