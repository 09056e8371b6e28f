"""The scanning pipeline: load → ocr → extract → checks, one record per certificate image."""

from __future__ import annotations

import logging
from collections.abc import Container, Generator, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from .checks import run_checks
from .config import ScanConfig
from .errors import InputError
from .extract import extract_fields, value_probes
from .fields import CertificateRecord, FieldKey, FieldResult, Flag
from .geometry import crop_quad, line_to_image, scale_line
from .load import BadPage, Page, load_pages
from .normalize import InstitutionMatcher, Method
from .ocr import OcrEngine, OcrLine, create_engine

log = logging.getLogger(__name__)


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
        """OCR of one RGB image, with a second look where a label's value was not detected."""
        fitted = fit_long_side(image, self.config.max_side)
        ocr_image = suppress_red(fitted)
        lines = self.engine.read(ocr_image)
        for probe in value_probes(lines):
            seen = self.engine.recognize(crop_quad(ocr_image, probe.quad))
            if seen is not None:
                lines.append(line_to_image(seen, probe.quad))
        factor = image.shape[1] / fitted.shape[1]
        # Report boxes in the caller's pixels, not in the scaled copy OCR read.
        return lines if factor == 1.0 else [scale_line(line, factor) for line in lines]

    def record_from_lines(
        self, lines: list[OcrLine], file: str, page: int | None = None
    ) -> CertificateRecord:
        """Fields, checks and warnings from OCR lines."""
        fields = extract_fields(lines, self.config.review_threshold, self.config.lookalike_threshold)
        fields[FieldKey.INSTITUTION] = self.normalize_institution(fields[FieldKey.INSTITUTION])
        fields, checks = run_checks(fields, self.config.today)
        warnings = () if lines else ("no_text_found",)
        return CertificateRecord(
            file=file, fields=fields, checks=checks, warnings=warnings, page=page, ocr=self._ocr_info
        )

    def normalize_institution(self, field: FieldResult) -> FieldResult:
        """The institution field put onto its official name (see `normalized_institution`)."""
        return normalized_institution(self.matcher, field)

    def scan_array(self, image: np.ndarray, file: str, page: int | None = None) -> CertificateRecord:
        """Read one RGB image of a certificate."""
        return self.record_from_lines(self.read_lines(image), file, page)

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
