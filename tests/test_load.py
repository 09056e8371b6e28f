"""Loading: every supported format, EXIF orientation, and one clear sentence for bad files."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from scanner.errors import InputError
from scanner.load import load_image

LIMIT = 128_000_000


def picture(width: int = 64, height: int = 32) -> Image.Image:
    """A small image whose left half is red, so orientation is observable."""
    arr = np.full((height, width, 3), 255, dtype=np.uint8)
    arr[:, : width // 2] = (255, 0, 0)
    return Image.fromarray(arr)


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".bmp", ".tif", ".webp"])
def test_every_supported_format_loads_as_rgb(tmp_path: Path, suffix: str):
    path = tmp_path / f"cert{suffix}"
    picture().save(path)
    page = load_image(path, LIMIT)
    assert page.image.shape == (32, 64, 3)
    assert page.image.dtype == np.uint8


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
