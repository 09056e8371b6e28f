"""Name shapes: what must agree between two names for them to be one institution (numbers, district,
kind, short proper names), and `one_edit`, which says when one character's difference is harmless.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from ..lookalike import looks_alike
from .keys import (
    _rules,
    institution_key,
    split_branch,
)
from .text import (
    _ZH_DIGITS,
    _zh_value,
    clean,
    fold,
)

# A name one edit away from a known one (see `one_edit`) is that institution when its key has at
# least this many characters (one is then a small part of it) and every other institution is at
# least one more edit away; it scores SCORE_ONE_EDIT.
ONE_EDIT_MIN_LENGTH = 6
SCORE_ONE_EDIT = 0.9
# A name shorter than ONE_EDIT_MIN_LENGTH but of at least this many characters is still that
# institution when one character of its kind or generic words is misread for a look-alike.
SHORT_ALIKE_LENGTH = 4
# A name of at least this many characters may lose or misread one character of a short proper name
# (see `one_edit`) when every other institution is at least a misread character further away.
LONG_NAME = 6


# Costs of a lost, an added and a replaced character when weighing which institution a damaged name
# is closest to. Look-alike characters are already folded together, so a replaced character is an
# arbitrary misreading, rarer in OCR than a lost one: it costs one and a half.
_EDIT_WEIGHTS = (2, 2, 3)


@dataclass(frozen=True)
class NameShape:
    """What must agree between two names for them to be one institution: numbers, district, kind."""

    numbers: tuple[int, ...]
    number_unknown: bool
    district: str | None
    kind: frozenset[str] | None
    # Whether the kind was read whole (not a damaged form such as 人医院).
    kind_exact: bool
    # Whether a proper name stands before the kind (三峡, 协和); None when the kind is unknown.
    proper: bool | None
    branch: bool
    # Positions (in the folded key) where a lost character means another institution: numbers and
    # the district (大足区 without 大 could be 足区 anywhere).
    protected: frozenset[int]
    # Positions where a replaced character means another institution: those above, and short
    # proper names (新桥 → 新华 is another hospital).
    identity: frozenset[int]
    # The 区 or 县 that ends a district: misread, the rest of the district still names it.
    district_suffix: frozenset[int] = frozenset()
    # The parent organization word (医科大学, 大学), when one is read whole.
    org: str | None = None
    # Positions of the digits of numbers: no character there may be misread, however alike.
    number_positions: frozenset[int] = frozenset()


@lru_cache(maxsize=100_000)
def shape(folded_key: str) -> NameShape:
    """The shape of a folded institution key (see `NameShape`)."""
    r = _rules(True)
    protected: set[int] = set()
    district: str | None = None
    masked = folded_key
    suffix: set[int] = set()
    for m in r.district.finditer(folded_key):
        district = district or r.district_of.get(m.group(), m.group())
        protected.update(range(m.start(), m.end()))
        if m.end() - m.start() >= 3 and m.group()[-1] in r.f("区县"):
            suffix.add(m.end() - 1)
        masked = masked[: m.start()] + "＿" * (m.end() - m.start()) + masked[m.end() :]
    base, branch = split_branch(masked, folded=True)
    kind_match = r.kind.search(base)
    kind = r.kind_class[kind_match.group()] if kind_match else None
    kind_exact = kind_match is not None and kind_match.group() not in r.damaged_kinds
    numbers: list[int] = []
    digit_positions: set[int] = set()
    for m in r.number.finditer(masked):
        value = _zh_value(m.group(1) or m.group(2))
        if value is not None:
            numbers.append(value)
            # The digits, not 第: 附属笫二医院 still says 二.
            digits = 1 if m.group(1) else 2
            protected.update(range(m.start(digits), m.end(digits)))
            digit_positions.update(range(m.start(digits), m.end(digits)))
    number_unknown = bool(r.broken_number.search(masked))
    # A short proper name (新桥, 西南, 三峡) is the institution's identity: no character of it may be
    # read as misread.
    identity = set(protected)
    head_end = kind_match.start() if kind_match else len(base)
    head = r.generic.sub(lambda g: "＿" * len(g.group()), masked[:head_end])
    parts = [p for p in re.finditer(rf"[^＿{_ZH_DIGITS}{r.f('第')}]+", head) if r.number.sub("", p.group())]
    for part in parts:
        if len(part.group()) <= 2 and not r.org_start.match(part.group()):
            identity.update(range(part.start(), part.end()))
    proper = bool(parts) if kind_exact else None
    return NameShape(
        tuple(numbers),
        number_unknown,
        district,
        kind,
        kind_exact,
        proper,
        bool(branch),
        frozenset(protected),
        frozenset(identity),
        frozenset(suffix),
        org.group() if (org := r.org.search(base)) else None,
        frozenset(digit_positions),
    )


@lru_cache(maxsize=100_000)
def named_district(name: str) -> str | None:
    """The district an institution's name names (in the folded spelling of `shape`), or None."""
    return shape(institution_key(fold(clean(name)), folded=True)).district


def compatible(a: NameShape, b: NameShape, strict_kind: bool = True) -> bool:
    """Whether two shapes may be one institution: same numbers, district and branchness, a proper
    name on both or neither, and the same kind where both are known (人民医院 never becomes 中医院).
    With `strict_kind` False the kinds need not agree (to find rivals of a damaged name)."""
    if a.number_unknown or b.number_unknown or a.numbers != b.numbers:
        return False
    if a.district != b.district or a.branch != b.branch:
        return False
    if a.org is not None and b.org is not None and a.org != b.org:
        return False
    if a.proper is not None and b.proper is not None and a.proper != b.proper:
        return False
    return not strict_kind or a.kind is None or b.kind is None or bool(a.kind & b.kind)


def _edits_allowed(text: str, target: str, target_shape: NameShape) -> bool:
    """No character of `target` that carries identity was replaced, its first character was not
    replaced (空军军医大学 is not 陆军军医大学), and no number, district or short proper name lost a
    character: a difference there is another institution (重庆市安医院 is no 重庆北安医院). A longer
    proper name that lost a character is still the one it came from. A character misread for a
    look-alike (`lookalike`) is no such difference, except in a number."""
    for op in list(Levenshtein.editops(text, target)):
        if (
            op.tag == "replace"
            and (op.dest_pos == 0 or op.dest_pos in target_shape.identity)
            and not _alike_misread(text, op.src_pos, target, op.dest_pos, target_shape)
        ):
            return False
        if op.tag == "insert" and op.dest_pos in target_shape.identity:
            return False
        if op.tag == "delete" and not _harmless_extra(text, op.src_pos, op.dest_pos, target_shape):
            return False
    return True


def _alike_misread(text: str, at: int, target: str, dest: int, target_shape: NameShape) -> bool:
    """Whether the character at `at` of `text` may be the target's character at `dest` misread for
    its shape (设 → 没, 黔 → 默; see `lookalike`): never a digit of a number."""
    return dest not in target_shape.number_positions and looks_alike(text[at], target[dest])


@lru_cache(maxsize=1024)
def _one_kind_reads(kind: str, at: int) -> bool:
    """Whether the folded kind word `kind` (four characters or more) with its character at `at`
    unknown reads as kinds of one class only."""
    r = _rules(True)
    if len(kind) < 4:
        return False
    pattern = re.compile(re.escape(kind[:at]) + "." + re.escape(kind[at + 1 :]))
    classes = {
        c
        for word, cs in r.kind_class.items()
        if len(word) == len(kind) and pattern.fullmatch(word)
        for c in cs
    }
    return len(classes) == 1


def _harmless_extra(text: str, at: int, before: int, target_shape: NameShape) -> bool:
    """Whether the character at `at` of `text`, absent from the target before its position `before`,
    may be noise: not a digit or 第 (another number), not a character of a district name (what is
    left of a district), and not beside a short proper name (西南铅医院 is no 西南医院)."""
    r = _rules(True)
    if text[at] in f"{_ZH_DIGITS}{r.f('第')}" or text[at] in r.district_chars:
        return False
    proper = target_shape.identity - target_shape.protected
    return before not in proper and before - 1 not in proper


class Reach(IntEnum):
    """How far `one_edit` may reach into what tells institutions apart, and so how much nearer than
    every other institution the match must be (`margin`)."""

    # Nothing that tells institutions apart is touched.
    STRICT = 0
    # One character of a short proper name, in a long name.
    LONG = 1
    # One character anywhere but a number or a district, in a name of four characters or more.
    WIDE = 2

    @property
    def margin(self) -> int:
        """Weighted edits (see _EDIT_WEIGHTS) every other institution must lie further away: a lost
        character, a misread one, two misread ones."""
        return (min(_EDIT_WEIGHTS), max(_EDIT_WEIGHTS), 2 * max(_EDIT_WEIGHTS))[self]


def one_edit(text: str, target: str, target_shape: NameShape, reach: Reach = Reach.STRICT) -> bool:
    """Whether `text` is `target` with one character lost, added or misread where that cannot make
    it another institution: not the first character, no number, no district name (its final 区/县
    may be misread), no character of a short proper name (新桥, 西南), and the kind not turned into
    another kind (中心医院 without 心 is 中医院). Folded keys both.

    A character misread for one of like shape (`lookalike`: 设 → 没, 黔 → 默) is no such change, even
    in a district or proper name: what OCR read is still that character's shape. In a short name it
    is accepted only outside the proper name and district (望江医浣 → 望江医院).

    With a wider `reach`, a name of LONG_NAME characters or more may also have lost or misread one
    character of a short proper name (重庆三峡民康医院 → 重庆三峡康医院), and with the widest any name
    of SHORT_ALIKE_LENGTH or more one character anywhere but a number or a district (重钢总匿院,
    重医属永川医院): the rest of the name still tells which institution it is, so the caller asks for
    a wider margin to every other one instead (`Reach.margin`).
    """
    ops = list(Levenshtein.editops(text, target))
    if len(ops) != 1:
        return False
    op = ops[0]
    alike = op.tag == "replace" and _alike_misread(text, op.src_pos, target, op.dest_pos, target_shape)
    proper = target_shape.identity - target_shape.protected if len(target) >= LONG_NAME else frozenset()
    free = op.dest_pos not in target_shape.protected and len(target) >= SHORT_ALIKE_LENGTH
    loose = (reach >= Reach.LONG and op.dest_pos in proper) or (reach >= Reach.WIDE and free)
    if len(target) < ONE_EDIT_MIN_LENGTH and not (
        (alike and len(target) >= SHORT_ALIKE_LENGTH and op.dest_pos not in target_shape.identity)
        or (reach >= Reach.WIDE and free)
    ):
        return False
    if op.dest_pos == 0 and op.tag != "delete" and not (alike or (loose and op.tag == "insert")):
        return False
    if (
        op.tag == "replace"
        and op.dest_pos in target_shape.identity - target_shape.district_suffix
        and not (alike or loose)
    ):
        return False
    if op.tag == "insert" and op.dest_pos in target_shape.identity and not loose:
        return False
    if op.tag == "delete" and not _harmless_extra(text, op.src_pos, op.dest_pos, target_shape):
        return False
    mine = shape(text)
    if mine.numbers != target_shape.numbers or mine.number_unknown or mine.branch != target_shape.branch:
        return False
    if mine.district is not None and mine.district != target_shape.district:
        return False
    r = _rules(True)
    kind = r.kind.search(split_branch(target, folded=True)[0])
    bare = mine.kind_exact and mine.kind == r.kind_class[r.f("医院")]
    if op.tag == "replace" and kind is not None and kind.start() <= op.dest_pos < kind.end() - 2:
        # A character misread at the head of a longer kind: still that kind only when a bare 医院
        # is left (中医院 → 申医院, 总医院 → 怠医院); 康复医院 → 永复医院 may be 永川医院. A
        # look-alike keeps the kind (妇幻保健院 is 妇幼保健院), and so does a misread inside a long
        # kind that no other kind reads as (妇纺保健院: only 妇幼保健院 reads 妇?保健院; its head only
        # in a kind of five characters or more: 惠民医院 is no misread 人民医院).
        inner = (op.dest_pos > kind.start() or kind.end() - kind.start() >= 5) and _one_kind_reads(
            kind.group(), op.dest_pos - kind.start()
        )
        return bare or alike or inner
    # Otherwise the kinds must not differ: 中心医院 without 心 is 中医院.
    return (
        mine.kind is None
        or not mine.kind_exact
        or target_shape.kind is None
        or bool(mine.kind & target_shape.kind)
    )
