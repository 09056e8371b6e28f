"""The scanning pipeline: the walk of one photo, one record per certificate image.

    load → deskew (`locate`, `read`) → ocr (`read_lines`, with the second looks at the page,
    `scanner.reread.page`) → extract → normalize → checks (`record_from_lines`) → quality →
    second looks at the values (`scanner.reread.values`) → checks again (`record_from_reading`)

Each stage lives in its own module or package; this one only passes what each needs to the next.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Container, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from os import PathLike

import numpy as np

from . import deskew, quality
from .checks import run_checks
from .config import ScanConfig
from .deskew import Locator, PageGeometry, fit_long_side
from .deskew.geometry import (
    apply_homography,
    crop_quad,
    line_to_image,
    map_box,
    map_line,
    quad_size,
    scale_line,
)
from .errors import InputError
from .extract import Layout, extract_fields, read_layout
from .extract.change_looks import ChangeProbe, second_look
from .extract.changes import dated_after_issue, normalized_changes, read_change_record
from .extract.documents import identify, pages_not_shown
from .extract.labels import CURRENT_TABLE, TABLES, Form, LabelTable
from .fields import (
    CERTIFICATE_FIELDS,
    NO_CERTIFICATE,
    NO_TEXT_FOUND,
    Box,
    CertificateLayout,
    CertificateRecord,
    Change,
    Document,
    FieldKey,
    FieldResult,
    Flag,
    unprinted_fields,
    with_unprinted,
)
from .load import BadPage, Page, load_pages
from .normalize import InstitutionMatcher, checked_authority, restored_place
from .ocr import OcrEngine, OcrLine, create_engine
from .ocr.base import Quad
from .quality import red_channel, suppress_red
from .reread.page import PageSight, better_reading, reread_page
from .reread.values import ValueSight, reread_values, second_reading

log = logging.getLogger(__name__)


def normalized_institution(matcher: InstitutionMatcher, field: FieldResult) -> FieldResult:
    """The institution as its official name when the gazetteer knows it surely (raw keeps what
    was read); unsure matches keep the reading and are marked for review."""
    if field.value is None:
        return field
    match = matcher.match(field.value)
    flags = field.flags
    if match.known:
        flags = tuple(f for f in flags if f is not Flag.INCOMPLETE)
    return replace(field, value=match.value, flags=flags).with_flags(*match.flags)


def known_institution(matcher: InstitutionMatcher, field: FieldResult) -> FieldResult:
    """A value that names an institution kept as printed (the old booklet's 执业地点), but whole when
    the gazetteer knows it (a short form needs no 医院-like ending)."""
    if field.value is None:
        return field
    return field.without_flags({Flag.INCOMPLETE}) if matcher.match(field.value).known else field


def restored_places(
    matcher: InstitutionMatcher, fields: Mapping[FieldKey, FieldResult]
) -> dict[FieldKey, FieldResult]:
    """The fields that begin with a place (institution, 执业地点, 发证机关) with a place elsewhere
    in China misread by one character restored (呼和油特市第一医院 → 呼和浩特市第一医院,
    `normalize.restored_place`), marked repaired so reviewed; names the gazetteer knows are left
    to its matching."""
    out = dict(fields)
    for key in (FieldKey.INSTITUTION, FieldKey.PRACTICE_PLACE, FieldKey.AUTHORITY):
        field = out.get(key)
        if field is None or field.value is None or matcher.match(field.value).known:
            continue
        restored = restored_place(field.value)
        if restored is not None:
            out[key] = replace(field, value=restored).with_flags(Flag.REPAIRED)
    return out


def text_height(lines: Sequence[OcrLine]) -> float:
    """The page's typical print height: the median height of its text lines (0 without text)."""
    heights = [math.dist(line.quad[0], line.quad[3]) for line in lines]
    return float(np.median(heights)) if heights else 0.0


# A page without any of the certificate's labels on which at most this many fields were found by
# what they are is no certificate: a date, a name-like word or a place turn up on any paper, while
# a certificate whose labels were all lost to glare or blur still shows most of its values.
NO_CERTIFICATE_FIELDS = 3
# Printed on every practising certificate, old booklet and current layout alike.
CERTIFICATE_TITLE = "医师执业证书"


def no_certificate(
    lines: Sequence[OcrLine], fields: Mapping[FieldKey, FieldResult], layout: Layout | None = None
) -> bool:
    """Whether a page holds no practising certificate: none of its labels (姓名, 身份证号, 证书编码, ...,
    even half read or with a character misread), not its title, and hardly any field found.

    A page with no text at all holds none either.
    """
    if any(CERTIFICATE_TITLE in "".join(line.text.split()) for line in lines):
        return False
    _, _, runs = layout or read_layout(lines)
    if any(run.key is not None for run in runs):
        return False
    found = sum(field.value is not None for field in fields.values())
    return found <= NO_CERTIFICATE_FIELDS


# The first look at a page outline includes this much of its surroundings (share of its long side).
LOCATE_MARGIN = 0.1
# The flat page reaches this many text line heights beyond the outermost text.
FLAT_MARGIN_LINES = 3.0
# Text lines on a page flattened by its outline agree in direction within this spread (degrees).
MAX_LINE_SPREAD = 4.0
# Lines the direction classifier reads to tell an upright page from an upside-down one.
DIRECTION_LINES = 8
# The first look's text lines are the flat page's own when they are at least this high there (px,
# the detector's boxes, about 2.5 times the print) and the picture needs no enlarging: the flat
# page is not looked for text again. On the benchmarks' scans and photos, such lines read as the
# flat page's own do where the text is wider than high (one row of pages: an opened spread, 16 to
# 19 px, or a certificate in landscape); otherwise only from FOUND_LINE_PX_UPRIGHT: where the text
# is higher than wide (a booklet page's lines are 20 px and more, while two spreads stacked in one
# picture, 11 to 17 px, lost names, codes and change blocks so read), and where rows are crowded
# (CROWDED_ROWS). A low-resolution hard photo's lines read its degraded print worse: it is always
# looked at again.
FOUND_LINE_PX = 16.0
FOUND_LINE_PX_UPRIGHT = 20.0
# Rows set close together (a bilingual booklet prints each label's second script right under the
# Chinese) run into each other at the first look's size: where this share of its lines runs into a
# line below, a spread at 16 to 19 px merged rows and lost change values and authorities (bilingual
# booklets of docbench seed 7, 0.36 to 0.66 of their lines); other spreads so reused had 0.22 at most.
CROWDED_ROWS = 0.3


# A line detected at the first look's size comes out taller than at the flat page's, and half a
# pixel lower and to the right (median over the lines of 15 generated scans and photos, matched line
# by line): recognition reads such a crop less surely, so the first look's lines are brought back to
# the height and place the flat page's detection gives them. (They also come out about 5% wider, but
# a line narrowed by that loses the last digit of a long code.)
FIRST_LOOK_TALLER = 1.28
FIRST_LOOK_SHIFT = 0.75


def as_found_on_page(quad: np.ndarray) -> np.ndarray:
    """A first look's line (a quad on the flat page) at the height and place detection on the flat
    page gives it (`FIRST_LOOK_TALLER`, `FIRST_LOOK_SHIFT`)."""
    q = np.asarray(quad, dtype=np.float64)
    centre = q.mean(axis=0)
    down = (q[3] - q[0] + q[2] - q[1]) / 2
    down /= max(float(np.linalg.norm(down)), 1e-9)
    up = (q - centre) @ down
    # Each corner moves along the line's own height, towards its middle.
    squeezed = q - np.outer(up * (1.0 - 1.0 / FIRST_LOOK_TALLER), down)
    return np.asarray(squeezed - FIRST_LOOK_SHIFT, dtype=np.float64)


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
        x0, y0, x1, y1 = map_box((box.x0, box.y0, box.x1, box.y1), self.geometry.inverse)
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

    def read_lines(self, image: np.ndarray, found: Sequence[Quad] | None = None) -> list[OcrLine]:
        """OCR of one RGB image, red seal ink filtered out, then the second looks at the page
        (`scanner.reread.page.PAGE_LOOKS`): lines under the seal, a faint page whose fields were
        lost, values detection missed beside their labels. `found`: the text lines' quads in the
        image's pixels when they were found already (the page's first look, `_locate`)."""
        fitted = fit_long_side(image, self.config.max_side)
        if fitted is not image:
            found = None
        ocr_image = suppress_red(fitted)
        sight = PageSight(
            self.engine,
            fitted,
            ocr_image,
            self.fields_found,
            self.fields_expected,
            lambda lines: len(quality.redaction_boxes(fitted, text_height(lines))),
        )
        lines = reread_page(sight, self.engine.read(ocr_image, found=found))
        factor = image.shape[1] / fitted.shape[1]
        # Report boxes in the caller's pixels, not in the scaled copy OCR read.
        return lines if factor == 1.0 else [scale_line(line, factor) for line in lines]

    def _extract(
        self, lines: Sequence[OcrLine], layout: Layout | None = None, table: LabelTable = CURRENT_TABLE
    ) -> dict[FieldKey, FieldResult]:
        """The fields extraction finds in the lines (laid out already when `layout` is given), by the
        labels of `table`."""
        return extract_fields(
            lines,
            self.config.review_threshold,
            self.config.lookalike_threshold,
            self.config.today,
            self.matcher.printed_names().keys(),
            layout,
            table,
        )

    def fields_found(self, lines: Sequence[OcrLine]) -> int:
        """How many fields the lines give a value of the field's form, read by the labels of the
        document they show (a 资格证书's 学历 and 毕业学校 are no labels of the certificate)."""
        fields = self._extract(lines, table=TABLES[identify(lines).form]).values()
        return sum(f.value is not None and Flag.INVALID_FORMAT not in f.flags for f in fields)

    def fields_expected(self, lines: Sequence[OcrLine]) -> int:
        """How many fields the page the lines show prints: a whole certificate of the current layout
        (or a page too faint to tell) its twelve; a booklet's pages, a page with a change record or
        another document, the fields whose labels were read (a faint page loses labels, and these
        pages are told by theirs)."""
        identified = identify(lines)
        if identified.form is Form.CURRENT and not identified.change_pages:
            return len(CERTIFICATE_FIELDS)
        _, _, runs = read_layout(lines, TABLES[identified.form])
        return len({run.key for run in runs if run.key is not None})

    def locate(self, image: np.ndarray) -> PageGeometry:
        """Where the certificate lies in an RGB image, and the homography that flattens it upright.

        The page's outline, found by its edges, is flattened with a margin around it into a small
        first look; without an outline the first look is the whole image, straightened by the
        rectangle around its text. Text detection on the first look says whether the page is
        turned a quarter (text lines are wide), how much skew is left, and where the text lies; the
        direction classifier, reading the longest lines, says whether the page is upside down. The
        flat page is the text's area, at the photo's own resolution or more.
        """
        return self._locate(image)[0]

    def _locate(self, image: np.ndarray, resolution: float = 1.0) -> tuple[PageGeometry, list[Quad] | None]:
        """`locate`, and the text lines of the first look in the flat page's pixels when the first
        look saw its print large enough to be the page's detection (`FOUND_LINE_PX`), else None.
        `resolution`: the photo's own pixels per pixel of `image` (a copy made smaller to be found)."""
        h, w = image.shape[:2]
        work = deskew.work_copy(image)
        candidates = deskew.page_candidates(image, work=work)
        whole = deskew.order_corners(np.array([[0, 0], [w, 0], [w, h], [0, h]]))
        quad, locator = (candidates[0], Locator.EDGES) if candidates else (whole, Locator.WHOLE)
        if candidates:
            # Two spreads stacked with one outline between them: the outline grown over the other.
            grown = deskew.page_beside(image, quad, work=work)
            quad = quad if grown is None else grown
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
        turned = bool(deskew.text_is_vertical(text))
        if turned:
            turn, frame = deskew.turn_matrix(1, frame)
            matrix, text = turn @ matrix, deskew.map_quads(text, turn)
        skew = deskew.text_skew(text)
        if abs(skew) > math.radians(0.3):
            level, frame = deskew.level_matrix(skew, frame)
            matrix, text = level @ matrix, deskew.map_quads(text, level)
        # Lines detected across a quarter-turned page, or in print too small at this size, are not
        # found as surely as on the flat page: that page is looked at again (`FOUND_LINE_PX`).
        height = deskew.line_height(text)
        x0, y0, x1, y1 = deskew.text_extent(text, FLAT_MARGIN_LINES) or (0.0, 0.0, *map(float, frame))
        if locator is Locator.EDGES:
            # Text too faint for the first look (labels on shaded cells) still lies on the page.
            outline = apply_homography(quad, matrix)
            x0, y0 = min(x0, float(outline[:, 0].min())), min(y0, float(outline[:, 1].min()))
            x1, y1 = max(x1, float(outline[:, 0].max())), max(y1, float(outline[:, 1].max()))
        x0, y0, x1, y1 = max(x0, 0.0), max(y0, 0.0), min(x1, float(frame[0])), min(y1, float(frame[1]))
        wide = x1 - x0 >= y1 - y0
        least = FOUND_LINE_PX if wide and deskew.crowded_share(text) < CROWDED_ROWS else FOUND_LINE_PX_UPRIGHT
        large = not turned and height >= least
        matrix = deskew.translation(-x0, -y0) @ matrix
        region = np.array([[0, 0], [x1 - x0, 0], [x1 - x0, y1 - y0], [0, y1 - y0]], dtype=np.float64)
        # The photo's own resolution (never less than detection works at, never more than OCR needs).
        natural = max(deskew.flat_size(apply_homography(region, np.linalg.inv(matrix)))) * resolution
        target = min(max(natural, self.config.flat_min_side), self.config.max_side)
        # A picture too small for detection to find its print (enlarged to `flat_min_side`) is looked
        # at again at that size: its first look saw the print blurred and small.
        reuse = large and natural >= self.config.flat_min_side
        zoom = target / max(x1 - x0, y1 - y0, 1.0)
        matrix = deskew.scale_matrix(zoom) @ matrix
        size = (max(round((x1 - x0) * zoom), 1), max(round((y1 - y0) * zoom), 1))
        text = deskew.map_quads(text, deskew.scale_matrix(zoom) @ deskew.translation(-x0, -y0))
        inverse = np.linalg.inv(matrix)
        crops = [
            crop_quad(image, deskew.quad_points(apply_homography(q, inverse)))
            for q in deskew.line_crop_quads(text, DIRECTION_LINES)
        ]
        if crops and float(np.mean(self.engine.upside_down(crops))) > 0.5:
            turn, size = deskew.turn_matrix(2, size)
            matrix, text = turn @ matrix, deskew.map_quads(text, turn)
        found = [deskew.quad_points(as_found_on_page(q)) for q in text] if reuse and text else None
        return deskew.page_geometry(matrix, size, math.degrees(skew), locator), found

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
        located, found = self._locate(fitted, image.shape[1] / fitted.shape[1])
        # The caller's pixels, not the scaled copy the page was found in.
        geometry = located.scaled(fitted.shape[1] / image.shape[1])
        # The page is flattened from the photo itself, at the resolution the photo gives it (up to
        # `max_side`): from a copy made smaller only as much as the flat page is smaller than the
        # page in the photo (a warp straight from a much larger picture would alias small print).
        shrink = max(geometry.size) / max(deskew.flat_size(geometry.quad))
        source = fit_long_side(image, math.ceil(max(image.shape[:2]) * shrink)) if shrink < 1 else image
        flat = deskew.warp(source, located.scaled(fitted.shape[1] / source.shape[1]).matrix, geometry.size)
        flat_lines = self.read_lines(flat, found)
        flat_lines = self.relook_changes(image, geometry, flat_lines)
        lines = tuple(map_line(line, geometry.inverse) for line in flat_lines)
        return Reading(geometry, flat, tuple(flat_lines), lines, (image.shape[1], image.shape[0]))

    def relook_changes(
        self, image: np.ndarray, geometry: PageGeometry, lines: list[OcrLine]
    ) -> list[OcrLine]:
        """The flat page's lines with each row of the change record read doubtfully read again
        (`extract.change_looks.second_look`): from the caller's image at its own resolution (a
        picture of two stacked spreads is made smaller to be read whole, and a change block's print
        is small), with the seal ink filtered out and in colour (the better reading of the two,
        `reread.page.better_reading`), and in the red channel alone (`quality.red_channel`: thin
        strokes under the seal's ring, which the filter lifts with the red bleeding into them in a
        JPEG photo, stay dark), whichever leaves the record fewer doubts kept."""

        def look(probe: ChangeProbe) -> list[OcrLine]:
            quad = deskew.quad_points(apply_homography(np.array(probe.quad), geometry.inverse))
            crop = crop_quad(image, quad)
            filtered, colour, red = self.engine.recognize_many([suppress_red(crop), crop, red_channel(crop)])
            seen = colour if filtered is None else better_reading(filtered, colour)
            factor = quad_size(probe.quad)[0] / max(crop.shape[1], 1)
            return [line_to_image(scale_line(s, factor), probe.quad) for s in (seen, red) if s is not None]

        return second_look(lines, look, self.config.review_threshold, self.config.today)

    def record_from_reading(self, reading: Reading, file: str, page: int | None = None) -> CertificateRecord:
        """Fields, checks and warnings from a reading; boxes in the caller's image pixels.

        Redaction boxes on the flat page hide their values (`quality.redaction_boxes`). After the
        first checks, the quality stage flags values by their patch of the picture, the second looks
        at the values (`scanner.reread.values.VALUE_LOOKS`) read doubtful ones again, and the values
        are checked again."""
        lines = list(reading.flat_lines)
        covered = quality.redaction_boxes(reading.flat, text_height(lines))
        record = self.record_from_lines(lines, file, page, covered)
        changes = tuple(
            change if change.box is None else replace(change, box=reading.to_image(change.box))
            for change in record.changes
        )
        if NO_CERTIFICATE in record.warnings:
            return replace(record, geometry=reading.geometry.to_json())
        found = quality.assess(reading.flat, reading.geometry.matrix, reading.image_size, record.fields)
        fields = {key: field.with_flags(*found.flags.get(key, ())) for key, field in record.fields.items()}
        read_as = TABLES[Form.OLD_BOOKLET].read_as if record.layout is CertificateLayout.OLD_BOOKLET else {}
        fields = reread_values(self._value_sight(reading.flat, found.print_px, read_as), fields)
        # Values read again are checked again: the first checks judged the first readings.
        fields, checks = run_checks(fields, self.config.today)
        fields = {
            key: field if field.box is None else replace(field, box=reading.to_image(field.box))
            for key, field in fields.items()
        }
        warnings = tuple(dict.fromkeys((*record.warnings, *found.warnings)))
        return replace(
            record,
            fields=fields,
            checks=checks,
            warnings=warnings,
            geometry=reading.geometry.to_json(),
            changes=changes,
        )

    def record_from_lines(
        self, lines: list[OcrLine], file: str, page: int | None = None, covered: Sequence[Box] = ()
    ) -> CertificateRecord:
        """Fields, checks and warnings from OCR lines (`covered`: redaction boxes in their pixels).

        The 变更注册记录 is read first (`extract.changes`); the fields are read from the other lines
        only, by the labels of the document and layout they show (`extract.documents.identify`), so
        a change's date, item or 批准机关 is never a field's value. A document other than a
        practising certificate keeps only the fields it prints (`fields.unprinted_fields`)."""
        record = read_change_record(
            lines, self.config.review_threshold, self.config.today, self.matcher.printed_names().keys()
        )
        rest = [line for i, line in enumerate(lines) if i not in record.lines]
        plain = read_layout(rest)
        # A change page, even with every block empty, is a practising certificate's page.
        shows_changes = bool(record.lines)
        labelled = shows_changes or any(run.key is not None for run in plain[2])
        identified = identify(rest, record.changes, labelled, shows_changes)
        table = TABLES[identified.form]
        layout = read_layout(rest, table, covered)
        fields = self._extract(rest, layout, table)
        text_warnings: tuple[str, ...] = () if lines else (NO_TEXT_FOUND,)
        document, form_layout = identified.document, identified.layout
        if document is Document.OTHER and not no_certificate(rest, fields, plain):
            # No title, label or change block, but most values: a certificate whose labels were lost.
            document, form_layout = Document.PRACTISING, CertificateLayout.CURRENT
        unshown = (
            document is Document.PRACTISING and not shows_changes and no_certificate(rest, fields, plain)
        )
        if document is Document.OTHER or unshown:
            # Nothing on another paper is a certificate's value: a notice's date is no issue date.
            missing = {key: FieldResult.missing() for key in FieldKey}
            return CertificateRecord(
                file=file,
                fields=missing,
                warnings=(*text_warnings, NO_CERTIFICATE),
                page=page,
                ocr=self._ocr_info,
                document=Document.OTHER,
                layout=None,
            )
        layout_kind = form_layout if document is Document.PRACTISING else None
        if document is not Document.PRACTISING:
            # Another document's other fields are not printed on it: whatever was found there is
            # not that field (a 资格证书's 毕业学校 is no institution).
            unprinted = unprinted_fields(document, layout_kind)
            fields = {key: FieldResult.not_printed() if key in unprinted else f for key, f in fields.items()}
        fields = restored_places(self.matcher, fields)
        if document is Document.PRACTISING:
            fields[FieldKey.INSTITUTION] = self.normalize_institution(fields[FieldKey.INSTITUTION])
            if form_layout is CertificateLayout.OLD_BOOKLET:
                # 执业地点 names the institution: known by the gazetteer, it needs no place's ending.
                fields[FieldKey.PRACTICE_PLACE] = known_institution(
                    self.matcher, fields[FieldKey.PRACTICE_PLACE]
                )
                if Flag.UNLABELLED in fields[FieldKey.INSTITUTION].flags:
                    # The old booklet prints no 主要执业机构: an institution's name without its label
                    # is the 执业地点 whose label was lost (reviewed), and the institution is missing.
                    if fields[FieldKey.PRACTICE_PLACE].value is None:
                        fields[FieldKey.PRACTICE_PLACE] = fields[FieldKey.INSTITUTION]
                    fields[FieldKey.INSTITUTION] = FieldResult.not_printed()
        fields[FieldKey.AUTHORITY] = checked_authority(fields[FieldKey.AUTHORITY])
        # What this layout does not print, not read, is null and not reviewed (SPEC.md).
        fields = with_unprinted(fields, document, layout_kind)
        fields, checks = run_checks(fields, self.config.today)
        changes: tuple[Change, ...] = ()
        if document is Document.PRACTISING:
            changes = dated_after_issue(
                normalized_changes(record.changes, self.matcher), fields[FieldKey.ISSUE_DATE].value
            )
        if document is Document.PRACTISING:
            text_warnings = (*text_warnings, *pages_not_shown(layout[2], fields, form_layout))
        return CertificateRecord(
            file=file,
            fields=fields,
            checks=checks,
            warnings=text_warnings,
            page=page,
            ocr=self._ocr_info,
            document=document,
            layout=layout_kind,
            changes=changes,
        )

    def _value_sight(
        self,
        flat: np.ndarray,
        print_px: Mapping[FieldKey, float] | None = None,
        read_as: Mapping[FieldKey, FieldKey] | None = None,
    ) -> ValueSight:
        """What the second looks at values on `flat` see with (see `scanner.reread.values`);
        `read_as`, the fields whose value has another field's form on this document."""
        return ValueSight(
            self.engine,
            flat,
            self.config.today,
            self.config.review_threshold,
            self.matcher.printed_names(),
            print_px or {},
            read_as or {},
        )

    def second_reading(self, flat: np.ndarray, key: FieldKey, field: FieldResult) -> FieldResult:
        """A digit value read again, enlarged, from its patch of `flat`; reviewed when the readings
        disagree (`scanner.reread.values.second_reading`, run on small print)."""
        return second_reading(self._value_sight(flat), key, field)

    def normalize_institution(self, field: FieldResult) -> FieldResult:
        """The institution field put onto its official name (see `normalized_institution`)."""
        return normalized_institution(self.matcher, field)

    def scan_array(self, image: np.ndarray, file: str, page: int | None = None) -> CertificateRecord:
        """Read one RGB image of a certificate: a scan, or a photo at any angle or quarter turn."""
        return self.record_from_reading(self.read(image), file, page)

    def read_file(
        self, path: str | PathLike[str], skip: Container[int] = ()
    ) -> Generator[ScannedPage, None, None]:
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

    def scan_pages(self, path: str | PathLike[str]) -> Iterator[CertificateRecord]:
        """One record per page of a file (one for a photo or scan), as each is read."""
        for scanned in self.read_file(path):
            yield scanned.record

    def scan_file(self, path: str | PathLike[str]) -> CertificateRecord:
        """The record of the first page of a file: the whole of a photo or scan (see `scan_pages`)."""
        pages = self.read_file(path)
        try:
            return next(pages).record
        finally:
            pages.close()

    def scan_files(self, paths: Iterable[str | PathLike[str]]) -> Iterator[CertificateRecord]:
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
