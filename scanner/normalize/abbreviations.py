"""Abbreviations: the shortened forms a canonical key may be written in (重医附一院 for
重庆医科大学附属第一医院), enumerated from its segments.
"""

from __future__ import annotations

import itertools
import re
from functools import cache

from .keys import (
    _alternation,
    _rules,
    _words,
    institution_key,
    split_branch,
)
from .places import (
    districts,
)
from .text import (
    _ZH_DIGITS,
)

# Abbreviation keys enumerated per name variant are capped; a name with more segment choices than
# this keeps only its full key.
MAX_ABBREVIATIONS = 4096


@cache
def _segment_re() -> tuple[re.Pattern[str], dict[str, str]]:
    vocab: dict[str, str] = {}
    for role in ("org", "affix", "kind"):
        for w in _words(role):
            vocab[w] = role
    for d in districts():
        vocab[d.name] = "district"
    pattern = re.compile(
        _alternation(vocab) + rf"|第[{_ZH_DIGITS}]+|[{_ZH_DIGITS}]+(?=附|医院|院|人民|中心|$)"
    )
    return pattern, vocab


def _segments(key: str) -> list[tuple[str, str]] | None:
    """A key cut into (role, text) segments: prefix, org, affix, number, district, proper, kind, branch."""
    base, branch = split_branch(key)
    kind_match = _rules(False).kind.search(base)
    if not kind_match:
        return None
    head = base[: kind_match.start()]
    token, vocab = _segment_re()
    segs: list[tuple[str, str]] = []
    pos = 0
    for prefix in ("重庆", "解放军"):
        if head.startswith(prefix):
            segs.append(("prefix", prefix))
            pos = len(prefix)
            break
    for m in token.finditer(head, pos):
        if m.start() > pos:
            segs.append(("proper", head[pos : m.start()]))
        text = m.group()
        segs.append((vocab.get(text, "number"), text))
        pos = m.end()
    if pos < len(head):
        segs.append(("proper", head[pos:]))
    segs.append(("kind", kind_match.group()))
    if branch:
        segs.append(("branch", branch))
    return segs


def _realizations(segs: list[tuple[str, str]], i: int) -> list[str]:
    """How segment i may be written in a shortened name: head characters kept, in order."""
    role, text = segs[i]
    nxt = segs[i + 1][0] if i + 1 < len(segs) else ""
    rest_roles = {r for r, _ in segs[i + 1 :]}
    if role == "prefix":
        forms = [text]
        if text == "重庆":
            if nxt == "org":
                forms.append("重")
            if nxt == "number":
                forms.append("市")
        elif text == "解放军" and rest_roles & {"proper", "district"}:
            forms.append("")
        return forms
    if role == "kind":
        # 院 alone stands for a hospital only beside its number (附一院, 市三院, 一附院).
        has_number = any(r == "number" for r, _ in segs)
        return [text, *(s for s in _words(role)[text].short if len(s) > 1 or has_number)]
    if role == "org":
        return [text, *_words(role)[text].short]
    if role == "affix":
        return [text, *_words("affix")[text].short, ""]
    if role == "number":
        digits = text.removeprefix("第")
        return [f"第{digits}", digits]
    if role == "proper":
        return [text, text[0]] if nxt == "org" and len(text) > 1 else [text]
    return [text]


_REORDER_BACK = re.compile(rf"第([{_ZH_DIGITS}]+)附属医院")


def abbreviations(key: str) -> set[str]:
    """The shortened forms of a canonical key (重庆医科大学附属第一医院 → 重医附一院, 重医附属第一医院 ...).

    Each segment keeps its head characters, in order; the number and the kind are always kept, and
    at least one distinctive part (the city, a district or a proper name) stays. The forms come out
    as keys (see `institution_key`).
    """
    out: set[str] = set()
    reorder = _rules(False).reorder
    for variant in {key, _REORDER_BACK.sub(r"附属第\1医院", key)}:
        segs = _segments(variant)
        if not segs:
            continue
        options = [_realizations(segs, i) for i in range(len(segs))]
        count = 1
        for o in options:
            count *= len(o)
        if count > MAX_ABBREVIATIONS:
            continue
        for combo in itertools.product(*options):
            distinctive = any(
                form and role in ("prefix", "proper", "district")
                for form, (role, _) in zip(combo, segs, strict=True)
            )
            text = "".join(combo)
            if distinctive and len(text) >= 3:
                out.add(institution_key(reorder.sub(r"第\1附属\2", text)))
    out.discard(key)
    return out
