"""What the review page shows of a certificate, as JSON: pure functions from desk items to dicts.

The fields with their states and reasons, the pictures with the fields' boxes, the document and its
变更注册记录 blocks, the checks, the verification, and what to do about the photo itself
(`retake.photo_advice`). Nothing here does I/O but through the desk it is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..deskew.geometry import map_box
from ..fields import (
    FIELD_LABELS_EN,
    FIELD_LABELS_ZH,
    FIELD_ORDER,
    CertificateRecord,
    Document,
    FieldKey,
    Flag,
)
from ..report import flag_text, layout_text, verdict_text, verification_json
from ..report.advice import masked
from ..text import Lang, redact_url
from .desk import Item, ReviewDesk, flat_matrix
from .retake import PhotoAdvice
from .session import check_sentence, reasons

if TYPE_CHECKING:
    from ..verify import Verification


def status(item: Item) -> str:
    record = item.reviewed.record
    if record.error:
        return "error"
    if item.verified is not None:
        return "verified"
    return "review" if record.needs_review else "ready"


def summary(item: Item) -> dict[str, Any]:
    """One line of the list: enough to pick the certificate."""
    record = item.reviewed.record
    verified = item.verified
    return {
        "id": item.id,
        "file": shown_name(record.file),
        "page": record.page,
        "name": record.value(FieldKey.NAME) if not record.error else None,
        "status": status(item),
        "pending": len(record.needs_review),
        "verdict": str(verified.verdict) if verified and verified.verdict else None,
    }


def shown_name(file: str) -> str:
    """The file's own name: folders of the machine serving the page are none of the page's business."""
    return file.replace("\\", "/").rsplit("/", 1)[-1]


def item_view(desk: ReviewDesk, item: Item, lang: Lang, photo: PhotoAdvice | None = None) -> dict[str, Any]:
    """Everything the page shows for one certificate; `photo` what to do about the picture (said
    right after an upload, while the person is still at the wall)."""
    reviewed = item.reviewed
    record = reviewed.record
    out = summary(item)
    if record.error:
        out["error"] = (record.error_zh or record.error) if lang == "zh" else record.error
        return out
    labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN
    states = field_states(record, lang)
    fields = []
    for key in FIELD_ORDER:
        read = reviewed.read(key)
        current = record.fields[key]
        fields.append(
            {
                "key": str(key),
                "label": labels[key],
                "read": read.value,
                "raw": read.raw,
                "confidence": round(read.confidence, 3),
                "flags": [str(f) for f in read.flags],
                "corrected": key in reviewed.original and current.value != read.value,
                "box": read.box.to_json() if read.box else None,
                # Several shots read as one: the shots (1-based for people) whose reading agreed.
                "shots": sorted(i + 1 for i in current.shots),
                **states[str(key)],
            }
        )
    # Each view is a picture of the certificate with the fields' boxes in its own pixels: the photo
    # as given, and beside it the certificate flattened and turned upright as OCR read it.
    boxes = {f["key"]: f["box"] for f in fields if f["box"]}
    views = [{"kind": "photo", "url": f"/api/items/{item.id}/image", "boxes": boxes}] if item.image else []
    if item.shots:
        views = shot_views(desk, item)
    flat = flat_matrix(record)
    if item.image and flat is not None:
        flat_boxes = {k: [round(v) for v in map_box(tuple(b), flat[0])] for k, b in boxes.items()}
        views.append({"kind": "flat", "url": f"/api/items/{item.id}/flat", "boxes": flat_boxes})
    institution = reviewed.read(FieldKey.INSTITUTION)
    out |= {
        "fields": fields,
        "failed": failed(record, lang),
        "notes": [check_sentence(c, lang, record) for c in record.checks if c.ok and c.note],
        "warnings": list(record.warnings),
        "views": views,
        "institution": institution_view(desk, institution.raw or institution.value),
        "audit": [e.to_json() for e in reviewed.audit],
        "verification": _verification_view(item.verified, lang) if item.verified else None,
        "document": document_view(record, lang),
        "changes": changes_view(item, lang),
        "current": now.to_json() if (now := record.current) is not None else None,
        "photo": photo.to_json(lang) if photo is not None else None,
    }
    return out


# What a picture shows, for people (`fields.Document`, `fields.CertificateLayout`).
_DOCUMENTS: dict[Lang, dict[Document, str]] = {
    "zh": {
        Document.PRACTISING: "医师执业证书",
        Document.QUALIFICATION: "医师资格证书（只证明考试合格，不是执业注册）",
        Document.TITLE: "专业技术资格证书（职称证书，不是执业注册）",
        Document.ID_CARD: "身份证",
        Document.OTHER: "其他文件",
    },
    "en": {
        Document.PRACTISING: "practising certificate",
        Document.QUALIFICATION: "qualification certificate (the exam was passed; not a registration)",
        Document.TITLE: "professional title certificate (not a registration)",
        Document.ID_CARD: "ID card",
        Document.OTHER: "another document",
    },
}
_WRONG_DOCUMENT = {
    "zh": "这不是医师执业证书，而是{document}：执业注册只能用执业证书核验。",
    "en": "This is not a practising certificate but a {document}: registration is verified on the "
    "practising certificate only.",
}


def document_view(record: CertificateRecord, lang: Lang) -> dict[str, Any]:
    """What the picture shows: the kind of document and layout, and for anything but a practising
    certificate the sentence saying so (its verdict is wrong_document)."""
    document = _DOCUMENTS[lang][record.document]
    wrong = record.document is not Document.PRACTISING
    return {
        "kind": str(record.document),
        "text": document,
        "layout": None if record.layout is None else str(record.layout),
        "layout_text": None if record.layout is None else layout_text(record.layout, lang),
        "wrong": _WRONG_DOCUMENT[lang].format(document=document) if wrong else None,
    }


# The parts of a change block, in the order the page shows them, with their printed names.
CHANGE_PARTS: tuple[str, ...] = ("item", "value", "date", "authority", "new_code")
_CHANGE_LABELS: dict[Lang, dict[str, str]] = {
    "zh": {
        "item": "变更事项",
        "value": "变更内容",
        "date": "日期",
        "authority": "批准机关",
        "new_code": "新证书编码",
    },
    "en": {
        "item": "Item",
        "value": "New value",
        "date": "Date",
        "authority": "Approved by",
        "new_code": "New code",
    },
}


def changes_view(item: Item, lang: Lang) -> list[dict[str, Any]]:
    """The 变更注册记录 blocks: each part as it stands and as OCR read it, and why it needs review."""
    reviewed = item.reviewed
    labels = _CHANGE_LABELS[lang]
    out = []
    for index, change in enumerate(reviewed.record.changes):
        read = reviewed.read_change(index)
        out.append(
            {
                "index": index,
                "parts": [
                    {
                        "part": part,
                        "label": labels[part],
                        "value": getattr(change, part),
                        "read": getattr(read, part),
                    }
                    for part in CHANGE_PARTS
                ],
                "review": change.review,
                "confirmed": change.confirmed,
                "reasons": [flag_text(f, lang) for f in change.flags if f is not Flag.NORMALIZED]
                if change.review
                else [],
                "box": change.box.to_json() if change.box else None,
            }
        )
    return out


def shot_views(desk: ReviewDesk, item: Item) -> list[dict[str, Any]]:
    """The pictures of shots read as one, each with the boxes of the fields its reading gave (a
    field carries the box of the first shot that read its value, in that shot's pixels); a shot
    whose picture is not available (a row of a results file) has none."""
    fields = item.reviewed.record.fields
    return [
        {
            "kind": "shot",
            "shot": n + 1,
            "url": f"/api/items/{item.id}/shots/{n + 1}/image",
            "boxes": {
                str(k): f.box.to_json() for k, f in fields.items() if f.box and f.shots and f.shots[0] == n
            },
        }
        for n, shot in enumerate(item.shots)
        if desk.image(shot) is not None
    ]


def field_states(record: CertificateRecord, lang: Lang) -> dict[str, dict[str, Any]]:
    """What may change as a reviewer types: each field's value, reasons and review mark."""
    return {
        str(key): {
            "value": record.fields[key].value,
            "review": record.fields[key].review,
            "confirmed": record.fields[key].confirmed,
            "reasons": reasons(record, key, lang),
        }
        for key in FIELD_ORDER
    }


def failed(record: CertificateRecord, lang: Lang) -> list[str]:
    return [check_sentence(c, lang, record) for c in record.checks if not c.ok]


def institution_view(desk: ReviewDesk, text: str | None) -> dict[str, Any]:
    """The official name the text surely means, and the candidates a reviewer may pick from."""
    if not text:
        return {"match": None, "candidates": []}
    match = desk.matcher.match(text)
    names = [c.name for c in match.candidates]
    if match.match and match.match not in names:
        names.insert(0, match.match)
    return {"match": match.match, "candidates": names[:5]}


def _verification_view(v: Verification, lang: Lang) -> dict[str, Any]:
    data = verification_json(v, lang)
    labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN
    entry = v.entry
    return {
        "verdict": data["verdict"],
        "text": verdict_text(data["verdict"], lang) if data["verdict"] else None,
        "registry": redact_url(data["registry"]) if isinstance(data.get("registry"), str) else None,
        "entry": {"name": entry.name, "certificate_code": entry.certificate_code} if entry else None,
        "differences": [
            {
                "field": str(d.field),
                "label": labels[d.field],
                "certificate": masked(d.field, d.certificate),
                "registry": masked(d.field, d.registry),
                "explanation": shown["explanation"],
            }
            for d, shown in zip(v.differences, data["differences"], strict=True)
        ],
        "advice": data["advice"],
        "review_fields": [labels[FieldKey(k)] for k in data.get("review_fields", [])],
    }
