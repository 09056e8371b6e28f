"""Second looks at a whole page's OCR: what the first reading of the page lost, looked for again.

Run in the order of `PAGE_LOOKS` on the lines the first reading found, each look returning a new
list of lines (none changes the list it is given):

1. `under_seal`: a line partly under the red seal, read again from the colour image.
2. `faint_page`: a page on which fields were lost (not hidden under redaction boxes), read again
   with the contrast stretched.
3. `undetected_values`: a value whose label was read but whose text was not detected, read where
   it should be (by its closed list, if the recognizer finds it too faint).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..deskew.geometry import crop_quad, line_to_image
from ..extract import value_probes
from ..fields import CERTIFICATE_FIELDS, FieldKey
from ..normalize import words as closed_lists
from ..ocr import OcrEngine, OcrLine
from ..ocr.base import spread_chars
from ..quality import channel_max
from . import ctc

# Percentiles of the grey page taken as black print and white paper when stretching its contrast.
STRETCH_DARK, STRETCH_LIGHT = 1.0, 99.0
# The most the contrast is ever stretched.
STRETCH_GAIN = 3.0
# A page read with this many fields not found is looked at again with its contrast stretched.
FAINT_PAGE_MISSING = 3
# A pixel whose red exceeds the mean of green and blue by this share of the paper's brightness,
# more than the paper's own red does, is seal ink.
SEAL_EXCESS = 0.08
# A line whose crop is this much seal ink is read a second time without the red filter.
SEAL_LINE_SHARE = 0.02
# Characters two readings of a line disagree on are worth no more than a coin flip.
DISPUTED_CONFIDENCE = 0.5


def stretch_contrast(image: np.ndarray) -> np.ndarray:
    """The image with its darkest print black and its paper white: what text is looked for in.

    In dim light or behind glass a photo's print is grey on grey; the text detector then still
    finds the values but loses small labels and single characters (男), which a plain stretch
    brings back. Recognition reads the image as it was: stretched, faint print reads no better and
    clear print sometimes worse.
    """
    counts = np.cumsum(np.bincount(image.ravel(), minlength=256))
    low, high = np.searchsorted(counts, counts[-1] * np.array((STRETCH_DARK, STRETCH_LIGHT)) / 100)
    # Where nearly nothing is printed the darkest percent is paper too: its grain is not stretched.
    gain = min(255.0 / max(high - low, 1), STRETCH_GAIN)
    lut = np.clip(255.0 - (high - np.arange(256)) * gain, 0, 255).astype(np.uint8)
    stretched: np.ndarray = lut[image]
    return stretched


def seal_share(crop: np.ndarray) -> float:
    """The share of an RGB crop's pixels inked by a red seal: clearly redder than the crop's paper.

    Redness is measured against the paper's own (warm light tints the whole picture) and in
    proportion to its brightness (dim light makes every colour difference smaller).
    """
    if crop.size == 0:
        return 0.0
    rgb = crop.astype(np.int16)
    excess = rgb[:, :, 0] - (rgb[:, :, 1] + rgb[:, :, 2]) // 2
    paper = float(np.percentile(channel_max(crop), 95))
    return float(np.mean(excess > float(np.median(excess)) + SEAL_EXCESS * paper))


def weakest(line: OcrLine) -> float:
    """The confidence of a line's least sure character (its own confidence without characters)."""
    return min((c.confidence for c in line.chars), default=line.confidence)


def better_reading(first: OcrLine, second: OcrLine | None) -> OcrLine:
    """Of two readings of one line, the text of the one whose weakest character is surer, or of the
    fuller one when it holds every character of the other and more; characters on which the two
    disagree (and those beside a place where only the other reading saw characters) keep at most a
    coin-flip's confidence, so a value built on them is reviewed, and agreed ones the confidence of
    the less sure reading.

    Used where a red seal covers a line: with the seal filtered out its strokes can no longer be
    taken for print, but where it lies over the print the filter may also thin it, so the line is
    read both ways. Either reading may lose characters where seal and print cross (2022-07-16 read
    2022-076 in colour, surely): a reading that lacks what the other saw is no witness against it.
    """
    if second is None:
        return first
    kept, other = (second, first) if weakest(second) > weakest(first) else (first, second)
    kept_text = "".join(c.text for c in kept.chars)
    other_text = "".join(c.text for c in other.chars)
    if len(other_text) > len(kept_text) and _holds(other_text, kept_text):
        kept, other = other, kept
        kept_text, other_text = other_text, kept_text
    # Where the readings agree, a character is as sure as the less sure of them: under a seal the
    # colour reading can be confidently wrong (酉 read 西 by both, surely only in colour).
    surest = [min(c.confidence, DISPUTED_CONFIDENCE) for c in kept.chars]
    matcher = difflib.SequenceMatcher(None, kept_text, other_text, autojunk=False)
    opcodes = matcher.get_opcodes()
    for op, i1, i2, j1, _ in opcodes:
        if op == "equal":
            for j in range(i2 - i1):
                surest[i1 + j] = min(kept.chars[i1 + j].confidence, other.chars[j1 + j].confidence)
    # Then, where only the other reading saw something, both neighbours are in doubt (after the
    # agreements: the neighbour on the right begins the next agreeing run).
    for i1 in (i1 for op, i1, *_ in opcodes if op == "insert"):
        for i in (i1 - 1, i1):
            if 0 <= i < len(surest):
                surest[i] = min(surest[i], DISPUTED_CONFIDENCE)
    chars = tuple(replace(c, confidence=p) for c, p in zip(kept.chars, surest, strict=True))
    return replace(kept, chars=chars)


def _holds(longer: str, shorter: str) -> bool:
    """Whether `shorter` is `longer` with some characters left out (in order)."""
    rest = iter(longer)
    return all(c in rest for c in shorter)


def read_as_word(engine: OcrEngine, key: FieldKey, crop: np.ndarray) -> OcrLine | None:
    """A closed-list value the recognizer found too faint to report, read as the word of the
    list its per-step probabilities clearly favour. Its confidence is that word's own
    probability, low for what the recognizer dropped, so it is reviewed."""
    words = closed_lists.closed_words(key)
    if not words:
        return None
    probs, keys = engine.step_probabilities(crop)
    found = ctc.pick(probs, keys, words)
    if found is None or not ctc.acceptable(found, read_wrong=False):
        return None
    confidence = ctc.word_probability(probs, found)
    h, w = crop.shape[:2]
    chars = spread_chars([(c, confidence) for c in found.value], (0.0, 0.0, float(w), float(h)))
    quad = ((0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h)))
    return OcrLine(found.value, confidence, quad, chars)


@dataclass(frozen=True)
class PageSight:
    """What a second look at a page sees with: the recognizer, the page in colour (`colour`) and
    as OCR reads it, red seal ink filtered out (`ocr_image`), both in the same pixels, and how
    many fields a list of lines gives (extraction's count of values of the field's form)."""

    engine: OcrEngine
    colour: np.ndarray
    ocr_image: np.ndarray
    fields_found: Callable[[Sequence[OcrLine]], int]
    # How many fields the page the lines show prints (a booklet's change page none, a spread of the
    # old booklet's first pages three); None: a whole certificate's twelve.
    fields_expected: Callable[[Sequence[OcrLine]], int] | None = None
    # How many values the page hides under redaction boxes (an HR copy's grey boxes): values not
    # found for that reason are not lost to a faint page. None: no box is looked for.
    fields_hidden: Callable[[Sequence[OcrLine]], int] | None = None


def under_seal(sight: PageSight, lines: Sequence[OcrLine]) -> list[OcrLine]:
    """Lines partly under a red seal (over 发证机关 and 发证日期), each read also from the colour
    image, the better of the two readings kept (see `better_reading`); other lines as they were.

    Runs on every line of every reading of the page; a booklet carries many seals, so the lines
    under them are read in one call of the recognizer (`OcrEngine.recognize_many`)."""
    sealed: list[tuple[int, np.ndarray]] = []
    for i, line in enumerate(lines):
        crop = crop_quad(sight.colour, line.quad)
        if seal_share(crop) >= SEAL_LINE_SHARE:
            sealed.append((i, crop))
    kept = list(lines)
    seen_all = sight.engine.recognize_many([crop for _, crop in sealed])
    for (i, _), seen in zip(sealed, seen_all, strict=True):
        line = lines[i]
        kept[i] = better_reading(line, None if seen is None else line_to_image(seen, line.quad))
    return kept


def faint_page(sight: PageSight, lines: Sequence[OcrLine]) -> list[OcrLine]:
    """Labels lost to text detection on a grey page (dim light, behind glass): when at least
    FAINT_PAGE_MISSING of the fields the page prints were not found, the text is looked for again
    with the page's contrast stretched (`stretch_contrast`), its lines looked at `under_seal`, and
    the reading that gives more fields is kept."""
    expected = len(CERTIFICATE_FIELDS) if sight.fields_expected is None else sight.fields_expected(lines)
    if expected < FAINT_PAGE_MISSING:
        # Too few fields printed for that many to be lost (a change page prints none).
        return list(lines)
    found = sight.fields_found(lines)
    if expected - found >= FAINT_PAGE_MISSING and sight.fields_hidden is not None:
        # A redacted copy is not faint: its covered values are missing, and reading it again costs
        # as much as the first reading.
        found += sight.fields_hidden(lines)
    if expected - found >= FAINT_PAGE_MISSING:
        again = under_seal(sight, sight.engine.read(sight.ocr_image, detect_view=stretch_contrast))
        if sight.fields_found(again) > found:
            return again
    return list(lines)


def undetected_values(sight: PageSight, lines: Sequence[OcrLine]) -> list[OcrLine]:
    """Values whose label was read but whose text detection missed (a lone 男 or 女): read where
    the label promises them (`scanner.extract.value_probes`), or, too faint for the recognizer to
    report, as the word of their closed list it clearly favours (`read_as_word`). Each value
    found is added as a line of its own."""
    found = list(lines)
    probes = value_probes(lines)
    crops = [crop_quad(sight.ocr_image, probe.quad) for probe in probes]
    for probe, crop, read in zip(probes, crops, sight.engine.recognize_many(crops), strict=True):
        seen = read or read_as_word(sight.engine, probe.key, crop)
        if seen is not None:
            found.append(line_to_image(seen, probe.quad))
    return found


@dataclass(frozen=True)
class PageLook:
    """One second look at a page's OCR: its name, what it recovers, and the look itself (the
    sight and the lines so far in, a new list of lines out)."""

    name: str
    recovers: str
    look: Callable[[PageSight, Sequence[OcrLine]], list[OcrLine]]


# In this order: the stretched reading is compared on lines already looked at under the seal,
# and values are probed for on the reading kept.
PAGE_LOOKS: tuple[PageLook, ...] = (
    PageLook("under_seal", "print under the red seal, read from the colour image", under_seal),
    PageLook("faint_page", "labels lost on a grey page, found with its contrast stretched", faint_page),
    PageLook("undetected_values", "values text detection missed beside their labels", undetected_values),
)


def reread_page(sight: PageSight, lines: Sequence[OcrLine]) -> list[OcrLine]:
    """The page's lines after every look of `PAGE_LOOKS`, in order."""
    found = list(lines)
    for rule in PAGE_LOOKS:
        found = rule.look(sight, found)
    return found
