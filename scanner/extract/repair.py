"""Label repair: labels cut short or misread, found again before the values are attached.

`LABEL_REPAIRS` is the ordered table `read_layout` applies; each repair takes the page's runs and
returns them anew, the runs it reads as a label replaced by labelled ones.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from ..fields import FieldKey, Sex
from ..lookalike import looks_alike
from .forms import _CJK, _SEPARATORS, _closed_forms, _label_agreement, _word_agreement
from .labels import CURRENT_TABLE, LabelTable
from .layout import Run, Token
from .parse import PARSERS, Parsed

# Two-character labels printed spaced out (姓　　名, 性　　别) lose their first character to text
# detection more often than anything else; the second one then starts a free run of text.
_CUT_LABELS: dict[str, FieldKey] = {"名": FieldKey.NAME, "别": FieldKey.SEX}


# Either half of 姓名 or 性别 standing alone (名：, 性), or 性 and a misread 别 (性祭), is that label,
# its value not read.
_BARE_HALVES: dict[str, FieldKey] = {
    "姓": FieldKey.NAME,
    "名": FieldKey.NAME,
    "性": FieldKey.SEX,
    "别": FieldKey.SEX,
}


def _bare_label(run: Run) -> FieldKey | None:
    """The field whose label a free run is, cut or misread, with nothing after it."""
    chars = [t.text for t in run.tokens if t.text not in _SEPARATORS]
    if len(chars) == 1:
        return _BARE_HALVES.get(chars[0])
    if (
        len(chars) == 2
        and chars[0] == "性"
        and chars[1] not in (Sex.MALE, Sex.FEMALE)
        and _CJK.match(chars[1])
    ):
        return FieldKey.SEX
    return None


def recover_cut_labels(runs: Sequence[Run], table: LabelTable = CURRENT_TABLE) -> list[Run]:
    """Read a free run that starts with the surviving half of a missing 姓名/性别 label as that
    field, when what follows is a clean value for it (男 or 女; a name of CJK characters)."""
    found = {r.key for r in runs if r.key is not None}
    out = list(runs)
    for i, run in enumerate(out):
        if run.key is not None or len(run.tokens) < 2:
            continue
        key = _CUT_LABELS.get(run.tokens[0].text)
        if key is None or key in found:
            continue
        rest = _after_separators(run.tokens[1:])
        parsed = PARSERS[key]("".join(t.text for t in rest)) if rest else Parsed(None)
        if parsed.value is None or parsed.flags:
            continue
        label = run.tokens[0]
        out[i] = replace(
            run,
            key=key,
            label_x0=label.x0,
            label_x1=label.x1,
            label_cy=label.cy,
            label_h=label.h,
            tokens=list(rest),
        )
        found.add(key)
    return out


def recover_bare_labels(runs: Sequence[Run], table: LabelTable = CURRENT_TABLE) -> list[Run]:
    """Read a free run that is half of a missing 姓名/性别 label alone, cut or misread (名：, 性,
    性祭), as that label with its value not read (found beside or below it, or looked for again
    where it should be). Applied after `recover_cut_labels`: a label half with a value is surer
    than one alone (姓 before 名李晶凤 is the same label)."""
    found = {r.key for r in runs if r.key is not None}
    out = list(runs)
    for i, run in enumerate(out):
        bare = _bare_label(run) if run.key is None and run.tokens else None
        if bare is not None and bare not in found:
            first, last = run.tokens[0], run.tokens[-1]
            out[i] = replace(
                run,
                key=bare,
                label_x0=first.x0,
                label_x1=last.x1,
                label_cy=first.cy,
                label_h=first.h,
                tokens=[],
            )
            found.add(bare)
    return out


def _after_separators(tokens: Sequence[Token]) -> Sequence[Token]:
    """Tokens after the colon (or comma, point) that may open them."""
    start = 0
    while start < len(tokens) and tokens[start].text in _SEPARATORS:
        start += 1
    return tokens[start:]


def _one_off_word(text: str, words: Iterable[str]) -> bool:
    """Whether text is one of the words of four characters or more with one character misread."""
    return len(text) >= 4 and _word_agreement(text, words) >= len(text) - 1


def _misread_alike(printed: str, label: str) -> bool:
    """Whether every character of `printed` that differs from `label` looks like the one meant."""
    return all(a == b or looks_alike(a, b) for a, b in zip(printed, label, strict=True))


def _label_forms(key: FieldKey, table: LabelTable) -> Iterator[tuple[str, bool]]:
    """A field's labels as they may start a run, each with whether every character must be read
    right: as printed, and a long one without its first character (业类别 for 执业类别)."""
    for label in table[key]:
        yield label, False
        if len(label) >= 4:
            yield label[1:], True


def recover_misread_labels(runs: Sequence[Run], table: LabelTable = CURRENT_TABLE) -> list[Run]:
    """Read a free run that starts like a missing field's label, with up to half of its characters
    misread (纂夏日期 for 发证日期 in small bold print; in a label shorter than four characters only
    by a look-alike, 性名 for 姓名, before a colon, 姓息：, or before 男 or 女) or a long label
    without its first character (业类别临床), as that field, when exactly one missing field's label
    fits that well AND its value parses cleanly (behind a short label's colon it need not):
    证作考码 fits 证件号码 and 证书编码 alike, and only the ID number's form tells which it was.
    """
    found = {r.key for r in runs if r.key is not None and r.tokens}
    missing = [k for k in table.by_key if k not in found]
    words = _closed_forms()
    out = list(runs)
    for i in range(len(out)):
        run = out[i]
        if run.key is not None or run.claimed:
            continue
        if _one_off_word(run.text, words):
            # A printed value with one character misread (执业动理医师), not 执业 of a label.
            continue
        after = out[i + 1] if i + 1 < len(out) else None
        if after is not None and (after.row != run.row or after.key is not None or after.claimed):
            after = None
        alone = after is not None and any(
            len(run.text) == len(label) for key in missing for label, _ in _label_forms(key, table)
        )
        if alone and after is not None:
            # A label standing alone before free text on its row (社名 … 玛依拉迪丽·阿米娜): the
            # gap marks where it ends, as a colon would.
            end = run.tokens[-1]
            joined = [*run.tokens, replace(end, text=":", x0=end.x1), *after.tokens]
            text = "".join(t.text for t in joined)
        else:
            joined, text = run.tokens, run.text
        fits: dict[FieldKey, tuple[int, int]] = {}
        for key in missing:
            for label, whole in _label_forms(key, table):
                agree = _label_agreement(text, label)
                if 2 * agree < len(label) or len(text) <= len(label) or (whole and agree < len(label)):
                    continue
                colon = text[len(label)] == ":"
                rest = _after_separators(joined[len(label) :])
                parsed = PARSERS[key]("".join(t.text for t in rest)) if rest else Parsed(None)
                clean = parsed.value is not None and not parsed.flags
                short = len(label) < 4 and not whole
                # A half-read short label needs more: its colon, a look-alike (性名 for 姓名), or a
                # value only it can have (性制男).
                evident = colon or (clean and key is FieldKey.SEX)
                if short and not evident and not _misread_alike(text[: len(label)], label):
                    continue
                # Behind a colon the label is surely one: its value need not read cleanly (性制：易).
                taken = clean or (short and colon and parsed.value is not None)
                if taken and (agree, len(label)) > fits.get(key, (0, 0)):
                    fits[key] = (agree, len(label))
        best = max((agree for agree, _ in fits.values()), default=0)
        winners = [k for k, (agree, _) in fits.items() if agree == best]
        if len(winners) != 1:
            continue
        key = winners[0]
        size = fits[key][1]
        printed, value = joined[:size], _after_separators(joined[size:])
        if not value:
            continue
        if joined is not run.tokens and after is not None:
            out[i + 1] = replace(after, claimed=True, tokens=[])
        out[i] = replace(
            run,
            doubtful=size < 4,
            key=key,
            label_x0=printed[0].x0,
            label_x1=printed[-1].x1,
            label_cy=statistics.median(t.cy for t in printed),
            label_h=statistics.median(t.h for t in printed),
            tokens=list(value),
        )
        missing.remove(key)
    return out


@dataclass(frozen=True)
class LabelRepair:
    """One way a label is found again: its name, and the function that returns the runs anew."""

    name: str
    apply: Callable[[Sequence[Run], LabelTable], list[Run]]


# Label repairs in the order they are applied: each sees the labels the ones before it found.
LABEL_REPAIRS: tuple[LabelRepair, ...] = (
    LabelRepair("cut_labels", recover_cut_labels),
    LabelRepair("bare_labels", recover_bare_labels),
    LabelRepair("misread_labels", recover_misread_labels),
)
