"""A reading for people: each field with why it needs review, the checks that failed, the image
warnings; ID number and birth date masked (scanner/text.py's policy)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..fields import (
    CODE_PAGE_NOT_SHOWN,
    CURRENT_KEYS,
    FIELD_LABELS_EN,
    FIELD_LABELS_ZH,
    FIELD_ORDER,
    HOLDER_PAGE_NOT_SHOWN,
    NO_CERTIFICATE,
    NO_TEXT_FOUND,
    PAGE_FIELDS,
    CertificateLayout,
    CertificateRecord,
    Change,
    Check,
    CheckName,
    Document,
    FieldKey,
    Flag,
    unprinted_fields,
)
from ..merge import DIFFERENT_CERTIFICATES
from ..text import Lang, display_width, mask_birth_date, mask_id, mask_personal

_FLAG_TEXT: dict[Lang, dict[Flag, str]] = {
    "zh": {
        Flag.LOW_CONFIDENCE: "识别把握不足",
        Flag.CHECKSUM_FAILED: "校验码不符",
        Flag.NOT_IN_VOCABULARY: "不在规定取值内",
        Flag.NORMALIZED: "已规范化",
        Flag.REPAIRED: "已按规则修正",
        Flag.MISSING: "未识别到",
        Flag.INCONSISTENT_WITH_ID: "与身份证号不一致",
        Flag.INVALID_FORMAT: "格式不符",
        Flag.INVALID_DATE: "不是有效日期",
        Flag.IMPLAUSIBLE: "日期不合理",
        Flag.UNKNOWN_REGION: "地区码不存在",
        Flag.INCOMPLETE: "名称不完整",
        Flag.UNLABELLED: "未识别到栏目名，按取值判断",
        Flag.BLUR: "图像模糊",
        Flag.GLARE: "反光遮挡",
        Flag.LOW_CONTRAST: "字迹对比度过低",
        Flag.LOW_RESOLUTION: "分辨率过低",
        Flag.PARTLY_OUTSIDE: "超出画面",
    },
    "en": {
        Flag.LOW_CONFIDENCE: "low OCR confidence",
        Flag.CHECKSUM_FAILED: "check digit fails",
        Flag.NOT_IN_VOCABULARY: "not an allowed value",
        Flag.NORMALIZED: "normalized",
        Flag.REPAIRED: "repaired by rule",
        Flag.MISSING: "not found",
        Flag.INCONSISTENT_WITH_ID: "disagrees with the ID number",
        Flag.INVALID_FORMAT: "wrong format",
        Flag.INVALID_DATE: "not a real date",
        Flag.IMPLAUSIBLE: "implausible date",
        Flag.UNKNOWN_REGION: "unknown region code",
        Flag.INCOMPLETE: "name looks cut short",
        Flag.UNLABELLED: "label not read; known by its value",
        Flag.BLUR: "blurred in the picture",
        Flag.GLARE: "under a reflection",
        Flag.LOW_CONTRAST: "print too faint in the picture",
        Flag.LOW_RESOLUTION: "printed too small in the picture",
        Flag.PARTLY_OUTSIDE: "runs off the picture",
    },
}

_CHECK_TEXT: dict[Lang, dict[CheckName, str]] = {
    "zh": {
        CheckName.ID_FORMAT: "身份证号格式",
        CheckName.ID_CHECKSUM: "身份证校验码",
        CheckName.ID_REGION: "身份证地区码",
        CheckName.ID_BIRTH_DATE: "身份证号与出生日期",
        CheckName.ID_SEX: "身份证号与性别",
        CheckName.CODE_FORMAT: "证书编码格式",
        CheckName.QUALIFICATION_CODE_FORMAT: "医师资格证书编码格式",
        CheckName.BIRTH_DATE_VALID: "出生日期",
        CheckName.BIRTH_DATE_PLAUSIBLE: "出生日期与执业年龄",
        CheckName.ISSUE_DATE_VALID: "发证日期",
        CheckName.ISSUE_AFTER_BIRTH: "发证日期与出生日期",
        CheckName.ISSUE_NOT_FUTURE: "发证日期不晚于今天",
        CheckName.SEX_VOCABULARY: "性别取值",
        CheckName.LEVEL_VOCABULARY: "医师级别取值",
        CheckName.CATEGORY_VOCABULARY: "执业类别取值",
        CheckName.SCOPE_VOCABULARY: "执业范围取值",
    },
    "en": {
        CheckName.ID_FORMAT: "ID number format",
        CheckName.ID_CHECKSUM: "ID check digit",
        CheckName.ID_REGION: "ID region code",
        CheckName.ID_BIRTH_DATE: "ID vs date of birth",
        CheckName.ID_SEX: "ID vs sex",
        CheckName.CODE_FORMAT: "certificate code format",
        CheckName.QUALIFICATION_CODE_FORMAT: "qualification certificate code format",
        CheckName.BIRTH_DATE_VALID: "date of birth",
        CheckName.BIRTH_DATE_PLAUSIBLE: "date of birth vs licensing age",
        CheckName.ISSUE_DATE_VALID: "issue date",
        CheckName.ISSUE_AFTER_BIRTH: "issue date vs date of birth",
        CheckName.ISSUE_NOT_FUTURE: "issue date not in the future",
        CheckName.SEX_VOCABULARY: "sex value",
        CheckName.LEVEL_VOCABULARY: "level value",
        CheckName.CATEGORY_VOCABULARY: "category value",
        CheckName.SCOPE_VOCABULARY: "scope value",
    },
}

_TEXT: dict[Lang, dict[str, str]] = {
    "zh": {
        "page": "第{page}页",
        "error": "无法读取：{error}",
        "review": "需人工复核：{fields}",
        "all_ok": "全部字段识别可靠，内在检查通过。",
        "checks_failed": "未通过的检查：{checks}",
        "warnings": "图像提示：{warnings}",
        "notes": "备注：{notes}",
        "no_certificate": "未找到医师执业证书：图中没有证书的任何栏目（姓名、身份证号、证书编码等），"
        "请确认拍摄或选择的是医师执业证书。",
        "document": "证件",
        "changes": "变更注册记录：",
        "change": "{number}. {date}  {item}：{value}（批准机关：{authority}{code}）",
        "new_code": "；新证书编码：{code}",
        "change_review": "变更注册记录第{number}条",
        "current": "当前注册：{values}",
        "from_change": "（据第{number}条变更）",
        "printed": "（无变更，按证书所印）",
    },
    "en": {
        "page": "page {page}",
        "error": "cannot read: {error}",
        "review": "Needs review: {fields}",
        "all_ok": "All fields read with confidence; intrinsic checks pass.",
        "checks_failed": "Failed checks: {checks}",
        "warnings": "Image warnings: {warnings}",
        "notes": "Notes: {notes}",
        "no_certificate": "no practising certificate found: the picture shows none of the certificate's "
        "labels (name, ID number, certificate code ...); check that it is a physician practising "
        "certificate.",
        "document": "Document",
        "changes": "Change record (变更注册记录):",
        "change": "{number}. {date}  {item}: {value} (approved by {authority}{code})",
        "new_code": "; new certificate code {code}",
        "change_review": "change record entry {number}",
        "current": "Registered now: {values}",
        "from_change": " (after change {number})",
        "printed": " (no change: as printed)",
    },
}


_DOCUMENT_TEXT: dict[Lang, dict[Document, str]] = {
    "zh": {
        Document.PRACTISING: "医师执业证书",
        Document.QUALIFICATION: "医师资格证书（不是医师执业证书：它证明通过了医师资格考试，"
        "不证明已注册执业）",
        Document.TITLE: "专业技术资格证书（职称证书，不是医师执业证书：它说明职称，不证明已注册执业）",
        Document.ID_CARD: "身份证件（不是医师执业证书）",
        Document.OTHER: "其他文件（不是医师执业证书）",
    },
    "en": {
        Document.PRACTISING: "physician practising certificate",
        Document.QUALIFICATION: "physician qualification certificate (医师资格证书): not a practising "
        "certificate; it proves the licensing exam was passed, not a registration to practise",
        Document.TITLE: "professional title certificate (专业技术资格证书, 职称): not a practising "
        "certificate; it states a title, not a registration to practise",
        Document.ID_CARD: "identity card: not a practising certificate",
        Document.OTHER: "another document: not a practising certificate",
    },
}

_LAYOUT_TEXT: dict[Lang, dict[CertificateLayout, str]] = {
    "zh": {CertificateLayout.OLD_BOOKLET: "旧版卫生部证书本", CertificateLayout.CURRENT: "现行版式"},
    "en": {
        CertificateLayout.OLD_BOOKLET: "old Ministry of Health booklet",
        CertificateLayout.CURRENT: "current layout",
    },
}


def layout_text(layout: CertificateLayout, lang: Lang = "zh") -> str:
    """A practising certificate's layout, for people (旧版卫生部证书本)."""
    return _LAYOUT_TEXT[lang][layout]


def document_text(record: CertificateRecord, lang: Lang = "zh") -> str:
    """What the picture shows, for people: the document, and the layout of a practising certificate
    (医师执业证书（旧版卫生部证书本）)."""
    text = _DOCUMENT_TEXT[lang][record.document]
    if record.document is Document.PRACTISING and record.layout is not None:
        layout = layout_text(record.layout, lang)
        text += f"（{layout}）" if lang == "zh" else f", {layout}"
    return text


def change_lines(record: CertificateRecord, lang: Lang = "zh") -> list[str]:
    """The change record block by block (date, item, new value, 批准机关, new code), each marked
    with why it needs review, then the registration it leads to; nothing for a certificate without
    changes (or no practising certificate)."""
    text = _TEXT[lang]
    comma = "、" if lang == "zh" else ", "
    lines: list[str] = []
    if record.changes:
        lines.append(text["changes"])
    for number, change in enumerate(record.changes, 1):
        lines.append("  " + _change_line(change, number, lang))
        if change.review:
            lines[-1] += "  ⚠ " + comma.join(
                _FLAG_TEXT[lang][f] for f in change.flags if f is not Flag.NORMALIZED
            )
    current = record.current
    if current is not None and (record.changes or record.layout is CertificateLayout.OLD_BOOKLET):
        labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN
        sep = "；" if lang == "zh" else "; "
        shown = sep.join(f"{labels[k]} {current.value(k) or '—'}" for k in CURRENT_KEYS)
        where = (
            text["printed"]
            if current.from_change is None
            else text["from_change"].format(number=current.from_change + 1)
        )
        lines.append(text["current"].format(values=shown) + where)
    return lines


def _change_line(change: Change, number: int, lang: Lang) -> str:
    text = _TEXT[lang]
    code = text["new_code"].format(code=change.new_code) if change.new_code else ""
    return text["change"].format(
        number=number,
        date=change.date or "—",
        item=change.item or "—",
        value=change.value or "—",
        authority=change.authority or "—",
        code=code,
    )


def flag_text(flag: Flag, lang: Lang = "zh") -> str:
    """Why a field needs review, in words for people."""
    return _FLAG_TEXT[lang][flag]


def to_json_line(record: CertificateRecord) -> str:
    """One JSON Lines row, the machine-readable output of SPEC.md (full ID number included)."""
    return json.dumps(record.to_json(), ensure_ascii=False)


def shown_value(key: FieldKey, value: str | None) -> str | None:
    """A field value as people may see it (scanner/text.py's policy): of the ID number the region
    and check character, of the birth date the year; every other field as it is."""
    if key is FieldKey.ID_NUMBER:
        return mask_id(value)
    if key is FieldKey.BIRTH_DATE:
        return mask_birth_date(value)
    return value


def heading(record: CertificateRecord, lang: Lang = "zh") -> str:
    """The line a summary starts with: the file, and the page of a document of several."""
    return record.file + (f"（{_TEXT[lang]['page'].format(page=record.page)}）" if record.page else "")


def summary(record: CertificateRecord, lang: Lang = "zh") -> str:
    """A readable summary of one record, ID number and birth date masked."""
    text = _TEXT[lang]
    labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN
    title = heading(record, lang)
    if record.error:
        error = record.error_zh if lang == "zh" and record.error_zh else record.error
        return f"{title}\n  {text['error'].format(error=error)}\n"
    if NO_CERTIFICATE in record.warnings:
        return f"{title}\n  {text['no_certificate']}\n"
    sep, comma = ("；", "、") if lang == "zh" else ("; ", ", ")
    shown_keys = _shown_keys(record)
    width = max(display_width(labels[k]) for k in (*shown_keys, *FIELD_ORDER[:12]))
    document_label = text["document"]
    lines = [
        title,
        f"  {document_label}{' ' * (width - display_width(document_label))}  {document_text(record, lang)}",
    ]
    for key in shown_keys:
        result = record.fields[key]
        value = shown_value(key, result.value)
        shown = value if value is not None else "—"
        label = labels[key]
        pad = " " * (width - display_width(label))
        mark = "  ⚠ " + comma.join(_FLAG_TEXT[lang][f] for f in result.flags) if result.review else ""
        lines.append(f"  {label}{pad}  {shown}{mark}")
    lines += ["  " + line for line in change_lines(record, lang)]
    review = [labels[k] for k in record.needs_review if k in shown_keys]
    review += [text["change_review"].format(number=i) for i, c in enumerate(record.changes, 1) if c.review]
    failed = [c for c in record.checks if not c.ok]
    notes = [c for c in record.checks if c.ok and c.note]
    if review:
        lines.append("  " + text["review"].format(fields=comma.join(review)))
    if failed:
        described = sep.join(check_text(c, lang, record) for c in failed)
        lines.append("  " + text["checks_failed"].format(checks=described))
    if notes:
        described = sep.join(check_text(c, lang, record) for c in notes)
        lines.append("  " + text["notes"].format(notes=described))
    pages = [w for w in record.warnings if w in PAGE_FIELDS]
    image_warnings = [w for w in record.warnings if w not in PAGE_FIELDS]
    lines += ["  " + warning_text(w, lang, record) for w in pages]
    if image_warnings:
        lines.append("  " + text["warnings"].format(warnings=warnings_text(image_warnings, lang, record)))
    if not review and not failed:
        lines.append("  " + text["all_ok"])
    return "\n".join(lines) + "\n"


def _shown_keys(record: CertificateRecord) -> tuple[FieldKey, ...]:
    """The fields a summary lists: what the layout prints (unless read all the same); of another
    document, what was read from it."""
    fields = record.fields
    if record.document is not Document.PRACTISING:
        return tuple(k for k in FIELD_ORDER if k in fields and fields[k].value is not None)
    layout = None if record.layout is None else str(record.layout)
    unprinted = not_printed(str(record.document), layout)
    return tuple(
        k for k in FIELD_ORDER if k in fields and (k not in unprinted or fields[k].value is not None)
    )


def not_printed(document: str | None, layout: str | None) -> frozenset[FieldKey]:
    """Fields a document of this kind and layout does not print (as JSON rows name them): the old
    booklet has no 主要执业机构 (its 执业地点 names the institution), today's layout no qualification
    code; another document prints none of the practising certificate's registration. Such a field
    left empty is no reading to review."""
    if document not in (None, str(Document.PRACTISING)):
        return frozenset(FIELD_ORDER)
    old = layout == str(CertificateLayout.OLD_BOOKLET)
    return unprinted_fields(
        Document.PRACTISING, CertificateLayout.OLD_BOOKLET if old else CertificateLayout.CURRENT
    )


def check_text(check: Check, lang: Lang, record: CertificateRecord, masked: bool = True) -> str:
    """A check for people, in their language; ID numbers and dates quoted in its detail are masked
    as the fields themselves are (`text.mask_personal`), unless `masked` is false: for the reviewer,
    who sees and corrects the values themselves."""
    detail = check.detail_zh if lang == "zh" and check.detail_zh else check.detail
    detail = mask_personal(detail) if masked else detail
    open_, close = ("（", "）") if lang == "zh" else (" (", ")")
    return f"{_CHECK_TEXT[lang][check.check]}{open_}{detail}{close}"


def warning_text(warning: str, lang: Lang, record: CertificateRecord) -> str:
    """An image warning for people, with the fields it touches (反光遮挡（姓名、性别）)."""
    try:
        flag = Flag(warning)
    except ValueError:
        # A warning about the whole picture (dark), or a code of a newer release: shown as it is.
        return _WARNING_TEXT[lang].get(warning, warning)
    labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN
    touched = [labels[k] for k in FIELD_ORDER if flag in record.fields[k].flags]
    described = _FLAG_TEXT[lang].get(flag, warning)
    if not touched:
        return described
    open_, close, comma = ("（", "）", "、") if lang == "zh" else (" (", ")", ", ")
    return f"{described}{open_}{comma.join(touched)}{close}"


def warnings_text(warnings: Iterable[str], lang: Lang, record: CertificateRecord) -> str:
    """Image warnings for people, one after the other (see `warning_text`)."""
    return ("；" if lang == "zh" else "; ").join(warning_text(w, lang, record) for w in warnings)


_WARNING_TEXT: dict[Lang, dict[str, str]] = {
    "zh": {
        "dark": "画面偏暗",
        NO_TEXT_FOUND: "未找到文字",
        NO_CERTIFICATE: "未找到医师执业证书",
        HOLDER_PAGE_NOT_SHOWN: "照片里没有印姓名、身份证号的那一页：请把这一页也拍下来",
        CODE_PAGE_NOT_SHOWN: "照片里没有印编码、发证机关的那一页：请把这一页也拍下来",
        DIFFERENT_CERTIFICATES: "合并的照片不是同一张证书",
    },
    "en": {
        "dark": "picture too dark",
        NO_TEXT_FOUND: "no text found",
        NO_CERTIFICATE: "no practising certificate",
        HOLDER_PAGE_NOT_SHOWN: "The page with the name and ID number is not in the picture: "
        "photograph that page too",
        CODE_PAGE_NOT_SHOWN: "The page with the certificate code (编码) and the issuing authority is "
        "not in the picture: photograph that page too",
        DIFFERENT_CERTIFICATES: "the merged pictures show different certificates",
    },
}
