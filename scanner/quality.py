"""Image-quality stage: what in the picture may have made a field's reading unreliable.

OCR can read blurred, glared or tiny print confidently and wrongly (a blurred 6 read as 0 with high
confidence). Confidence alone does not protect against that, so each value's own patch of the image
is measured: how large its print was in the photo, how sharp its strokes are, whether a reflection
washed it out, whether it runs off the picture's edge. A field so affected is marked for review with
a flag naming the cause, and the record's `warnings` name the causes for the whole image.

Pure functions on arrays and boxes; thresholds live in `QualityLimits`. `suppress_red` makes the
grey image OCR reads, the red seal's ink lifted to paper white (also used by the second looks).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field

import cv2
import numpy as np

from .deskew.geometry import apply_homography, map_corners
from .fields import PICTURE_FLAGS, Box, FieldKey, FieldResult, Flag

# Below this line height (photo pixels; about 13 px of ink) recognition misreads digits with
# confidences that pass the ordinary threshold (1994 read 1904 at 0.96): such a value must be read
# very surely to be trusted, and digit values this small are read a second time
# (`scanner.reread.values`).
SMALL_PRINT_PX = 22.0


@dataclass(frozen=True)
class QualityLimits:
    """Where a measurement starts to make a reading unreliable (calibrated on generated photos)."""

    # A value's line (box height) lower than this many pixels in the photo is too small to trust.
    min_print_px: float = 14.0
    # Print lower than SMALL_PRINT_PX must be read this surely, character by character, to be trusted.
    small_print_px: float = SMALL_PRINT_PX
    small_print_confidence: float = 0.99
    # A stroke edge spread over more than this share of the line height is blurred.
    max_blur: float = 0.1
    # Print with less ink-to-paper contrast than this (0-255) is misread confidently (dim light,
    # faded ink); no value of a scan or an ordinary photo comes near it.
    min_contrast: float = 60.0
    # A patch whose ink contrast falls below this share of the page's typical contrast, its print
    # lifted this much (0-255) towards white, is washed out by a reflection.
    glare_contrast: float = 0.45
    glare_lift: float = 40.0
    # Paper darker than this (0-255) means a dim picture.
    dark_paper: float = 100.0
    # A value box this close to the picture's edge (share of the image's long side) may run off it.
    edge_margin: float = 0.006


@dataclass(frozen=True)
class PatchMeasure:
    """Measurements of one value's patch of the flat page."""

    print_px: float  # print height in the photo's pixels
    blur: float  # stroke edge spread / print height
    contrast: float  # ink-to-paper contrast (0-255)
    ink: float  # brightness of the print's darkest strokes (0-255)
    at_edge: bool  # the value's box touches the picture's edge


@dataclass(frozen=True)
class Assessment:
    """Quality warnings for an image and the flags they put on fields."""

    warnings: tuple[str, ...]
    flags: dict[FieldKey, tuple[Flag, ...]] = field(default_factory=dict)
    # Each measured value's print height in the photo's pixels (its line's box height).
    print_px: dict[FieldKey, float] = field(default_factory=dict)


def local_zoom(matrix: np.ndarray, point: tuple[float, float]) -> float:
    """How many flat-page pixels one photo pixel becomes near `point` (photo pixels), the square root
    of the homography's local area change."""
    x, y = point
    pts = apply_homography(np.array([[x, y], [x + 1.0, y], [x, y + 1.0]]), matrix)
    u, v = pts[1] - pts[0], pts[2] - pts[0]
    return math.sqrt(abs(float(u[0] * v[1] - u[1] * v[0]))) or 1.0


def measure_patch(grey: np.ndarray, box: Box, zoom: float) -> PatchMeasure | None:
    """Print size, sharpness, contrast and paper brightness of one value's box on the flat page.

    Sharpness: a step edge blurred by a Gaussian of spread s has a steepest gradient of
    contrast / (s·√(2π)), so s follows from the contrast and the strongest gradients of the patch;
    it is compared with the print height so that small sharp print and large soft print compare.
    """
    h, w = grey.shape[:2]
    x0, y0 = max(int(box.x0), 0), max(int(box.y0), 0)
    x1, y1 = min(math.ceil(box.x1), w), min(math.ceil(box.y1), h)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    patch = grey[y0:y1, x0:x1].astype(np.float32)
    low, high = np.percentile(patch, (3, 97))
    contrast = float(high - low)
    gx = cv2.Sobel(patch, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(patch, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    steepest = float(np.percentile(np.hypot(gx, gy), 99))
    height = float(y1 - y0)
    spread = contrast / (steepest * math.sqrt(2 * math.pi)) if steepest > 0 else height
    return PatchMeasure(
        print_px=height / zoom,
        blur=spread / height,
        contrast=contrast,
        ink=float(low),
        at_edge=False,
    )


def assess(
    flat: np.ndarray,
    matrix: np.ndarray,
    image_size: tuple[int, int],
    fields: Mapping[FieldKey, FieldResult],
    limits: QualityLimits | None = None,
) -> Assessment:
    """Quality warnings for one reading and the flags they put on its fields.

    `flat` is the flattened page (RGB), `matrix` maps the photo onto it, `fields` carry their boxes
    on the flat page. A field is flagged `low_resolution`, `blur`, `glare`, `low_contrast` or
    `partly_outside` when its own patch is affected; the warnings name every cause found, plus
    `dark` for a dim picture.
    """
    limits = limits or QualityLimits()
    grey = cv2.cvtColor(flat, cv2.COLOR_RGB2GRAY)
    inverse = np.linalg.inv(matrix)
    width, height = image_size
    margin = limits.edge_margin * max(width, height)
    measures: dict[FieldKey, PatchMeasure] = {}
    for key, result in fields.items():
        if result.box is None or result.value is None:
            continue
        b = result.box
        corners = map_corners((b.x0, b.y0, b.x1, b.y1), inverse)
        centre = corners.mean(axis=0)
        measure = measure_patch(grey, b, local_zoom(matrix, (float(centre[0]), float(centre[1]))))
        if measure is None:
            continue
        at_edge = bool(
            (corners[:, 0] < margin).any()
            or (corners[:, 1] < margin).any()
            or (corners[:, 0] > width - margin).any()
            or (corners[:, 1] > height - margin).any()
        )
        measures[key] = PatchMeasure(measure.print_px, measure.blur, measure.contrast, measure.ink, at_edge)
    flags: dict[FieldKey, list[Flag]] = {}
    if measures:
        typical_contrast = statistics.median(m.contrast for m in measures.values())
        typical_ink = statistics.median(m.ink for m in measures.values())
        for key, m in measures.items():
            found = flags.setdefault(key, [])
            if m.print_px < limits.min_print_px or (
                m.print_px < limits.small_print_px and fields[key].confidence < limits.small_print_confidence
            ):
                found.append(Flag.LOW_RESOLUTION)
            if m.blur > limits.max_blur:
                found.append(Flag.BLUR)
            if (
                m.contrast < limits.glare_contrast * typical_contrast
                and m.ink > typical_ink + limits.glare_lift
            ):
                found.append(Flag.GLARE)
            if m.at_edge:
                found.append(Flag.PARTLY_OUTSIDE)
            if m.contrast < limits.min_contrast and Flag.GLARE not in found:
                found.append(Flag.LOW_CONTRAST)
    warnings = [str(f) for f in PICTURE_FLAGS if any(f in v for v in flags.values())]
    # Every fourth pixel each way says how bright the paper is as well as all of them, 16 times faster.
    paper = float(np.percentile(channel_max(flat[::4, ::4]), 90))
    if paper < limits.dark_paper:
        warnings.append("dark")
    return Assessment(
        tuple(warnings),
        {k: tuple(v) for k, v in flags.items() if v},
        {k: m.print_px for k, m in measures.items()},
    )


@dataclass(frozen=True)
class RedactionLimits:
    """What a redaction box looks like on the flat page: a solid grey or black rectangle laid over
    a value (HR copies hide names and numbers so), unlike print, seals, photos and shadows."""

    # Its fill is darker than the paper (the page's median grey) by this much at least (0-255; the
    # lightest boxes are grey 190 on paper near 245), and about as grey as grey gets (channel spread).
    below_paper: float = 30.0
    max_spread: float = 28.0
    # Ink strokes are thinner than this share of the page's text height; a box is solid beyond it.
    stroke_share: float = 0.45
    # It fills this share of its bounding rectangle at least (a portrait's silhouette does not).
    min_fill: float = 0.88
    # Its height, in text heights: it covers one line of print with some margin, not a page.
    min_height: float = 0.6
    max_height: float = 3.5
    # It is at least this wide for its height (a value is written along a line), and at least this
    # many text heights wide (one character and the margins around it; a bold glyph is narrower).
    min_aspect: float = 1.15
    min_width: float = 1.5
    # Its fill is even: a standard deviation of grey below this (0-255).
    max_deviation: float = 24.0


def channel_max(rgb: np.ndarray) -> np.ndarray:
    """Each pixel's brightest channel (the same as `rgb.max(axis=2)`, many times faster: numpy
    reduces a last axis of three slowly)."""
    brightest: np.ndarray = np.maximum(np.maximum(rgb[:, :, 0], rgb[:, :, 1]), rgb[:, :, 2])
    return brightest


def channel_min(rgb: np.ndarray) -> np.ndarray:
    """Each pixel's darkest channel (`rgb.min(axis=2)`, as `channel_max`)."""
    darkest: np.ndarray = np.minimum(np.minimum(rgb[:, :, 0], rgb[:, :, 1]), rgb[:, :, 2])
    return darkest


# Print height (pixels) at which redaction boxes are looked for.
DETECT_TEXT_PX = 16.0
# Share of a box's width and height left out at each side when its evenness is measured.
INSIDE_MARGIN = 0.15


def redaction_boxes(flat: np.ndarray, text_height: float, limits: RedactionLimits | None = None) -> list[Box]:
    """The grey or black boxes laid over values on a flat page (RGB), in its pixels.

    `text_height` is the page's typical print height in pixels (the median line height): strokes of
    print are opened away at a fraction of it, and a box is one line of print high, give or take its
    margin. A box touching the page's edge is background, not a box.
    """
    limits = limits or RedactionLimits()
    if flat.ndim != 3 or text_height <= 0:
        return []
    # Boxes are large: find them at a scale where print is about DETECT_TEXT_PX high.
    scale = min(1.0, DETECT_TEXT_PX / text_height)
    small = flat
    if scale < 1.0:
        small = cv2.resize(flat, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    height = text_height * scale
    h, w = small.shape[:2]
    smooth = cv2.blur(small, (3, 3)).astype(np.int16)
    # The channels' mean, as smooth.mean(axis=2) gives it (their sum is exact in int16).
    grey = (smooth[:, :, 0] + smooth[:, :, 1] + smooth[:, :, 2]) / 3
    spread = channel_max(smooth) - channel_min(smooth)
    paper = float(np.median(grey))
    mask = ((grey <= paper - limits.below_paper) & (spread <= limits.max_spread)).astype(np.uint8)
    size = max(3, round(limits.stroke_share * height))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((size, size), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
    boxes: list[Box] = []
    for i in range(1, count):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if x == 0 or y == 0 or x + bw >= w or y + bh >= h:
            continue
        if not limits.min_height * height <= bh <= limits.max_height * height:
            continue
        if bw < max(limits.min_aspect * bh, limits.min_width * height) or area < limits.min_fill * bw * bh:
            continue
        # Its inside, at full resolution and away from its blurred edges, is even: strokes of bold
        # print run together when the page is made small, but paper shows between them here.
        x0, y0, x1, y1 = x / scale, y / scale, (x + bw) / scale, (y + bh) / scale
        mx, my = INSIDE_MARGIN * (x1 - x0), INSIDE_MARGIN * (y1 - y0)
        inside = flat[round(y0 + my) : round(y1 - my), round(x0 + mx) : round(x1 - mx)]
        if inside.size == 0 or float(inside.mean(axis=2).std()) > limits.max_deviation:
            continue
        boxes.append(Box(x0, y0, x1, y1))
    return boxes


def red_channel(image: np.ndarray) -> np.ndarray:
    """The red channel alone, as a grey image: a red seal light, black and blue print dark.

    Gentler than `suppress_red`: in a JPEG photo the colour is stored at half resolution, so the
    seal's red bleeds into thin strokes crossing it, and lifting every pixel by its red excess can
    wash those strokes out (a date's digits under the seal's ring); the red channel keeps them.
    """
    grey: np.ndarray = cv2.cvtColor(np.ascontiguousarray(image[:, :, 0]), cv2.COLOR_GRAY2RGB)
    return grey


def suppress_red(image: np.ndarray) -> np.ndarray:
    """A grey image in which red seal ink is as light as the paper and black or blue print stays dark.

    The red official seal stamped over 发证机关 and 发证日期 otherwise cuts detection boxes short and
    gets read as text. The red channel alone already lightens it; adding how much redder than the
    other channels a pixel is lifts a half-transparent seal to paper white, while grey and blue ink
    (no red excess) keep their darkness, also where the seal lies over them.
    """
    rgb = image.astype(np.int16)
    red = rgb[:, :, 0]
    excess = red - (rgb[:, :, 1] + rgb[:, :, 2]) // 2
    grey = np.clip(red + excess, 0, 255).astype(np.uint8)
    rgb_grey: np.ndarray = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)  # np.repeat's result, 40 times faster
    return rgb_grey
