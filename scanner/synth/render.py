"""Render a flat, printed-looking 医师执业证书 page from ground-truth fields.

The renderer deliberately varies layout, fonts, label wording, date format and
ink so the OCR pipeline never sees one fixed template.  Every random choice
comes from the ``rng`` argument, so the same seed gives the same pixels.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw

from .decor import _decorate_page, _paper, _photo, _place_seal
from .fonts import load_font
from .identity import FIELDS
from .style import (
    Box,
    Font,
    _choose_style,
    _draw_justified,
    _draw_run,
    _hex,
    _label_text,
    _Page,
    _printed_values,
    _run_width,
    _Style,
    _union,
    supervisor_line,
    wrap_text,
)
from .style import format_date as format_date

LAYOUTS: tuple[str, ...] = ("spread", "single", "grid")


@dataclass(frozen=True)
class RenderResult:
    """A rendered flat certificate with the choices made and value boxes."""

    image: Image.Image
    style: dict[str, Any]
    boxes: dict[str, Box]


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
