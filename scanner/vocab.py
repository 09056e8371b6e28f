"""Closed vocabularies from the project's data files (source noted in scanner/data/README.md)."""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources

from .fields import Category

# Separators between several scopes on one certificate; 医学检验、病理专业 is one scope, handled below.
_SCOPE_SPLIT = re.compile(r"[、；;，,]")


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


def split_scopes(text: str) -> list[str]:
    """Split a printed scope into official scopes, keeping scopes whose own name holds 、 whole."""
    compound = sorted((s for s in all_scopes() if _SCOPE_SPLIT.search(s)), key=len, reverse=True)
    parts: list[str] = []
    rest = text
    while rest:
        for scope in compound:
            if rest.startswith(scope):
                parts.append(scope)
                rest = rest[len(scope) :].lstrip("、；;，,")
                break
        else:
            match = _SCOPE_SPLIT.search(rest)
            if match is None:
                parts.append(rest)
                break
            parts.append(rest[: match.start()])
            rest = rest[match.end() :]
    return [p for p in parts if p]


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
