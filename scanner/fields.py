"""The closed vocabularies and records of a certificate reading.

Everything that travels between pipeline stages is defined here: the canonical field keys, the flags
that explain why a field needs review, the check names, and the frozen records the stages return.
JSON keys and enum values are the contract of SPEC.md and stay in English.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class FieldKey(StrEnum):
    """Canonical field keys, in the order they are reported."""

    NAME = "name"
    SEX = "sex"
    BIRTH_DATE = "birth_date"
    ID_NUMBER = "id_number"
    LEVEL = "level"
    CATEGORY = "category"
    SCOPE = "scope"
    PRACTICE_PLACE = "practice_place"
    INSTITUTION = "institution"
    AUTHORITY = "authority"
    ISSUE_DATE = "issue_date"
    CERTIFICATE_CODE = "certificate_code"
    # The 医师资格证书 code the old booklet prints as 证书编码 on its personal page (24-27 digits).
    QUALIFICATION_CODE = "qualification_code"


FIELD_ORDER: tuple[FieldKey, ...] = tuple(FieldKey)
# The twelve labelled fields of the current layout, which registries hold (SPEC.md "Fields").
CERTIFICATE_FIELDS: tuple[FieldKey, ...] = FIELD_ORDER[:12]

# The middle dot that joins the parts of a transliterated name (古丽娜·艾力), and every character
# OCR reads or people type for it (full stops, bullets, katakana and halfwidth middle dots, the
# dot operators, the hyphenation point, the word-separator middle dot). The one set of name dots:
# extraction, the roster and verification all fold these onto NAME_DOT.
NAME_DOT = "·"
NAME_DOTS = "·.．•・･‧∙⋅⸱"

# The label printed on the certificate for each field, used in summaries for people.
FIELD_LABELS_ZH: dict[FieldKey, str] = {
    FieldKey.NAME: "姓名",
    FieldKey.SEX: "性别",
    FieldKey.BIRTH_DATE: "出生日期",
    FieldKey.ID_NUMBER: "身份证号",
    FieldKey.LEVEL: "医师级别",
    FieldKey.CATEGORY: "执业类别",
    FieldKey.SCOPE: "执业范围",
    FieldKey.PRACTICE_PLACE: "执业地点",
    FieldKey.INSTITUTION: "主要执业机构",
    FieldKey.AUTHORITY: "发证机关",
    FieldKey.ISSUE_DATE: "发证日期",
    FieldKey.CERTIFICATE_CODE: "证书编码",
    FieldKey.QUALIFICATION_CODE: "医师资格证书编码",
}

FIELD_LABELS_EN: dict[FieldKey, str] = {
    FieldKey.NAME: "Name",
    FieldKey.SEX: "Sex",
    FieldKey.BIRTH_DATE: "Date of birth",
    FieldKey.ID_NUMBER: "ID number",
    FieldKey.LEVEL: "Level",
    FieldKey.CATEGORY: "Category",
    FieldKey.SCOPE: "Scope",
    FieldKey.PRACTICE_PLACE: "Practice place",
    FieldKey.INSTITUTION: "Main institution",
    FieldKey.AUTHORITY: "Issuing authority",
    FieldKey.ISSUE_DATE: "Issue date",
    FieldKey.CERTIFICATE_CODE: "Certificate code",
    FieldKey.QUALIFICATION_CODE: "Qualification certificate code",
}


class Flag(StrEnum):
    """Why a field value may be wrong; any flag here except `normalized` sets `review`."""

    LOW_CONFIDENCE = "low_confidence"
    CHECKSUM_FAILED = "checksum_failed"
    NOT_IN_VOCABULARY = "not_in_vocabulary"
    NORMALIZED = "normalized"
    REPAIRED = "repaired"
    MISSING = "missing"
    INCONSISTENT_WITH_ID = "inconsistent_with_id"
    INVALID_FORMAT = "invalid_format"
    INVALID_DATE = "invalid_date"
    IMPLAUSIBLE = "implausible"
    UNKNOWN_REGION = "unknown_region"
    INCOMPLETE = "incomplete"
    # Found by what it is (男, 执业医师, 重庆市渝中区) where its label was not read.
    UNLABELLED = "unlabelled"
    # Image quality where the value was printed: read, but not to be trusted unseen.
    BLUR = "blur"
    GLARE = "glare"
    LOW_CONTRAST = "low_contrast"
    LOW_RESOLUTION = "low_resolution"
    PARTLY_OUTSIDE = "partly_outside"


# How many characters an ID number (GB 11643) and a practising-certificate code have.
ID_LENGTH, CODE_LENGTH = 18, 15

# Warnings about the page as a whole beside the picture's own (blur to dark, from `quality`): the
# picture holds no text at all; it holds no practising certificate (`pipeline.no_certificate`).
NO_TEXT_FOUND = "no_text_found"
NO_CERTIFICATE = "no_certificate"
# Warnings that a booklet's page is not in the picture (a change page or the 编码 page shown alone):
# neither a label nor a value of the fields it prints was read. Each names those fields; the
# certificate code page only for the old booklet, whose 编码 stands on a page of its own.
HOLDER_PAGE_NOT_SHOWN = "holder_page_not_shown"
CODE_PAGE_NOT_SHOWN = "code_page_not_shown"

PAGE_FIELDS: dict[str, tuple[FieldKey, ...]] = {
    HOLDER_PAGE_NOT_SHOWN: (FieldKey.NAME, FieldKey.SEX, FieldKey.BIRTH_DATE, FieldKey.ID_NUMBER),
    CODE_PAGE_NOT_SHOWN: (FieldKey.CERTIFICATE_CODE, FieldKey.AUTHORITY, FieldKey.ISSUE_DATE),
}

# What the picture did to a field, as opposed to the print itself (a better photo can mend it), in
# the order the image warnings name them.
PICTURE_FLAGS = (Flag.BLUR, Flag.GLARE, Flag.LOW_CONTRAST, Flag.LOW_RESOLUTION, Flag.PARTLY_OUTSIDE)


# Flags set by intrinsic checks: they say the value is wrong as a certificate value, not that OCR may
# have misread it.
# (A wrong format is not among them: a dropped or misread character explains it best.)
CHECK_FLAGS: frozenset[Flag] = frozenset(
    {
        Flag.CHECKSUM_FAILED,
        Flag.INCONSISTENT_WITH_ID,
        Flag.INVALID_DATE,
        Flag.IMPLAUSIBLE,
        Flag.UNKNOWN_REGION,
    }
)


class Level(StrEnum):
    """医师级别."""

    PHYSICIAN = "执业医师"
    ASSISTANT = "执业助理医师"


class Category(StrEnum):
    """执业类别."""

    CLINICAL = "临床"
    TCM = "中医"
    DENTAL = "口腔"
    PUBLIC_HEALTH = "公共卫生"


class Sex(StrEnum):
    """性别 as printed."""

    MALE = "男"
    FEMALE = "女"


class CheckName(StrEnum):
    """Intrinsic checks, reported in `checks`."""

    ID_FORMAT = "id_format"
    ID_CHECKSUM = "id_checksum"
    ID_REGION = "id_region"
    ID_BIRTH_DATE = "id_birth_date"
    ID_SEX = "id_sex"
    CODE_FORMAT = "code_format"
    # The old booklet's 医师资格证书 code: digits only, 24-27 of them.
    QUALIFICATION_CODE_FORMAT = "qualification_code_format"
    BIRTH_DATE_VALID = "birth_date_valid"
    # The holder is old enough today to be a doctor at all (a 变更注册 date read as the birth date).
    BIRTH_DATE_PLAUSIBLE = "birth_date_plausible"
    ISSUE_DATE_VALID = "issue_date_valid"
    ISSUE_AFTER_BIRTH = "issue_after_birth"
    ISSUE_NOT_FUTURE = "issue_not_future"
    SEX_VOCABULARY = "sex_vocabulary"
    LEVEL_VOCABULARY = "level_vocabulary"
    CATEGORY_VOCABULARY = "category_vocabulary"
    SCOPE_VOCABULARY = "scope_vocabulary"


class Document(StrEnum):
    """What kind of document a picture shows (`document` in JSON)."""

    PRACTISING = "practising_certificate"  # 医师执业证书, either layout
    QUALIFICATION = "qualification_certificate"  # 医师资格证书: the exam was passed, not registration
    TITLE = "title_certificate"  # 专业技术资格证书 (职称)
    ID_CARD = "id_card"
    OTHER = "other"


class CertificateLayout(StrEnum):
    """Which issue of the practising certificate (`layout` in JSON)."""

    OLD_BOOKLET = "old_booklet"  # 卫生部 issue: p2 编码 …, p3 姓名 … 医师资格 … 证书编码 … 身份证号
    CURRENT = "current"  # the twelve labels of SPEC.md "Fields"


# Fields whose `not_in_vocabulary` flag comes from a check (the institution's comes from normalization).
_CHECKED_VOCABULARY = frozenset({FieldKey.SEX, FieldKey.LEVEL, FieldKey.CATEGORY, FieldKey.SCOPE})


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in image pixels: (x0, y0) top-left, (x1, y1) bottom-right."""

    x0: float
    y0: float
    x1: float
    y1: float

    def union(self, other: Box) -> Box:
        """The smallest box holding both."""
        return Box(
            min(self.x0, other.x0),
            min(self.y0, other.y0),
            max(self.x1, other.x1),
            max(self.y1, other.y1),
        )

    def to_json(self) -> list[int]:
        return [round(self.x0), round(self.y0), round(self.x1), round(self.y1)]


@dataclass(frozen=True)
class FieldResult:
    """One field as read: the canonical value, the raw OCR text, and why it may need review."""

    value: str | None
    raw: str | None
    confidence: float
    flags: tuple[Flag, ...] = ()
    box: Box | None = None
    # A person compared the value with the certificate and confirmed or corrected it (review step).
    confirmed: bool = False
    # Several pictures of one certificate read as one (`--merge`): the shots (0-based, in the order
    # given) whose reading agreed with this value. Empty for a single picture.
    shots: tuple[int, ...] = ()

    @property
    def review(self) -> bool:
        """True whenever the value may be wrong: any flag other than a sure normalization, unless a
        person has confirmed the value."""
        return not self.confirmed and any(f is not Flag.NORMALIZED for f in self.flags)

    @property
    def read_sure(self) -> bool:
        """Whether the value is surely what the certificate shows (read with confidence or confirmed
        by a person), whatever the checks say about it: a confidently read ID number that fails its
        check digit is surely printed so. Flags from checks are not doubts about the reading."""
        if self.value is None:
            return False
        return self.confirmed or all(f in CHECK_FLAGS or f is Flag.NORMALIZED for f in self.flags)

    def with_flags(self, *flags: Flag) -> FieldResult:
        """A copy with extra flags (kept unique, in order of first appearance)."""
        merged = tuple(dict.fromkeys((*self.flags, *flags)))
        return replace(self, flags=merged)

    def without_flags(self, flags: Container[Flag]) -> FieldResult:
        """A copy without these flags."""
        return replace(self, flags=tuple(f for f in self.flags if f not in flags))

    def to_json(self) -> dict[str, Any]:
        out = {"value": self.value, "raw": self.raw, **_judged_json(self)}
        if self.shots:
            out["shots"] = list(self.shots)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FieldResult:
        """A field from its JSON (as `to_json` writes it, possibly edited by a reviewer). Unknown
        flags are dropped; `confirmed: true` records that a person checked the value."""
        known = {str(f) for f in Flag}
        box = data.get("box")
        value = data.get("value")
        return cls(
            value=None if value is None or value == "" else str(value),
            raw=None if data.get("raw") is None else str(data.get("raw")),
            confidence=float(data.get("confidence") or 0.0),
            flags=tuple(Flag(f) for f in data.get("flags") or () if f in known),
            box=Box(*(float(v) for v in box)) if isinstance(box, list) and len(box) == 4 else None,
            confirmed=bool(data.get("confirmed", False)),
            shots=tuple(int(i) for i in data.get("shots") or () if isinstance(i, int)),
        )

    @classmethod
    def missing(cls) -> FieldResult:
        """A field the certificate did not yield."""
        return cls(value=None, raw=None, confidence=0.0, flags=(Flag.MISSING,))

    @classmethod
    def not_printed(cls) -> FieldResult:
        """A field this document or layout does not print (see `unprinted_fields`): null, and no
        reading for anyone to review."""
        return cls(value=None, raw=None, confidence=0.0)


def _judged_json(judged: FieldResult | Change) -> dict[str, Any]:
    """How sure a reading is, in JSON: confidence, review, flags, box, and `confirmed` when a person
    checked it (the keys a field and a change block share, in this order)."""
    out: dict[str, Any] = {
        "confidence": round(judged.confidence, 4),
        "review": judged.review,
        "flags": [str(f) for f in judged.flags],
        "box": judged.box.to_json() if judged.box else None,
    }
    if judged.confirmed:
        out["confirmed"] = True
    return out


@dataclass(frozen=True)
class Change:
    """One block of the 变更注册记录 (change-of-registration record).

    `item` as printed (主要执业机构变更), `value` the new value, `date` YYYY-MM-DD, `authority` the
    批准机关, `new_code` the 新证书编码 when filled in. One confidence and one set of flags for the
    block; `review` as for a field.
    """

    item: str | None
    value: str | None
    date: str | None
    authority: str | None
    new_code: str | None = None
    confidence: float = 0.0
    flags: tuple[Flag, ...] = ()
    box: Box | None = None
    confirmed: bool = False

    @property
    def review(self) -> bool:
        """True whenever a part of the block may be wrong (as `FieldResult.review`)."""
        return not self.confirmed and any(f is not Flag.NORMALIZED for f in self.flags)

    def with_flags(self, *flags: Flag) -> Change:
        """A copy with extra flags (kept unique, in order of first appearance)."""
        return replace(self, flags=tuple(dict.fromkeys((*self.flags, *flags))))

    def to_json(self) -> dict[str, Any]:
        parts = {"item": self.item, "value": self.value, "date": self.date, "authority": self.authority}
        return {**parts, "new_code": self.new_code, **_judged_json(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        """A block from its JSON (as `to_json` writes it, possibly edited by a reviewer)."""
        known = {str(f) for f in Flag}
        box = data.get("box")

        def text(key: str) -> str | None:
            value = data.get(key)
            return None if value is None or value == "" else str(value)

        return cls(
            item=text("item"),
            value=text("value"),
            date=text("date"),
            authority=text("authority"),
            new_code=text("new_code"),
            confidence=float(data.get("confidence") or 0.0),
            flags=tuple(Flag(f) for f in data.get("flags") or () if f in known),
            box=Box(*(float(v) for v in box)) if isinstance(box, list) and len(box) == 4 else None,
            confirmed=bool(data.get("confirmed", False)),
        )


def unprinted_fields(document: Document, layout: CertificateLayout | None) -> frozenset[FieldKey]:
    """The fields a document of this kind and layout does not print (SPEC.md "Documents, layouts and
    pages"): the old booklet has no 主要执业机构 (its 执业地点 names the institution), today's layout
    no qualification code, the 医师资格证书 no registration, the 职称 certificate and the ID card none
    of the certificate's fields beyond the person's. Such a field, not read, is null and not reviewed
    (`FieldResult.not_printed`)."""
    if document is Document.PRACTISING:
        if layout is CertificateLayout.OLD_BOOKLET:
            return frozenset({FieldKey.INSTITUTION})
        return frozenset({FieldKey.QUALIFICATION_CODE})
    person = {FieldKey.NAME, FieldKey.SEX, FieldKey.BIRTH_DATE, FieldKey.ID_NUMBER}
    if document is Document.QUALIFICATION:
        printed = person | {
            FieldKey.CATEGORY,
            FieldKey.AUTHORITY,
            FieldKey.ISSUE_DATE,
            FieldKey.QUALIFICATION_CODE,
        }
    elif document in (Document.TITLE, Document.ID_CARD):
        printed = person
    else:
        # Another paper: nothing is known of what it prints, and every field stays missing.
        return frozenset()
    return frozenset(k for k in FieldKey if k not in printed)


def with_unprinted(
    fields: Mapping[FieldKey, FieldResult], document: Document, layout: CertificateLayout | None
) -> dict[FieldKey, FieldResult]:
    """The fields with every one the document does not print, and that was not read, null and not
    reviewed (a value read all the same is kept as read)."""
    unprinted = unprinted_fields(document, layout)
    out = dict(fields)
    for key in FieldKey:
        field = out.get(key)
        if key in unprinted and (field is None or field.value is None):
            out[key] = FieldResult.not_printed()
    return out


# What a change item sets in the registration, by a word it contains, in the order tried (a longer
# word first: 主要执业机构 before 执业地点 would not matter, but 执业机构 inside 主要执业机构 does).
# 执业地点变更 sets the place; on the old booklet, where 执业地点 names the institution, also the
# institution.
CHANGE_TARGETS: tuple[tuple[str, FieldKey], ...] = (
    ("执业机构", FieldKey.INSTITUTION),
    ("执业地点", FieldKey.PRACTICE_PLACE),
    ("执业范围", FieldKey.SCOPE),
    ("执业类别", FieldKey.CATEGORY),
)
# The keys of `current`, in order.
CURRENT_KEYS: tuple[FieldKey, ...] = (
    FieldKey.INSTITUTION,
    FieldKey.PRACTICE_PLACE,
    FieldKey.SCOPE,
    FieldKey.CATEGORY,
    FieldKey.CERTIFICATE_CODE,
)


@dataclass(frozen=True)
class Current:
    """The registration a booklet shows today (`current` in JSON): the printed values with every
    change applied in date order; `from_change` the index of the newest change used, or None."""

    values: dict[FieldKey, str | None]
    from_change: int | None = None

    def value(self, key: FieldKey) -> str | None:
        return self.values.get(key)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {str(k): self.values.get(k) for k in CURRENT_KEYS}
        out["from_change"] = self.from_change
        return out


def chronological(changes: Sequence[Change]) -> list[int]:
    """The blocks' indices in date order. Booklets are filled block by block, so the printed order
    is the order of time: it is kept wherever a date is missing (a date lost under a seal says
    nothing of where its block belongs), and dates only order blocks that all have one."""
    if any(change.date is None for change in changes):
        return list(range(len(changes)))
    return sorted(range(len(changes)), key=lambda i: (changes[i].date or "", i))


def current_registration(
    fields: Mapping[FieldKey, FieldResult], changes: Sequence[Change], layout: CertificateLayout | None
) -> Current:
    """The registration today from the printed fields and the change blocks (SPEC.md `current`).

    The old booklet registers a doctor to an institution under 执业地点: its starting institution is
    the printed 执业地点 (unless a 主要执业机构 label was printed), and a 执业地点变更 moves both.
    Changes apply in date order (`chronological`: printed order when a date is missing); a filled
    新证书编码 replaces the certificate code.
    """
    values = {key: (fields[key].value if key in fields else None) for key in CURRENT_KEYS}
    old = layout is CertificateLayout.OLD_BOOKLET
    if old and values[FieldKey.INSTITUTION] is None:
        values[FieldKey.INSTITUTION] = values[FieldKey.PRACTICE_PLACE]
    newest: int | None = None
    for i in chronological(changes):
        change = changes[i]
        used = False
        item = "".join((change.item or "").split())
        target = next((key for word, key in CHANGE_TARGETS if word in item), None)
        if target is not None and change.value:
            values[target] = change.value
            if old and target is FieldKey.PRACTICE_PLACE:
                values[FieldKey.INSTITUTION] = change.value
            used = True
        if change.new_code:
            values[FieldKey.CERTIFICATE_CODE] = change.new_code
            used = True
        if used:
            newest = i
    return Current(values, newest)


@dataclass(frozen=True)
class Check:
    """The outcome of one intrinsic check."""

    check: CheckName
    ok: bool
    detail: str
    fields: tuple[FieldKey, ...] = ()
    detail_zh: str = ""
    # A passed check that still deserves a remark (e.g. a region code younger than the holder).
    note: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"check": str(self.check), "ok": self.ok, "detail": self.detail}
        if self.note:
            out["note"] = True
        return out


@dataclass(frozen=True)
class CertificateRecord:
    """Everything certscan read and checked on one certificate image (or one PDF page)."""

    file: str
    fields: dict[FieldKey, FieldResult]
    checks: tuple[Check, ...] = ()
    warnings: tuple[str, ...] = ()
    error: str | None = None
    page: int | None = None
    ocr: dict[str, Any] = field(default_factory=dict)
    # The error for people reading Chinese; JSON carries `error`.
    error_zh: str | None = None
    # Where the certificate lies in the image and how it was flattened (`page_geometry` in JSON).
    geometry: dict[str, Any] | None = None
    # What the picture shows (SPEC.md "Documents, layouts and pages"): the kind of document, the
    # layout of a practising certificate (None for other documents), and its 变更注册记录 blocks in
    # date order.
    document: Document = Document.PRACTISING
    layout: CertificateLayout | None = CertificateLayout.CURRENT
    changes: tuple[Change, ...] = ()

    def value(self, key: FieldKey) -> str | None:
        """The canonical value of a field, or None."""
        result = self.fields.get(key)
        return result.value if result else None

    @property
    def current(self) -> Current | None:
        """The registration the certificate shows today (printed values with the changes applied);
        None for a document that is no practising certificate."""
        if self.document is not Document.PRACTISING:
            return None
        return current_registration(self.fields, self.changes, self.layout)

    @property
    def needs_review(self) -> tuple[FieldKey, ...]:
        """Fields marked for review, in canonical order."""
        return tuple(k for k in FIELD_ORDER if k in self.fields and self.fields[k].review)

    def to_json(self) -> dict[str, Any]:
        """The SPEC.md object for one input."""
        out: dict[str, Any] = {"file": self.file}
        if self.page is not None:
            out["page"] = self.page
        if self.error is not None:
            out["error"] = self.error
            return out
        out["fields"] = {str(k): (self.fields.get(k) or FieldResult.missing()).to_json() for k in FIELD_ORDER}
        out["checks"] = [c.to_json() for c in self.checks]
        out["warnings"] = list(self.warnings)
        out["error"] = None
        out["document"] = str(self.document)
        out["layout"] = None if self.layout is None else str(self.layout)
        out["changes"] = [c.to_json() for c in self.changes]
        current = self.current
        out["current"] = None if current is None else current.to_json()
        if self.geometry is not None:
            out["page_geometry"] = self.geometry
        if self.ocr:
            out["ocr"] = self.ocr
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CertificateRecord:
        """A record from its JSON row (`certscan scan --json`, possibly corrected by a reviewer).

        Flags that checks set are dropped: a corrected value must be checked afresh (see
        `checks.recheck`). Raises ValueError when the row has no `file` or no `fields` object.
        """
        file, fields_json = data.get("file"), data.get("fields")
        if not isinstance(file, str):
            raise ValueError('the record has no "file"')
        page = data.get("page") if isinstance(data.get("page"), int) else None
        if data.get("error"):
            return cls.failed(file, str(data["error"]), page=page)
        if not isinstance(fields_json, Mapping):
            raise ValueError('the record has no "fields" object')
        fields: dict[FieldKey, FieldResult] = {}
        for key in FIELD_ORDER:
            item = fields_json.get(str(key))
            result = FieldResult.from_json(item) if isinstance(item, Mapping) else FieldResult.missing()
            drop = CHECK_FLAGS | ({Flag.NOT_IN_VOCABULARY} if key in _CHECKED_VOCABULARY else set())
            fields[key] = result.without_flags(drop)
        warnings = tuple(str(w) for w in data.get("warnings") or ())
        ocr = data.get("ocr") if isinstance(data.get("ocr"), dict) else {}
        geometry = data.get("page_geometry") if isinstance(data.get("page_geometry"), dict) else None
        documents = {str(d): d for d in Document}
        layouts = {str(lay): lay for lay in CertificateLayout}
        # Rows written before documents were told apart are practising certificates of today's layout.
        document = documents.get(str(data.get("document") or Document.PRACTISING), Document.OTHER)
        layout = layouts.get(str(data.get("layout"))) if "layout" in data else CertificateLayout.CURRENT
        changes = tuple(Change.from_json(c) for c in data.get("changes") or () if isinstance(c, Mapping))
        layout = layout if document is Document.PRACTISING else None
        return cls(
            file=file,
            fields=with_unprinted(fields, document, layout),
            warnings=warnings,
            page=page,
            ocr=ocr or {},
            geometry=geometry,
            document=document,
            layout=layout,
            changes=changes,
        )

    @classmethod
    def failed(
        cls, file: str, error: str, page: int | None = None, error_zh: str | None = None
    ) -> CertificateRecord:
        """The record of an input that could not be read."""
        return cls(file=file, fields={}, error=error, page=page, error_zh=error_zh or error)
