"""The review step as pure logic: a person corrects or confirms fields before the lookup.

A correction never overwrites what OCR read. The reviewed record carries the corrected value with
`confirmed: true` (so `certscan verify --record` takes it as sure), the OCR reading of every field a
person touched is kept under `review.original`, and each change is an audit entry (field, value read,
value corrected, when, by whom). The web page and the terminal flow both work through this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from ..checks import recheck
from ..errors import CertscanError
from ..fields import (
    CHECK_FLAGS,
    CODE_LENGTH,
    FIELD_ORDER,
    CertificateRecord,
    Change,
    Check,
    FieldKey,
    FieldResult,
    Flag,
)
from ..normalize import InstitutionMatcher, normalize_category, normalize_level, normalize_scope
from ..registry.importer import read_date
from ..report import check_text, flag_text, not_printed
from ..text import Lang

# Keys of a `certscan verify --json` row that describe a lookup made before the review: a corrected
# record must be verified again, so they are not carried into the reviewed row.
VERIFY_KEYS = frozenset(
    {
        "verdict",
        "registry",
        "matched_by",
        "registry_record",
        "differences",
        "review_fields",
        "review_changes",
        "candidates",
        "registered_elsewhere",
        "advice",
    }
)
# Keys the record itself writes; anything else in a row (added by other tools) is kept as it was.
_RECORD_KEYS = frozenset(
    {
        "file",
        "page",
        "fields",
        "checks",
        "warnings",
        "error",
        "ocr",
        "review",
        "image_sha256",
        "document",
        "layout",
        "changes",
        "current",
        "page_geometry",
    }
)


class ReviewRefused(CertscanError):
    """A review action that cannot be done on this certificate (an evidence sheet for a consistent
    one, a value the official query does not show): one sentence, English and Chinese."""


class Action(StrEnum):
    """What a reviewer did: to a field or a part of a change block, or to the item as a whole."""

    CONFIRMED = "confirmed"  # the value read is what the certificate shows
    CORRECTED = "corrected"  # the reviewer gave another value
    OFFICIAL = "official_check"  # what the national query showed was recorded
    FULL_ID = "full_id_shown"  # an evidence sheet with the full ID number was made
    MERGED = "merged"  # several shots of one certificate were read as this one item


# Actions that change the record: a verification made before one of them no longer holds.
RECORD_ACTIONS = frozenset({Action.CONFIRMED, Action.CORRECTED, Action.MERGED})


class ChangePart(StrEnum):
    """The parts of a 变更注册记录 block a reviewer may correct (`Change`'s attributes)."""

    ITEM = "item"
    VALUE = "value"
    DATE = "date"
    AUTHORITY = "authority"
    NEW_CODE = "new_code"


@dataclass(frozen=True)
class AuditEntry:
    """One review action: which field, what OCR read, what it was set to, when and by whom.

    `previous` is the value just before this action when an earlier correction had changed it.
    A part of a change block names the block (`change`, its index) and the `part` instead of a
    field; an action on the item as a whole (an official check recorded, a full ID number shown,
    shots merged) names neither and says what it did in `detail`.
    """

    file: str
    field: FieldKey | None
    read: str | None
    corrected: str | None
    at: str
    reviewer: str | None
    action: Action
    page: int | None = None
    previous: str | None = None
    # The SHA-256 of the image file's content: two phones' IMG_0001.jpg are told apart by it.
    image_sha256: str | None = None
    change: int | None = None
    part: ChangePart | None = None
    detail: Mapping[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file}
        if self.page is not None:
            out["page"] = self.page
        if self.field is not None:
            out["field"] = str(self.field)
        if self.change is not None:
            out["change"] = self.change
        if self.part is not None:
            out["part"] = str(self.part)
        if self.field is not None or self.part is not None:
            out |= {"read": self.read, "corrected": self.corrected}
        out |= {"at": self.at, "reviewer": self.reviewer, "action": str(self.action)}
        if self.previous is not None:
            out["previous"] = self.previous
        if self.image_sha256 is not None:
            out["image_sha256"] = self.image_sha256
        if self.detail is not None:
            out["detail"] = dict(self.detail)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any], file: str) -> AuditEntry:
        """An entry as `to_json` wrote it; raises ValueError for an unknown field, part or action."""
        page = data.get("page")
        change = data.get("change")
        detail = data.get("detail")
        return cls(
            file=str(data.get("file") or file),
            field=FieldKey(data["field"]) if data.get("field") is not None else None,
            read=_text(data.get("read")),
            corrected=_text(data.get("corrected")),
            at=str(data.get("at") or ""),
            reviewer=_text(data.get("reviewer")),
            action=Action(data.get("action") or Action.CORRECTED),
            page=page if isinstance(page, int) else None,
            previous=_text(data.get("previous")),
            image_sha256=_text(data.get("image_sha256")),
            change=change if isinstance(change, int) and not isinstance(change, bool) else None,
            part=ChangePart(data["part"]) if data.get("part") is not None else None,
            detail=dict(detail) if isinstance(detail, Mapping) else None,
        )


@dataclass(frozen=True)
class OfficialResult:
    """What the national query (国家卫生健康委员会 医师执业注册信息查询) showed, as a reviewer recorded it:
    whether the doctor was found and the values shown (执业地点, 主要执业机构, 类别, 范围 …), by whom
    and when. certscan never queries it itself (it has a captcha and a throttle)."""

    found: bool
    values: Mapping[FieldKey, str]
    reviewer: str | None
    at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "found": self.found,
            "values": {str(k): self.values[k] for k in FIELD_ORDER if k in self.values},
            "reviewer": self.reviewer,
            "at": self.at,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OfficialResult:
        """A result as `to_json` wrote it; unknown keys and empty values are dropped."""
        raw = data.get("values") if isinstance(data.get("values"), Mapping) else {}
        assert isinstance(raw, Mapping)
        known = {str(k): k for k in FieldKey}
        values = {known[k]: " ".join(str(v).split()) for k, v in raw.items() if k in known and v}
        return cls(bool(data.get("found")), values, _text(data.get("reviewer")), str(data.get("at") or ""))


def now_utc() -> str:
    """The time of a review action: ISO 8601 in UTC, to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def tidy(key: FieldKey, text: str | None, category: str | None = None) -> str | None:
    """A value as a reviewer typed it, put in the certificate's format where that is unambiguous.

    Dates become YYYY-MM-DD (2009/9/4, 2009年9月4日), ID numbers and codes lose their spaces and take
    a capital X, levels, categories and scopes take their official wording when it is sure
    (内科 → 内科专业); anything else is kept as typed, and the checks then say what is wrong with it.
    An empty value means the field is not on the certificate.
    """
    if text is None:
        return None
    value = " ".join(text.split())
    if not value:
        return None
    if key in (FieldKey.ID_NUMBER, FieldKey.CERTIFICATE_CODE, FieldKey.NAME, FieldKey.SCOPE):
        value = value.replace(" ", "")
    if key is FieldKey.ID_NUMBER:
        return value.upper()
    if key in (FieldKey.BIRTH_DATE, FieldKey.ISSUE_DATE):
        return read_date(value) or value
    if key is FieldKey.SEX:
        return value.removesuffix("性")
    if key is FieldKey.LEVEL:
        return normalize_level(value).value
    if key is FieldKey.CATEGORY:
        return normalize_category(value).value
    if key is FieldKey.SCOPE:
        return normalize_scope(value, category).value
    return value


@dataclass(frozen=True)
class ReviewedRecord:
    """A record under review: the current values, the OCR readings of touched fields, the audit."""

    record: CertificateRecord
    original: Mapping[FieldKey, FieldResult] = field(default_factory=dict)
    audit: tuple[AuditEntry, ...] = ()
    # Keys of the input row that neither the record nor the review writes, kept as they were.
    extra: Mapping[str, Any] = field(default_factory=dict)
    # The SHA-256 of the image the record was read from, when the review knows the image.
    image_sha256: str | None = None
    # The change blocks as OCR read them, by index, for every block a reviewer touched.
    original_changes: Mapping[int, Change] = field(default_factory=dict)
    # What the national query showed, each time a reviewer recorded it (the last one counts).
    official: tuple[OfficialResult, ...] = ()

    @classmethod
    def from_row(cls, row: Mapping[str, Any], today: dt.date) -> ReviewedRecord:
        """A row of `certscan scan --json` (or of an earlier review) with every check run afresh.

        Raises ValueError when the row is not a certscan record.
        """
        record = recheck(CertificateRecord.from_json(row), today)
        review = row.get("review") if isinstance(row.get("review"), Mapping) else {}
        assert isinstance(review, Mapping)
        original_json = review.get("original") or {}
        original = {
            FieldKey(k): FieldResult.from_json(v)
            for k, v in original_json.items()
            if k in frozenset(FieldKey) and isinstance(v, Mapping)
        }
        audit = tuple(
            AuditEntry.from_json(entry, record.file)
            for entry in review.get("audit") or ()
            if isinstance(entry, Mapping)
        )
        extra = {k: v for k, v in row.items() if k not in _RECORD_KEYS | VERIFY_KEYS}
        changes_json = review.get("original_changes") or {}
        original_changes = {
            int(k): Change.from_json(v)
            for k, v in changes_json.items()
            if str(k).isdigit() and int(k) < len(record.changes) and isinstance(v, Mapping)
        }
        official = tuple(
            OfficialResult.from_json(o) for o in review.get("official") or () if isinstance(o, Mapping)
        )
        sha = _text(row.get("image_sha256"))
        return cls(record, original, audit, extra, sha, original_changes, official)

    @property
    def pending(self) -> tuple[FieldKey, ...]:
        """Fields still marked for review, leaving out a field the layout does not print and that
        was not read (today's layout has no qualification code): nothing there to compare."""
        return to_review(self.record)

    @property
    def revision(self) -> int:
        """How many actions changed the record: a verification made at another revision is stale."""
        return sum(e.action in RECORD_ACTIONS for e in self.audit)

    def read_change(self, index: int) -> Change:
        """A change block as OCR read it, whatever a reviewer did since."""
        return self.original_changes.get(index) or self.record.changes[index]

    def noted(self, entry: AuditEntry) -> ReviewedRecord:
        """The record with an audit entry about the item as a whole (nothing in it changes)."""
        return replace(self, audit=(*self.audit, entry))

    def entry(self, action: Action, reviewer: str | None, at: str, detail: Mapping[str, Any]) -> AuditEntry:
        """An audit entry about the item as a whole."""
        return AuditEntry(
            file=self.record.file,
            page=self.record.page,
            field=None,
            read=None,
            corrected=None,
            at=at or now_utc(),
            reviewer=(reviewer or "").strip() or None,
            action=action,
            image_sha256=self.image_sha256,
            detail=detail,
        )

    @classmethod
    def merged(
        cls, shots: Sequence[ReviewedRecord], record: CertificateRecord, reviewer: str | None, at: str
    ) -> tuple[ReviewedRecord, AuditEntry]:
        """The review of several shots read as one `record`: the shots' audit trails carried over,
        then the merge itself, naming each shot's file, page and image SHA-256."""
        shown = [
            {"file": s.record.file, "page": s.record.page, "image_sha256": s.image_sha256} for s in shots
        ]
        merged = cls(record, audit=tuple(e for s in shots for e in s.audit))
        entry = merged.entry(Action.MERGED, reviewer, at, {"shots": shown})
        return merged.noted(entry), entry

    def with_official(self, result: OfficialResult) -> tuple[ReviewedRecord, AuditEntry]:
        """The record with what the national query showed, and its audit entry."""
        entry = self.entry(Action.OFFICIAL, result.reviewer, result.at, result.to_json())
        return replace(self, official=(*self.official, result), audit=(*self.audit, entry)), entry

    def apply_change(
        self,
        index: int,
        part: ChangePart,
        value: str | None,
        today: dt.date,
        reviewer: str | None = None,
        at: str = "",
    ) -> tuple[ReviewedRecord, AuditEntry]:
        """The record with one part of change block `index` set to `value` (tidied), and the audit
        entry: a change is corrected like a field.

        The block carries one set of flags and one `confirmed` for all its parts, so it counts as
        confirmed only once a person has confirmed or corrected every part of it: correcting the
        date says nothing about the institution beside it. Its checks (a real date, not in the
        future; a 15-digit new code) run again. Raises IndexError for a block that is not there.
        """
        if self.record.error:
            raise ValueError("a record that could not be read has no changes to review")
        changes = list(self.record.changes)
        current = changes[index]
        read = self.read_change(index)
        new_value = tidy_change(part, value)
        old_value = getattr(current, str(part))
        action = Action.CONFIRMED if new_value == old_value else Action.CORRECTED
        entry = AuditEntry(
            file=self.record.file,
            page=self.record.page,
            field=None,
            read=getattr(read, str(part)),
            corrected=new_value,
            at=at or now_utc(),
            reviewer=(reviewer or "").strip() or None,
            action=action,
            previous=old_value if old_value != getattr(read, str(part)) else None,
            image_sha256=self.image_sha256,
            change=index,
            part=part,
        )
        audit = (*self.audit, entry)
        touched = {e.part for e in audit if e.change == index and e.part is not None}
        block = _with_part(current, part, new_value)
        block = replace(
            check_change(block, self.record.value(FieldKey.ISSUE_DATE), today),
            confirmed=touched >= set(ChangePart),
        )
        changes[index] = block
        record = replace(self.record, changes=tuple(changes))
        original = {**self.original_changes, index: read}
        return replace(self, record=record, original_changes=original, audit=audit), entry

    def read(self, key: FieldKey) -> FieldResult:
        """The field as OCR read it, whatever a reviewer did since."""
        return self.original.get(key) or self.record.fields[key]

    def apply(
        self, key: FieldKey, value: str | None, today: dt.date, reviewer: str | None = None, at: str = ""
    ) -> tuple[ReviewedRecord, AuditEntry]:
        """The record with `key` set to `value` (tidied) and confirmed by a person, and the audit entry.

        A value equal to the current one confirms it; anything else corrects it. The OCR reading
        goes to `original` the first time the field is touched and is never replaced afterwards.
        """
        if self.record.error:
            raise ValueError("a record that could not be read has no fields to review")
        current = self.record.fields[key]
        fields = _with_values(self.record.fields, {key: value})
        new = fields[key]
        action = Action.CONFIRMED if new.value == current.value else Action.CORRECTED
        read = self.read(key)
        entry = AuditEntry(
            file=self.record.file,
            page=self.record.page,
            field=key,
            read=read.value,
            corrected=new.value,
            at=at or now_utc(),
            reviewer=(reviewer or "").strip() or None,
            action=action,
            previous=current.value if current.value != read.value else None,
            image_sha256=self.image_sha256,
        )
        record = recheck(replace(self.record, fields=fields), today)
        original = {**self.original, key: read}
        return replace(self, record=record, original=original, audit=(*self.audit, entry)), entry

    def preview(self, values: Mapping[FieldKey, str | None], today: dt.date) -> CertificateRecord:
        """The record as it would be with these values, checks run: what the page shows as a
        reviewer types, before anything is saved."""
        if self.record.error:
            return self.record
        return recheck(replace(self.record, fields=_with_values(self.record.fields, values)), today)

    def to_json(self) -> dict[str, Any]:
        """The reviewed row: the record with corrected values, plus `review` with the OCR readings
        of the touched fields and the audit trail. Keys other tools added to the row are kept."""
        out = self.record.to_json()
        if self.image_sha256 is not None:
            out["image_sha256"] = self.image_sha256
        out |= {k: v for k, v in self.extra.items() if k not in out}
        if self.original or self.audit:
            out["review"] = {
                "original": {str(k): self.original[k].to_json() for k in FIELD_ORDER if k in self.original},
                "audit": [e.to_json() for e in self.audit],
            }
            if self.original_changes:
                out["review"]["original_changes"] = {
                    str(i): self.original_changes[i].to_json() for i in sorted(self.original_changes)
                }
            if self.official:
                out["review"]["official"] = [o.to_json() for o in self.official]
        return out


# Flags a change block's checks set: dropped and set afresh after a correction.
CHANGE_CHECK_FLAGS = frozenset({Flag.INVALID_DATE, Flag.INVALID_FORMAT, Flag.IMPLAUSIBLE})


def tidy_change(part: ChangePart, text: str | None) -> str | None:
    """A part of a change block as a reviewer typed it: the date as YYYY-MM-DD where unambiguous,
    the new code without spaces, the item without the spaces of spaced-out print; empty is none."""
    if text is None:
        return None
    value = " ".join(text.split())
    if not value:
        return None
    if part is ChangePart.DATE:
        return read_date(value) or value
    if part in (ChangePart.NEW_CODE, ChangePart.ITEM):
        return value.replace(" ", "")
    return value


def _with_part(change: Change, part: ChangePart, value: str | None) -> Change:
    if part is ChangePart.ITEM:
        return replace(change, item=value)
    if part is ChangePart.VALUE:
        return replace(change, value=value)
    if part is ChangePart.DATE:
        return replace(change, date=value)
    if part is ChangePart.AUTHORITY:
        return replace(change, authority=value)
    return replace(change, new_code=value)


def check_change(change: Change, issued: str | None, today: dt.date) -> Change:
    """A change block with its checks run afresh: the date is a real date, not in the future and not
    before the certificate was issued; a new certificate code has 15 digits."""
    flags = [f for f in change.flags if f not in CHANGE_CHECK_FLAGS]
    if change.date is not None:
        try:
            day = dt.date.fromisoformat(change.date)
        except ValueError:
            flags.append(Flag.INVALID_DATE)
        else:
            if day > today:
                flags.append(Flag.INVALID_DATE)
            elif issued and len(issued) == 10 and change.date < issued:
                flags.append(Flag.IMPLAUSIBLE)
    code = change.new_code
    if code is not None and not (code.isdigit() and len(code) == CODE_LENGTH):
        flags.append(Flag.INVALID_FORMAT)
    return replace(change, flags=tuple(dict.fromkeys(flags)))


def _with_values(
    fields: Mapping[FieldKey, FieldResult], values: Mapping[FieldKey, str | None]
) -> dict[FieldKey, FieldResult]:
    """Fields with reviewer values set and confirmed. A changed value loses the flags about its
    reading (they described the old value); an unchanged one keeps them as the record of why it
    was reviewed. Checks are run afterwards by the caller."""
    out = dict(fields)
    for key, typed in values.items():
        current = out[key]
        value = tidy(key, typed, out[FieldKey.CATEGORY].value)
        if value == current.value:
            out[key] = replace(current, confirmed=True)
        else:
            out[key] = replace(current, value=value, flags=(), confirmed=True)
    return out


def to_review(record: CertificateRecord) -> tuple[FieldKey, ...]:
    """The fields a person should look at: those marked for review that the document prints (or
    that hold a value all the same), in canonical order."""
    layout = None if record.layout is None else str(record.layout)
    unprinted = not_printed(str(record.document), layout)
    return tuple(k for k in record.needs_review if k not in unprinted or record.fields[k].value is not None)


def ready_for_lookup(
    record: CertificateRecord, matcher: InstitutionMatcher, today: dt.date
) -> CertificateRecord:
    """A reviewed record as verification needs it: the institution put onto its official name
    again (a reviewer may type 重医附一院) and every check run afresh."""
    from ..pipeline import normalized_institution

    if record.error is None:
        institution = normalized_institution(matcher, record.fields[FieldKey.INSTITUTION])
        record = replace(record, fields={**record.fields, FieldKey.INSTITUTION: institution})
    return recheck(record, today)


def reasons(record: CertificateRecord, key: FieldKey, lang: Lang = "zh") -> list[str]:
    """Why a field needs review, for people: each flag (with the confidence when it is low), what a
    normalized value was read as, and the failed checks that concern the field. A flag that a
    failed check set is said by the check's own sentence (校验码为3，应为7), not twice."""
    result = record.fields[key]
    failed = [c for c in record.checks if not c.ok and key in c.fields]
    out: list[str] = []
    for flag in result.flags:
        if flag in CHECK_FLAGS or (flag is Flag.NOT_IN_VOCABULARY and failed):
            continue
        text = flag_text(flag, lang)
        if flag is Flag.NORMALIZED:
            text = f"由「{result.raw}」规范化" if lang == "zh" else f"normalized from “{result.raw}”"
        elif flag is Flag.LOW_CONFIDENCE:
            text += f"（{result.confidence:.2f}）" if lang == "zh" else f" ({result.confidence:.2f})"
        out.append(text)
    return out + [check_sentence(c, lang, record) for c in failed]


def check_sentence(check: Check, lang: Lang, record: CertificateRecord) -> str:
    """A check for the reviewer, values unmasked: the reviewer sees and corrects them anyway."""
    return check_text(check, lang, record, masked=False)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
