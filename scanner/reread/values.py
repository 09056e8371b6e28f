"""Second looks at a page's values: a doubtful value read again from its own patch of the flat page.

After extraction and the first checks, and after the quality stage has measured each value's print,
the rules of `VALUE_LOOKS` run in order, each on its fields in order. A rule gets the field as the
rules before it left it and all fields so far, and returns a field (the one it got when it finds
nothing better); the runner builds a new mapping after each, so no rule changes another's result.
A value a look replaces is `repaired`: `raw` keeps what was read and it stays marked for review.

1. `small_digits`: digits in small print or in doubt read again, enlarged; disagreement is
   reviewed, and two new readings that agree replace the first.
2. `name_alone`: the name read again from a crop of the name alone (and from further left).
3. `closed_list`: a doubtful closed-list value (sex, level, category, scope, place, issuer,
   institution) read again against its list, stretched to the words' length, with the line below.
4. `digit_rules`: an ID number or date that breaks its rules read again to the one lawful reading.
5. `code_digits`: a certificate code not read as 15 digits read again in digits alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import cv2
import numpy as np

from ..checks import (
    FIRST_CERTIFICATES,
    MIN_LICENSING_AGE,
    add_years,
    id_birth_date,
    id_number_valid,
    parse_iso_date,
)
from ..extract import CODE_LENGTH, ID_LENGTH, PARSERS, cut_short, name_char, parse_name, simplified
from ..fields import FieldKey, FieldResult, Flag
from ..normalize import words as closed_lists
from ..normalize.authorities import elsewhere_place
from ..ocr import OcrEngine
from ..quality import SMALL_PRINT_PX, suppress_red
from . import ctc
from .crops import value_crop, widened, with_next_line, wrapped_lines

# Values that are digits only, where one misread digit makes another valid-looking value; read a
# second time when printed lower than SMALL_PRINT_PX.
DIGIT_FIELDS = (
    FieldKey.BIRTH_DATE,
    FieldKey.ID_NUMBER,
    FieldKey.ISSUE_DATE,
    FieldKey.CERTIFICATE_CODE,
    FieldKey.QUALIFICATION_CODE,
)
# Fields whose values come from closed lists, read again against them when doubtful.
WORD_FIELDS = (*closed_lists.CLOSED_FIELDS, FieldKey.INSTITUTION)
# Digit fields with rules a reading must obey, read again against them when doubtful; the ID
# number first, as the birth date is checked against it.
RULED_DIGIT_FIELDS = (FieldKey.ID_NUMBER, FieldKey.BIRTH_DATE, FieldKey.ISSUE_DATE)
# What an ID number is printed in.
ID_ALPHABET = "0123456789X"
# A name read as one character is read again from this many of its heights further left (its
# first character lost between the label's colon and it).
NAME_REACH = 1.5
# A doctor's birth date, read again, lies at most this many years before today (and at least
# MIN_LICENSING_AGE).
OLDEST = 100

# Flags about a value's form (besides the checks' own, which are run afresh): a repaired value is
# judged anew, and these described the reading it replaced.
FORM_FLAGS = frozenset({Flag.INVALID_FORMAT, Flag.NOT_IN_VOCABULARY, Flag.INCOMPLETE})


@dataclass(frozen=True)
class ValueSight:
    """What a second look at a value sees with: the recognizer, the flat page (RGB) the fields'
    boxes lie on, the day it runs, the confidence a value needs, the names institutions are
    printed under (→ official name), and each measured value's print height in the photo's pixels
    (`scanner.quality.Assessment.print_px`)."""

    engine: OcrEngine
    flat: np.ndarray
    today: date
    review_threshold: float
    institutions: Mapping[str, str]
    print_px: Mapping[FieldKey, float] = field(default_factory=dict)
    # Fields whose value has another field's form on this document (the old booklet's 执业地点 names
    # an institution): read again against that field's words.
    read_as: Mapping[FieldKey, FieldKey] = field(default_factory=dict)


def repaired(found: FieldResult, value: str, confidence: float | None = None) -> FieldResult:
    """A field with the value a second look found in place of its reading: `raw` kept, flagged
    `repaired` (so it is reviewed), and rid of the flags that described the replaced value's form."""
    new = replace(found, value=value, confidence=found.confidence if confidence is None else confidence)
    return new.without_flags(FORM_FLAGS).with_flags(Flag.REPAIRED)


def digit_rule(key: FieldKey, fields: Mapping[FieldKey, FieldResult], today: date) -> Callable[[str], bool]:
    """What a reading of an ID number or date must be: an ID number that passes its checks and
    gives a birth date a practising doctor can have (the birth date printed, if that was read
    surely); that birth date; an issue date after the birth date, not after today, and not before
    the first certificates."""
    born = fields[FieldKey.BIRTH_DATE].value
    id_number = fields[FieldKey.ID_NUMBER].value

    def plausible_birth(day: date | None) -> bool:
        return day is not None and add_years(today, -OLDEST) <= day <= add_years(today, -MIN_LICENSING_AGE)

    if key is FieldKey.ID_NUMBER:
        printed = parse_iso_date(born) if fields[FieldKey.BIRTH_DATE].read_sure else None
        if plausible_birth(printed):
            return lambda value: id_number_valid(value) and id_birth_date(value) == printed
        return lambda value: id_number_valid(value) and plausible_birth(id_birth_date(value))
    if key is FieldKey.BIRTH_DATE:
        in_id = id_birth_date(id_number) if id_number is not None and id_number_valid(id_number) else None
        if plausible_birth(in_id):
            return lambda value: value == str(in_id)
        return lambda value: plausible_birth(parse_iso_date(value))

    def issued(value: str) -> bool:
        day = parse_iso_date(value)
        return day is not None and FIRST_CERTIFICATES <= day <= today and (born is None or value > born)

    return issued


# ---------------------------------------------------------------- reading a crop


def _read_chars(engine: OcrEngine, crop: np.ndarray) -> list[tuple[str, float]]:
    """The characters a crop is read as (traditional forms simplified), each with the
    probability it was read at."""
    probs, keys = engine.step_probabilities(crop)
    return [(simplified(c)[0], float(probs[t].max())) for c, t in ctc.greedy(probs, keys)]


def _reading_of_lines(engine: OcrEngine, crops: Sequence[np.ndarray]) -> tuple[np.ndarray, Sequence[str]]:
    """The per-step probabilities of a value's lines, read one after the other as one line."""
    readings = [engine.step_probabilities(c) for c in crops]
    return np.vstack([p for p, _ in readings]), readings[0][1]


def _pick_in_lines(
    engine: OcrEngine, crops: Sequence[np.ndarray], words: Mapping[str, str]
) -> ctc.Pick | None:
    """`ctc.pick` on the lines of a value, read one after the other as its one line."""
    probs, keys = _reading_of_lines(engine, crops)
    return ctc.pick(probs, keys, words)


# ---------------------------------------------------------------- the looks


def second_reading(
    sight: ValueSight, key: FieldKey, found: FieldResult, lawful: Callable[[str], bool] | None = None
) -> FieldResult:
    """A digit value read again, enlarged and in colour, from its own patch of the flat page; a
    value the two readings disagree on is marked for review. It is then read a third time, at
    another enlargement and with the seal's red filtered out: when that agrees with the colour
    reading on a value of the field's form and of the first reading's length, their value replaces
    the first (`repaired`, still reviewed). A reading of another length is not taken: enlarged, a
    long code loses digits (two of 26); nor one that breaks the field's rules (`lawful`: an ID
    number's check digit) where the first obeys them.

    Small digits are misread with high confidence (a 4 read as 1 at 0.999) and a certificate
    code has no check digit to catch it; two readings of differently prepared pixels rarely
    make the same mistake. Neither view is the better witness alone: where a seal's ring crosses a
    digit, the filtered page was read 3 as 8 and the colour patch 3; under a seal's body, the colour
    patch misreads a date the filtered page read right. Only the two together outvote the first.
    """
    if found.value is None or found.box is None or Flag.INVALID_FORMAT in found.flags:
        return found
    b = found.box
    pad = 0.3 * (b.y1 - b.y0)
    h, w = sight.flat.shape[:2]
    x0, y0 = max(int(b.x0 - 2 * pad), 0), max(int(b.y0 - pad), 0)
    x1, y1 = min(math.ceil(b.x1 + 2 * pad), w), min(math.ceil(b.y1 + pad), h)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return found
    patch = sight.flat[y0:y1, x0:x1]
    views = (patch, suppress_red(patch))
    seen, third = sight.engine.recognize_many(
        [
            cv2.resize(view, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
            for view, f in zip(views, REREAD_ENLARGEMENTS, strict=True)
        ]
    )
    again, once_more = (PARSERS[key](s.text) if s is not None else None for s in (seen, third))
    if again is not None and again.value == found.value:
        return found
    if (
        again is not None
        and once_more is not None
        and again.value == once_more.value
        and again.value is not None
        and Flag.INVALID_FORMAT not in again.flags
        and len(again.value) == len(found.value)
        and (lawful is None or lawful(again.value) or not lawful(found.value))
    ):
        return repaired(found, again.value).with_flags(Flag.LOW_CONFIDENCE)
    return found.with_flags(Flag.LOW_CONFIDENCE)


def small_digits(
    sight: ValueSight, key: FieldKey, found: FieldResult, fields: Mapping[FieldKey, FieldResult]
) -> FieldResult:
    """Digits printed lower than SMALL_PRINT_PX (a measured print height; unmeasured values are
    left alone), or read in doubt at any size, read again (`second_reading`): one misread digit
    makes another valid-looking date or code, small print is misread with high confidence, and
    a digit two readings disagreed on (with the seal filtered out and in colour) is settled by
    two more."""
    if sight.print_px.get(key, SMALL_PRINT_PX) < SMALL_PRINT_PX or Flag.LOW_CONFIDENCE in found.flags:
        lawful = digit_rule(key, fields, sight.today) if key in RULED_DIGIT_FIELDS else None
        return second_reading(sight, key, found, lawful)
    return found


# A digit value is read again at these enlargements of its patch: in colour (the second reading),
# and with the seal's red filtered out (the third, which with the second outvotes the first).
REREAD_ENLARGEMENTS = (2.0, 1.5)


# Digit strings too long for one misread or dropped digit to break their form (the 医师资格证书 code:
# 24-27 digits, no check digit), read a second time at any print size.
LONG_DIGIT_FIELDS = (FieldKey.QUALIFICATION_CODE,)


def long_digits(
    sight: ValueSight, key: FieldKey, found: FieldResult, fields: Mapping[FieldKey, FieldResult]
) -> FieldResult:
    """A long digit string read surely, read a second time (`second_reading`) whatever its print
    size: 26 digits read as 25 are still 24-27 digits, and nothing else checks them."""
    return second_reading(sight, key, found)


def name_alone(
    sight: ValueSight, key: FieldKey, found: FieldResult, fields: Mapping[FieldKey, FieldResult]
) -> FieldResult:
    """The name read again from a crop of the name alone.

    A name has no check digit and no list to check it against, and a misread character can be
    read surely (美 for 吴 at 0.98): a name the second reading does not surely confirm is marked
    for review. A doubtful name takes the second reading when its least sure character is surer
    (the page's first reading sees each line whole, label and all; the second sees only the
    name with a little paper around it), and stays marked for review. A name read as one
    character is first read again from further left (`name_after_colon`)."""
    if found.box is None or not found.raw:
        return found
    if Flag.INVALID_FORMAT in found.flags:
        grown = name_after_colon(sight, found)
        if grown is not None:
            return grown
    crop = value_crop(sight.flat, found.box, found.raw)
    if crop is None:
        return found
    read = _read_chars(sight.engine, crop)
    # The crop's edges may catch the label's colon: only what a name is made of counts.
    confidence = min((p for c, p in read if name_char(c)), default=0.0)
    parsed = parse_name("".join(c for c, _ in read))
    if not found.review:
        if parsed.value != found.value or confidence < sight.review_threshold:
            return found.with_flags(Flag.LOW_CONFIDENCE)
        return found
    if parsed.value is None or parsed.flags or parsed.value == found.value or confidence <= found.confidence:
        return found
    return repaired(found, parsed.value, confidence)


def name_after_colon(sight: ValueSight, found: FieldResult) -> FieldResult | None:
    """A name read as one character (姓名：嘉), read again from further left: the characters
    between the label's colon and it, when the colon is read, put before it (周嘉)."""
    box = found.box
    if box is None or found.value is None:
        return None
    reached = replace(box, x0=box.x0 - NAME_REACH * (box.y1 - box.y0))
    crop = value_crop(sight.flat, reached, "：" + found.value)
    if crop is None:
        return None
    read = _read_chars(sight.engine, crop)
    colons = [i for i, (c, _) in enumerate(read) if c in ":："]
    if not colons:
        # Without the colon, what was read before the name may be the label's own 名.
        return None
    kept = [(c, p) for c, p in read[colons[-1] + 1 :] if name_char(c)]
    parsed = parse_name("".join(c for c, _ in kept))
    if parsed.value is None or parsed.flags or not parsed.value.endswith(found.value):
        return None
    return repaired(found, parsed.value, min(p for _, p in kept))


def words_for(
    sight: ValueSight, key: FieldKey, read: str, fields: Mapping[FieldKey, FieldResult]
) -> Mapping[str, str]:
    """The printed forms a value of `key` can take, each with the value it stands for."""
    if key is FieldKey.SCOPE:
        category = fields[FieldKey.CATEGORY]
        return closed_lists.scope_words(read, None if category.review else category.value)
    if key is FieldKey.INSTITUTION:
        return sight.institutions
    if key is not FieldKey.AUTHORITY:
        return closed_lists.closed_words(key)
    words = closed_lists.uncity_authority_words()
    place = elsewhere_place(read)
    if place is not None:
        # Read as another province's authority: that place as printed with each organ form, or a
        # Chongqing authority misread (恭江县 for 綦江县).
        return {**words, **closed_lists.elsewhere_authority_words(place)}
    return words


def closed_list(
    sight: ValueSight, key: FieldKey, found: FieldResult, fields: Mapping[FieldKey, FieldResult]
) -> FieldResult:
    """A doubtful value from a closed list read again against the list (see `scanner.reread.ctc`):
    the one word clearly likelier than every other replaces it, still marked for review.

    A value read shorter than any of the words is read with room for the rest either side; a
    value over several lines is read line after line; an institution or issuer that stops short
    of its ending, and is not settled on its line, is read with the line below it too."""
    if not found.review or found.box is None or not found.raw:
        return found
    key = sight.read_as.get(key, key)
    read = "".join(found.raw.split())
    words = words_for(sight, key, read, fields)
    if read in (closed_lists.uncity_authority_words() if key is FieldKey.AUTHORITY else words):
        # Read as one of the words already (reviewed for the picture's sake): another word
        # would rarely be clearly likelier, and each second look costs a recognition. Not an
        # authority read as another province's: a Chongqing county misread reads as one too.
        return found
    nearest = closed_lists.nearest(words, read)
    box, short = found.box, min((len(w) for w in nearest), default=0) - len(read)
    if short > 0:
        # Read shorter than any word (床 for 临床): the characters not read may lie either side.
        reach = short * (box.y1 - box.y0)
        box = replace(box, x0=box.x0 - reach, x1=box.x1 + reach)
    crop = value_crop(sight.flat, box, read)
    crops = [crop] if crop is not None else wrapped_lines(sight.flat, found.box)
    if not words or not crops:
        return found
    # A value of a complete list (every sex, level, category, official scope, district and
    # issuer) read as none of its words is wrong for sure: the lesser margin suffices. The
    # gazetteer does not hold every institution, so an institution read as none of its names
    # may be right.
    read_wrong = key in closed_lists.CLOSED_FIELDS
    pick = _pick_in_lines(sight.engine, crops, nearest)
    if (pick is None or not ctc.acceptable(pick, read_wrong)) and crop is not None and cut_short(key, read):
        # A name that stops short (重庆医科大学附属口) may go on the next line, undetected.
        below = with_next_line(sight.flat, box)
        pick = _pick_in_lines(sight.engine, below, nearest) if below else None
    if pick is None or pick.value == found.value or not ctc.acceptable(pick, read_wrong):
        return found
    return repaired(found, pick.value)


def _lawful_pick(
    key: FieldKey,
    readings: Sequence[tuple[np.ndarray, Sequence[str]]],
    allowed: Callable[[str], bool],
) -> ctc.Pick | None:
    """Of the readings one or two digits from what the views show that obey the rules, the one
    clearly likelier in them all than every other; None if none is."""
    parse = PARSERS[key]
    alphabet = ID_ALPHABET if key is FieldKey.ID_NUMBER else None
    texts = [text for probs, keys in readings for text in ctc.digit_variants(probs, keys, alphabet)]
    words: dict[str, str] = {}
    for text in dict.fromkeys(texts):
        value = parse(text).value
        if value is not None and allowed(value):
            words[text] = value
    pick = ctc.pick_in_views(readings, words)
    # The value read breaks the rules, so is wrong for sure: the likeliest lawful reading needs
    # only to be clearly likelier than the other lawful ones.
    if pick is None or not ctc.acceptable(pick, True, ctc.MAX_RULED_COST * len(readings)):
        return None
    return pick


def digit_rules(
    sight: ValueSight, key: FieldKey, found: FieldResult, fields: Mapping[FieldKey, FieldResult]
) -> FieldResult:
    """An ID number or date that breaks its rules (check digit, a real date, the birth date in
    the ID number; see `digit_rule`) read again, as printed and stretched: of the readings one or
    two digits away that obey them, the one clearly likelier than every other replaces it, still
    marked for review. An ID number short of its 18 characters is read with the line below too."""
    if not found.review or found.box is None or not found.raw:
        return found
    read = "".join(found.raw.split())
    allowed = digit_rule(key, fields, sight.today)
    if found.value is not None and allowed(found.value):
        # Lawful already: the rules cannot tell a better reading (small digits are read twice
        # for that, see `small_digits`).
        return found
    crop = value_crop(sight.flat, found.box, read)
    if crop is None:
        return found
    # Seen as printed and stretched: each view misses digits the other one sees.
    readings = [sight.engine.step_probabilities(view) for view in (crop, widened(crop))]
    pick = _lawful_pick(key, readings, allowed)
    if pick is None and key is FieldKey.ID_NUMBER and sum(c.isdigit() or c in "Xx" for c in read) < ID_LENGTH:
        # An ID number in a narrow cell may end on the next line, undetected (…020736 / 77).
        lines = with_next_line(sight.flat, found.box)
        if lines:
            pick = _lawful_pick(key, [_reading_of_lines(sight.engine, lines)], allowed)
    if pick is None or pick.value == found.value:
        return found
    return repaired(found, pick.value)


def code_digits(
    sight: ValueSight, key: FieldKey, found: FieldResult, fields: Mapping[FieldKey, FieldResult]
) -> FieldResult:
    """A certificate code not read as CODE_LENGTH digits (11500年152266391), read again in digits
    alone, as printed and else stretched; taken when that gives CODE_LENGTH, and still marked for
    review (a code has no check digit)."""
    if found.box is None or not found.raw or Flag.INVALID_FORMAT not in found.flags:
        return found
    crop = value_crop(sight.flat, found.box, found.raw)
    if crop is None:
        return found
    for view in (crop, widened(crop)):
        probs, keys = sight.engine.step_probabilities(view)
        digits = "".join(c for c, _ in ctc.greedy(probs, keys, "0123456789"))
        if len(digits) == CODE_LENGTH:
            return repaired(found, digits)
    return found


# ---------------------------------------------------------------- the table


@dataclass(frozen=True)
class ValueLook:
    """One second look at values: its name, what it recovers, the fields it looks at (in order),
    and the look itself: the sight, the field's key, the field as left so far and all fields so
    far in; the field, new or as it was, out."""

    name: str
    recovers: str
    keys: tuple[FieldKey, ...]
    look: Callable[[ValueSight, FieldKey, FieldResult, Mapping[FieldKey, FieldResult]], FieldResult]


# In this order: the closed lists' scope words follow the category as read again, the ID number's
# rules are applied before the birth date's (which is checked against it), and a code is read in
# digits alone last.
VALUE_LOOKS: tuple[ValueLook, ...] = (
    ValueLook(
        "small_digits", "digits misread in small print or in doubt (review)", DIGIT_FIELDS, small_digits
    ),
    ValueLook("long_digits", "a long code misread at any size (review)", LONG_DIGIT_FIELDS, long_digits),
    ValueLook("name_alone", "a name misread or cut at the label's colon", (FieldKey.NAME,), name_alone),
    ValueLook("closed_list", "a doubtful value of a closed list, short or wrapped", WORD_FIELDS, closed_list),
    ValueLook("digit_rules", "an ID number or date that breaks its rules", RULED_DIGIT_FIELDS, digit_rules),
    ValueLook("code_digits", "a code not read as 15 digits", (FieldKey.CERTIFICATE_CODE,), code_digits),
)


def reread_values(sight: ValueSight, fields: Mapping[FieldKey, FieldResult]) -> dict[FieldKey, FieldResult]:
    """The fields after every look of `VALUE_LOOKS`, in order, each on its fields in order."""
    found = dict(fields)
    for rule in VALUE_LOOKS:
        for key in rule.keys:
            found = {**found, key: rule.look(sight, key, found[key], found)}
    return found
