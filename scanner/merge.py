"""Several pictures of one certificate read as one record (`certscan scan --merge`).

A retake adds to what was read instead of replacing it: glare, blur and the angle move between
shots while the print stays the same. Each field is combined on its own (`merge_field`):

- A value is sure when every shot that read the field read this value and at least one of them
  read it surely (`FieldResult.read_sure`): `MergeRule.UNANIMOUS`, the rule issue 20 measured.
  Two unsure readings that agree are not enough: the same lookalike (阙 read as 阅) fools
  recognition in every shot alike.
- The default, `MergeRule.OUTVOTED`, also takes a value that two or more shots read alike, one of
  them surely, against a minority of shots each unsure of what it read (a shot half under glare
  reads 20 for 2024-08-02). A shot that surely read something else always leaves the field for
  review: a single shot's confident misreading is caught by the others, never outvoted.
- A shot that read nothing there (glare washed the value out, it lay outside the picture) is no
  evidence against the others.
- Shots that disagree give the value most of them read (then one of its field's form, then one
  read at its label, then the surer, then the more confident), marked for review; where no two
  shots agree, three or more readings that line up are spelled character by character
  (`character_vote`), still for review: one shot's confident misreading of a certificate code was
  spelled back right from the other two.

`FieldResult.shots` names the shots (0-based, in the order given) that read the merged value; the
first of them is the shot the value's `raw` and `box` come from (a sure one where there is one), so
`box` is in that picture's pixels. The checks are run afresh on the merged values; warnings are
those of every shot; the 变更注册记录 blocks are combined by the same rule (`merge_changes`).

Measured with benchmarks/mergebench.py (20 certificates photographed three times in hard mode, two
seeds): see that module's docstring.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypeVar

from .checks import run_checks
from .fields import (
    CHECK_FLAGS,
    FIELD_ORDER,
    NO_CERTIFICATE,
    NO_TEXT_FOUND,
    PAGE_FIELDS,
    PICTURE_FLAGS,
    CertificateLayout,
    CertificateRecord,
    Change,
    Document,
    FieldKey,
    FieldResult,
    Flag,
)

# The fields that tell one certificate from another (`same_certificate`): a certificate code and
# an ID number are unique to their holder, a name nearly so.
IDENTITY_FIELDS: tuple[FieldKey, ...] = (FieldKey.CERTIFICATE_CODE, FieldKey.ID_NUMBER, FieldKey.NAME)
# Two readings agreeing on this many of them show the same certificate.
SAME_WHEN_AGREEING = 2
# The warning a merged record carries when two of its shots surely show different certificates.
DIFFERENT_CERTIFICATES = "different_certificates"

T = TypeVar("T")


@dataclass(frozen=True)
class _Reading:
    """One shot's reading of one field (or one change block): which shot, and what it read."""

    shot: int
    value: Hashable
    sure: bool
    confidence: float
    # The value is no value of its field's form (a date with month 40, an ID number failing its
    # check digit, a cut-off authority): a shot that read it so most likely misread it.
    malformed: bool = False
    # Found by what it is where its label was not read (`Flag.UNLABELLED`): weaker than a value read
    # at its label (a fragment of the title 医师执业证书 taken for a name).
    unlabelled: bool = False


class MergeRule(StrEnum):
    """When a merged value is sure (see the module docstring)."""

    # Every shot that read the field agrees, and one read it surely (the rule issue 20 measured).
    UNANIMOUS = "unanimous"
    # As UNANIMOUS, or: OUTVOTING shots agree on it, one of them read it surely, and every shot
    # that read something else was unsure of it (a shot half under glare reads 20 for 2024-08-02).
    OUTVOTED = "outvoted"


# Shots that must agree on a value, one of them surely, to outvote unsure readings of another.
OUTVOTING = 2
# Flags that say a reading is no value of its field's form (`_Reading.malformed`).
MALFORMED = frozenset({Flag.INVALID_FORMAT, Flag.INVALID_DATE, Flag.CHECKSUM_FAILED, Flag.INCOMPLETE})
# Readings it takes to spell a value character by character (`character_vote`).
CHARACTER_VOTERS = 3


def _choose(readings: Sequence[_Reading], rule: MergeRule) -> tuple[Hashable, list[_Reading], bool]:
    """The value to report among the readings that found one, the readings that agree with it,
    and whether it is sure under `rule`."""
    votes: dict[Hashable, list[_Reading]] = {}
    for reading in readings:
        votes.setdefault(reading.value, []).append(reading)

    def weight(value: Hashable) -> tuple[int, bool, bool, int, float, int]:
        group = votes[value]
        well_formed = not all(r.malformed for r in group)
        labelled = not all(r.unlabelled for r in group)
        return (
            len(group),
            well_formed,
            labelled,
            sum(r.sure for r in group),
            max(r.confidence for r in group),
            -group[0].shot,
        )

    best = max(votes, key=weight)
    agreeing = votes[best]
    if not any(r.sure for r in agreeing):
        return best, agreeing, False
    if len(votes) == 1:
        return best, agreeing, True
    dissent = [r for r in readings if r.value != best]
    outvoted = (
        len(agreeing) >= OUTVOTING and len(agreeing) > len(dissent) and not any(r.sure for r in dissent)
    )
    return best, agreeing, rule is MergeRule.OUTVOTED and outvoted


def _ordered_shots(agreeing: Sequence[_Reading]) -> tuple[_Reading, tuple[int, ...]]:
    """The reading a merged value shows (the most confident sure one, else the most confident),
    and the agreeing shots with that one first."""
    shown = max(agreeing, key=lambda r: (r.sure, r.confidence, -r.shot))
    rest = sorted(r.shot for r in agreeing if r.shot != shown.shot)
    return shown, (shown.shot, *rest)


def character_vote(values: Sequence[str]) -> str | None:
    """Per-character majority of readings that line up (same length, at least three): the value
    each position's majority spells, or None when any position has no majority.

    Used only where no value has a majority of its own, and always for review: 王娟玲 read as 王姐玲,
    王娟玲 and 王娟珍 in three shots spells 王娟玲, but three shots that misread one character alike
    spell the misreading just as surely."""
    if len(values) < CHARACTER_VOTERS or len({len(v) for v in values}) != 1:
        return None
    spelled = []
    for column in zip(*values, strict=True):
        char, count = Counter(column).most_common(1)[0]
        if 2 * count <= len(column):
            return None
        spelled.append(char)
    return "".join(spelled)


def merge_field(results: Sequence[FieldResult | None], rule: MergeRule = MergeRule.OUTVOTED) -> FieldResult:
    """One field from its readings in several shots (None: the shot gave no record for it).

    Sure only when every shot that read a value read this one and at least one read it surely;
    otherwise the likeliest value marked for review (see the module docstring)."""
    readings = [
        _Reading(
            shot,
            result.value,
            result.read_sure,
            result.confidence,
            bool(MALFORMED & set(result.flags)),
            Flag.UNLABELLED in result.flags,
        )
        for shot, result in enumerate(results)
        if result is not None and result.value is not None
    ]
    if not readings:
        # Say what the pictures did to the field where they say it (glare over it in every shot).
        seen = {f for result in results if result is not None for f in result.flags if f in PICTURE_FLAGS}
        return FieldResult.missing().with_flags(*(f for f in PICTURE_FLAGS if f in seen))
    _, agreeing, sure = _choose(readings, rule)
    voted = None
    if len(agreeing) == 1 and len(readings) > 1:
        # No two shots agree: the characters most shots read, where they line up.
        voted = character_vote([str(r.value) for r in readings])
        agreeing = [r for r in readings if r.value == voted] or agreeing
    shown, shots = _ordered_shots(agreeing)
    base = results[shown.shot]
    assert base is not None
    if sure:
        flags = tuple(f for f in base.flags if f not in CHECK_FLAGS)
    else:
        # Why each agreeing shot doubted the value, and a doubt of its own when the shots disagree
        # (each may have read it confidently).
        doubts = [f for r in agreeing for f in (results[r.shot] or base).flags if f not in CHECK_FLAGS]
        flags = tuple(dict.fromkeys(doubts))
        if not any(f is not Flag.NORMALIZED for f in flags):
            flags = (*flags, Flag.LOW_CONFIDENCE)
    confidence = max(r.confidence for r in agreeing)
    merged = replace(base, confidence=confidence, flags=flags, shots=shots, confirmed=False)
    if voted is not None and voted != merged.value:
        # Spelled from several readings, read so by none: no shot, and no box, shows it.
        merged = replace(merged, value=voted, shots=(), box=None)
    return merged


def _change_key(change: Change) -> tuple[str | None, ...]:
    return (change.item, change.value, change.date, change.authority, change.new_code)


def merge_changes(
    shots: Sequence[Sequence[Change]], rule: MergeRule = MergeRule.OUTVOTED
) -> tuple[Change, ...]:
    """The 变更注册记录 blocks of several shots, by the rule for fields.

    Blocks are lined up by their date (a dated block is the same entry in every shot that shows
    it), undated blocks by their place among the undated. A block is sure when every shot showing
    that entry read it alike and one read it surely; otherwise the likeliest reading, reviewed."""
    slots: dict[tuple[str, int], list[tuple[int, Change]]] = {}
    for shot, changes in enumerate(shots):
        undated = 0
        for change in changes:
            if change.date is None:
                slot, undated = ("", undated), undated + 1
            else:
                slot = (change.date, 0)
            slots.setdefault(slot, []).append((shot, change))
    merged: list[Change] = []
    for slot in sorted(slots, key=lambda s: (s[0] == "", s)):
        entries = slots[slot]
        readings = [_Reading(shot, _change_key(c), not c.review, c.confidence) for shot, c in entries]
        _, agreeing, sure = _choose(readings, rule)
        shown, _ = _ordered_shots(agreeing)
        block = next(c for shot, c in entries if shot == shown.shot)
        if sure:
            merged.append(replace(block, confirmed=False))
        else:
            flags = tuple(dict.fromkeys(f for _, c in entries for f in c.flags)) or (Flag.LOW_CONFIDENCE,)
            merged.append(replace(block, flags=flags, confirmed=False).with_flags(Flag.LOW_CONFIDENCE))
    return tuple(merged)


def _most_common(values: Sequence[T], default: T) -> T:
    """The value most shots give (the earliest shot's on a tie)."""
    if not values:
        return default
    counts = Counter(values)
    return max(values, key=lambda v: (counts[v], -values.index(v)))


def _readable(record: CertificateRecord) -> bool:
    """Whether a shot gave a reading at all (not an unreadable file, not a picture without a
    certificate)."""
    return record.error is None and NO_CERTIFICATE not in record.warnings


def same_certificate(a: CertificateRecord, b: CertificateRecord) -> bool | None:
    """Whether two readings show the same certificate: False when they show different kinds of
    document, or a certificate code, ID number or name was read surely in both and differs while
    fewer than two of them agree; True when two of them agree (a sure difference in the third is a
    misreading, left for review); None when the readings cannot tell (too little read, or only
    unsure differences)."""
    if not (_readable(a) and _readable(b)):
        return None
    if a.document is not b.document:
        # The holder's ID card beside the certificate: the same person, another document.
        return False
    agree = differ = 0
    for key in IDENTITY_FIELDS:
        x, y = a.fields.get(key), b.fields.get(key)
        if x is None or y is None or x.value is None or y.value is None:
            continue
        if x.value == y.value:
            agree += 1
        elif x.read_sure and y.read_sure:
            differ += 1
    if agree >= SAME_WHEN_AGREEING:
        return True
    return False if differ else None


def _merged_warnings(records: Sequence[CertificateRecord], readable: Sequence[int]) -> tuple[str, ...]:
    """Every shot's warnings once, in order of first appearance, and a warning when two shots
    surely show different certificates. A shot without text says nothing of the others; a page is
    not shown only when no shot shows it (`fields.PAGE_FIELDS`)."""
    warnings = [
        w
        for i in readable
        for w in records[i].warnings
        if w != NO_TEXT_FOUND and (w not in PAGE_FIELDS or all(w in records[j].warnings for j in readable))
    ]
    pairs = [(i, j) for n, i in enumerate(readable) for j in readable[n + 1 :]]
    if any(same_certificate(records[i], records[j]) is False for i, j in pairs):
        warnings.append(DIFFERENT_CERTIFICATES)
    return tuple(dict.fromkeys(warnings))


def merge_records(
    records: Sequence[CertificateRecord],
    file: str,
    today: dt.date | None = None,
    rule: MergeRule = MergeRule.OUTVOTED,
) -> CertificateRecord:
    """One record from several readings of one certificate (shots numbered by their place here).

    Fields by `merge_field`, checks run afresh (`today` for the date checks, default today), the
    document and layout most shots show, change blocks by `merge_changes`. Shots that could not be
    read, show no certificate or show another kind of document (the holder's ID card) are left out
    (their fields name no shot); when none is left, the record is failed with the first shot's
    error, or shows no certificate like its shots. Shots that surely show different certificates
    give a record with every value marked for review and the warning DIFFERENT_CERTIFICATES."""
    readable = [i for i, record in enumerate(records) if _readable(record)]
    if not readable:
        failed = next((r for r in records if r.error is not None), None)
        if failed is not None or not records:
            error = failed.error if failed is not None else "no pictures to merge"
            error_zh = failed.error_zh if failed is not None else "没有可合并的照片"
            return CertificateRecord.failed(file, error or "", error_zh=error_zh)
        return replace(records[0], file=file, page=None, geometry=None)
    documents = [records[i].document for i in readable]
    document = _most_common(documents, Document.PRACTISING)
    # A change page alone may not tell its layout (None): the shots that do tell it decide.
    layouts = [records[i].layout for i in readable if records[i].document is document and records[i].layout]
    layout: CertificateLayout | None = _most_common(layouts, None)
    used = {i for i in readable if records[i].document is document}
    shown = [record if i in used else None for i, record in enumerate(records)]
    fields = {
        key: merge_field([r.fields.get(key) if r else None for r in shown], rule) for key in FIELD_ORDER
    }
    fields, checks = run_checks(fields, today or dt.date.today())
    changes = merge_changes([r.changes if r else () for r in shown], rule)
    warnings = _merged_warnings(records, readable)
    if DIFFERENT_CERTIFICATES in warnings:
        # Shots of two certificates make no one reading: even values they agree on (临床, 重庆市)
        # belong to no certificate in particular, so nothing is trusted unseen.
        fields = {
            key: field if field.value is None else field.with_flags(Flag.LOW_CONFIDENCE)
            for key, field in fields.items()
        }
        changes = tuple(change.with_flags(Flag.LOW_CONFIDENCE) for change in changes)
    return CertificateRecord(
        file=file,
        fields=fields,
        checks=checks,
        warnings=warnings,
        ocr=records[readable[0]].ocr,
        document=document,
        layout=layout if document is Document.PRACTISING else None,
        changes=changes,
    )


__all__ = [
    "DIFFERENT_CERTIFICATES",
    "IDENTITY_FIELDS",
    "MergeRule",
    "character_vote",
    "merge_changes",
    "merge_field",
    "merge_records",
    "same_certificate",
]
