"""Loading stage: the only place that reads input files. Yields RGB arrays, one per certificate page.

Photos and scans (JPEG, PNG, BMP, WebP, HEIC/HEIF) are one page each, with their EXIF orientation
applied; a multi-frame TIFF is one page per frame; a PDF is one page per PDF page, rendered by PDFium.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from os import PathLike
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InputError

# HEIC/HEIF photos (iPhones) open through Pillow like any other image once registered.
pillow_heif.register_heif_opener()

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".heic", ".heif")
SUPPORTED_SUFFIXES = (*IMAGE_SUFFIXES, ".pdf")
# Formats whose frames are separate pages; other formats are read as their first (only) picture.
_MULTI_FRAME_FORMATS = frozenset({"TIFF", "HEIF"})
# PDF pages are rendered with their long side at this many pixels unless told otherwise: the
# size OCR reads certificates at (ScanConfig.max_side), whatever the paper size of the page.
DEFAULT_RENDER_SIDE = 2000

_T = TypeVar("_T")


@dataclass(frozen=True)
class Page:
    """One certificate image from an input file.

    `page` is 1-based when the file has several pages and None for a single image; `pages` is how
    many pages the file has, so a reader can tell when it has seen all of them.
    """

    image: np.ndarray
    page: int | None = None
    pages: int = 1


@dataclass(frozen=True)
class BadPage:
    """A page that could not be read; the other pages of its file still are."""

    error: InputError
    page: int | None
    pages: int


def load_pages(
    path: str | PathLike[str], max_pixels: int, render_side: int = DEFAULT_RENDER_SIDE
) -> Generator[Page | BadPage, None, None]:
    """Every page of an input file, one at a time, so a long PDF never sits in memory whole.

    Raises InputError (one clear sentence) when the file as a whole cannot be read: missing, empty,
    not an image or PDF, damaged, encrypted, without pages. A page that cannot be read on its own
    comes as a BadPage and the following pages are still read. PDF pages are rendered with their
    long side at `render_side` pixels, fewer when that would exceed `max_pixels`; image frames
    above `max_pixels` are refused as decompression bombs. `path` may be given as text.
    """
    path = Path(path)
    _check_file(path)
    if _is_pdf(path):
        yield from _pdf_pages(path, max_pixels, render_side)
    else:
        yield from _image_pages(path, max_pixels)


def load_image(path: str | PathLike[str], max_pixels: int) -> Page:
    """The first page of a file as an RGB array (the picture itself for a photo or scan).

    Raises InputError with one clear sentence for an empty, truncated or non-image file, and for a
    picture so large it would exhaust memory (a decompression bomb).
    """
    pages = load_pages(path, max_pixels)
    try:
        first = next(pages)
    finally:
        pages.close()
    if isinstance(first, BadPage):
        raise first.error
    return first


def is_picture(path: Path) -> bool:
    """Whether a file holds an image or a PDF, by its first bytes (not its name): what certscan
    reads as certificates, as opposed to results files of JSON text."""
    import filetype

    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError:
        return False
    kind = filetype.guess_mime(head) if head else None
    return b"%PDF-" in head or bool(kind and kind.startswith("image/"))


def _check_file(path: Path) -> None:
    name = str(path)
    if not path.exists():
        raise InputError(name, "file not found", "文件不存在")
    if path.is_dir():
        raise InputError(name, "is a folder, not an image file", "这是文件夹，不是图像文件")
    if path.stat().st_size == 0:
        raise InputError(name, "the file is empty", "文件是空的")


def _is_pdf(path: Path) -> bool:
    """PDF by content, not by name: the header may follow up to 1 KiB of leading bytes."""
    with path.open("rb") as fh:
        return b"%PDF-" in fh.read(1024)


# ------------------------------------------------------------------ images


def _image_pages(path: Path, max_pixels: int) -> Iterator[Page | BadPage]:
    name = str(path)
    img = _decoding(name, partial(Image.open, path))
    with img:
        count = _decoding(name, partial(_frame_count, img))
        if count > 1:
            for index in range(count):
                try:
                    image = _decoding(name, partial(_seek_rgb, img, index, name, max_pixels))
                except InputError as exc:
                    yield BadPage(exc, index + 1, count)
                    continue
                yield Page(image, index + 1, count)
            return
        single = _decoding(name, partial(_frame_rgb, img, name, max_pixels))
    # Yielded once the decoder's own copy is closed: a reader holds one copy of a big picture.
    yield Page(single)


def _frame_count(img: Image.Image) -> int:
    return int(getattr(img, "n_frames", 1)) if img.format in _MULTI_FRAME_FORMATS else 1


def _seek_rgb(img: Image.Image, index: int, name: str, max_pixels: int) -> np.ndarray:
    img.seek(index)
    return _frame_rgb(img, name, max_pixels)


def _frame_rgb(img: Image.Image, name: str, max_pixels: int) -> np.ndarray:
    """The current frame as an RGB array, upright; refused before decoding when too large."""
    width, height = img.size
    if width * height > max_pixels:
        raise InputError(
            name,
            f"the image is {width}×{height} pixels, more than the {max_pixels:,} allowed "
            "(possibly a decompression bomb)",
            f"图像为{width}×{height}像素，超过允许的{max_pixels:,}像素（可能是解压炸弹）",
        )
    img.load()
    # Without needless copies: a decoded 85-megapixel picture takes a third of a gigabyte.
    ImageOps.exif_transpose(img, in_place=True)
    return np.asarray(img if img.mode == "RGB" else img.convert("RGB"))


@contextmanager
def _bomb_warnings_as_errors() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _decoding(name: str, step: Callable[[], _T]) -> _T:
    """Run one decoding step, turning whatever the decoders raise into one clear InputError."""
    try:
        with _bomb_warnings_as_errors():
            return step()
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(
            name,
            "the image is too large to decode safely (possibly a decompression bomb)",
            "图像过大，无法安全解码（可能是解压炸弹）",
        ) from None
    except UnidentifiedImageError:
        raise InputError(
            name,
            "not an image or PDF file certscan can read (JPEG, PNG, BMP, TIFF, WebP, HEIC, PDF)",
            "不是certscan能读取的图像或PDF文件（JPEG、PNG、BMP、TIFF、WebP、HEIC、PDF）",
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, RuntimeError) as exc:
        if "truncated" in str(exc).lower() or isinstance(exc, EOFError):
            raise InputError(
                name, "the image file is truncated or damaged", "图像文件不完整或已损坏"
            ) from None
        raise InputError(name, f"the image could not be decoded ({exc})", f"图像无法解码（{exc}）") from None


# ------------------------------------------------------------------ PDF

# PDFium's document-loading error codes (FPDF_ERR_*) in words.
_PDF_ERRORS: dict[int, tuple[str, str]] = {
    4: (
        "the PDF is password-protected; save a copy without a password",
        "PDF文件有密码保护，请另存一份无密码的副本",
    ),
    5: ("the PDF uses an encryption certscan cannot open", "PDF文件使用了无法打开的加密方式"),
}
_PDF_DAMAGED = ("the PDF file is damaged or incomplete", "PDF文件已损坏或不完整")


def _pdf_pages(path: Path, max_pixels: int, render_side: int) -> Iterator[Page | BadPage]:
    import pypdfium2 as pdfium

    name = str(path)
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError:
        raise InputError(name, *_pdf_load_error(path)) from None
    try:
        count = len(pdf)
        for index in range(count):
            number = index + 1 if count > 1 else None
            try:
                image = _render_pdf_page(pdf, index, max_pixels, render_side)
            except (pdfium.PdfiumError, ValueError, MemoryError):
                error = InputError(
                    name, "this page of the PDF is damaged and cannot be shown", "PDF的这一页已损坏，无法显示"
                )
                yield BadPage(error, number, count)
                continue
            yield Page(image, number, count)
    finally:
        pdf.close()


def _pdf_load_error(path: Path) -> tuple[str, str]:
    """Why PDFium refused a document, in words.

    pypdfium2 refuses a document without pages too but then reports PDFium's last error, which is
    left over from an earlier document; loading once more through the raw API tells the cases apart.
    """
    import pypdfium2.raw as pdfium_c

    doc = pdfium_c.FPDF_LoadDocument((str(path) + "\x00").encode("utf-8", "surrogateescape"), None)
    if doc:
        pdfium_c.FPDF_CloseDocument(doc)
        return ("the PDF has no pages", "PDF文件没有页面")
    return _PDF_ERRORS.get(int(pdfium_c.FPDF_GetLastError()), _PDF_DAMAGED)


def _render_pdf_page(pdf: Any, index: int, max_pixels: int, render_side: int) -> np.ndarray:
    """One PDF page as an RGB array, long side `render_side`, never above `max_pixels`."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        if min(width, height) <= 0:
            raise ValueError("empty page")
        scale = render_side / max(width, height)
        # A strip-shaped page would blow up at the requested long side: cap its area instead.
        scale = min(scale, math.sqrt(max_pixels / (width * height)))
        while math.ceil(width * scale) * math.ceil(height * scale) > max_pixels:
            scale *= 0.99  # PDFium rounds each side up
        bitmap = page.render(scale=scale, rev_byteorder=True)
        try:
            # The array is a view of PDFium's buffer, which is freed with the bitmap: copy it.
            return np.array(bitmap.to_numpy()[:, :, :3])
        finally:
            bitmap.close()
    finally:
        page.close()
