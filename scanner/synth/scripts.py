"""The second script of bilingual booklets: 蒙 (Mongolian), 壮 (Zhuang), 藏 (Tibetan), 维 (Uyghur).

Booklets issued in the autonomous regions print each label twice: in Chinese and in the region's
own script beside it. The words below are the labels as such booklets print them, as closely as
this project could write them; they are decoration for the reader to ignore, never a field, and
no truth depends on them. Mongolian is written top to bottom in a narrow column left of the
Chinese label; the others sit under it in a smaller size.

Fonts come from Debian's fonts-noto-core (Noto Sans Mongolian, Noto Serif Tibetan, Noto Naskh
Arabic); Zhuang is written in the Latin alphabet, in the label's own face. A machine without the
font draws no second script (`script_font` returns None) rather than boxes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .fonts import font_dirs
from .style import RGB, Box, Font, _Page, _union

SCRIPTS: tuple[str, ...] = ("mongolian", "zhuang", "tibetan", "uyghur")
# The font family each script is drawn in (Zhuang: None, the label's own Latin letters).
SCRIPT_FAMILY: dict[str, str | None] = {
    "mongolian": "NotoSansMongolian",
    "tibetan": "NotoSerifTibetan",
    "uyghur": "NotoNaskhArabic",
    "zhuang": None,
}

# fmt: off
SCRIPT_WORDS: dict[str, dict[str, str]] = {
    "mongolian": {
        "姓名": "ᠣᠪᠣᠭ ᠨᠡᠷ᠎ᠡ", "性别": "ᠬᠦᠢᠰᠦ", "出生日期": "ᠲᠥᠷᠥᠭᠰᠡᠨ ᠡᠳᠦᠷ",
        "医师资格": "ᠡᠮᠴᠢ ᠶᠢᠨ ᠡᠷᠬᠡ", "证书编码": "ᠦᠨᠡᠮᠯᠡᠯ ᠦᠨ ᠨᠣᠮᠸᠷ",
        "执业地点": "ᠠᠵᠢᠯ ᠦᠨ ᠭᠠᠵᠠᠷ", "执业类别": "ᠠᠵᠢᠯ ᠦᠨ ᠲᠥᠷᠥᠯ",
        "执业范围": "ᠠᠵᠢᠯ ᠦᠨ ᠬᠦᠷᠢᠶ᠎ᠡ", "身份证号": "ᠪᠡᠶ᠎ᠡ ᠶᠢᠨ ᠦᠨᠡᠮᠯᠡᠯ",
        "编码": "ᠨᠣᠮᠸᠷ", "发证机关": "ᠣᠯᠭᠣᠭᠰᠠᠨ ᠪᠠᠢᠭᠤᠯᠭ᠎ᠠ", "签发人": "ᠭᠠᠷ ᠤᠨ ᠦᠰᠦᠭ",
        "发证日期": "ᠣᠯᠭᠣᠭᠰᠠᠨ ᠡᠳᠦᠷ", "新证书编码": "ᠰᠢᠨ᠎ᠡ ᠨᠣᠮᠸᠷ", "变更项目": "ᠥᠭᠡᠷᠡᠴᠢᠯᠡᠯᠲᠡ",
        "变更日期": "ᠥᠭᠡᠷᠡᠴᠢᠯᠡᠭᠰᠡᠨ ᠡᠳᠦᠷ", "批准机关": "ᠵᠥᠪᠰᠢᠶᠡᠷᠡᠭᠰᠡᠨ ᠪᠠᠢᠭᠤᠯᠭ᠎ᠠ",
    },
    "zhuang": {
        "姓名": "Singqmingz", "性别": "Singqbied", "出生日期": "Seng ngoenzgeiz",
        "医师资格": "Canghyw swhgek", "证书编码": "Cwngqsaw hauh",
        "执业地点": "Dieg guhhong", "执业类别": "Loih guhhong",
        "执业范围": "Fanveiz guhhong", "身份证号": "Ndanghfaenh cwngq hauh",
        "编码": "Hauhmaj", "发证机关": "Gihgvanh fat cwngq", "签发人": "Vunz cimfat",
        "发证日期": "Ngoenz fat cwngq", "新证书编码": "Cwngq moq hauh", "变更项目": "Hanghmoeg bienq",
        "变更日期": "Ngoenz bienq", "批准机关": "Gihgvanh baezcinj",
    },
    "tibetan": {
        "姓名": "མིང་།", "性别": "ཕོ་མོ།", "出生日期": "སྐྱེས་ཚེས།",
        "医师资格": "སྨན་པའི་ཆོད་ཐོབ།", "证书编码": "ལག་ཁྱེར་ཨང་རྟགས།",
        "执业地点": "ལས་ཀའི་ས་གནས།", "执业类别": "ལས་ཀའི་རིགས།",
        "执业范围": "ལས་ཀའི་ཁྱབ་ཁོངས།", "身份证号": "ཐོབ་ཐང་ལག་ཁྱེར་ཨང་།",
        "编码": "ཨང་རྟགས།", "发证机关": "ལག་ཁྱེར་སྤྲོད་མཁན།", "签发人": "མིང་རྟགས།",
        "发证日期": "སྤྲོད་ཚེས།", "新证书编码": "ཨང་རྟགས་གསར་པ།", "变更项目": "འགྱུར་བཅོས།",
        "变更日期": "འགྱུར་ཚེས།", "批准机关": "ཆོག་མཆན་སྤྲོད་མཁན།",
    },
    "uyghur": {
        "姓名": "ئىسىم فامىلىسى", "性别": "جىنسى", "出生日期": "تۇغۇلغان ۋاقتى",
        "医师资格": "دوختۇرلۇق سالاھىيىتى", "证书编码": "گۇۋاھنامە نومۇرى",
        "执业地点": "ئىش ئورنى", "执业类别": "كەسىپ تۈرى",
        "执业范围": "كەسىپ دائىرىسى", "身份证号": "كىملىك نومۇرى",
        "编码": "نومۇرى", "发证机关": "تارقاتقان ئورگان", "签发人": "ئىمزا",
        "发证日期": "تارقاتقان ۋاقتى", "新证书编码": "يېڭى نومۇرى", "变更项目": "ئۆزگەرتىلگەن تۈر",
        "变更日期": "ئۆزگەرتىلگەن ۋاقتى", "批准机关": "تەستىقلىغان ئورگان",
    },
}
# fmt: on

# The second script's size against the label's, and (Mongolian) the column's length against the
# row pitch it must stay within.
UNDER_SIZE = (0.45, 0.75)
COLUMN_SHARE = 0.9
COLUMN_SMALLEST = 0.45
# The word under a label starts this far below the label's baseline and ends above the next row's
# head, this far above its baseline (in label sizes); it is set no smaller than this (px).
UNDER_GAP = 0.2
NEXT_HEAD = 0.93
UNDER_SMALLEST = 9


@lru_cache(maxsize=8)
def _font_file(family: str) -> Path | None:
    """The regular font file of a family (by file name) in the machine's font folders."""
    for folder in font_dirs():
        if folder.is_dir():
            for path in sorted(folder.rglob(f"{family}-Regular.*")):
                return path
    return None


@lru_cache(maxsize=64)
def script_font(script: str, size: int) -> ImageFont.FreeTypeFont | None:
    """The face a script is shaped in (complex layout: joined Arabic letters, stacked Tibetan), or
    None when the machine has no font for it (Zhuang: None too, the label's own face writes it)."""
    family = SCRIPT_FAMILY.get(script)
    path = _font_file(family) if family else None
    if path is None:
        return None
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)


def can_draw(script: str) -> bool:
    """Whether this machine draws `script` (its font is installed, or it needs none)."""
    return script in SCRIPT_WORDS and (SCRIPT_FAMILY[script] is None or script_font(script, 20) is not None)


def second_script(
    page: _Page,
    script: str,
    label: str,
    x: float,
    baseline: float,
    label_font: Font,
    pitch: float,
    ink: RGB,
    scale: float = UNDER_SIZE[0],
) -> Box | None:
    """The label's word in `script` beside the Chinese label drawn at (`x`, `baseline`): under it
    at `scale` of its size, or (Mongolian) as a column read top to bottom just left of it. Returns
    its box."""
    word = SCRIPT_WORDS.get(script, {}).get(label)
    if word is None:
        return None
    if script == "mongolian":
        return _column(page, word, x, baseline, label_font.size, pitch, ink)
    # A printed form never prints over its own labels: the word is set small enough to fit between
    # the label's foot and the next row's head (a CJK glyph stands about 0.88 of its size above the
    # baseline), however tall its script's stacked letters are (at the smallest size if no size
    # fits: rows too tight for the script).
    top = baseline + label_font.size * UNDER_GAP
    limit = baseline + pitch - label_font.size * NEXT_HEAD
    for size in range(max(UNDER_SMALLEST, round(label_font.size * scale)), UNDER_SMALLEST - 1, -1):
        font = script_font(script, size)
        if font is None:
            if SCRIPT_FAMILY[script] is not None:
                return None
            font = ImageFont.truetype(label_font.path, size, index=label_font.index)
        left, t, right, bottom = page.draw.textbbox((x, top), word, font=font)
        if bottom <= limit:
            break
    page.draw.text((x, top), word, font=font, fill=ink)
    return [round(left), round(t), round(right), round(bottom)]


def _column(
    page: _Page, word: str, x: float, baseline: float, size: float, pitch: float, ink: RGB
) -> Box | None:
    """Mongolian: the word shaped left to right, then turned a quarter clockwise into a column
    centred on the label's row, in the largest size up to the label's whose column stays within
    the row's pitch (never below COLUMN_SMALLEST of the label's size)."""
    probe = script_font("mongolian", 100)
    if probe is None:
        return None
    length = max(float(probe.getlength(word)) / 100, 0.1)
    fitted = max(min(size, COLUMN_SHARE * pitch / length), COLUMN_SMALLEST * size)
    font = script_font("mongolian", max(int(fitted), 8))
    if font is None:
        return None
    left, top, right, bottom = font.getbbox(word)
    strip = Image.new("L", (max(round(right - left), 1) + 4, max(round(bottom - top), 1) + 4), 0)
    ImageDraw.Draw(strip).text((2 - left, 2 - top), word, font=font, fill=255)
    column = strip.rotate(-90, expand=True)
    cx = round(x - column.width - size * 0.3)
    cy = round(baseline - size * 0.4 - column.height / 2)
    page.image.paste(ink, (cx, cy), column)
    return _union(None, [cx, cy, cx + column.width, cy + column.height])
