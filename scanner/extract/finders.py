"""Finders of values whose label was not read, as one ordered table of named rules (`FINDERS`).

Each rule looks at the page's unclaimed text and the fields found so far (read-only) and returns the
fields it recovers; `extract_fields` merges them in table order, a later rule's result replacing an
earlier one's for the same field.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process
from stdnum.cn import ric

from ..checks import FIRST_CERTIFICATES, MIN_LICENSING_AGE, add_years, id_birth_date
from ..fields import CODE_LENGTH, ID_LENGTH, FieldKey, FieldResult, Flag, Sex
from ..normalize import words as closed_lists
from .forms import (
    _DATE_RE,
    _DIGIT_CONFUSIONS,
    _FULLWIDTH,
    _NAME_DOTS,
    _PUNCT_EDGES,
    NAME_DOT_CHARS,
    SELF_EVIDENT,
    _closed_forms,
    _word_agreement,
)
from .labels import CURRENT_TABLE, Form, LabelTable
from .layout import Row, Run, Token, _free_below
from .parse import QUALIFICATION_DIGITS, _result, name_char, parse_code, parse_id_number

# The documents that print a 医师资格证书 code (the current layout does not).
QUALIFICATION_FORMS = (Form.OLD_BOOKLET, Form.QUALIFICATION)


def _free(runs: Sequence[Run]) -> Iterator[Run]:
    """The runs of free text: no label's value, not claimed as part of one."""
    return (run for run in runs if run.key is None and not run.claimed)


def _code_anywhere(runs: Sequence[Run], threshold: float) -> FieldResult | None:
    """The certificate code printed away from the fields: a lone 15-digit run in unclaimed text."""
    found: list[FieldResult] = []
    for run in _free(runs):
        digits = [t for t in run.tokens if t.text.isdigit()]
        if len(digits) == CODE_LENGTH and parse_code(run.text).value is not None:
            found.append(_result(FieldKey.CERTIFICATE_CODE, digits, threshold))
    distinct = {f.value for f in found}
    if len(distinct) == 1:
        return max(found, key=lambda f: f.confidence)
    return None


# A value of at least this many characters is known also behind a few misread label characters
# (西件单制执业助理医师); shorter ones (男, 临床, 重庆市) only standing alone or after a colon.
TELLING_LENGTH = 4
# The longest label (主要执业机构) is this long: more text before a value is no misread label.
LONGEST_LABEL = 6


def _value_tokens(run: Run, keep: str = "") -> list[Token]:
    """A free run's characters after its last colon (a label too poorly read to be known still
    ends there: 邮级别：执业医师), punctuation left out but for the marks in `keep`."""
    tokens = run.tokens
    colons = [i for i, t in enumerate(tokens) if t.text == ":"]
    if colons:
        tokens = tokens[colons[-1] + 1 :]
    return [t for t in tokens if (t.text not in _PUNCT_EDGES or t.text in keep) and t.text.strip()]


def _closed_anywhere(
    runs: Sequence[Run], key: FieldKey, threshold: float, table: LabelTable = CURRENT_TABLE
) -> FieldResult | None:
    """A value whose label was not read, known by its form: a run of unclaimed text that is one of
    the field's printed forms, or ends in a long one behind what can only be a misread label, or
    in any one behind a misread label ending as the field's does (and no other run holds another
    one)."""
    forms = closed_lists.closed_words(key)
    tails = {label[-1] for label in table[key]}
    found: list[FieldResult] = []
    for run in _free(runs):
        meaningful = _value_tokens(run)
        text = "".join(t.text for t in meaningful)
        form = text if text in forms else None
        if form is None and len(meaningful) == len(text):
            for cut in range(1, min(LONGEST_LABEL, len(text) - 1) + 1):
                # Behind a label's last character read right (社美别中医), a short value is known too.
                if text[cut:] in forms and (len(text) - cut >= TELLING_LENGTH or text[cut - 1] in tails):
                    form, meaningful = text[cut:], meaningful[cut:]
                    break
        if form is not None:
            result = _result(key, meaningful, threshold)
            found.append(replace(result, value=forms[form]).with_flags(Flag.UNLABELLED))
    distinct = {f.value for f in found}
    return found[0] if len(distinct) == 1 else None


# A value behind a colon whose label was unreadable, and itself misread (热业医维), is the one missing
# closed-list field it resembles: this similar (rapidfuzz ratio, 0-100) to one of that field's words
# of about its length (within LENGTH_SLACK characters), and to no other missing field's. The second
# look then reads it against those words.
RESEMBLES = 50.0
LENGTH_SLACK = 2


# A page where detection found at most this many labels but at least this many runs of other text
# lost its labels to faint print (labels printed small on shaded cells) or glare: every misread
# value there is without its label, colon or not.
FEW_LABELS = 3
MANY_VALUES = 6


def _resembling_values(
    fields: Mapping[FieldKey, FieldResult], runs: Sequence[Run], threshold: float
) -> dict[FieldKey, FieldResult]:
    """Closed-list values behind a colon, misread, whose labels were not read: each taken as the one
    missing field it resembles, when no other run resembles that field too. On a page that lost
    nearly all its labels, values need no colon before them."""
    missing = [k for k in SELF_EVIDENT if _absent(fields.get(k))]
    labelled = {r.key for r in runs if r.key is not None}
    labels_lost = len(labelled) <= FEW_LABELS and len(list(_free(runs))) >= MANY_VALUES
    found: dict[FieldKey, list[FieldResult]] = {}
    for run in _free(runs):
        if not labels_lost and not any(t.text == ":" for t in run.tokens):
            continue
        meaningful = _value_tokens(run)
        text = "".join(t.text for t in meaningful)
        if len(text) < 2:
            continue
        near = [k for k in missing if _resemblance(text, closed_lists.closed_words(k)) >= RESEMBLES]
        if len(near) == 1:
            found.setdefault(near[0], []).append(
                _result(near[0], meaningful, threshold).with_flags(Flag.UNLABELLED)
            )
    return {key: results[0] for key, results in found.items() if len(results) == 1}


def _resemblance(text: str, words: Iterable[str]) -> float:
    """How like the likest word of about its length a text is (rapidfuzz ratio)."""
    alike = [w for w in words if abs(len(w) - len(text)) <= LENGTH_SLACK]
    best = process.extractOne(text, alike, scorer=fuzz.ratio)
    return float(best[1]) if best else 0.0


def _dates_anywhere(runs: Sequence[Run], threshold: float) -> list[FieldResult]:
    """Dates in unclaimed text (生日南1984-02-02: a label lost to small print), in page order."""
    found: list[FieldResult] = []
    for run in _free(runs):
        meaningful = [t for t in run.tokens if t.text.strip()]
        text = "".join(t.text for t in meaningful)
        if len(text) != len(meaningful):
            continue
        match = _DATE_RE.search(text.translate(_FULLWIDTH))
        if match is not None:
            found.append(_result(FieldKey.BIRTH_DATE, meaningful[match.start() : match.end()], threshold))
    return found


def _place_dates(
    fields: Mapping[FieldKey, FieldResult], runs: Sequence[Run], threshold: float, today: dt.date
) -> dict[FieldKey, FieldResult]:
    """Birth and issue dates whose labels were not read, told apart by what they must be: the birth
    date is the one the ID number gives, or of two dates the one at least 18 years earlier; a date
    before the first certificates were issued is a birth date, and one less than 18 years ago an
    issue date."""
    missing = [k for k in (FieldKey.BIRTH_DATE, FieldKey.ISSUE_DATE) if _absent(fields.get(k))]
    free = [d for d in _dates_anywhere(runs, threshold) if _iso(d) and Flag.INVALID_FORMAT not in d.flags]
    if not missing or not free:
        return {}
    id_number = fields.get(FieldKey.ID_NUMBER)
    in_id = _born_per_id(id_number.value if id_number else None)
    birth, issue = _iso(fields.get(FieldKey.BIRTH_DATE)), _iso(fields.get(FieldKey.ISSUE_DATE))
    dated = sorted({d.value: d for d in free}.values(), key=lambda d: str(d.value))
    assigned: dict[FieldKey, FieldResult] = {}
    if len(dated) == 2 and _years_apart(str(dated[0].value), str(dated[1].value)) >= MIN_LICENSING_AGE:
        assigned = {FieldKey.BIRTH_DATE: dated[0], FieldKey.ISSUE_DATE: dated[1]}
    elif len(dated) == 1:
        day = str(dated[0].value)
        birth_like = (
            day == in_id
            or day < FIRST_CERTIFICATES.isoformat()
            or bool(issue and _years_apart(day, issue) >= MIN_LICENSING_AGE)
        )
        issue_like = day > add_years(today, -MIN_LICENSING_AGE).isoformat() or bool(
            birth and _years_apart(birth, day) >= MIN_LICENSING_AGE
        )
        if birth_like != issue_like:
            assigned = {FieldKey.BIRTH_DATE if birth_like else FieldKey.ISSUE_DATE: dated[0]}
    return {key: result.with_flags(Flag.UNLABELLED) for key, result in assigned.items() if key in missing}


# A Han name is two to four characters (a double surname and a double given name at most); longer
# runs of characters are titles and headings. Minority names are longer, but joined by a '·'.
LONGEST_HAN_NAME = 4


# A two-character label (姓名, 性别) misread beyond recognition leaves at most this many characters
# before its value (件例女, 社名刘义).
SHORT_LABEL_REMNANT = 2


def _name_like(tokens: Sequence[Token]) -> bool:
    """Whether text could be a whole name: two to four characters, or a minority name with its '·'."""
    text = _NAME_DOTS.sub("·", "".join(t.text for t in tokens))
    if not text or not all(name_char(c) for c in text):
        return False
    return "·" in text.strip("·") or 2 <= len(text) <= LONGEST_HAN_NAME


def _like_a_word(text: str, words: Iterable[str]) -> bool:
    """Whether text is one of the words, or as long as one and has half its characters in place
    (找业新师 is 执业医师 misread, no name)."""
    return bool(text) and 2 * _word_agreement(text, words) >= len(text)


def _name_by_place(runs: Sequence[Run], threshold: float) -> FieldResult | None:
    """The name whose label was not read, known by its place: every certificate prints the name as
    its first field, so it is the name-like run of unclaimed text before every value (above them,
    or left of the first one on its row in a two-column form), in the column of the values below
    it, and no other field's printed word. A label misread beyond recognition and read as one with
    the name (社名刘义) is left out: only what lies in the values' column is the name. Values right
    of that column (another page's, above it in a picture of stacked spreads) may come before it."""
    values = [r for r in runs if r.key not in (None, FieldKey.NAME, FieldKey.CERTIFICATE_CODE) and r.tokens]
    if not values:
        return None
    first = min(values, key=lambda r: (r.row, r.tokens[0].x0))
    words = _closed_forms()
    found: list[FieldResult] = []
    for run in _free(runs):
        # A minority name keeps its dot (库尔班·麦麦提).
        tokens = _value_tokens(run, keep=NAME_DOT_CHARS)
        while tokens and _NAME_DOTS.fullmatch(tokens[0].text):
            tokens = tokens[1:]
        while tokens and _NAME_DOTS.fullmatch(tokens[-1].text):
            tokens = tokens[:-1]
        below = [v.tokens[0].x0 for v in values if v.row > run.row]
        if not tokens or not below:
            continue
        h = statistics.median(t.h for t in tokens)
        # Where the text starts, behind as much of a label's remnant as puts it nearest the column.
        starts = range(min(SHORT_LABEL_REMNANT, max(len(tokens) - 2, 0)) + 1)
        cut = min(starts, key=lambda i: min(abs(x - tokens[i].x0) for x in below))
        meaningful = tokens[cut:]
        x0 = meaningful[0].x0
        # Values right of its column are another page's when spreads are stacked (p2's 编码 above
        # p3's name): only those in its column or left of it come after the name.
        before = [v for v in values if v.tokens[0].x0 <= x0 + 1.5 * h]
        ahead = min(before, key=lambda r: (r.row, r.tokens[0].x0), default=first)
        if (
            _name_like(meaningful)
            and not _like_a_word("".join(t.text for t in meaningful), words)
            and (run.row, x0) < (ahead.row, ahead.tokens[0].x0)
            and min(abs(x - x0) for x in below) <= 1.5 * h
        ):
            found.append(_result(FieldKey.NAME, meaningful, threshold).with_flags(Flag.UNLABELLED))
    return found[0] if len(found) == 1 else None


def _sex_by_place(runs: Sequence[Run], threshold: float) -> FieldResult | None:
    """The sex whose label was misread beyond recognition (件例女, 制女), known by its place: every
    certificate prints it right after the name, so it is the unclaimed text ending in 男 or 女 behind
    at most two other characters, after the name and before every other value."""
    names = [r for r in runs if r.key is FieldKey.NAME and r.tokens]
    others = [r for r in runs if r.key not in (None, FieldKey.NAME, FieldKey.CERTIFICATE_CODE) and r.tokens]
    if len(names) != 1 or not others:
        return None
    name, next_row = names[0], min(r.row for r in others)
    found: list[FieldResult] = []
    for run in _free(runs):
        meaningful = [t for t in run.tokens if t.text not in _PUNCT_EDGES and t.text.strip()]
        text = "".join(t.text for t in meaningful)
        if not (1 <= len(text) <= SHORT_LABEL_REMNANT + 1 and text[-1] in (Sex.MALE, Sex.FEMALE)):
            continue
        if Sex.MALE in text[:-1] or Sex.FEMALE in text[:-1]:
            continue
        after_name = run.row > name.row or (run.row == name.row and meaningful[0].x0 > name.tokens[-1].x1)
        if after_name and run.row < next_row:
            found.append(_result(FieldKey.SEX, meaningful[-1:], threshold).with_flags(Flag.UNLABELLED))
    return found[0] if len(found) == 1 else None


# Unlabelled text is an institution of the gazetteer when at least this like one of its names
# (rapidfuzz ratio: four characters in five in common), and likest to that one alone.
INSTITUTION_RESEMBLES = 80.0
# Shorter text is no institution's name (重庆市 is a practice place).
SHORTEST_INSTITUTION = 4


def _institution_anywhere(
    runs: Sequence[Run], rows: Sequence[Row], names: Collection[str], threshold: float
) -> FieldResult | None:
    """The institution whose label was not read, known by its name: unclaimed text, alone or with
    the line below that it wraps onto (重庆市渝北区人 / 民医院), like one name of the gazetteer
    (`names`) more than any other, when no other text is."""
    free = [r for r in runs if r.key is None]
    found: list[FieldResult] = []
    for run in _free(runs):
        tokens = _value_tokens(run)
        if len(tokens) < SHORTEST_INSTITUTION:
            continue
        h = statistics.median(t.h for t in tokens)
        below = _free_below(free, rows, run.row, tokens[0].x0, h)
        readings = [tokens] + ([tokens + _value_tokens(below)] if below is not None else [])
        for reading in reversed(readings):
            text = "".join(t.text for t in reading)
            best = process.extract(text, names, scorer=fuzz.ratio, limit=2)
            if best and best[0][1] >= INSTITUTION_RESEMBLES and (len(best) < 2 or best[1][1] < best[0][1]):
                found.append(_result(FieldKey.INSTITUTION, reading, threshold).with_flags(Flag.UNLABELLED))
                break
    return found[0] if len(found) == 1 else None


def _years_apart(earlier: str, later: str) -> int:
    """Whole years from one ISO date to a later one (negative when it is earlier)."""
    years = int(later[:4]) - int(earlier[:4])
    return years - 1 if later[5:] < earlier[5:] else years


def _iso(field: FieldResult | None) -> str | None:
    """A field's value if it is a date in ISO form (the checks decide whether it is a real one)."""
    value = field.value if field else None
    return value if value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None


def _sex_taken_as_name(runs: Sequence[Run], threshold: float) -> FieldResult | None:
    """The sex read as the name's value: 姓名 whose own value was lost (under glare) takes the
    next text on its row, which is 男 or 女 when the 性别 label between was lost too."""
    for run in runs:
        if run.key is FieldKey.NAME:
            tokens = _value_tokens(run)
            if "".join(t.text for t in tokens) in (Sex.MALE, Sex.FEMALE):
                return _result(FieldKey.SEX, tokens, threshold).with_flags(Flag.UNLABELLED)
    return None


def _born_per_id(id_number: str | None) -> str | None:
    """The birth date (ISO) a whole ID number gives, if it is a real date."""
    born = id_birth_date(id_number) if id_number and len(id_number) == ID_LENGTH else None
    return born.isoformat() if born else None


def _absent(field: FieldResult | None) -> bool:
    return field is None or field.value is None


def _id_anywhere(runs: Sequence[Run], threshold: float, born: str | None) -> FieldResult | None:
    """The ID number whose label was not read: a lone 18-character run in unclaimed text whose
    check digit holds (a stray number passes the GB 11643 check only once in eleven), or that holds
    the birth date read (`born`, ISO) where an ID number does (then it is misread, and reviewed)."""
    found: list[FieldResult] = []
    for run in _free(runs):
        chars = [t for t in run.tokens if t.text.translate(_DIGIT_CONFUSIONS).isdigit() or t.text in "Xx"]
        parsed = parse_id_number(run.text)
        value = parsed.value
        if len(chars) != ID_LENGTH or value is None or Flag.INVALID_FORMAT in parsed.flags:
            continue
        checked = ric.calc_check_digit(value) == value[-1]
        if checked or (born is not None and _born_per_id(value) == born):
            result = _result(FieldKey.ID_NUMBER, chars, threshold)
            found.append(result if checked else result.with_flags(Flag.UNLABELLED))
    distinct = {f.value for f in found}
    if len(distinct) == 1:
        return max(found, key=lambda f: f.confidence)
    return None


# ---------------------------------------------------------------- the finders as an ordered table


@dataclass(frozen=True)
class Reading:
    """What the finders look at: the page's rows and runs, and the settings of this reading."""

    runs: Sequence[Run]
    rows: Sequence[Row]
    # The confidence every character of a value needs.
    threshold: float
    # The day the reading is made (None: today), which tells a recent date from a birth date.
    today: dt.date | None = None
    # The names institutions are printed under (the gazetteer), which tell an institution's name.
    institutions: Collection[str] = ()
    # The labels of the printed form read.
    table: LabelTable = CURRENT_TABLE


# The fields found so far, read-only to a rule.
Found = Mapping[FieldKey, FieldResult]


@dataclass(frozen=True)
class Rule:
    """A named finder: which fields it may recover, and the function that returns what it recovered.

    `apply` looks at the page and the fields found so far and returns the fields it recovers (none,
    one or several); it never changes what it is given.
    """

    name: str
    recovers: tuple[FieldKey, ...]
    apply: Callable[[Reading, Found], dict[FieldKey, FieldResult]]


def code_anywhere(page: Reading, found: Found) -> dict[FieldKey, FieldResult]:
    """The certificate code, when no label gave it: a lone 15-digit run in unclaimed text, wherever
    on the page it is printed."""
    if not _absent(found.get(FieldKey.CERTIFICATE_CODE)):
        return {}
    anywhere = _code_anywhere(page.runs, page.threshold)
    return {FieldKey.CERTIFICATE_CODE: anywhere} if anywhere is not None else {}


def qualification_code_anywhere(page: Reading, found: Found) -> dict[FieldKey, FieldResult]:
    """The 医师资格证书 code, when no label gave it, on a document that prints one (the old booklet, a
    资格证书): the one lone run of 24 to 27 digits in unclaimed text, unlabelled (so reviewed)."""
    key = FieldKey.QUALIFICATION_CODE
    if not _absent(found.get(key)) or page.table.form not in QUALIFICATION_FORMS:
        return {}
    found_codes: list[FieldResult] = []
    for run in _free(page.runs):
        digits = [t for t in run.tokens if t.text.isdigit()]
        text = "".join(t.text for t in run.tokens if t.text.strip(_PUNCT_EDGES))
        if len(digits) == len(text) and len(digits) in QUALIFICATION_DIGITS:
            found_codes.append(_result(key, digits, page.threshold).with_flags(Flag.UNLABELLED))
    return {key: found_codes[0]} if len({f.value for f in found_codes}) == 1 else {}


def id_anywhere(page: Reading, found: Found) -> dict[FieldKey, FieldResult]:
    """The ID number, when no label gave it: a lone 18-character run in unclaimed text whose check
    digit holds, or that holds the birth date read (then reviewed)."""
    if not _absent(found.get(FieldKey.ID_NUMBER)):
        return {}
    unlabelled = _id_anywhere(page.runs, page.threshold, _iso(found.get(FieldKey.BIRTH_DATE)))
    return {FieldKey.ID_NUMBER: unlabelled} if unlabelled is not None else {}


def sex_taken_as_name(page: Reading, found: Found) -> dict[FieldKey, FieldResult]:
    """The sex, when 姓名 took 男 or 女 as its value (the name and the 性别 label lost under glare):
    that value becomes the sex, and the name is missing."""
    if not _absent(found.get(FieldKey.SEX)):
        return {}
    sex = _sex_taken_as_name(page.runs, page.threshold)
    return {FieldKey.SEX: sex, FieldKey.NAME: FieldResult.missing()} if sex is not None else {}


def closed_anywhere(page: Reading, found: Found) -> dict[FieldKey, FieldResult]:
    """Closed-list values (sex, level, category, scope, place, authority) whose label was not read,
    known by their printed form: alone, after a colon, or behind a misread label."""
    out: dict[FieldKey, FieldResult] = {}
    for key in SELF_EVIDENT:
        if _absent(found.get(key)):
            evident = _closed_anywhere(page.runs, key, page.threshold, page.table)
            if evident is not None:
                out[key] = evident
    return out


def institution_anywhere(page: Reading, found: Found) -> dict[FieldKey, FieldResult]:
    """The institution whose label was not read, known by its name in the gazetteer (alone, or with
    the line it wraps onto), when the reading was given the gazetteer's names."""
    if not _absent(found.get(FieldKey.INSTITUTION)) or not page.institutions:
        return {}
    institution = _institution_anywhere(page.runs, page.rows, page.institutions, page.threshold)
    return {FieldKey.INSTITUTION: institution} if institution is not None else {}


def resembling_values(page: Reading, found: Found) -> dict[FieldKey, FieldResult]:
    """Closed-list values behind a colon, misread (热业医维), whose label was not read: each taken as
    the one missing field it resembles; on a page that lost nearly all its labels, without a colon."""
    return _resembling_values(found, page.runs, page.threshold)


def place_dates(page: Reading, found: Found) -> dict[FieldKey, FieldResult]:
    """Birth and issue dates whose labels were not read, told apart by what they must be (the ID
    number's birth date, 18 years between them, before the first certificates, too recent)."""
    return _place_dates(found, page.runs, page.threshold, page.today or dt.date.today())


def name_by_place(page: Reading, found: Found) -> dict[FieldKey, FieldResult]:
    """The name, when none was read or it is one character (性, a label's remnant): the name-like
    unclaimed text before every value, in the values' column."""
    name = found.get(FieldKey.NAME)
    if not (_absent(name) or Flag.INVALID_FORMAT in found[FieldKey.NAME].flags):
        return {}
    by_place = _name_by_place(page.runs, page.threshold)
    return {FieldKey.NAME: by_place} if by_place is not None else {}


def sex_by_place(page: Reading, found: Found) -> dict[FieldKey, FieldResult]:
    """The sex whose label was misread beyond recognition (件例女, 制女): 男 or 女 behind at most two
    other characters, after the name and before every other value."""
    sex = found.get(FieldKey.SEX)
    if not (_absent(sex) or Flag.INVALID_FORMAT in found[FieldKey.SEX].flags):
        return {}
    by_place = _sex_by_place(page.runs, page.threshold)
    return {FieldKey.SEX: by_place} if by_place is not None else {}


# The finders in the order they are applied. A later rule sees what the earlier ones found and its
# result replaces theirs for the same field (sex_taken_as_name clears the name 男 was taken for).
FINDERS: tuple[Rule, ...] = (
    Rule("code_anywhere", (FieldKey.CERTIFICATE_CODE,), code_anywhere),
    Rule("qualification_code_anywhere", (FieldKey.QUALIFICATION_CODE,), qualification_code_anywhere),
    Rule("id_anywhere", (FieldKey.ID_NUMBER,), id_anywhere),
    Rule("sex_taken_as_name", (FieldKey.SEX, FieldKey.NAME), sex_taken_as_name),
    Rule("closed_anywhere", SELF_EVIDENT, closed_anywhere),
    Rule("institution_anywhere", (FieldKey.INSTITUTION,), institution_anywhere),
    Rule("resembling_values", SELF_EVIDENT, resembling_values),
    Rule("place_dates", (FieldKey.BIRTH_DATE, FieldKey.ISSUE_DATE), place_dates),
    Rule("name_by_place", (FieldKey.NAME,), name_by_place),
    Rule("sex_by_place", (FieldKey.SEX,), sex_by_place),
)
