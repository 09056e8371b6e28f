"""Loading: every supported format, EXIF orientation, and one clear sentence for bad files."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from helpers import pdf_of_jpegs, set_tiff_frame_size
from PIL import Image

from scanner.errors import InputError
from scanner.load import BadPage, Page, load_image, load_pages

LIMIT = 128_000_000


def picture(width: int = 64, height: int = 32) -> Image.Image:
    """A small image whose left half is red, so orientation is observable."""
    arr = np.full((height, width, 3), 255, dtype=np.uint8)
    arr[:, : width // 2] = (255, 0, 0)
    return Image.fromarray(arr)


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".bmp", ".tif", ".webp", ".heic"])
def test_every_supported_format_loads_as_rgb(tmp_path: Path, suffix: str):
    path = tmp_path / f"cert{suffix}"
    picture().save(path)
    page = load_image(path, LIMIT)
    assert page.image.shape == (32, 64, 3)
    assert page.image.dtype == np.uint8


def test_a_path_given_as_text_loads_the_same(tmp_path: Path):
    path = tmp_path / "cert.png"
    picture().save(path)
    assert np.array_equal(load_image(str(path), LIMIT).image, load_image(path, LIMIT).image)
    with pytest.raises(InputError, match="file not found"):
        load_image(str(tmp_path / "nope.jpg"), LIMIT)


def test_exif_orientation_is_applied(tmp_path: Path):
    path = tmp_path / "img_exif_orientation.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: the camera says rotate 90° clockwise to view
    picture().save(path, exif=exif)
    image = load_image(path, LIMIT).image
    assert image.shape == (64, 32, 3)
    # The red half, left when stored, is on top once turned clockwise.
    assert image[5, 16, 1] < 80 and image[60, 16, 1] > 180


def test_missing_file(tmp_path: Path):
    with pytest.raises(InputError, match="file not found"):
        load_image(tmp_path / "nope.jpg", LIMIT)


def test_empty_file(tmp_path: Path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        load_image(path, LIMIT)


def test_not_an_image(tmp_path: Path):
    path = tmp_path / "notes.jpg"
    path.write_text("这不是图片", encoding="utf-8")
    with pytest.raises(InputError, match="not an image"):
        load_image(path, LIMIT)


def test_truncated_jpeg(tmp_path: Path):
    full = tmp_path / "full.jpg"
    picture(600, 400).save(full, quality=95)
    cut = tmp_path / "img_truncated.jpg"
    cut.write_bytes(full.read_bytes()[:1500])
    with pytest.raises(InputError, match="truncated"):
        load_image(cut, LIMIT)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions: the shape of a decompression bomb, without the memory."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    body = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = zlib.compress(b"\x00" * 64)
    idat_chunk = b"IDAT" + idat
    body += struct.pack(">I", len(idat)) + idat_chunk + struct.pack(">I", zlib.crc32(idat_chunk))
    return b"\x89PNG\r\n\x1a\n" + body


def test_decompression_bomb_is_refused_before_decoding(tmp_path: Path):
    path = tmp_path / "img_bomb.png"
    path.write_bytes(_png_header_only(60_000, 60_000))
    with pytest.raises(InputError, match="decompression bomb"):
        load_image(path, LIMIT)


def test_error_message_is_one_sentence_naming_the_file(tmp_path: Path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(InputError) as info:
        load_image(path, LIMIT)
    assert str(info.value) == f"{path}: the file is empty"
    assert "\n" not in str(info.value)


def jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def coloured(colour: tuple[int, int, int], width: int = 300, height: int = 200) -> Image.Image:
    return Image.new("RGB", (width, height), colour)


def pages_of(path: Path, limit: int = LIMIT, render_side: int = 2000) -> list[Page | BadPage]:
    return list(load_pages(path, limit, render_side))


def test_every_pdf_page_is_rendered_in_order_with_its_number(tmp_path: Path):
    path = tmp_path / "staff.pdf"
    colours = [(230, 0, 0), (0, 160, 0), (0, 0, 230)]
    path.write_bytes(pdf_of_jpegs([jpeg_bytes(coloured(c)) for c in colours]))
    pages = pages_of(path, render_side=1200)
    assert [p.page for p in pages] == [1, 2, 3]
    assert all(isinstance(p, Page) and p.pages == 3 for p in pages)
    for page, colour in zip(pages, colours, strict=True):
        assert isinstance(page, Page)
        # Rendered with the long side asked for, whatever the paper size; colours as printed (RGB).
        assert page.image.shape == (800, 1200, 3)
        assert np.abs(page.image[400, 600].astype(int) - colour).max() < 30


def test_a_single_page_pdf_is_one_page_without_a_number(tmp_path: Path):
    path = tmp_path / "one.pdf"
    path.write_bytes(pdf_of_jpegs([jpeg_bytes(coloured((0, 0, 230)))]))
    (page,) = pages_of(path)
    assert isinstance(page, Page) and page.page is None and page.pages == 1


def test_a_pdf_is_recognised_by_its_content_not_its_name(tmp_path: Path):
    path = tmp_path / "scan_0001.jpg"
    path.write_bytes(pdf_of_jpegs([jpeg_bytes(coloured((0, 0, 230)))] * 2))
    assert [p.page for p in pages_of(path)] == [1, 2]


def test_a_damaged_pdf_page_is_reported_and_the_other_pages_are_still_read(tmp_path: Path):
    path = tmp_path / "staff.pdf"
    path.write_bytes(pdf_of_jpegs([jpeg_bytes(coloured((230, 0, 0)))] * 3, broken={2}))
    first, second, third = pages_of(path)
    assert isinstance(first, Page) and isinstance(third, Page) and third.page == 3
    assert isinstance(second, BadPage) and second.page == 2 and second.pages == 3
    assert second.error.reason == "this page of the PDF is damaged and cannot be shown"


def test_a_password_protected_pdf_is_one_clear_sentence(tmp_path: Path):
    path = tmp_path / "locked.pdf"
    path.write_bytes(pdf_of_jpegs([jpeg_bytes(coloured((230, 0, 0)))], encrypted=True))
    with pytest.raises(InputError, match="password-protected") as info:
        pages_of(path)
    assert "密码" in info.value.reason_zh


def test_a_truncated_pdf_is_damaged(tmp_path: Path):
    path = tmp_path / "cut.pdf"
    path.write_bytes(pdf_of_jpegs([jpeg_bytes(coloured((230, 0, 0)))] * 2)[:700])
    with pytest.raises(InputError, match="the PDF file is damaged or incomplete"):
        pages_of(path)


def test_a_pdf_without_pages_says_so(tmp_path: Path):
    path = tmp_path / "blank.pdf"
    path.write_bytes(pdf_of_jpegs([]))
    with pytest.raises(InputError, match="the PDF has no pages"):
        pages_of(path)


def test_a_file_named_pdf_that_is_not_one_is_not_readable(tmp_path: Path):
    path = tmp_path / "report.pdf"
    path.write_text("这不是PDF", encoding="utf-8")
    with pytest.raises(InputError, match="not an image or PDF file"):
        pages_of(path)


def test_a_strip_shaped_pdf_page_is_rendered_within_the_pixel_limit(tmp_path: Path):
    path = tmp_path / "strip.pdf"
    path.write_bytes(pdf_of_jpegs([jpeg_bytes(coloured((230, 0, 0), 4000, 40))]))
    (page,) = pages_of(path, limit=20_000, render_side=4000)
    assert isinstance(page, Page)
    assert page.image.shape[0] * page.image.shape[1] <= 20_000 * 1.05


def test_every_tiff_frame_is_a_page(tmp_path: Path):
    path = tmp_path / "staff.tif"
    frames = [coloured((230, 0, 0)), coloured((0, 160, 0), 120, 80), coloured((0, 0, 230))]
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_deflate")
    pages = pages_of(path)
    assert [p.page for p in pages] == [1, 2, 3]
    assert [p.image.shape[:2] for p in pages if isinstance(p, Page)] == [(200, 300), (80, 120), (200, 300)]
    assert all(p.pages == 3 for p in pages)


def test_an_oversized_tiff_frame_is_refused_and_the_other_frames_are_read(tmp_path: Path):
    path = tmp_path / "staff.tif"
    frames = [coloured((230, 0, 0)), coloured((0, 160, 0)), coloured((0, 0, 230))]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    path.write_bytes(set_tiff_frame_size(path.read_bytes(), 1, 60_000, 60_000))
    first, second, third = pages_of(path)
    assert isinstance(first, Page) and isinstance(third, Page)
    assert isinstance(second, BadPage) and second.page == 2
    assert "decompression bomb" in second.error.reason


def test_load_image_gives_the_first_page_of_a_pdf(tmp_path: Path):
    path = tmp_path / "staff.pdf"
    path.write_bytes(pdf_of_jpegs([jpeg_bytes(coloured((0, 160, 0)))] * 2))
    page = load_image(path, LIMIT)
    assert page.page == 1 and page.image[100, 100, 1] > 120
