"""The scanning pipeline: load → deskew → ocr → extract → checks, one record per certificate image."""

from __future__ import annotations

import difflib
import logging
import math
from collections.abc import Callable, Container, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import cv2
import numpy as np

from . import deskew, quality
from .checks import (
    FIRST_CERTIFICATES,
    MIN_LICENSING_AGE,
    add_years,
    id_birth_date,
    id_number_valid,
    parse_iso_date,
    run_checks,
)
from .config import ScanConfig
from .deskew import Locator, PageGeometry
from .deskew.geometry import crop_quad, line_to_image, scale_line
from .errors import InputError
from .extract import (
    CODE_LENGTH,
    ID_LENGTH,
    PARSERS,
    cut_short,
    extract_fields,
    name_char,
    parse_name,
    read_layout,
    simplified,
    value_probes,
)
from .fields import NO_CERTIFICATE, NO_TEXT_FOUND, Box, CertificateRecord, FieldKey, FieldResult, Flag
from .load import BadPage, Page, load_pages
from .normalize import InstitutionMatcher, Method, checked_authority
from .ocr import OcrEngine, OcrLine, create_engine
from .ocr.base import spread_chars
from .reread import ctc as lexicon

log = logging.getLogger(__name__)

# Percentiles of the grey page taken as black print and white paper when stretching its contrast.
STRETCH_DARK, STRETCH_LIGHT = 1.0, 99.0
# The most the contrast is ever stretched.
STRETCH_GAIN = 3.0
# A page read with this many fields not found is looked at again with its contrast stretched.
FAINT_PAGE_MISSING = 3


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
    return np.repeat(grey[:, :, None], 3, axis=2)


def stretch_contrast(image: np.ndarray) -> np.ndarray:
    """The image with its darkest print black and its paper white: what text is looked for in.

    In dim light or behind glass a photo's print is grey on grey; the text detector then still
    finds the values but loses small labels and single characters (男), which a plain stretch
    brings back. Recognition reads the image as it was: stretched, faint print reads no better and
    clear print sometimes worse.
    """
    counts = np.cumsum(np.bincount(image.ravel(), minlength=256))
    low, high = np.searchsorted(counts, counts[-1] * np.array((STRETCH_DARK, STRETCH_LIGHT)) / 100)
    # Where nearly nothing is printed the darkest percent is paper too: its grain is not stretched.
    gain = min(255.0 / max(high - low, 1), STRETCH_GAIN)
    lut = np.clip(255.0 - (high - np.arange(256)) * gain, 0, 255).astype(np.uint8)
    stretched: np.ndarray = lut[image]
    return stretched


def seal_share(crop: np.ndarray) -> float:
    """The share of an RGB crop's pixels inked by a red seal: clearly redder than the crop's paper.

    Redness is measured against the paper's own (warm light tints the whole picture) and in
    proportion to its brightness (dim light makes every colour difference smaller).
    """
    if crop.size == 0:
        return 0.0
    rgb = crop.astype(np.int16)
    excess = rgb[:, :, 0] - (rgb[:, :, 1] + rgb[:, :, 2]) // 2
    paper = float(np.percentile(crop.max(axis=2), 95))
    return float(np.mean(excess > float(np.median(excess)) + SEAL_EXCESS * paper))


def weakest(line: OcrLine) -> float:
    """The confidence of a line's least sure character (its own confidence without characters)."""
    return min((c.confidence for c in line.chars), default=line.confidence)


def better_reading(first: OcrLine, second: OcrLine | None) -> OcrLine:
    """Of two readings of one line, the text of the one whose weakest character is surer; characters
    on which the two disagree keep at most a coin-flip's confidence, so a value built on them is
    reviewed, and agreed ones the confidence of the less sure reading.

    Used where a red seal covers a line: with the seal filtered out its strokes can no longer be
    taken for print, but where it lies over the print the filter may also thin it, so the line is
    read both ways.
    """
    if second is None:
        return first
    kept, other = (second, first) if weakest(second) > weakest(first) else (first, second)
    kept_text = "".join(c.text for c in kept.chars)
    other_text = "".join(c.text for c in other.chars)
    # Where the readings agree, a character is as sure as the less sure of them: under a seal the
    # colour reading can be confidently wrong (酉 read 西 by both, surely only in colour).
    surest = [min(c.confidence, DISPUTED_CONFIDENCE) for c in kept.chars]
    for block in difflib.SequenceMatcher(None, kept_text, other_text, autojunk=False).get_matching_blocks():
        for j in range(block.size):
            surest[block.a + j] = min(kept.chars[block.a + j].confidence, other.chars[block.b + j].confidence)
    chars = tuple(replace(c, confidence=p) for c, p in zip(kept.chars, surest, strict=True))
    return replace(kept, chars=chars)


def fit_long_side(image: np.ndarray, max_side: int) -> np.ndarray:
    """Scale an image down so its long side is at most `max_side`; OCR needs no more."""
    h, w = image.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1.0:
        return image
    return cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)


def normalized_institution(matcher: InstitutionMatcher, field: FieldResult) -> FieldResult:
    """The institution as its official name when the gazetteer knows it surely (raw keeps what
    was read); unsure matches keep the reading and are marked for review."""
    if field.value is None:
        return field
    match = matcher.match(field.value)
    flags = field.flags
    if match.method in (Method.EXACT, Method.ALIAS, Method.RULE):
        # A known name or short form is whole even without a 医院-like ending (重医附一院).
        flags = tuple(f for f in flags if f is not Flag.INCOMPLETE)
    return replace(field, value=match.value, flags=flags).with_flags(*match.flags)


# A pixel whose red exceeds the mean of green and blue by this share of the paper's brightness,
# more than the paper's own red does, is seal ink.
SEAL_EXCESS = 0.08
# A line whose crop is this much seal ink is read a second time without the red filter.
SEAL_LINE_SHARE = 0.02
# Characters two readings of a line disagree on are worth no more than a coin flip.
DISPUTED_CONFIDENCE = 0.5

# A page without any of the certificate's labels on which at most this many fields were found by
# what they are is no certificate: a date, a name-like word or a place turn up on any paper, while
# a certificate whose labels were all lost to glare or blur still shows most of its values.
NO_CERTIFICATE_FIELDS = 3
# Printed on every practising certificate, old booklet and current layout alike.
CERTIFICATE_TITLE = "医师执业证书"


def no_certificate(lines: Sequence[OcrLine], fields: Mapping[FieldKey, FieldResult]) -> bool:
    """Whether a page holds no practising certificate: none of its labels (姓名, 身份证号, 证书编码, ...,
    even half read or with a character misread), not its title, and hardly any field found.

    A page with no text at all holds none either.
    """
    if any(CERTIFICATE_TITLE in "".join(line.text.split()) for line in lines):
        return False
    _, _, runs = read_layout(lines)
    if any(run.key is not None for run in runs):
        return False
    found = sum(field.value is not None for field in fields.values())
    return found <= NO_CERTIFICATE_FIELDS


# Values that are digits only, where one misread digit makes another valid-looking value.
DIGIT_FIELDS = (FieldKey.BIRTH_DATE, FieldKey.ID_NUMBER, FieldKey.ISSUE_DATE, FieldKey.CERTIFICATE_CODE)
# Digit values printed lower than this (line box height in the photo's pixels) are read twice.
SECOND_READING_PX = 22.0

# Fields whose values come from closed lists, read again against them when doubtful.
WORD_FIELDS = (*lexicon.CLOSED_FIELDS, FieldKey.INSTITUTION)
# Digit fields with rules a reading must obey, read again against them when doubtful; the ID
# number first, as the birth date is checked against it.
RULED_DIGIT_FIELDS = (FieldKey.ID_NUMBER, FieldKey.BIRTH_DATE, FieldKey.ISSUE_DATE)
# What an ID number is printed in.
ID_ALPHABET = "0123456789X"
# A name read as one character is read again from this many of its heights further left (its
# first character lost between the label's colon and it).
NAME_REACH = 1.5
# A value's next line, if it wraps, lies within this many of its line heights below it.
NEXT_LINE = 1.6
# Digits are read again from their crop stretched this much wider: the recognizer gives a line a
# step every few pixels of its width, and closely printed digits get too few (two like digits need
# a step between them, or are read as one: 1998 read as 19).
DIGIT_STRETCH = 1.4
# A value crop reaches this share of the print height beyond the value's box, left and right.
WORD_PAD_X = 0.6
WORD_PAD_Y = 0.25
# A value of this many characters or more, in a box taller than this many times its characters'
# width, lies on more than one line.
MULTI_LINE_CHARS = 4
ONE_LINE_HEIGHT = 2.6
# A value this short (男) is cut to this share of its box's height, and at least this many such
# heights wide per character.
SHORT_VALUE_CHARS = 1
SHORT_VALUE_HEIGHT = 0.7
SHORT_VALUE_WIDTH = 1.2
# A wrapped value's box is split into lines at rows with less than this share of ink; a band of
# inked rows less than this share as tall as the tallest is a speck or a rule, not a line; a value
# wraps onto at most this many lines.
MIN_LINE_INK = 0.03
LINE_SHARE = 0.5
MAX_WRAPPED_LINES = 3
# Ink is this many grey levels darker than the mean around it.
INK_STEP = 8
# Characters from here on (CJK) are a full em wide; others about this share of one.
WIDE_FROM = 0x2E80
HALF_WIDTH = 0.55


def value_crop(flat: np.ndarray, box: Box, text: str) -> np.ndarray | None:
    """The patch of the flat page a one-line value read as `text` lies in, with some paper around
    it; None for a value spread over several lines or too small to read.

    Text detection draws a one-character line's box (男) much taller than its print and its
    character box too narrow: such a value is cut to the middle of its box's height, and made at
    least about a character wide."""
    height, width = box.y1 - box.y0, box.x1 - box.x0
    chars = len(text)
    # Digits and Latin letters are about half as wide as Chinese characters.
    ems = sum(1.0 if ord(c) >= WIDE_FROM else HALF_WIDTH for c in text)
    if chars < 1 or height < 4 or width < 4:
        return None
    if chars >= MULTI_LINE_CHARS and height > ONE_LINE_HEIGHT * width / ems:
        return None
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    if chars <= SHORT_VALUE_CHARS:
        height *= SHORT_VALUE_HEIGHT
        width = max(width, SHORT_VALUE_WIDTH * height * ems)
    h, w = flat.shape[:2]
    half_w, half_h = width / 2 + WORD_PAD_X * height, height / 2 + WORD_PAD_Y * height
    x0, y0 = max(int(cx - half_w), 0), max(int(cy - half_h), 0)
    x1, y1 = min(math.ceil(cx + half_w), w), min(math.ceil(cy + half_h), h)
    return flat[y0:y1, x0:x1] if x1 - x0 >= 4 and y1 - y0 >= 4 else None


def widened(crop: np.ndarray) -> np.ndarray:
    """A crop of digits made DIGIT_STRETCH times wider, its height kept."""
    return cv2.resize(crop, None, fx=DIGIT_STRETCH, fy=1.0, interpolation=cv2.INTER_CUBIC)


# Flags about a value's form (besides the checks' own, which are run afresh): a repaired value is
# judged anew, and these described the reading it replaced.
FORM_FLAGS = frozenset({Flag.INVALID_FORMAT, Flag.NOT_IN_VOCABULARY, Flag.INCOMPLETE})


def repaired(field: FieldResult, value: str, confidence: float | None = None) -> FieldResult:
    """A field with the value a second look found in place of its reading: `raw` kept, flagged
    `repaired` (so it is reviewed), and rid of the flags that described the replaced value's form."""
    new = replace(field, value=value, confidence=field.confidence if confidence is None else confidence)
    return new.without_flags(FORM_FLAGS).with_flags(Flag.REPAIRED)


def wrapped_lines(flat: np.ndarray, box: Box) -> list[np.ndarray]:
    """The printed lines of a value wrapped over several (a long institution in a narrow column),
    each as its own crop, top to bottom; none when its box shows no clear gap between lines.

    The lines are the bands of rows holding ink: pixels darker than the paper around them, so that
    glare across a line does not turn the paper into ink."""
    h, w = flat.shape[:2]
    x0, y0 = max(int(box.x0), 0), max(int(box.y0), 0)
    x1, y1 = min(math.ceil(box.x1), w), min(math.ceil(box.y1), h)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return []
    grey = cv2.cvtColor(np.ascontiguousarray(flat[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
    block = min(max((y1 - y0) // 2 | 1, 11), 51)
    ink = cv2.adaptiveThreshold(grey, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, INK_STEP)
    inked = ink.mean(axis=1) > MIN_LINE_INK
    bands: list[tuple[int, int]] = []
    start = None
    for y, on in enumerate([*inked.tolist(), False]):
        if on and start is None:
            start = y
        elif not on and start is not None:
            bands.append((start, y))
            start = None
    tallest = max((b - a for a, b in bands), default=0)
    # Specks and underlines are no lines of print.
    lines = [(a, b) for a, b in bands if b - a >= LINE_SHARE * tallest]
    if not 2 <= len(lines) <= MAX_WRAPPED_LINES:
        return []
    crops = []
    for a, b in lines:
        pad_x, pad_y = WORD_PAD_X * (b - a), WORD_PAD_Y * (b - a)
        top, bottom = max(int(y0 + a - pad_y), 0), min(math.ceil(y0 + b + pad_y), h)
        left, right = max(int(x0 - pad_x), 0), min(math.ceil(x1 + pad_x), w)
        crops.append(flat[top:bottom, left:right])
    return crops


def with_next_line(flat: np.ndarray, box: Box) -> list[np.ndarray]:
    """The printed lines of a value and of the line just below it (see `wrapped_lines`): where a
    value cut short goes on, undetected."""
    return wrapped_lines(flat, replace(box, y1=box.y1 + NEXT_LINE * (box.y1 - box.y0)))


def digit_rule(key: FieldKey, fields: Mapping[FieldKey, FieldResult], today: date) -> Callable[[str], bool]:
    """What a reading of an ID number or date must be: an ID number that passes its checks and
    gives a birth date a practising doctor can have (the birth date printed, if that was read
    surely); that birth date; an issue date after the birth date, not after today, and not before
    the first certificates."""
    born = fields[FieldKey.BIRTH_DATE].value
    id_number = fields[FieldKey.ID_NUMBER].value

    def plausible_birth(day: date | None) -> bool:
        return day is not None and add_years(today, -OLDEST) <= day <= add_years(today, -MIN_LICENSING_AGE)

    if key is FieldKey.ID_NUMBER:
        printed = parse_iso_date(born) if fields[FieldKey.BIRTH_DATE].read_sure else None
        if plausible_birth(printed):
            return lambda value: id_number_valid(value) and id_birth_date(value) == printed
        return lambda value: id_number_valid(value) and plausible_birth(id_birth_date(value))
    if key is FieldKey.BIRTH_DATE:
        in_id = id_birth_date(id_number) if id_number is not None and id_number_valid(id_number) else None
        if plausible_birth(in_id):
            return lambda value: value == str(in_id)
        return lambda value: plausible_birth(parse_iso_date(value))

    def issued(value: str) -> bool:
        day = parse_iso_date(value)
        return day is not None and FIRST_CERTIFICATES <= day <= today and (born is None or value > born)

    return issued


# A doctor's birth date, read again, lies at most this many years before today (and at least
# MIN_LICENSING_AGE).
OLDEST = 100


# The first look at a page outline includes this much of its surroundings (share of its long side).
LOCATE_MARGIN = 0.1
# The flat page reaches this many text line heights beyond the outermost text.
FLAT_MARGIN_LINES = 3.0
# Text lines on a page flattened by its outline agree in direction within this spread (degrees).
MAX_LINE_SPREAD = 4.0
# Lines the direction classifier reads to tell an upright page from an upside-down one.
DIRECTION_LINES = 8


@dataclass(frozen=True)
class Reading:
    """One image as OCR saw it.

    `flat` is the certificate flattened and turned upright; `geometry` maps the caller's image onto
    it (`geometry.matrix`, 3×3, image pixels → flat pixels). `flat_lines` are the OCR lines in the
    flat page's pixels, `lines` the same lines in the caller's image pixels. A review page can show
    the photo and the flat page side by side with the boxes of both.
    """

    geometry: PageGeometry
    flat: np.ndarray
    flat_lines: tuple[OcrLine, ...]
    lines: tuple[OcrLine, ...]
    image_size: tuple[int, int]

    def to_image(self, box: Box) -> Box:
        """A box on the flat page as the box around it in the caller's image."""
        x0, y0, x1, y1 = deskew.map_box((box.x0, box.y0, box.x1, box.y1), self.geometry.inverse)
        return Box(x0, y0, x1, y1)


class Scanner:
    """Reads certificates. Loads the OCR models once and reuses them for every image."""

    def __init__(
        self,
        config: ScanConfig | None = None,
        engine: OcrEngine | None = None,
        matcher: InstitutionMatcher | None = None,
    ) -> None:
        self.config = config or ScanConfig()
        self.engine = engine or create_engine(self.config)
        self._ocr_info = self.engine.describe()
        self.matcher = matcher or InstitutionMatcher()

    def read_lines(self, image: np.ndarray) -> list[OcrLine]:
        """OCR of one RGB image, with a second look for text detection missed where a field was
        not found, and one where a label's value was not detected."""
        fitted = fit_long_side(image, self.config.max_side)
        ocr_image = suppress_red(fitted)
        lines = [self._reread_under_seal(fitted, line) for line in self.engine.read(ocr_image)]
        found = self._fields_found(lines)
        if len(FieldKey) - found >= FAINT_PAGE_MISSING:
            # Labels lost to detection on a grey page: look for the text again with its contrast
            # stretched, and keep the reading that finds more fields.
            found_again = self.engine.read(ocr_image, detect_view=stretch_contrast)
            again = [self._reread_under_seal(fitted, line) for line in found_again]
            if self._fields_found(again) > found:
                lines = again
        for probe in value_probes(lines):
            crop = crop_quad(ocr_image, probe.quad)
            seen = self.engine.recognize(crop) or self.read_as_word(probe.key, crop)
            if seen is not None:
                lines.append(line_to_image(seen, probe.quad))
        factor = image.shape[1] / fitted.shape[1]
        # Report boxes in the caller's pixels, not in the scaled copy OCR read.
        return lines if factor == 1.0 else [scale_line(line, factor) for line in lines]

    def _extract(self, lines: Sequence[OcrLine]) -> dict[FieldKey, FieldResult]:
        """The fields extraction finds in the lines."""
        return extract_fields(
            lines,
            self.config.review_threshold,
            self.config.lookalike_threshold,
            self.config.today,
            self.matcher.printed_names().keys(),
        )

    def _fields_found(self, lines: Sequence[OcrLine]) -> int:
        """How many fields the lines give a value of the field's form."""
        fields = self._extract(lines).values()
        return sum(f.value is not None and Flag.INVALID_FORMAT not in f.flags for f in fields)

    def read_as_word(self, key: FieldKey, crop: np.ndarray) -> OcrLine | None:
        """A closed-list value the recognizer found too faint to report, read as the word of the
        list its per-step probabilities clearly favour. Its confidence is that word's own
        probability, low for what the recognizer dropped, so it is reviewed."""
        words = lexicon.closed_words(key)
        if not words:
            return None
        probs, keys = self.engine.step_probabilities(crop)
        found = lexicon.pick(probs, keys, words)
        if found is None or not lexicon.acceptable(found, read_wrong=False):
            return None
        confidence = lexicon.word_probability(probs, found)
        h, w = crop.shape[:2]
        chars = spread_chars([(c, confidence) for c in found.value], (0.0, 0.0, float(w), float(h)))
        quad = ((0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h)))
        return OcrLine(found.value, confidence, quad, chars)

    def _reread_under_seal(self, image: np.ndarray, line: OcrLine) -> OcrLine:
        """A line partly under a red seal, read also from the colour image; the better reading."""
        crop = crop_quad(image, line.quad)
        if seal_share(crop) < SEAL_LINE_SHARE:
            return line
        seen = self.engine.recognize(crop)
        return better_reading(line, None if seen is None else line_to_image(seen, line.quad))

    def locate(self, image: np.ndarray) -> PageGeometry:
        """Where the certificate lies in an RGB image, and the homography that flattens it upright.

        The page's outline, found by its edges, is flattened with a margin around it into a small
        first look; without an outline the first look is the whole image, straightened by the
        rectangle around its text. Text detection on the first look says whether the page is
        turned a quarter (text lines are wide), how much skew is left, and where the text lies; the
        direction classifier, reading the longest lines, says whether the page is upside down. The
        flat page is the text's area, at the photo's own resolution or more.
        """
        h, w = image.shape[:2]
        candidates = deskew.page_candidates(image)
        whole = deskew.order_corners(np.array([[0, 0], [w, 0], [w, h], [0, h]]))
        quad, locator = (candidates[0], Locator.EDGES) if candidates else (whole, Locator.WHOLE)
        matrix, frame, text = self._first_look(image, quad, LOCATE_MARGIN if candidates else 0.0)
        if candidates and (
            deskew.direction_spread(text) > MAX_LINE_SPREAD or deskew.reaches_edge(text, frame)
        ):
            # Text lines fanning out on the flattened outline, or running on past its margin: the
            # outline was not the page's own (a frame's bevel, one page of a two-page spread).
            # Look at the whole image instead and straighten it by its text.
            candidates = []
            quad, locator = whole, Locator.WHOLE
            matrix, frame, text = self._first_look(image, quad, 0.0)
        if not candidates:
            rect = deskew.text_quad(text, frame)
            if rect is not None:
                rect_size = deskew.flat_size(rect)
                to_rect = deskew.quad_matrix(rect, rect_size)
                matrix, frame, locator = to_rect @ matrix, rect_size, Locator.TEXT
                text = deskew.map_quads(text, to_rect)
            else:
                locator = Locator.WHOLE
        if deskew.text_is_vertical(text):
            turn, frame = deskew.turn_matrix(1, frame)
            matrix, text = turn @ matrix, deskew.map_quads(text, turn)
        skew = deskew.text_skew(text)
        if abs(skew) > math.radians(0.3):
            level, frame = deskew.level_matrix(skew, frame)
            matrix, text = level @ matrix, deskew.map_quads(text, level)
        x0, y0, x1, y1 = deskew.text_extent(text, FLAT_MARGIN_LINES) or (0.0, 0.0, *map(float, frame))
        if locator is Locator.EDGES:
            # Text too faint for the first look (labels on shaded cells) still lies on the page.
            outline = deskew.apply_homography(quad, matrix)
            x0, y0 = min(x0, float(outline[:, 0].min())), min(y0, float(outline[:, 1].min()))
            x1, y1 = max(x1, float(outline[:, 0].max())), max(y1, float(outline[:, 1].max()))
        x0, y0, x1, y1 = max(x0, 0.0), max(y0, 0.0), min(x1, float(frame[0])), min(y1, float(frame[1]))
        matrix = deskew.translation(-x0, -y0) @ matrix
        region = np.array([[0, 0], [x1 - x0, 0], [x1 - x0, y1 - y0], [0, y1 - y0]], dtype=np.float64)
        # The photo's own resolution (never less than detection works at, never more than OCR needs).
        natural = max(deskew.flat_size(deskew.apply_homography(region, np.linalg.inv(matrix))))
        target = min(max(natural, self.config.flat_min_side), self.config.max_side)
        zoom = target / max(x1 - x0, y1 - y0, 1.0)
        matrix = deskew.scale_matrix(zoom) @ matrix
        size = (max(round((x1 - x0) * zoom), 1), max(round((y1 - y0) * zoom), 1))
        text = deskew.map_quads(text, deskew.scale_matrix(zoom) @ deskew.translation(-x0, -y0))
        inverse = np.linalg.inv(matrix)
        crops = [
            crop_quad(image, tuple(map(tuple, deskew.apply_homography(q, inverse))))  # type: ignore[arg-type]
            for q in deskew.line_crop_quads(text, DIRECTION_LINES)
        ]
        if crops and float(np.mean(self.engine.upside_down(crops))) > 0.5:
            turn, size = deskew.turn_matrix(2, size)
            matrix = turn @ matrix
        return deskew.page_geometry(matrix, size, math.degrees(skew), locator)

    def _first_look(
        self, image: np.ndarray, quad: np.ndarray, margin: float
    ) -> tuple[np.ndarray, tuple[int, int], list[np.ndarray]]:
        """The quad flattened with `margin` (share of its long side) around it at the locating size:
        its matrix from the image, its size, and the text lines detected on it."""
        size = deskew.flat_size(quad)
        pad = margin * max(size)
        factor = self.config.locate_side / (max(size) + 2 * pad)
        frame = (round((size[0] + 2 * pad) * factor), round((size[1] + 2 * pad) * factor))
        matrix = deskew.scale_matrix(factor) @ deskew.translation(pad, pad) @ deskew.quad_matrix(quad, size)
        look = deskew.warp(image, matrix, frame)
        text = [deskew.order_corners(np.array(q)) for q in self.engine.detect(suppress_red(look))]
        return matrix, frame, text

    def read(self, image: np.ndarray) -> Reading:
        """Find, flatten and read the certificate in one RGB image."""
        fitted = fit_long_side(image, self.config.max_side)
        geometry = self.locate(fitted)
        flat = deskew.warp(fitted, geometry.matrix, geometry.size)
        flat_lines = self.read_lines(flat)
        # The caller's pixels, not the scaled copy the page was found in.
        geometry = geometry.scaled(fitted.shape[1] / image.shape[1])
        lines = tuple(deskew.map_line(line, geometry.inverse) for line in flat_lines)
        return Reading(geometry, flat, tuple(flat_lines), lines, (image.shape[1], image.shape[0]))

    def record_from_reading(self, reading: Reading, file: str, page: int | None = None) -> CertificateRecord:
        """Fields, checks and warnings from a reading; boxes in the caller's image pixels."""
        record = self.record_from_lines(list(reading.flat_lines), file, page)
        if NO_CERTIFICATE in record.warnings:
            return replace(record, geometry=reading.geometry.to_json())
        found = quality.assess(reading.flat, reading.geometry.matrix, reading.image_size, record.fields)
        fields = {key: field.with_flags(*found.flags.get(key, ())) for key, field in record.fields.items()}
        for key in DIGIT_FIELDS:
            if found.print_px.get(key, SECOND_READING_PX) < SECOND_READING_PX:
                fields[key] = self.second_reading(reading.flat, key, fields[key])
        fields[FieldKey.NAME] = self.read_name_again(reading.flat, fields[FieldKey.NAME])
        for key in WORD_FIELDS:
            fields[key] = self.read_against_words(reading.flat, key, fields[key], fields)
        for key in RULED_DIGIT_FIELDS:
            fields[key] = self.read_against_rules(reading.flat, key, fields[key], fields)
        fields[FieldKey.CERTIFICATE_CODE] = self.read_code_again(
            reading.flat, fields[FieldKey.CERTIFICATE_CODE]
        )
        # Values read again are checked again: the first checks judged the first readings.
        fields, checks = run_checks(fields, self.config.today)
        fields = {
            key: field if field.box is None else replace(field, box=reading.to_image(field.box))
            for key, field in fields.items()
        }
        warnings = tuple(dict.fromkeys((*record.warnings, *found.warnings)))
        return replace(
            record, fields=fields, checks=checks, warnings=warnings, geometry=reading.geometry.to_json()
        )

    def record_from_lines(
        self, lines: list[OcrLine], file: str, page: int | None = None
    ) -> CertificateRecord:
        """Fields, checks and warnings from OCR lines."""
        fields = self._extract(lines)
        text_warnings = () if lines else (NO_TEXT_FOUND,)
        if no_certificate(lines, fields):
            # Nothing on another paper is a certificate's value: a notice's date is no issue date.
            missing = {key: FieldResult.missing() for key in FieldKey}
            return CertificateRecord(
                file=file,
                fields=missing,
                warnings=(*text_warnings, NO_CERTIFICATE),
                page=page,
                ocr=self._ocr_info,
            )
        fields[FieldKey.INSTITUTION] = self.normalize_institution(fields[FieldKey.INSTITUTION])
        fields[FieldKey.AUTHORITY] = checked_authority(fields[FieldKey.AUTHORITY])
        fields, checks = run_checks(fields, self.config.today)
        return CertificateRecord(
            file=file, fields=fields, checks=checks, warnings=text_warnings, page=page, ocr=self._ocr_info
        )

    def second_reading(self, flat: np.ndarray, key: FieldKey, field: FieldResult) -> FieldResult:
        """A digit value in small print read again, enlarged and in colour, from its own patch of
        the flat page; a value the two readings disagree on is marked for review.

        Small digits are misread with high confidence (a 4 read as 1 at 0.999) and a certificate
        code has no check digit to catch it; two readings of differently prepared pixels rarely
        make the same mistake.
        """
        if field.value is None or field.box is None or field.review:
            return field
        b = field.box
        pad = 0.3 * (b.y1 - b.y0)
        h, w = flat.shape[:2]
        x0, y0 = max(int(b.x0 - 2 * pad), 0), max(int(b.y0 - pad), 0)
        x1, y1 = min(math.ceil(b.x1 + 2 * pad), w), min(math.ceil(b.y1 + pad), h)
        if x1 - x0 < 4 or y1 - y0 < 4:
            return field
        crop = cv2.resize(flat[y0:y1, x0:x1], None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
        seen = self.engine.recognize(crop)
        again = PARSERS[key](seen.text).value if seen is not None else None
        return field if again == field.value else field.with_flags(Flag.LOW_CONFIDENCE)

    def read_against_words(
        self, flat: np.ndarray, key: FieldKey, field: FieldResult, fields: Mapping[FieldKey, FieldResult]
    ) -> FieldResult:
        """A doubtful value from a closed list read again against the list (see `scanner.reread.ctc`):
        the one word clearly likelier than every other replaces it, still marked for review.

        A value read shorter than any of the words is read with room for the rest either side; an
        institution or issuer that stops short of its ending, and is not settled on its line, is
        read with the line below it too."""
        if not field.review or field.box is None or not field.raw:
            return field
        read = "".join(field.raw.split())
        words = self._words(key, read, fields)
        if read in words:
            # Read as one of the words already (reviewed for the picture's sake): another word
            # would rarely be clearly likelier, and each second look costs a recognition.
            return field
        nearest = lexicon.nearest(words, read)
        box, short = field.box, min((len(w) for w in nearest), default=0) - len(read)
        if short > 0:
            # Read shorter than any word (床 for 临床): the characters not read may lie either side.
            reach = short * (box.y1 - box.y0)
            box = replace(box, x0=box.x0 - reach, x1=box.x1 + reach)
        crop = value_crop(flat, box, read)
        crops = [crop] if crop is not None else wrapped_lines(flat, field.box)
        if not words or not crops:
            return field
        # A value of a complete list (every sex, level, category, official scope, district and
        # issuer) read as none of its words is wrong for sure: the lesser margin suffices. The
        # gazetteer does not hold every institution, so an institution read as none of its names
        # may be right.
        read_wrong = key in lexicon.CLOSED_FIELDS
        found = self._pick_in_lines(crops, nearest)
        if (
            (found is None or not lexicon.acceptable(found, read_wrong))
            and crop is not None
            and cut_short(key, read)
        ):
            # A name that stops short (重庆医科大学附属口) may go on the next line, undetected.
            below = with_next_line(flat, box)
            found = self._pick_in_lines(below, nearest) if below else None
        if found is None or found.value == field.value or not lexicon.acceptable(found, read_wrong):
            return field
        return repaired(field, found.value)

    def _pick_in_lines(self, crops: Sequence[np.ndarray], words: Mapping[str, str]) -> lexicon.Pick | None:
        """`lexicon.pick` on the lines of a value, read one after the other as its one line."""
        probs, keys = self._reading_of_lines(crops)
        return lexicon.pick(probs, keys, words)

    def _reading_of_lines(self, crops: Sequence[np.ndarray]) -> tuple[np.ndarray, Sequence[str]]:
        """The per-step probabilities of a value's lines, read one after the other as one line."""
        readings = [self.engine.step_probabilities(c) for c in crops]
        return np.vstack([p for p, _ in readings]), readings[0][1]

    def read_name_again(self, flat: np.ndarray, field: FieldResult) -> FieldResult:
        """The name read again from a crop of the name alone.

        A name has no check digit and no list to check it against, and a misread character can be
        read surely (美 for 吴 at 0.98): a name the second reading does not surely confirm is marked
        for review. A doubtful name takes the second reading when its least sure character is surer
        (the page's first reading sees each line whole, label and all; the second sees only the
        name with a little paper around it), and stays marked for review."""
        if field.box is None or not field.raw:
            return field
        if Flag.INVALID_FORMAT in field.flags:
            grown = self._name_after_colon(flat, field)
            if grown is not None:
                return grown
        crop = value_crop(flat, field.box, field.raw)
        if crop is None:
            return field
        read = self._read_chars(crop)
        # The crop's edges may catch the label's colon: only what a name is made of counts.
        confidence = min((p for c, p in read if name_char(c)), default=0.0)
        parsed = parse_name("".join(c for c, _ in read))
        if not field.review:
            if parsed.value != field.value or confidence < self.config.review_threshold:
                return field.with_flags(Flag.LOW_CONFIDENCE)
            return field
        if (
            parsed.value is None
            or parsed.flags
            or parsed.value == field.value
            or confidence <= field.confidence
        ):
            return field
        return repaired(field, parsed.value, confidence)

    def _name_after_colon(self, flat: np.ndarray, field: FieldResult) -> FieldResult | None:
        """A name read as one character (姓名：嘉), read again from further left: the characters
        between the label's colon and it, when the colon is read, put before it (周嘉)."""
        box = field.box
        if box is None or field.value is None:
            return None
        reached = replace(box, x0=box.x0 - NAME_REACH * (box.y1 - box.y0))
        crop = value_crop(flat, reached, "：" + field.value)
        if crop is None:
            return None
        read = self._read_chars(crop)
        colons = [i for i, (c, _) in enumerate(read) if c in ":："]
        if not colons:
            # Without the colon, what was read before the name may be the label's own 名.
            return None
        kept = [(c, p) for c, p in read[colons[-1] + 1 :] if name_char(c)]
        parsed = parse_name("".join(c for c, _ in kept))
        if parsed.value is None or parsed.flags or not parsed.value.endswith(field.value):
            return None
        return repaired(field, parsed.value, min(p for _, p in kept))

    def _read_chars(self, crop: np.ndarray) -> list[tuple[str, float]]:
        """The characters a crop is read as (traditional forms simplified), each with the
        probability it was read at."""
        probs, keys = self.engine.step_probabilities(crop)
        return [(simplified(c)[0], float(probs[t].max())) for c, t in lexicon.greedy(probs, keys)]

    def read_against_rules(
        self, flat: np.ndarray, key: FieldKey, field: FieldResult, fields: Mapping[FieldKey, FieldResult]
    ) -> FieldResult:
        """An ID number or date that breaks its rules (check digit, a real date, the birth date in
        the ID number) read again: of the readings one or two digits away that obey them, the one
        clearly likelier than every other replaces it, still marked for review."""
        if not field.review or field.box is None or not field.raw:
            return field
        read = "".join(field.raw.split())
        allowed = digit_rule(key, fields, self.config.today)
        if field.value is not None and allowed(field.value):
            # Lawful already: the rules cannot tell a better reading (small digits are read twice
            # for that, see `second_reading`).
            return field
        crop = value_crop(flat, field.box, read)
        if crop is None:
            return field
        # Seen as printed and stretched: each view misses digits the other one sees.
        readings = [self.engine.step_probabilities(view) for view in (crop, widened(crop))]
        found = self._lawful_pick(key, readings, allowed)
        if (
            found is None
            and key is FieldKey.ID_NUMBER
            and sum(c.isdigit() or c in "Xx" for c in read) < ID_LENGTH
        ):
            # An ID number in a narrow cell may end on the next line, undetected (…020736 / 77).
            lines = with_next_line(flat, field.box)
            if lines:
                found = self._lawful_pick(key, [self._reading_of_lines(lines)], allowed)
        if found is None or found.value == field.value:
            return field
        return repaired(field, found.value)

    def _lawful_pick(
        self,
        key: FieldKey,
        readings: Sequence[tuple[np.ndarray, Sequence[str]]],
        allowed: Callable[[str], bool],
    ) -> lexicon.Pick | None:
        """Of the readings one or two digits from what the views show that obey the rules, the one
        clearly likelier in them all than every other; None if none is."""
        parse = PARSERS[key]
        alphabet = ID_ALPHABET if key is FieldKey.ID_NUMBER else None
        texts = [text for probs, keys in readings for text in lexicon.digit_variants(probs, keys, alphabet)]
        words: dict[str, str] = {}
        for text in dict.fromkeys(texts):
            value = parse(text).value
            if value is not None and allowed(value):
                words[text] = value
        found = lexicon.pick_in_views(readings, words)
        # The value read breaks the rules, so is wrong for sure: the likeliest lawful reading needs
        # only to be clearly likelier than the other lawful ones.
        if found is None or not lexicon.acceptable(found, True, lexicon.MAX_RULED_COST * len(readings)):
            return None
        return found

    def read_code_again(self, flat: np.ndarray, field: FieldResult) -> FieldResult:
        """A certificate code not read as 15 digits (11500年152266391), read again in digits
        alone, as printed and else stretched; taken when that gives 15, and still marked for review
        (a code has no check digit)."""
        if field.box is None or not field.raw or Flag.INVALID_FORMAT not in field.flags:
            return field
        crop = value_crop(flat, field.box, field.raw)
        if crop is None:
            return field
        for view in (crop, widened(crop)):
            probs, keys = self.engine.step_probabilities(view)
            digits = "".join(c for c, _ in lexicon.greedy(probs, keys, "0123456789"))
            if len(digits) == CODE_LENGTH:
                return repaired(field, digits)
        return field

    def _words(self, key: FieldKey, read: str, fields: Mapping[FieldKey, FieldResult]) -> Mapping[str, str]:
        """The printed forms a value of `key` can take, each with the value it stands for."""
        if key is FieldKey.SCOPE:
            category = fields[FieldKey.CATEGORY]
            return lexicon.scope_words(read, None if category.review else category.value)
        if key is FieldKey.INSTITUTION:
            return self.matcher.printed_names()
        return lexicon.closed_words(key)

    def normalize_institution(self, field: FieldResult) -> FieldResult:
        """The institution field put onto its official name (see `normalized_institution`)."""
        return normalized_institution(self.matcher, field)

    def scan_array(self, image: np.ndarray, file: str, page: int | None = None) -> CertificateRecord:
        """Read one RGB image of a certificate: a scan, or a photo at any angle or quarter turn."""
        return self.record_from_reading(self.read(image), file, page)

    def read_file(self, path: Path, skip: Container[int] = ()) -> Generator[ScannedPage, None, None]:
        """Every page of one input file with its record, as each is read.

        A file or page that cannot be read gives a failed record (`error` set), never an exception,
        and the other pages of the file are still read. Pages numbered in `skip` are loaded but not
        read (a resumed run that already holds them).
        """
        name = str(path)
        pages = load_pages(path, self.config.max_pixels, self.config.max_side)
        try:
            for item in pages:
                if item.page is not None and item.page in skip:
                    continue
                if isinstance(item, BadPage):
                    record = CertificateRecord.failed(
                        name, item.error.reason, item.page, error_zh=item.error.reason_zh
                    )
                    yield ScannedPage(record, None, item.pages)
                else:
                    yield ScannedPage(self._scan_page(item, name), item.image, item.pages)
        except InputError as exc:
            yield ScannedPage(CertificateRecord.failed(name, exc.reason, error_zh=exc.reason_zh), None, 1)
        except Exception as exc:  # one bad file must never stop the others: record the failure
            log.exception("internal error while reading %s", path)
            yield ScannedPage(_internal_error(name, exc, None), None, 1)
        finally:
            pages.close()

    def _scan_page(self, page: Page, name: str) -> CertificateRecord:
        try:
            return self.scan_array(page.image, name, page.page)
        except Exception as exc:  # one bad page must never stop the others: record the failure
            log.exception("internal error while reading %s page %s", name, page.page)
            return _internal_error(name, exc, page.page)

    def scan_pages(self, path: Path) -> Iterator[CertificateRecord]:
        """One record per page of a file (one for a photo or scan), as each is read."""
        for scanned in self.read_file(path):
            yield scanned.record

    def scan_file(self, path: Path) -> CertificateRecord:
        """The record of the first page of a file: the whole of a photo or scan (see `scan_pages`)."""
        pages = self.read_file(path)
        try:
            return next(pages).record
        finally:
            pages.close()

    def scan_files(self, paths: Iterable[Path]) -> Iterator[CertificateRecord]:
        """Records for many files, in order, one per page, as each is done."""
        for path in paths:
            yield from self.scan_pages(path)


@dataclass(frozen=True)
class ScannedPage:
    """One page as read: its record, the image it was read from (None when it could not be
    loaded), and how many pages its file has, so a caller can tell when a file is complete."""

    record: CertificateRecord
    image: np.ndarray | None
    pages: int


def _internal_error(name: str, exc: Exception, page: int | None) -> CertificateRecord:
    return CertificateRecord.failed(
        name,
        f"internal error while reading it ({type(exc).__name__})",
        page,
        error_zh=f"读取时发生内部错误（{type(exc).__name__}）",
    )
