"""What a booklet's change record means for verification: the value of each field the registry is
compared with, where that value comes from, and how sure it is.

A booklet is registered where its newest change says (SPEC.md `current`), so the registry is compared
with `record.current` for the institution, practice place, scope, category and certificate code, and
with the printed values for the rest. On the old 卫生部 booklet 执业地点 names the institution: it is
the starting institution, and the printed 执业地点 is never compared with a registry's practice place
(a province). A value set by a change block is as sure as the block: a block marked for review
makes every field it may set doubtful, and a block whose item or value could not be read leaves the
fields it may set undecided (the registration may have changed in a way nobody read).

The history of each field (the printed value, then each change that set it, in date order) lets
verification tell registry lag from a real difference: a registry holding an earlier value of the
history has not caught up with the change after it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..fields import (
    CHANGE_TARGETS,
    CURRENT_KEYS,
    FIELD_ORDER,
    CertificateLayout,
    CertificateRecord,
    Change,
    FieldKey,
    FieldResult,
)


@dataclass(frozen=True)
class Step:
    """One value a field held: as printed (`change` None) or as a change block set it."""

    value: str
    change: int | None = None


@dataclass(frozen=True)
class BookletView:
    """The fields verification compares, with the change record applied.

    `fields`: every field of the record (a missing one for a key it lacks), the CURRENT_KEYS replaced
    by their current value (a field set by a change block carries the block's confidence and flags).
    `printed`: the CURRENT_KEYS as printed (on the old booklet the institution is the printed
    执业地点). `history`: per current key, the values it held, oldest first. `doubtful`: keys a block
    marked for review may set; `undecided`: keys a block that could not be applied may set;
    `doubtful_changes`: the blocks marked for review.
    `compare_place`: true on today's layout only (the old booklet's 执业地点 names an institution,
    and a layout not told is not trusted with it); `old`: the old booklet.
    """

    fields: dict[FieldKey, FieldResult]
    printed: dict[FieldKey, FieldResult]
    history: dict[FieldKey, tuple[Step, ...]]
    doubtful: frozenset[FieldKey] = frozenset()
    undecided: frozenset[FieldKey] = frozenset()
    doubtful_changes: tuple[int, ...] = ()
    compare_place: bool = True
    old: bool = False

    def change_of(self, key: FieldKey) -> int | None:
        """The index of the change block the current value of `key` comes from, or None."""
        steps = self.history.get(key, ())
        return steps[-1].change if steps else None


def change_order(changes: tuple[Change, ...]) -> list[int]:
    """The blocks in the order they apply: by date, undated ones after the dated in printed order
    (as `fields.current_registration`)."""
    return sorted(range(len(changes)), key=lambda i: (changes[i].date is None, changes[i].date or "", i))


def change_target(change: Change) -> FieldKey | None:
    """The field a change item sets (执业地点变更 → practice_place), or None for another item."""
    item = "".join((change.item or "").split())
    return next((key for word, key in CHANGE_TARGETS if word in item), None)


def booklet_view(record: CertificateRecord) -> BookletView:
    """The record's fields with its change record applied, and how sure each current value is."""
    # Every key present (a record built before qualification codes were read may lack one).
    fields = {key: record.fields.get(key) or FieldResult.missing() for key in FIELD_ORDER}
    old = record.layout is CertificateLayout.OLD_BOOKLET
    printed = {key: fields.get(key) or FieldResult.missing() for key in CURRENT_KEYS}
    institution, place = printed[FieldKey.INSTITUTION], printed[FieldKey.PRACTICE_PLACE]
    if old and institution.value is None and place.value is not None:
        printed[FieldKey.INSTITUTION] = place
    history: dict[FieldKey, list[Step]] = {
        key: [Step(result.value)] if result.value else [] for key, result in printed.items()
    }
    current = dict(printed)
    doubtful: set[FieldKey] = set()
    undecided: set[FieldKey] = set()
    in_doubt: list[int] = []
    changes = record.changes
    for i in change_order(changes):
        change = changes[i]
        target = change_target(change)
        keys = keys_set_by(change, old)
        applied = target is not None and change.value is not None
        if change.item is None or (target is not None and change.value is None):
            # What the block changed is unknown: the registration it leads to is too.
            undecided.update(keys or CURRENT_KEYS)
        if change.review:
            doubtful.update(keys or CURRENT_KEYS)
            if change.new_code:
                doubtful.add(FieldKey.CERTIFICATE_CODE)
            in_doubt.append(i)
        for key in keys if applied else ():
            current[key] = _from_change(change, str(change.value))
            history[key].append(Step(str(change.value), i))
        if change.new_code:
            current[FieldKey.CERTIFICATE_CODE] = _from_change(change, change.new_code)
            history[FieldKey.CERTIFICATE_CODE].append(Step(change.new_code, i))
    fields.update(current)
    return BookletView(
        fields=fields,
        printed=printed,
        history={key: tuple(steps) for key, steps in history.items()},
        doubtful=frozenset(doubtful),
        undecided=frozenset(undecided),
        doubtful_changes=tuple(in_doubt),
        compare_place=record.layout is CertificateLayout.CURRENT,
        old=old,
    )


def keys_set_by(change: Change, old: bool) -> tuple[FieldKey, ...]:
    """The fields a change's item sets (none for an item it does not name): on the old booklet
    执业地点 is the institution too. A new certificate code is not counted here."""
    target = change_target(change)
    if target is None:
        return ()
    if old and target is FieldKey.PRACTICE_PLACE:
        return (FieldKey.PRACTICE_PLACE, FieldKey.INSTITUTION)
    return (target,)


def _from_change(change: Change, value: str) -> FieldResult:
    """A value a change block set, as sure as the block."""
    return FieldResult(
        value=value,
        raw=value,
        confidence=change.confidence,
        flags=change.flags,
        box=change.box,
        confirmed=change.confirmed,
    )
