"""Loading stage: the only place that reads image files. Returns RGB arrays, EXIF orientation applied."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InputError

SUPPORTED_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


@dataclass(frozen=True)
class Page:
    """One certificate image from an input file; `page` is 1-based when the file has several."""

    image: np.ndarray
    page: int | None = None


def load_image(path: Path, max_pixels: int) -> Page:
    """Read one image file as an RGB array with its EXIF orientation applied.

    Raises InputError with one clear sentence for an empty, truncated or non-image file, and for a
    picture so large it would exhaust memory (a decompression bomb).
    """
    name = str(path)
    if not path.exists():
        raise InputError(name, "file not found", "文件不存在")
    if path.is_dir():
        raise InputError(name, "is a folder, not an image file", "这是文件夹，不是图像文件")
    if path.stat().st_size == 0:
        raise InputError(name, "the file is empty", "文件是空的")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise InputError(
                        name,
                        f"the image is {width}×{height} pixels, more than the {max_pixels:,} allowed "
                        "(possibly a decompression bomb)",
                        f"图像为{width}×{height}像素，超过允许的{max_pixels:,}像素（可能是解压炸弹）",
                    )
                img.load()
                upright = ImageOps.exif_transpose(img)
                rgb = upright.convert("RGB")
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
            "not an image file certscan can read (JPEG, PNG, BMP, TIFF, WebP)",
            "不是certscan能读取的图像文件（JPEG、PNG、BMP、TIFF、WebP）",
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        if "truncated" in str(exc).lower():
            raise InputError(
                name, "the image file is truncated or damaged", "图像文件不完整或已损坏"
            ) from None
        raise InputError(name, f"the image could not be decoded ({exc})", f"图像无法解码（{exc}）") from None
    return Page(image=np.asarray(rgb))
