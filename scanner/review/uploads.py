"""What the review page accepts from a browser, decided before anything is decoded.

A file is accepted only when the browser declares an image or PDF type AND its first bytes are one:
a file renamed to .jpg, or bytes sent as image/jpeg that are not a picture, is refused with one
sentence. The client's file name is only ever shown, never used as a path.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

import filetype

from ..errors import InputError

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Pages one upload may hold: a folder of HR files is a batch job, and a PDF of thousands of tiny
# pages (a megabyte is enough) would keep OCR busy for hours.
DEFAULT_MAX_PAGES = 50

# What the content itself may be (as sniffed from its first bytes), with the suffix it is stored under.
_KINDS: dict[str, str] = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/tiff": ".tif",
    "image/webp": ".webp",
    "image/bmp": ".bmp",
    "image/heic": ".heic",
    "application/pdf": ".pdf",
}
# What a browser may declare: the types above and the other names browsers use for them.
_DECLARED = frozenset(
    {
        *_KINDS,
        "image/jpg",
        "image/pjpeg",
        "image/x-png",
        "image/tif",
        "image/x-tiff",
        "image/x-ms-bmp",
        "image/heif",
        "image/heic-sequence",
        "image/heif-sequence",
        "application/x-pdf",
    }
)
ACCEPT = "image/jpeg,image/png,image/tiff,image/webp,image/bmp,image/heic,image/heif,application/pdf"
_TYPES_EN = "JPEG, PNG, TIFF, WebP, BMP, HEIC or PDF"
_TYPES_ZH = "JPEG、PNG、TIFF、WebP、BMP、HEIC或PDF"


@dataclass(frozen=True)
class Accepted:
    """An upload that may be stored: its sniffed type, the suffix to store it under, a name to show."""

    kind: str
    suffix: str
    name: str


def display_name(client_name: str | None) -> str:
    """The last part of a client's file name, without control characters, at most 120 characters:
    for people to recognise the upload, never to build a path from."""
    text = client_name or ""
    base = PureWindowsPath(PurePosixPath(text).name).name
    clean = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return clean[:120] or "upload"


def check_upload(
    head: bytes, size: int, declared: str | None, client_name: str | None, limit: int
) -> Accepted:
    """Accept an upload of `size` bytes starting with `head` (at least its first 262 bytes), or raise
    InputError with one sentence in English and Chinese."""
    name = display_name(client_name)
    if size == 0:
        raise InputError(name, "the file is empty", "文件是空的")
    if size > limit:
        raise InputError(name, *too_large(limit))
    declared_type = (declared or "").split(";")[0].strip().lower()
    if declared_type not in _DECLARED:
        shown = declared_type or "no type"
        raise InputError(
            name,
            f"only photos and scans ({_TYPES_EN}) can be uploaded, not {shown}",
            f"只能上传照片或扫描件（{_TYPES_ZH}），不能上传{declared_type or '未标明类型的文件'}",
        )
    sniffed = filetype.guess_mime(head)
    if sniffed not in _KINDS:
        raise InputError(
            name,
            f"the file's content is not a {_TYPES_EN} file, whatever its name says",
            f"文件内容不是{_TYPES_ZH}文件（与文件名或声明的类型不符）",
        )
    return Accepted(sniffed, _KINDS[sniffed], name)


def too_large(limit: int) -> tuple[str, str]:
    """The sentence for an upload over the size limit, in English and Chinese."""
    mb = limit / (1024 * 1024)
    return (f"the file is larger than the {mb:.3g} MB allowed", f"文件超过允许的{mb:.3g} MB")
