"""Shared builders for tests: valid synthetic ID numbers, hand-made OCR lines and printed cards."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping

import numpy as np
from PIL import Image, ImageDraw
from stdnum.cn import ric

from scanner.fields import CertificateRecord, FieldKey
from scanner.ocr.base import OcrChar, OcrLine
from scanner.synth.degrade import _add_noise, _blur
from scanner.synth.fonts import available_faces, load_font


def make_id(region: str = "500103", birth: str = "19870312", seq: str = "041") -> str:
    """A synthetic ID number with a correct check digit (sex from the last digit of `seq`)."""
    body = region + birth + seq
    return body + ric.calc_check_digit(body + "0")


def line(
    text: str,
    x: float,
    y: float,
    h: float = 40.0,
    conf: float = 0.999,
    pitch: float | None = None,
    low: dict[int, float] | None = None,
) -> OcrLine:
    """An OCR line of `text` starting at (x, y), one box per character, like RapidOCR's word boxes.

    `low` maps character positions to a lower confidence, to model a doubtful character.
    """
    pitch = pitch or h
    chars = []
    for i, ch in enumerate(text.replace(" ", "")):
        c = (low or {}).get(i, conf)
        chars.append(OcrChar(ch, c, (x + i * pitch, y, x + (i + 1) * pitch - 2, y + h)))
    width = len(chars) * pitch
    quad = ((x, y), (x + width, y), (x + width, y + h), (x, y + h))
    mean = sum(c.confidence for c in chars) / max(len(chars), 1)
    return OcrLine(text.replace(" ", ""), mean, quad, tuple(chars))


def pdf_of_jpegs(jpegs: list[bytes], broken: set[int] | None = None, encrypted: bool = False) -> bytes:
    """A PDF with one page per JPEG, each page the picture at 150 dpi, written object by object.

    Pages numbered in `broken` (1-based) are left out of the file while the page tree still points
    at them, so PDFium cannot load them: a damaged page between good ones. `encrypted` adds a
    standard security handler whose user password is not empty.
    """
    import io

    from PIL import Image

    broken = broken or set()
    objects: dict[int, bytes] = {1: b"<< /Type /Catalog /Pages 2 0 R >>"}
    kids = []
    next_id = 3
    for number, jpeg in enumerate(jpegs, start=1):
        page_id, image_id, content_id = next_id, next_id + 1, next_id + 2
        next_id += 3
        kids.append(b"%d 0 R" % page_id)
        if number in broken:
            continue
        w, h = Image.open(io.BytesIO(jpeg)).size
        pw, ph = w * 72 / 150, h * 72 / 150
        objects[page_id] = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] " % (
            pw,
            ph,
        ) + b"/Resources << /XObject << /Im1 %d 0 R >> >> /Contents %d 0 R >>" % (image_id, content_id)
        objects[image_id] = (
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB " % (w, h)
            + b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n" % len(jpeg)
            + jpeg
            + b"\nendstream"
        )
        draw = b"q %.2f 0 0 %.2f 0 0 cm /Im1 Do Q" % (pw, ph)
        objects[content_id] = b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream"
    objects[2] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(jpegs)
    trailer_extra = b""
    if encrypted:
        owner, user = b"11" * 32, b"22" * 32
        objects[next_id] = b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -4 >>" % (owner, user)
        trailer_extra = b"/Encrypt %d 0 R /ID [<%s> <%s>]" % (next_id, b"ab" * 16, b"ab" * 16)
        next_id += 1
    out = b"%PDF-1.4\n"
    offsets = {}
    for obj_id in sorted(objects):
        offsets[obj_id] = len(out)
        out += b"%d 0 obj\n" % obj_id + objects[obj_id] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % next_id
    for obj_id in range(1, next_id):
        out += b"%010d 00000 n \n" % offsets[obj_id] if obj_id in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root 1 0 R %s >>\n" % (next_id, trailer_extra)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return out


def set_tiff_frame_size(data: bytes, frame: int, width: int, height: int) -> bytes:
    """A little-endian TIFF whose frame `frame` (0-based) claims another size in its header, as
    a decompression bomb or a damaged frame does; the other frames are untouched."""
    import struct

    assert data[:2] == b"II"
    out = bytearray(data)
    (ifd,) = struct.unpack_from("<I", data, 4)
    for _ in range(frame):
        (n,) = struct.unpack_from("<H", data, ifd)
        (ifd,) = struct.unpack_from("<I", data, ifd + 2 + 12 * n)
    (n,) = struct.unpack_from("<H", data, ifd)
    for i in range(n):
        entry = ifd + 2 + 12 * i
        (tag,) = struct.unpack_from("<H", data, entry)
        if tag in (256, 257):  # ImageWidth, ImageLength, rewritten as one LONG each
            struct.pack_into("<HHII", out, entry, tag, 4, 1, width if tag == 256 else height)
    return bytes(out)


def right_fields_without_silent_errors(
    readings: Iterable[tuple[str, CertificateRecord, Mapping[str, str]]],
) -> tuple[int, int]:
    """(fields read right, fields read) over (name, record, truth) triples, asserting that every
    wrong value is marked for review: a wrong value trusted unseen is the worst defect."""
    right = total = 0
    for name, record, truth in readings:
        assert record.error is None, name
        for key in FieldKey:
            if key not in truth:
                continue  # a field this truth does not know (today's layout prints no qualification code)
            field = record.fields[key]
            total += 1
            if field.value == truth[key]:
                right += 1
            else:
                assert field.review, f"{name}: {key} read {field.value!r}, truth {truth[key]!r}"
    return right, total


def card(texts: list[tuple[str, int, int]], ink: int, paper: int, size: int) -> np.ndarray:
    """A plain card with `texts` ((text, x, y) each) printed `size` px high, `ink` grey on `paper`
    grey, slightly blurred and grainy (grey grain, as the page's red-suppressed grey image has):
    labels photographed in dim light behind glass."""
    face = next(f for f in available_faces() if f.family == "Noto Sans CJK SC" and f.bold)
    font = load_font(face, size)
    page = Image.new("RGB", (640, 240), (paper, paper, paper))
    draw = ImageDraw.Draw(page)
    for text, x, y in texts:
        draw.text((x, y), text, font=font, fill=(ink, ink, ink))
    grainy = np.asarray(_add_noise(_blur(np.asarray(page), 0.6), random.Random(1), 4.0))
    return np.repeat(grainy[:, :, :1], 3, axis=2)


# Labels and values of a two-column form: (text, x, y) on a 640 × 240 card.
FAINT_FORM = [
    ("姓名", 40, 40),
    ("性别", 300, 40),
    ("男", 420, 40),
    ("执业地点", 40, 120),
    ("重庆市渝北区", 300, 120),
]
