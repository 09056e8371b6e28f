"""The review step as pure logic: a person corrects or confirms fields before the lookup.

A correction never overwrites what OCR read. The reviewed record carries the corrected value with
`confirmed: true` (so `certscan verify --record` takes it as sure), the OCR reading of every field a
person touched is kept under `review.original`, and each change is an audit entry (field, value read,
value corrected, when, by whom). The web page and the terminal flow both work through this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from ..checks import recheck
from ..fields import CHECK_FLAGS, FIELD_ORDER, CertificateRecord, Check, FieldKey, FieldResult, Flag
from ..normalize import InstitutionMatcher, normalize_category, normalize_level, normalize_scope
from ..registry.importer import read_date
from ..report import check_text, flag_text
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
        "candidates",
        "registered_elsewhere",
        "advice",
    }
)
# Keys the record itself writes; anything else in a row (added by other tools) is kept as it was.
_RECORD_KEYS = frozenset(
    {"file", "page", "fields", "checks", "warnings", "error", "ocr", "review", "image_sha256"}
)


class Action(StrEnum):
    """What a reviewer did to a field."""

    CONFIRMED = "confirmed"  # the value read is what the certificate shows
    CORRECTED = "corrected"  # the reviewer gave another value


@dataclass(frozen=True)
class AuditEntry:
    """One review action: which field, what OCR read, what it was set to, when and by whom.

    `previous` is the value just before this action when an earlier correction had changed it.
    """

    file: str
    field: FieldKey
    read: str | None
    corrected: str | None
    at: str
    reviewer: str | None
    action: Action
    page: int | None = None
    previous: str | None = None
    # The SHA-256 of the image file's content: two phones' IMG_0001.jpg are told apart by it.
    image_sha256: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file}
        if self.page is not None:
            out["page"] = self.page
        out |= {
            "field": str(self.field),
            "read": self.read,
            "corrected": self.corrected,
            "at": self.at,
            "reviewer": self.reviewer,
            "action": str(self.action),
        }
        if self.previous is not None:
            out["previous"] = self.previous
        if self.image_sha256 is not None:
            out["image_sha256"] = self.image_sha256
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any], file: str) -> AuditEntry:
        """An entry as `to_json` wrote it; raises ValueError for an unknown field or action."""
        page = data.get("page")
        return cls(
            file=str(data.get("file") or file),
            field=FieldKey(data["field"]),
            read=_text(data.get("read")),
            corrected=_text(data.get("corrected")),
            at=str(data.get("at") or ""),
            reviewer=_text(data.get("reviewer")),
            action=Action(data.get("action") or Action.CORRECTED),
            page=page if isinstance(page, int) else None,
            previous=_text(data.get("previous")),
            image_sha256=_text(data.get("image_sha256")),
        )


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
        return cls(record, original, audit, extra, _text(row.get("image_sha256")))

    @property
    def pending(self) -> tuple[FieldKey, ...]:
        """Fields still marked for review."""
        return self.record.needs_review

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
        return out


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
