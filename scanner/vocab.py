"""Closed vocabularies from the project's data files (source noted in scanner/data/README.md)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .fields import NAME_DOTS, Category

# Separators between several scopes on one certificate (OCR reads 、 as a comma, a semicolon or a
# middle dot); 医学检验、病理专业 is one scope, handled below.
SCOPE_SEPARATORS = "、；;，,·・"
_SCOPE_SPLIT = re.compile(f"[{SCOPE_SEPARATORS}]")
# As printed, spaces separate scopes too, and several separators in a row are one.
_PRINTED_SCOPE_SPLIT = re.compile(rf"[{SCOPE_SEPARATORS}\s]+")


@cache
def scopes_by_category() -> dict[Category, tuple[str, ...]]:
    """The official 执业范围 list for each 执业类别."""
    table: dict[Category, list[str]] = {c: [] for c in Category}
    text = resources.files("scanner.data").joinpath("practice_scopes.csv").read_text("utf-8")
    for row in csv.DictReader(text.splitlines()):
        table[Category(row["category"])].append(row["scope"])
    return {c: tuple(v) for c, v in table.items()}


@cache
def all_scopes() -> frozenset[str]:
    """Every scope of every category."""
    return frozenset(s for scopes in scopes_by_category().values() for s in scopes)


def compound_scopes(scopes: Iterable[str]) -> list[str]:
    """The scopes whose own name holds a separator (医学检验、病理专业), longest first: never split."""
    return sorted((s for s in scopes if _SCOPE_SPLIT.search(s)), key=len, reverse=True)


# Scope splitting, in one place. Two ways, on purpose: `split_scopes` takes a value already written
# as official scopes and separators, and keeps a compound scope whole only where a part begins;
# `split_printed_scopes` takes text as printed or read (spaces, a compound anywhere, its 专业 lost)
# for the normalizer, which then decides what each part is.


def split_scopes(text: str) -> list[str]:
    """Split a printed scope into official scopes, keeping scopes whose own name holds 、 whole."""
    compound = compound_scopes(all_scopes())
    parts: list[str] = []
    rest = text
    while rest:
        for scope in compound:
            if rest.startswith(scope):
                parts.append(scope)
                rest = rest[len(scope) :].lstrip(SCOPE_SEPARATORS)
                break
        else:
            match = _SCOPE_SPLIT.search(rest)
            if match is None:
                parts.append(rest)
                break
            parts.append(rest[: match.start()])
            rest = rest[match.end() :]
    return [p for p in parts if p]


def split_printed_scopes(text: str, compounds: Sequence[str]) -> list[str]:
    """The parts of a scope as printed: split on separators and spaces, each of `compounds` (see
    `compound_scopes`) kept whole wherever it stands, also without its final 专业. Parts may be
    empty or punctuation only; the caller drops what carries no meaning."""
    raw = text
    marks: dict[str, str] = {}
    for i, compound in enumerate(compounds):
        mark = f"\x00{i}\x00"
        marks[mark] = compound
        for form in (compound, compound.removesuffix("专业")):
            raw = raw.replace(form, mark)
    parts: list[str] = []
    for part in _PRINTED_SCOPE_SPLIT.split(raw):
        for mark, compound in marks.items():
            part = part.replace(mark, compound)
        parts.append(part)
    return parts


def scope_in_vocabulary(text: str, category: Category | None) -> bool:
    """Whether every scope listed is official (for the category when it is known)."""
    allowed = set(scopes_by_category()[category]) if category else all_scopes()
    parts = split_scopes(text)
    return bool(parts) and all(p in allowed for p in parts)


@cache
def name_lookalikes() -> frozenset[str]:
    """Characters that OCR reads for a look-alike with high confidence (name_lookalikes.csv)."""
    text = resources.files("scanner.data").joinpath("name_lookalikes.csv").read_text("utf-8")
    return frozenset(c for row in csv.DictReader(text.splitlines()) for c in row["chars"])


@dataclass(frozen=True)
class IdNumberKind:
    """A kind of 18-character identity number other than the resident ID card's (id_number_kinds.csv):
    numbers starting with `prefix`, whose digits `province` (a slice) are a GB/T 2260 province code
    when given, and what the kind is called."""

    prefix: str
    province: tuple[int, int] | None
    zh: str
    en: str


@cache
def id_number_kinds() -> tuple[IdNumberKind, ...]:
    """Residence permits of Hong Kong, Macao and Taiwan residents and the foreign permanent resident
    ID: numbers of the ID card's form, check character and birth date, without a county code."""
    text = resources.files("scanner.data").joinpath("id_number_kinds.csv").read_text("utf-8")
    kinds = []
    for row in csv.DictReader(text.splitlines()):
        digits = row["province_digits"]
        start, end = (int(d) for d in digits.split("-")) if digits else (0, 0)
        kinds.append(
            IdNumberKind(row["prefix"], (start, end) if digits else None, row["kind_zh"], row["kind_en"])
        )
    return tuple(kinds)


def id_number_kind(id_number: str) -> IdNumberKind | None:
    """The kind of a number that is not a resident ID card's, by its prefix; None for the ID card."""
    return next((k for k in id_number_kinds() if id_number.startswith(k.prefix)), None)


# A Han name has two to four characters; a name longer than this without a '·' is a transliterated
# name that lost its dot.
LONGEST_HAN_NAME = 4
# A name this long or longer made only of characters typical of transliteration is one too.
SHORTEST_TRANSLITERATED = 4


@cache
def transliteration_chars() -> frozenset[str]:
    """Characters typical of transliterated names (transliteration_chars.csv)."""
    text = resources.files("scanner.data").joinpath("transliteration_chars.csv").read_text("utf-8")
    return frozenset(c for row in csv.DictReader(text.splitlines()) for c in row["chars"])


def transliterated_without_dot(name: str) -> bool:
    """Whether a name looks transliterated (Uyghur, Kazakh, foreign: 古丽娜·艾力) and has no '·':
    longer than any Han name, or as long as the longest and made only of transliteration characters.
    Such a name may have lost its dot, so a person looks (a one-part 阿依古丽 is confirmed as read)."""
    if any(c in NAME_DOTS for c in name):
        return False
    if len(name) > LONGEST_HAN_NAME:
        return True
    chars = transliteration_chars()
    return len(name) >= SHORTEST_TRANSLITERATED and all(c in chars for c in name)
