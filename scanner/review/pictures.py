"""The pictures of the review desk: the image a results row names, one page of a file, and the
certificate flattened as OCR read it. Only the server resolves paths; clients never send them."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import InputError
from ..fields import CertificateRecord
from ..load import Page, load_pages
from ..text import file_sha256


def image_of_row(file: str, results: Path) -> tuple[Path | None, str | None]:
    """The image a results row names (see `find_image`) and the SHA-256 of its content."""
    image = find_image(file, results)
    return image, (file_sha256(image) if image is not None else None)


def find_image(file: str, results: Path) -> Path | None:
    """The image a results row names: as written (relative to where the scan ran), else beside the
    results file. Only the server resolves these; clients never send paths."""
    named = Path(file)
    for candidate in (named, results.parent / named, results.parent / named.name):
        if candidate.is_file():
            return candidate
    return None


def page_image(path: Path, page: int | None, max_pixels: int) -> np.ndarray | None:
    """The picture of one page of a file (the first for None), or None when it cannot be read."""
    try:
        pages = load_pages(path, max_pixels)
        try:
            for found in pages:
                if page is None or found.page == page:
                    return found.image if isinstance(found, Page) else None
        finally:
            pages.close()
    except InputError:
        return None
    return None


def flat_matrix(record: CertificateRecord) -> tuple[np.ndarray, tuple[int, int]] | None:
    """The homography (photo pixels → flat page) and flat page size a record was read with, if any."""
    geometry = record.geometry or {}
    matrix, size = geometry.get("matrix"), geometry.get("flat_size")
    if not matrix or not size:
        return None
    return np.asarray(matrix, dtype=np.float64), (int(size[0]), int(size[1]))


def flatten(photo: bytes, matrix: np.ndarray, size: tuple[int, int]) -> bytes:
    """A photo (JPEG) flattened through `matrix` onto a page of `size`, as JPEG."""
    from ..deskew import warp

    return jpeg(warp(np.asarray(Image.open(io.BytesIO(photo)).convert("RGB")), matrix, size))


def jpeg(image: np.ndarray) -> bytes:
    """A picture as JPEG, as the page shows it."""
    out = io.BytesIO()
    Image.fromarray(image).save(out, format="JPEG", quality=88)
    return out.getvalue()
