"""Find CJK fonts on this machine and hand out cached PIL font objects.

Fonts are discovered by scanning the usual font folders (or the folders in
the ``CERTSCAN_FONT_DIRS`` environment variable, separated by ``os.pathsep``)
so the generator works with whatever CJK fonts a machine has.  Each usable
face is classified as serif / sans / kai (and mono) from its family name so
the renderer can pick contrasting fonts for labels and values.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

FONT_DIRS_ENV = "CERTSCAN_FONT_DIRS"
FONT_SUFFIXES = (".ttf", ".ttc", ".otf", ".otc")

# Characters every usable face must draw: form words plus digits.
_PROBE_TEXT = "医师执业证书姓名重庆市卫生健康委员会0123456789"
# A code point no font maps, so its mask is the face's "missing glyph" box.
_MISSING_PROBE = "\U0010fffd"
# Region tags used by pan-CJK font collections; only Simplified faces are wanted.
_REGION_TAG = re.compile(r"\b(SC|CN|TC|TW|HK|JP|KR|MBE)\b")
_SIMPLIFIED_TAGS = {"SC", "CN"}
_MAX_FACES_PER_FILE = 32


class FontNotFoundError(RuntimeError):
    """Raised when no CJK font can be found."""


@dataclass(frozen=True)
class FontFace:
    """One usable CJK face inside a font file."""

    path: str
    index: int
    family: str
    style: str  # "serif", "sans" or "kai"
    bold: bool
    mono: bool

    @property
    def label(self) -> str:
        """Human-readable name recorded in the render style."""
        weight = " Bold" if self.bold else ""
        return f"{self.family}{weight}"


def font_dirs() -> list[Path]:
    """Folders to scan: the env override if set, else the platform defaults."""
    override = os.environ.get(FONT_DIRS_ENV, "").strip()
    if override:
        return [Path(p).expanduser() for p in override.split(os.pathsep) if p]
    home = Path.home()
    dirs = [
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        home / ".local/share/fonts",
        home / ".fonts",
    ]
    if sys.platform == "darwin":
        dirs += [Path("/Library/Fonts"), Path("/System/Library/Fonts"), home / "Library/Fonts"]
    if sys.platform == "win32":
        dirs.append(Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts")
    return dirs


def _font_files(dirs: tuple[Path, ...]) -> list[Path]:
    """All font files below ``dirs``, sorted so discovery order is stable."""
    files: set[Path] = set()
    for d in dirs:
        if d.is_dir():
            files.update(p for p in d.rglob("*") if p.suffix.lower() in FONT_SUFFIXES)
    return sorted(files)


def _draws(font: ImageFont.FreeTypeFont, text: str) -> bool:
    """True if every character of ``text`` has a real glyph in ``font``."""
    missing = font.getmask(_MISSING_PROBE)
    missing_key = (missing.size, bytes(missing))
    for ch in set(text) - {" ", "\u3000"}:
        mask = font.getmask(ch)
        if (mask.size, bytes(mask)) == missing_key or mask.size[0] == 0:
            return False
    return True


def _classify(family: str, style_name: str, path: Path) -> tuple[str, bool, bool]:
    """Guess (style, bold, mono) from the family/style names and file name."""
    text = f"{family} {path.stem}".lower()
    if "kai" in text:
        style = "kai"
    elif any(k in text for k in ("serif", "ming", "song", "sun", "fang")):
        style = "serif"
    else:
        style = "sans"
    bold = any(k in style_name.lower() for k in ("bold", "heavy", "black"))
    return style, bold, "mono" in text


def _faces_in_file(path: Path) -> list[FontFace]:
    """Usable Simplified-Chinese faces in one font file (maybe none)."""
    covering: list[tuple[int, str, str]] = []
    for index in range(_MAX_FACES_PER_FILE):
        try:
            font = ImageFont.truetype(str(path), 32, index=index)
        except OSError:
            break
        family, style_name = font.getname()
        family = family or path.stem
        style_name = style_name or ""
        # "Sharp" WenQuanYi faces are bitmap-hinted duplicates of the outline face.
        if "sharp" in family.lower() or not _draws(font, _PROBE_TEXT):
            continue
        covering.append((index, family, style_name))
    tagged = [c for c in covering if _REGION_TAG.search(c[1])]
    keep = [c for c in covering if not _REGION_TAG.search(c[1])]
    keep += [c for c in tagged if _REGION_TAG.search(c[1]).group(1) in _SIMPLIFIED_TAGS]  # type: ignore[union-attr]
    if not keep and covering:
        keep = covering[:1]
    faces = []
    for index, family, style_name in sorted(keep):
        style, bold, mono = _classify(family, style_name, path)
        faces.append(FontFace(str(path), index, family, style, bold, mono))
    return faces


@lru_cache(maxsize=4)
def _discover(dirs: tuple[Path, ...]) -> tuple[FontFace, ...]:
    """Scan ``dirs`` once per distinct folder list."""
    faces: list[FontFace] = []
    for path in _font_files(dirs):
        faces.extend(_faces_in_file(path))
    return tuple(faces)


def available_faces() -> tuple[FontFace, ...]:
    """All usable CJK faces, or raise FontNotFoundError with one clear sentence."""
    dirs = tuple(font_dirs())
    faces = _discover(dirs)
    if not faces:
        where = ", ".join(str(d) for d in dirs)
        raise FontNotFoundError(
            f"No CJK font was found in {where}; install a Chinese font (for example "
            f"fonts-noto-cjk) or point {FONT_DIRS_ENV} at a folder that contains one."
        )
    return faces


@lru_cache(maxsize=256)
def load_font(face: FontFace, size: int) -> ImageFont.FreeTypeFont:
    """Cached PIL font for ``face`` at ``size`` px (basic layout: fast and stable)."""
    return ImageFont.truetype(face.path, size, index=face.index, layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=4096)
def face_draws(face: FontFace, text: str) -> bool:
    """True if ``face`` has glyphs for all of ``text`` (e.g. rare name characters)."""
    return _draws(load_font(face, 32), text)
